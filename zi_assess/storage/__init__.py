"""Every file zi-assess keeps goes through one store: evidence blobs, stored reports, export ZIPs
and pending Excel imports.

``ZI_STORAGE=fs`` (default) keeps them under ``ZI_STORAGE_PATH`` (the instance folder), a folder
that several servers may share; ``ZI_STORAGE=s3`` in an S3-compatible bucket (``ZI_S3_*``).
Code asks :func:`get_store` and names objects with the key helpers below; nothing else builds
a path to a stored file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

from zi_assess.storage.base import BlobMissing, Entry, Staged, StorageError, Store, StoreFull, StoreUnavailable

__all__ = ["BlobMissing", "Entry", "Staged", "StorageError", "Store", "StoreFull", "StoreUnavailable",
           "build_store", "evidence_key", "export_key", "get_store", "import_key", "report_key"]

BACKENDS = ("fs", "s3")
EVIDENCE = "evidence/"
REPORTS = "reports/"
EXPORTS = "exports/"
IMPORTS = "imports/"


def evidence_key(sha256: str) -> str:
    return f"{EVIDENCE}{sha256[:2]}/{sha256[2:4]}/{sha256}"


def report_key(sha256: str) -> str:
    return f"{REPORTS}{sha256[:2]}/{sha256}.pdf"


def export_key(name: str) -> str:
    """A bulk export's file: ``<job id>/<position>-<report>.pdf`` while it runs, then ``<zip name>``."""
    return EXPORTS + name


def import_key(name: str) -> str:
    return IMPORTS + name


def sha_of(key: str) -> str:
    """The sha256 a content-addressed key (evidence or report) names."""
    return key.rsplit("/", 1)[-1].removesuffix(".pdf")


def build_store(cfg: Any, instance_path: str) -> Store:
    backend = str(cfg.get("STORAGE") or "fs").lower()
    if backend == "s3":
        from zi_assess.storage.s3 import S3Store

        return S3Store(bucket=cfg["S3_BUCKET"], prefix=cfg.get("S3_PREFIX") or "",
                       staging_dir=cfg.get("STORAGE_STAGING_PATH") or Path(instance_path) / "tmp",
                       endpoint_url=cfg.get("S3_ENDPOINT_URL"), access_key_id=cfg.get("S3_ACCESS_KEY_ID"),
                       secret_access_key=cfg.get("S3_SECRET_ACCESS_KEY"), region=cfg.get("S3_REGION"),
                       timeout=float(cfg.get("S3_TIMEOUT") or 5))
    from zi_assess.storage.fs import FsStore

    return FsStore(cfg.get("STORAGE_PATH") or instance_path)


def get_store() -> Store:
    """The application's store (built once per app; safe to share between threads)."""
    store = current_app.extensions.get("zi_store")
    if store is None:
        store = current_app.extensions["zi_store"] = build_store(current_app.config, current_app.instance_path)
    return store  # type: ignore[no-any-return]
