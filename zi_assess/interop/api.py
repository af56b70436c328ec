"""The PortalRB pull API (Panduan Teknis API Integrasi ZI v1.0.0, evaluation year 2026).

PortalRB calls, with ``Authorization: Bearer <key>`` (a key an admin created for the instansi):

- ``GET {prefix}/pengusulan/unit-wbk`` and ``…/unit-wbbm`` — the instansi's units proposed
  for ``?tahun=`` (default: this year) toward that predicate;
- ``GET {prefix}/lke/jawaban-unit/<unit_id>`` — the unit's answers keyed by PortalRB soal id.

Every non-2xx answer is ``{"error": true, "code": …, "message": …}`` (401, 403, 404, 405, 422,
429), unknown paths under the prefix included. Every call, allowed or refused, is in the audit
trail. The prefix is ``PORTALRB_API_PREFIX``; the blueprint is CSRF-exempt (no cookies are used).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from zi_assess.assessments.loading import load_bundle
from zi_assess.authz import api_key_units
from zi_assess.clock import local_date
from zi_assess.extensions import csrf, db
from zi_assess.interop import operations as ops
from zi_assess.interop import ratelimit
from zi_assess.interop.openapi import openapi_document
from zi_assess.interop.sources import jawaban_unit, proposed_assessment, proposed_units
from zi_assess.models import ApiKey, Predicate, Unit
from zi_assess.web import client_ip

ENDPOINTS = ("/pengusulan/unit-wbk", "/pengusulan/unit-wbbm", "/lke/jawaban-unit/")


class _PrefixedBlueprint(Blueprint):
    """Registered under the configured ``PORTALRB_API_PREFIX`` (the app decides, not the module)."""

    def register(self, app: Flask, options: dict[str, Any]) -> None:
        options = {**options, "url_prefix": app.config["PORTALRB_API_PREFIX"].rstrip("/") or None}
        super().register(app, options)


bp = _PrefixedBlueprint("portalrb_api", __name__)
csrf.exempt(bp)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _label(key: ApiKey | None) -> str:
    return f"apikey:{key.prefix}" if key is not None else f"api-anon:{client_ip() or '-'}"[:254]


def _authenticate() -> ApiKey:
    """The request's key, after the rate limit; ApiError 401/429 otherwise."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    key = ops.find_api_key(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if key is not None:
        request.environ["zi.api.key"] = key
    allowed, retry = ratelimit.allow(_label(key))
    if not allowed:
        raise ApiError(429, "RATE_LIMITED", "Batas jumlah permintaan per menit terlampaui; coba lagi nanti.",
                       headers={"Retry-After": str(retry)})
    if key is None:
        presented = ops.key_prefix(token.strip()) if token else None
        request.environ["zi.api.presented"] = presented
        raise ApiError(401, "UNAUTHORIZED", "API key tidak valid, sudah dicabut, atau tidak dikirimkan "
                       "(gunakan header Authorization: Bearer <key>).")
    return key


def _tahun() -> int:
    raw = request.args.get("tahun")
    if raw is None or raw == "":
        return local_date().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise ApiError(422, "INVALID_PARAMETER", "Parameter tahun harus berupa tahun empat digit (mis. 2026).")
    return int(raw)


def _finish(payload: dict[str, Any], key: ApiKey, detail: dict[str, Any] | None = None) -> Response:
    ops.touch_api_key(key)
    ops.record_api_call(client_ip(), _label(key), status=200, code=None, path=request.path,
                        instansi_id=key.instansi_id, detail=detail)
    db.session.commit()
    return _json(payload)


def _units(predicate: Predicate) -> Response:
    key = _authenticate()
    tahun = _tahun()
    units = proposed_units(key, tahun, predicate)
    if not units:
        raise ApiError(404, "DATA_NOT_FOUND", f"Data pengusulan {predicate.value} untuk instansi ini pada tahun "
                       f"{tahun} belum tersedia.")
    return _finish({"tahun": tahun, "units": units}, key, {"tahun": tahun, "units": len(units)})


@bp.get("/pengusulan/unit-wbk")
def unit_wbk() -> Response:
    return _units(Predicate.WBK)


@bp.get("/pengusulan/unit-wbbm")
def unit_wbbm() -> Response:
    return _units(Predicate.WBBM)


@bp.get("/lke/jawaban-unit/<path:unit_id>")
def jawaban(unit_id: str) -> Response:
    key = _authenticate()
    tahun = _tahun()
    unit = db.session.scalar(api_key_units(key, select(Unit).where(Unit.code == unit_id)))
    if unit is None:
        elsewhere = db.session.scalar(select(Unit.id).where(Unit.code == unit_id).limit(1))
        if elsewhere is not None:
            raise ApiError(403, "FORBIDDEN", "Unit ini bukan milik instansi pemilik API key.")
        raise ApiError(404, "UNIT_NOT_FOUND", "Unit dengan id tersebut tidak ditemukan.")
    assessment = proposed_assessment(unit, tahun)
    bundle = load_bundle(assessment.id) if assessment is not None else None
    if bundle is None:
        raise ApiError(404, "DATA_NOT_FOUND", f"Unit ini tidak diusulkan pada tahun {tahun}.")
    answers = jawaban_unit(bundle)
    payload = {"unit_id": unit.code, "nama_unit": unit.name, "tahun": tahun, "answers": answers}
    return _finish(payload, key, {"tahun": tahun, "unit": unit.code, "assessment": assessment.id})


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document of these endpoints (public: it holds no data)."""
    return _json(openapi_document(current_app.config["PORTALRB_API_PREFIX"], request.host_url))


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> Response:
    path = "/" + rest
    if request.method != "GET" and (path in ENDPOINTS[:2] or path.startswith(ENDPOINTS[2]) or
                                    path == "/openapi.json"):
        raise ApiError(405, "METHOD_NOT_ALLOWED", "Endpoint ini hanya menerima GET.", headers={"Allow": "GET"})
    raise ApiError(404, "NOT_FOUND", "Endpoint tidak dikenal.")


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    """Refusals in the contract's shape, recorded in the audit trail (committed even though the call failed)."""
    db.session.rollback()
    key = request.environ.get("zi.api.key")
    detail = {"method": request.method}
    presented = request.environ.get("zi.api.presented")
    if presented:
        detail["presented_key"] = presented
    ops.record_api_call(client_ip(), _label(key), status=exc.status, code=exc.code, path=request.path,
                        instansi_id=key.instansi_id if key is not None else None, detail=detail)
    db.session.commit()
    return _json({"error": True, "code": exc.code, "message": exc.message}, exc.status, exc.headers)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    return _api_error(ApiError(code, f"HTTP_{code}", exc.description or exc.name))


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    current_app.logger.exception("PortalRB API failure")
    return _api_error(ApiError(500, "INTERNAL_ERROR", "Terjadi kesalahan di sisi instansi; coba lagi nanti."))
