"""Friendly error pages in the user's language; permission denials are audited.

The error page itself never fails: when rendering it raises (a template, the database behind the
navigation, a request whose host was refused), a minimal page in both languages with the request
id is sent instead. A database that cannot be reached answers 503 with ``Retry-After``; values
a database would refuse (ids out of range, NUL characters) are refused before any query runs.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from flask import Flask, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from zi_assess.assessments.operations import NotFound
from zi_assess.authz import PermissionDenied
from zi_assess.domain.loader import CriteriaChanged
from zi_assess.extensions import db, login_manager
from zi_assess.security_events import security_event
from zi_assess.storage import BlobMissing, StorageError, StoreFull
from zi_assess.web import actor

log = logging.getLogger(__name__)
#: seconds a client is asked to wait when the database cannot be reached
RETRY_AFTER_SECONDS = 30
#: the largest id a URL may name: ids are INTEGER columns (PostgreSQL refuses more than this)
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in every route: a number beyond any id is a page that does not exist (404),
    never a database error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_converters(app: Flask) -> None:
    """Called before any blueprint is registered (rules compile their converters when added)."""
    app.url_map.converters["int"] = BoundedIntConverter


def fallback_page(code: int) -> str:
    """The page sent when the error page cannot be rendered: no template, no database."""
    request_id = escape(str(g.get("request_id") or "")) if _has_g() else ""
    return (
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>" + str(code) + "</title></head>"
        "<body><h1>" + str(code) + "</h1><p>Maaf, terjadi kesalahan. Data yang sudah tersimpan tetap aman; "
        "coba lagi sebentar lagi.</p><p lang=\"en\">Sorry, something went wrong. Data already saved is safe; "
        "please try again shortly.</p>"
        + (f"<p>Kode permintaan / request id: <code>{request_id}</code></p>" if request_id else "")
        + "<p><a href=\"/\">Beranda / Home</a></p></body></html>"
    )


def _has_g() -> bool:
    from flask import has_app_context

    return has_app_context()


def error_page(code: int, *, error: Any = None, message: str | None = None,
               headers: dict[str, str] | None = None) -> Response:
    """The error page in the user's language, or :func:`fallback_page` if rendering it fails."""
    try:
        body = render_template("errors/error.html", code=code, error=error, message=message)
    except Exception:  # noqa: BLE001  (the error page must never fail)
        log.exception("the error page for HTTP %s could not be rendered; sent the minimal one", code)
        body = fallback_page(code)
    response = make_response(body, code)
    response.headers.update(headers or {})
    return response


def _without_database_user() -> None:
    """The navigation asks who is signed in; with the database down nobody can be looked up."""
    if "_login_user" not in g or g.get("_login_user") is None:
        g._login_user = login_manager.anonymous_user()


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


def register_error_pages(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_characters() -> None:
        # No database stores U+0000 in text (PostgreSQL refuses it): such a request is malformed.
        if "\x00" in request.path or _has_nul(request.args) or (
                request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                    "application/x-www-form-urlencoded", "multipart/form-data") and _has_nul(request.form)):
            raise BadRequest("NUL character in the request")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        return error_page(exc.code or 500, error=exc)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        # A form without its token (or from an expired session) is refused before the view runs.
        db.session.rollback()
        if security_event(actor(), "csrf_failed", detail={"reason": str(exc.description)[:200],
                                                          "path": request.path[:300]}):
            db.session.commit()
        message = _("Formulir ini kedaluwarsa atau tidak dikirim dari halaman zi-assess, sehingga tidak diproses. "
                    "Muat ulang halaman, lalu kirim kembali.")
        return error_page(400, message=message)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(exc: Exception):  # type: ignore[no-untyped-def]
        log.error("database unavailable: %s", type(getattr(exc, "orig", None) or exc).__name__)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001  (the connection may be gone)
            log.debug("rollback after a database failure failed too", exc_info=True)
        _without_database_user()
        return error_page(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.errorhandler(DataError)
    def _data_error(exc: DataError):  # type: ignore[no-untyped-def]
        # A value the database refuses (out of range, malformed): the request was bad, not the server.
        log.warning("database refused a value: %s", type(exc.orig).__name__)
        db.session.rollback()
        return error_page(400)

    @app.errorhandler(PermissionDenied)
    def _denied(exc: PermissionDenied):  # type: ignore[no-untyped-def]
        # The denial must be audited even though the request failed: its own changes are
        # dropped first, then the event alone is committed.
        db.session.rollback()
        if security_event(actor(), "permission_denied", detail={"action": exc.action, "reason": exc.reason}):
            db.session.commit()
        return error_page(404 if exc.hide else 403)

    @app.errorhandler(CriteriaChanged)
    def _criteria_changed(exc: CriteriaChanged):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return error_page(409, message=_(
            "Berkas kriteria %(version)s telah berubah sejak penilaian ini dibuka, sehingga penilaian ini tidak "
            "dihitung ulang dengan kriteria yang berbeda. Hubungi admin: kembalikan berkas kriteria semula.",
            version=exc.criteria_id))

    @app.errorhandler(NotFound)
    def _not_found(_exc: NotFound):  # type: ignore[no-untyped-def]
        return error_page(404)

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
        return error_page(code, message=message)
