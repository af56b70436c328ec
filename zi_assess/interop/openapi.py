"""The OpenAPI 3.1 document of the PortalRB pull API, built for the configured prefix."""

from __future__ import annotations

from typing import Any

ERROR_CODES = {
    "401": ("API key tidak valid atau tidak dikirimkan", "UNAUTHORIZED"),
    "403": ("API key valid tetapi tidak berhak atas unit ini (unit instansi lain)", "FORBIDDEN"),
    "404": ("Data tidak ditemukan (tidak ada unit yang diusulkan, unit tidak dikenal, endpoint tidak dikenal)",
            "DATA_NOT_FOUND"),
    "422": ("Parameter tidak valid (tahun)", "INVALID_PARAMETER"),
    "429": ("Batas permintaan per menit terlampaui (header Retry-After)", "RATE_LIMITED"),
}


def _errors() -> dict[str, Any]:
    return {
        status: {
            "description": text,
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": {"error": True, "code": code, "message": text},
            }},
        }
        for status, (text, code) in ERROR_CODES.items()
    }


def _nullable_string(description: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "description": description}


TAHUN = {
    "name": "tahun", "in": "query", "required": False,
    "description": "Tahun evaluasi (bawaan: tahun berjalan)", "schema": {"type": "integer", "example": 2026},
}


def openapi_document(prefix: str, server: str = "/") -> dict[str, Any]:
    """The document; ``prefix`` is ``PORTALRB_API_PREFIX`` and ``server`` the app's base URL."""
    prefix = prefix.rstrip("/")
    units = {
        "parameters": [TAHUN],
        "responses": {
            "200": {"description": "Unit yang diusulkan",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UnitList"}}}},
            **_errors(),
        },
        "security": [{"bearer": []}],
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "zi-assess — API integrasi PortalRB",
            "version": "1.0.0",
            "description": "Endpoint yang ditarik PortalRB (Panduan Teknis API Integrasi ZI v1.0.0, tahun evaluasi "
                           "2026). Autentikasi: header Authorization: Bearer <API key> yang dibuat admin per "
                           "instansi. Setiap galat berbentuk {error, code, message}.",
        },
        "servers": [{"url": server.rstrip("/") + prefix}],
        "paths": {
            "/pengusulan/unit-wbk": {"get": {
                "summary": "Daftar unit yang diusulkan menuju WBK", "operationId": "unitWbk", **units}},
            "/pengusulan/unit-wbbm": {"get": {
                "summary": "Daftar unit yang diusulkan menuju WBBM", "operationId": "unitWbbm", **units}},
            "/lke/jawaban-unit/{unit_id}": {"get": {
                "summary": "Jawaban LKE satu unit, per soal_id master soal PortalRB",
                "operationId": "jawabanUnit",
                "parameters": [
                    {"name": "unit_id", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "id unit dari daftar unit-wbk / unit-wbbm"},
                    TAHUN,
                ],
                "responses": {
                    "200": {"description": "Jawaban LKE",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Jawaban"}}}},
                    **_errors(),
                },
                "security": [{"bearer": []}],
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error", "code", "message"],
                    "properties": {"error": {"type": "boolean", "const": True}, "code": {"type": "string"},
                                   "message": {"type": "string"}},
                },
                "UnitList": {
                    "type": "object", "required": ["tahun", "units"],
                    "properties": {
                        "tahun": {"type": "integer"},
                        "units": {"type": "array", "items": {
                            "type": "object", "required": ["id", "nama"],
                            "properties": {
                                "id": {"type": "string", "description": "kode unit; dipakai sebagai {unit_id}"},
                                "nama": {"type": "string"},
                                "kategori": {"type": "string", "enum": ["WBK", "WBK-AFIRMASI", "WBBM"]},
                                "afirmasi": {"type": "boolean"},
                            },
                        }},
                    },
                },
                "Jawaban": {
                    "type": "object", "required": ["unit_id", "nama_unit", "tahun", "answers"],
                    "properties": {
                        "unit_id": {"type": "string"}, "nama_unit": {"type": "string"}, "tahun": {"type": "integer"},
                        "answers": {"type": "array", "items": {
                            "type": "object",
                            "required": ["soal_id", "jawaban_unit", "jawaban_tpi", "catatan_unit",
                                         "bukti_dukung_unit", "catatan_tpi"],
                            "properties": {
                                "soal_id": {"type": "integer", "description": "id soal master soal PortalRB"},
                                "jawaban_unit": _nullable_string(
                                    "Jawaban mandiri unit: Ya/Tidak, A–E, atau angka (jumlah, nilai survei 0–4)"),
                                "jawaban_tpi": _nullable_string("Jawaban TPI (null bila belum ada)"),
                                "catatan_unit": _nullable_string("Catatan unit"),
                                "bukti_dukung_unit": _nullable_string(
                                    "URL bukti dukung unit, satu per baris (berkas: URL unduhan)"),
                                "catatan_tpi": _nullable_string("Catatan TPI"),
                            },
                        }},
                    },
                },
            },
        },
    }
