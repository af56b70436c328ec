"""Rendered reports, kept in ``REPORT_DIR`` under their sha256: final ones for good, drafts and
recaps for the downloads that asked for them (see :mod:`zi_assess.reports.renders`).

A final report is rendered once; later downloads read the file back and check it against the
hash in its :class:`~zi_assess.models.StoredReport` row. A missing or altered file is never
served: the caller renders the report again (and logs why).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from zi_assess.extensions import db
from zi_assess.models import StoredReport

log = logging.getLogger(__name__)


def report_dir() -> Path:
    return Path(current_app.config["REPORT_DIR"])


def path_for(sha256: str) -> Path:
    return report_dir() / sha256[:2] / f"{sha256}.pdf"


def write(pdf: bytes) -> str:
    """Store PDF bytes (atomically: a reader never sees half a file) and return their sha256."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    target = path_for(sha256)
    if target.exists() and read_hash(sha256, "report file") is not None:
        return sha256  # already there and intact (an altered file is written again)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pdf)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256


def find(assessment_id: int, kind: str, layer: str, locale: str, lock_change_id: int) -> StoredReport | None:
    return db.session.scalar(select(StoredReport).where(
        StoredReport.assessment_id == assessment_id, StoredReport.kind == kind, StoredReport.layer == layer,
        StoredReport.locale == locale, StoredReport.lock_change_id == lock_change_id,
    ))


def read(row: StoredReport) -> bytes | None:
    """The stored bytes if the file is there and still matches its hash."""
    return read_hash(row.sha256, f"stored report {row.id}")


def read_hash(sha256: str, what: str = "report") -> bytes | None:
    """The bytes stored under ``sha256`` if the file is there and still matches it (``what``: for the log)."""
    try:
        pdf = path_for(sha256).read_bytes()
    except OSError:
        log.error("%s: file %s is missing", what, path_for(sha256))
        return None
    if hashlib.sha256(pdf).hexdigest() != sha256:
        log.error("%s: file content does not match its sha256", what)
        return None
    return pdf
