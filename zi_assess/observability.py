"""Logs and request ids: what an operator reads when something goes wrong.

Every request gets an id: the ``X-Request-ID`` a proxy or client sent, when it is a sane token,
else a new one. It comes back as a response header, is printed on error pages (a user can quote
it), is stored in the audit rows the request writes, and is on every log line written while the
request runs. One log line per request (request id, user id, method, path, status, duration)
goes to stdout with the application's own records, as JSON (``ZI_LOG_FORMAT=json``, the default
in production) or as text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import inspect as sa_inspect
from werkzeug.wrappers import Response

REQUEST_ID_HEADER = "X-Request-ID"
#: what is accepted from outside: letters, digits and . _ : - (8 to 64 characters); anything else
#: (spaces, quotes, newlines that would split a log line, very long values) is replaced
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
#: attributes of a log record written out as fields of their own
FIELDS = ("request_id", "user_id", "ip", "method", "path", "status", "duration_ms", "event", "detail")
#: libraries that narrate routine work at INFO (every CSS parse, every Alembic plugin)
QUIET_LOGGERS = ("weasyprint", "fontTools", "alembic.runtime.plugins")
request_log = logging.getLogger("zi_assess.request")


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request (CLI, workers)."""
    return g.get("request_id") if has_request_context() else None


def new_request_id(offered: str | None) -> str:
    """``offered`` when it is a sane token, else a fresh random id."""
    if offered and SANE_REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class _RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record written while it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message``, for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(rid)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.rid = f"[{request_id}] " if request_id else ""
        return super().format(record)


class StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(log_format: str, level: str = "INFO") -> logging.Handler:
    """One handler on the root logger writing ``log_format`` lines to stdout (replacing the one
    an earlier call installed); returns it."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_zi_assess", False)]:
        root.removeHandler(old)
    handler = StdoutHandler()
    handler._zi_assess = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(_RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(str(level).upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def init_observability(app: Flask) -> None:
    """Logging as configured, a request id for every request and the per-request log line."""
    from flask.logging import default_handler

    configure_logging(app.config["LOG_FORMAT"], app.config.get("LOG_LEVEL") or "INFO")
    app.logger.removeHandler(default_handler)  # the root handler writes Flask's records too

    @app.before_request
    def _start() -> None:
        g.request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id") or new_request_id(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        # the user Flask-Login already loaded for this request (none is loaded just to log it)
        user = g.get("_login_user")
        user_id = _user_id(user)
        request_log.info(
            "%s %s %s %s ms", request.method, request.path, response.status_code, duration,
            extra={"request_id": request_id, "user_id": user_id, "ip": request.remote_addr,
                   "method": request.method, "path": request.path, "status": response.status_code,
                   "duration_ms": duration},
        )
        return response


def _user_id(user: Any) -> int | None:
    """The signed-in user's id, read from its identity: after a commit the row is expired, and
    reading ``user.id`` would query the database again just to write this log line."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = sa_inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return identity[0] if identity else getattr(user, "id", None)
