"""The preferences form: for each kind, in the inbox and/or by e-mail."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from zi_assess.forms import BaseForm
from zi_assess.notifications import KINDS


class PreferencesForm(BaseForm):
    """Fields ``<kind>-in_app`` and ``<kind>-email`` for every kind (added below)."""

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {k: (bool(self[f"{k}-in_app"].data), bool(self[f"{k}-email"].data)) for k in KINDS}

    def rows(self) -> list[tuple[str, Any, Any]]:
        return [(k, self[f"{k}-in_app"], self[f"{k}-email"]) for k in KINDS]


for _kind in KINDS:
    setattr(PreferencesForm, f"{_kind}-in_app", BooleanField(_l("Di aplikasi"), default=True))
    setattr(PreferencesForm, f"{_kind}-email", BooleanField(_l("Email"), default=True))
