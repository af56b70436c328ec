"""``zi-assess storage verify``: every evidence blob and stored report row has its object in the
store, and the object's SHA-256 is the one in the row."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from sqlalchemy import select

from zi_assess.extensions import db
from zi_assess.models import EvidenceBlob, StoredReport
from zi_assess.storage import BlobMissing, Store, evidence_key, get_store, report_key


def _sha256(store: Store, key: str) -> str:
    digest = hashlib.sha256()
    with store.open(key) as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def problems() -> Iterator[str]:
    """One line per problem (none: the store holds everything the database names, intact)."""
    store = get_store()
    wanted = [(f"evidence blob {sha}", evidence_key(sha), sha)
              for sha in db.session.scalars(select(EvidenceBlob.sha256).order_by(EvidenceBlob.sha256))]
    wanted += [(f"stored report {row_id}", report_key(sha), sha) for row_id, sha in db.session.execute(
        select(StoredReport.id, StoredReport.sha256).order_by(StoredReport.id)).all()]
    for label, key, sha in wanted:
        try:
            actual = _sha256(store, key)
        except BlobMissing:
            yield f"missing: {label} ({key})"
            continue
        if actual != sha:
            yield f"altered: {label} ({key}) has sha256 {actual}"


def count() -> int:
    return len(db.session.scalars(select(EvidenceBlob.sha256)).all()) + \
        len(db.session.scalars(select(StoredReport.id)).all())
