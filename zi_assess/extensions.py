"""Flask extensions, created unbound and attached in :func:`zi_assess.app.build_app`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def savepoint() -> Iterator[None]:
    """A SAVEPOINT inside the caller's transaction: a write that fails inside it (a unique key or
    a row version lost to a concurrent request) is undone alone, and the transaction the request
    or CLI command owns goes on. Operations use this instead of rolling back.

    pysqlite opens its transaction lazily, just before the first INSERT/UPDATE; a SAVEPOINT sent
    earlier would open it instead and its RELEASE would COMMIT everything so far. So on SQLite the
    outer transaction is begun explicitly first.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:  # type: ignore[attr-defined]
            connection.exec_driver_sql("BEGIN")
    with db.session.begin_nested():
        yield


def redis_client(*, socket_timeout: float | None = None) -> Any:
    """The Redis client of ``ZI_REDIS_URL`` (one connection pool per process), or None without Redis."""
    from flask import current_app

    url = current_app.config.get("REDIS_URL")
    return _redis_for(url, socket_timeout) if url else None


@lru_cache(maxsize=8)
def _redis_for(url: str, socket_timeout: float | None) -> Any:
    from redis import Redis

    return Redis.from_url(url, socket_timeout=socket_timeout)
