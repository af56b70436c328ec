"""Flask extensions, created unbound and attached in :func:`zi_assess.app.build_app`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import Session

from zi_assess.models.base import Base

if TYPE_CHECKING:
    from flask_login import LoginManager
    from flask_wtf import CSRFProtect

    csrf: CSRFProtect
    login_manager: LoginManager

db = SQLAlchemy(model_class=Base)
babel = Babel()


def __getattr__(name: str) -> Any:
    """``csrf`` and ``login_manager``, made when first asked for (the web app's factory and views
    do): the lean app of ``zi-assess report`` and ``worker`` serves no request and imports neither
    Flask-WTF with WTForms nor Flask-Login."""
    if name == "csrf":
        from flask_wtf import CSRFProtect

        value: Any = CSRFProtect()
    elif name == "login_manager":
        from flask_login import LoginManager

        value = LoginManager()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


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


_AFTER_COMMIT = "zi_after_commit"
log = logging.getLogger(__name__)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the transaction in progress commits; forget it if it rolls back.

    Operations never commit, yet some work must only start once what they wrote is visible to
    other processes (a worker rendering the reports a workflow step made final). A failing
    callback is logged; the commit stands.
    """
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint was released: the transaction itself goes on
        return
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:
            log.exception("work scheduled after a commit failed")


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint inside it
        session.info.pop(_AFTER_COMMIT, None)


def redis_client(*, socket_timeout: float | None = None) -> Any:
    """The Redis client of ``ZI_REDIS_URL`` (one connection pool per process), or None without Redis."""
    from flask import current_app

    url = current_app.config.get("REDIS_URL")
    return _redis_for(url, socket_timeout) if url else None


@lru_cache(maxsize=8)
def _redis_for(url: str, socket_timeout: float | None) -> Any:
    from redis import Redis

    return Redis.from_url(url, socket_timeout=socket_timeout)
