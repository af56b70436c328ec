"""``zi-assess storage verify``: exit 0 when every row's object is there and intact, else 1 with a list."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from zi_assess.extensions import db
from zi_assess.models import StoredReport
from zi_assess.storage import evidence_key, get_store, report_key


def test_verify_is_clean_then_lists_what_is_missing_or_altered(app, team, decided, login, runner):
    client = login(team.manager)
    assert client.get(f"/penilaian/{decided.id}/lhe.pdf").status_code == 200
    clean = runner.invoke(args=["storage", "verify"])
    assert clean.exit_code == 0 and "objects present and intact" in clean.output
    row = db.session.scalar(select(StoredReport))
    get_store().save(report_key(row.sha256), b"%PDF-1.7 altered")
    sha = hashlib.sha256(b"gone").hexdigest()
    from zi_assess.models import EvidenceBlob

    db.session.add(EvidenceBlob(sha256=sha, size=4, content_type="application/pdf"))
    db.session.commit()
    broken = runner.invoke(args=["storage", "verify"])
    assert broken.exit_code == 1
    assert f"missing: evidence blob {sha} ({evidence_key(sha)})" in broken.output
    assert f"altered: stored report {row.id} ({report_key(row.sha256)})" in broken.output
    assert "2 of 2 objects missing or altered" in broken.output
