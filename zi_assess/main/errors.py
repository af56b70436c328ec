"""Friendly error pages in the user's language; permission denials are audited."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from zi_assess.assessments.operations import NotFound
from zi_assess.audit import record
from zi_assess.authz import PermissionDenied
from zi_assess.extensions import db
from zi_assess.storage import BlobMissing, StorageError, StoreFull
from zi_assess.web import actor

log = logging.getLogger(__name__)


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = exc.code or 500
        return render_template("errors/error.html", code=code, error=exc), code

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc: CSRFError):  # type: ignore[no-untyped-def]
        # A form without its token (or from an expired session) is refused before the view runs.
        message = _("Formulir ini kedaluwarsa atau tidak dikirim dari halaman zi-assess, sehingga tidak diproses. "
                    "Muat ulang halaman, lalu kirim kembali.")
        return render_template("errors/error.html", code=400, error=None, message=message), 400

    @app.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied):  # type: ignore[no-untyped-def]
        # The denial must be audited even though the request failed: its own changes are
        # dropped first, then the event alone is committed.
        db.session.rollback()
        record(actor(), "permission.denied", detail={"action": exc.action, "reason": exc.reason})
        db.session.commit()
        code = 404 if exc.hide else 403
        return render_template("errors/error.html", code=code, error=None), code

    @app.errorhandler(NotFound)
    def _not_found(_exc: NotFound):  # type: ignore[no-untyped-def]
        return render_template("errors/error.html", code=404, error=None), 404

    @app.errorhandler(StorageError)
    def _storage_error(exc: StorageError):  # type: ignore[no-untyped-def]
        # Nothing of the request is written: a row must never point at an object that is not stored.
        db.session.rollback()
        log.error("storage: %s: %s", type(exc).__name__, exc)
        if isinstance(exc, StoreFull):
            code, message = 507, _("Penyimpanan berkas penuh, sehingga tidak ada yang disimpan. Halaman lain tetap "
                                   "dapat digunakan; coba lagi nanti dan beri tahu administrator.")
        elif isinstance(exc, BlobMissing):
            code, message = 503, _("Berkas ini tidak ditemukan di penyimpanan. Administrator perlu memeriksa "
                                   "penyimpanan berkas; data lain tetap aman.")
        else:
            code, message = 503, _("Penyimpanan berkas sedang tidak dapat dijangkau, sehingga tidak ada yang "
                                   "disimpan. Halaman lain tetap dapat digunakan; coba lagi sebentar lagi.")
        return render_template("errors/error.html", code=code, error=None, message=message), code
