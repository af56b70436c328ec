"""Flask extensions, created unbound and attached in :func:`zi_assess.app.build_app`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from zi_assess.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


def redis_client(*, socket_timeout: float | None = None) -> Any:
    """The Redis client of ``ZI_REDIS_URL`` (one connection pool per process), or None without Redis."""
    from flask import current_app

    url = current_app.config.get("REDIS_URL")
    return _redis_for(url, socket_timeout) if url else None


@lru_cache(maxsize=8)
def _redis_for(url: str, socket_timeout: float | None) -> Any:
    from redis import Redis

    return Redis.from_url(url, socket_timeout=socket_timeout)
