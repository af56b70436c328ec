"""Friendly error pages in the user's language; permission denials are audited."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from zi_assess.assessments.operations import NotFound
from zi_assess.audit import record_now
from zi_assess.authz import PermissionDenied
from zi_assess.web import actor


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = exc.code or 500
        return render_template("errors/error.html", code=code, error=exc), code

    @app.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied):  # type: ignore[no-untyped-def]
        record_now(actor(), "permission.denied", detail={"action": exc.action, "reason": exc.reason})
        code = 404 if exc.hide else 403
        return render_template("errors/error.html", code=code, error=None), code

    @app.errorhandler(NotFound)
    def _not_found(_exc: NotFound):  # type: ignore[no-untyped-def]
        return render_template("errors/error.html", code=404, error=None), 404
