"""``GET /healthz``: is this instance able to serve? For load balancers, orchestrators and people.

No login and no session: the answer is JSON naming each check and whether it passed, with
HTTP 200 when every check that applies passed and 503 otherwise. A check is a function
registered with :func:`health_check`; it returns a detail string (passed), raises
:class:`CheckSkipped` (not configured here), :class:`CheckFailed` (failed, with a message fit to
show) or anything else (failed; only the exception class is shown, since the endpoint is public
and driver messages can carry addresses).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from zi_assess.extensions import db, redis_client

bp = Blueprint("health", __name__)

Check = Callable[[], str]
#: the checks in the order they run, by name (later rounds add theirs with ``health_check``)
CHECKS: dict[str, Check] = {}


class CheckSkipped(Exception):
    """The checked service is not configured for this instance (e.g. no Redis)."""


class CheckFailed(Exception):
    """A failure whose message is safe to show (it names no address or credential)."""


def health_check(name: str) -> Callable[[Check], Check]:
    """Register a check under ``name`` (replacing one of the same name)."""

    def register(func: Check) -> Check:
        CHECKS[name] = func
        return func

    return register


def run_checks() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Run every check: (all passed, {name: {"status": "ok"|"fail"|"skipped", "ms": …, "detail": …}})."""
    results: dict[str, dict[str, Any]] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            outcome = {"status": "ok", "detail": check()}
        except CheckSkipped as exc:
            outcome = {"status": "skipped", "detail": str(exc)}
        except Exception as exc:  # any failure is the answer, not a crash
            healthy = False
            outcome = {"status": "fail", "detail": str(exc) if isinstance(exc, CheckFailed) else type(exc).__name__}
            current_app.logger.warning("health check %s failed: %r", name, exc)
        outcome["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = outcome
    return healthy, results


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    healthy, checks = run_checks()
    response = jsonify(status="ok" if healthy else "fail", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503


# -- the checks ------------------------------------------------------------------------------


@health_check("database")
def check_database() -> str:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        return conn.dialect.name


@health_check("migrations")
def check_migrations() -> str:
    """The database's schema is at the newest migration the installed code carries."""
    with db.engine.connect() as conn:
        try:
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
        except SQLAlchemyError:
            raise CheckFailed("no schema: run zi-assess db upgrade") from None
    expected = set(_script_heads())
    if current != expected:
        at, wanted = ",".join(sorted(current)) or "nothing", ",".join(sorted(expected))
        raise CheckFailed(f"database at {at}, code at {wanted}: run zi-assess db upgrade")
    return ",".join(sorted(current))


def _script_heads() -> tuple[str, ...]:
    """The head revision(s) of the shipped migrations (read once per process)."""
    heads = current_app.extensions.get("zi_migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        directory = current_app.extensions["migrate"].directory
        heads = current_app.extensions["zi_migration_heads"] = tuple(ScriptDirectory(directory).get_heads())
    return tuple(heads)


@health_check("redis")
def check_redis() -> str:
    client = redis_client(socket_timeout=1)
    if client is None:
        raise CheckSkipped("ZI_REDIS_URL not set")
    client.ping()
    return "ping"


@health_check("storage")
def check_storage() -> str:
    """The store accepts an object (written and removed), and its local staging folder a file."""
    from zi_assess.storage import get_store

    store = get_store()
    with store.staging():
        pass
    return store.probe()
