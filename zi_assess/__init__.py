"""zi-assess: the workflow engine for Zona Integritas (WBK/WBBM) evaluations.

``create_app`` is imported lazily so that ``zi-assess score`` (pure domain code) never pays
for importing Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask application (see :func:`zi_assess.app.build_app`)."""
    from zi_assess.app import build_app

    return build_app(config)
