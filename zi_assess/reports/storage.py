"""Rendered reports, kept in the store under their sha256 (``reports/ab/<sha256>.pdf``): final ones
for good, drafts and recaps for the downloads that asked for them (see
:mod:`zi_assess.reports.renders`).

A final report is rendered once; later downloads read the object back and check it against the
hash in its :class:`~zi_assess.models.StoredReport` row. An altered object is never served: the
caller renders the report again (and logs why). A missing final report is not re-rendered: the
store is the shared truth for every server, so a missing object means the store lost it (or is
not the right one), which an operator must see — :class:`~zi_assess.storage.BlobMissing`, logged,
and listed by ``zi-assess storage verify``.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import select

from zi_assess.extensions import db
from zi_assess.models import StoredReport
from zi_assess.storage import BlobMissing, get_store, report_key

log = logging.getLogger(__name__)


def write(pdf: bytes) -> str:
    """Store PDF bytes (atomically: a reader never sees half an object) and return their sha256.

    Written before the row that names it; an object whose row never commits is removed by the sweep."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    get_store().save(report_key(sha256), pdf)
    return sha256


def find(assessment_id: int, kind: str, layer: str, locale: str, lock_change_id: int) -> StoredReport | None:
    return db.session.scalar(select(StoredReport).where(
        StoredReport.assessment_id == assessment_id, StoredReport.kind == kind, StoredReport.layer == layer,
        StoredReport.locale == locale, StoredReport.lock_change_id == lock_change_id,
    ))


def read(row: StoredReport) -> bytes | None:
    """A final report's bytes, or None when they no longer match the hash (render again and repair).

    Raises BlobMissing (after a log line) when the store does not have the object."""
    try:
        pdf = get_store().read(report_key(row.sha256))
    except BlobMissing:
        log.error("stored report %s (assessment %s): object %s is missing from the store", row.id,
                  row.assessment_id, report_key(row.sha256))
        raise
    if hashlib.sha256(pdf).hexdigest() != row.sha256:
        log.error("stored report %s: file content does not match its sha256", row.id)
        return None
    return pdf


def read_hash(sha256: str, what: str = "report") -> bytes | None:
    """The bytes stored under ``sha256`` if the object is there and still matches it (``what``: for
    the log). Drafts and recaps: a missing one is rendered again."""
    try:
        pdf = get_store().read(report_key(sha256))
    except BlobMissing:
        log.error("%s: object %s is missing from the store", what, report_key(sha256))
        return None
    if hashlib.sha256(pdf).hexdigest() != sha256:
        log.error("%s: file content does not match its sha256", what)
        return None
    return pdf
