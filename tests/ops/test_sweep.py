"""``zi-assess maint sweep``: nothing is left behind — stuck exports fail with a reason shown to the
user, old exports and imports are purged, temporaries and unreferenced objects go after the grace
period (and not before), including the staging file of a process killed mid-upload."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.web.test_evidence import PDF, upload
from zi_assess.extensions import db
from zi_assess.models import Evidence, EvidenceBlob, ExportItem, ExportJob
from zi_assess.models.base import utcnow
from zi_assess.storage import evidence_key, export_key, get_store, import_key, report_key

DAY = 86400


def sweep(runner, *extra):
    result = runner.invoke(args=["maint", "sweep", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def keys(prefix=""):
    return sorted(e.key for e in get_store().list(prefix))


def make_job(team, *, status, created_ago, finished_ago=None, items=("pending",), zip_name=None):
    job = ExportJob(id=os.urandom(16).hex(), created_by_id=team.manager.id, instansi_id=team.instansi.id, year=2026,
                    locale="id", backend="pool", status=status, total=len(items), zip_name=zip_name,
                    created_at=utcnow() - timedelta(seconds=created_ago),
                    finished_at=utcnow() - timedelta(seconds=finished_ago) if finished_ago is not None else None)
    db.session.add(job)
    db.session.flush()
    for position, state in enumerate(items, 1):
        db.session.add(ExportItem(job_id=job.id, position=position, unit_id=team.unit.id, label=f"Unit {position}",
                                  status=state, file_name=f"{position:03d}-x.pdf" if state == "done" else None))
    db.session.commit()
    return job.id


def test_a_stuck_export_fails_with_the_reason_on_its_progress_page(app, team, runner, login):
    stuck = make_job(team, status="running", created_ago=3 * 3600, items=("done", "pending", "pending"))
    get_store().save(export_key(f"{stuck}/001-x.pdf"), b"%PDF-1.7 done")
    recent = make_job(team, status="running", created_ago=60)
    assert f"would fail stuck export {stuck} (2 reports in all)" in sweep(runner, "--dry-run")
    assert db.session.get(ExportJob, stuck).status == "running"  # a dry run changes nothing
    out = sweep(runner)
    assert f"fail stuck export {stuck}" in out and recent not in out
    db.session.expire_all()
    job = db.session.get(ExportJob, stuck)
    assert job.status == "done" and job.zip_name and db.session.get(ExportJob, recent).status == "running"
    assert get_store().exists(export_key(job.zip_name)) and keys(f"exports/{stuck}/") == []
    page = login(team.manager).get(f"/ekspor/lhe/{stuck}").get_data(as_text=True)
    assert page.count("Dihentikan oleh pemeliharaan: laporan belum selesai setelah 120 menit.") == 2


def test_a_job_stuck_while_zipping_fails_with_its_reason(app, team, runner):
    job_id = make_job(team, status="zipping", created_ago=3 * 3600, items=("done",))
    sweep(runner)
    db.session.expire_all()
    job = db.session.get(ExportJob, job_id)
    assert job.status == "failed" and "ZIP belum selesai disusun" in job.error


def test_exports_past_retention_and_expired_imports_are_purged(app, team, runner):
    old = make_job(team, status="done", created_ago=9 * DAY, finished_ago=8 * DAY, items=("done",),
                   zip_name="LHE-old.zip")
    kept = make_job(team, status="done", created_ago=2 * DAY, finished_ago=DAY, items=("done",),
                    zip_name="LHE-new.zip")
    store = get_store()
    for name in ("LHE-old.zip", "LHE-new.zip", import_key("tok.xlsx")):
        store.save(export_key(name) if name.endswith(".zip") else name, b"x")
    os.utime(store.path(import_key("tok.xlsx")), (time.time() - 2 * 3600,) * 2)
    store.save(import_key("fresh.xlsx"), b"x")
    dry = sweep(runner, "--dry-run")
    assert f"would purge export {old}" in dry and "would remove imports/tok.xlsx (expired imports)" in dry
    assert db.session.get(ExportJob, old) is not None and store.exists(export_key("LHE-old.zip"))
    sweep(runner)
    db.session.expire_all()
    assert db.session.get(ExportJob, old) is None and db.session.get(ExportJob, kept) is not None
    assert db.session.scalar(select(func.count()).select_from(ExportItem).where(ExportItem.job_id == old)) == 0
    assert keys("exports/") == ["exports/LHE-new.zip"] and keys("imports/") == ["imports/fresh.xlsx"]


def test_an_upload_whose_transaction_failed_is_swept_after_the_grace_period_only(app, team, draft, login, runner,
                                                                                 monkeypatch):
    client = login(team.operator)
    upload(client, draft.id, "dipakai.pdf", PDF)  # referenced: stays
    orphan = PDF.replace(b"obj", b"obj ")

    def failing(*args, **kwargs):
        raise RuntimeError("the database went away before the commit")

    monkeypatch.setattr("zi_assess.evidence.operations.record", failing)  # after the blob, before the commit
    with pytest.raises(RuntimeError):
        upload(client, draft.id, "gagal.pdf", orphan)
    monkeypatch.undo()
    db.session.rollback()
    orphan_key = evidence_key(hashlib.sha256(orphan).hexdigest())
    assert get_store().exists(orphan_key) and db.session.scalar(select(func.count()).select_from(Evidence)) == 1
    assert "0 unreferenced" not in sweep(runner) and get_store().exists(orphan_key)  # young: may be committing
    app.config["STORAGE_GRACE_MINUTES"] = 0
    out = sweep(runner)
    assert f"remove {orphan_key} (unreferenced evidence)" in out
    assert keys("evidence/") == [evidence_key(hashlib.sha256(PDF).hexdigest())]
    assert db.session.scalar(select(func.count()).select_from(EvidenceBlob)) == 1


def test_unreferenced_reports_and_exports_go_after_the_grace_period(app, team, runner):
    store = get_store()
    store.save(report_key("ab" * 32), b"%PDF-1.7 nobody")
    store.save(export_key("deadbeef/001-x.pdf"), b"%PDF-1.7 purged job")
    assert "would" not in sweep(runner, "--dry-run").replace("dry run", "")
    app.config["STORAGE_GRACE_MINUTES"] = 0
    sweep(runner)
    assert keys("reports/") == [] and keys("exports/") == []


KILLED_UPLOAD = """
import sys, time
from pathlib import Path
from zi_assess.evidence.storage import store
from zi_assess.storage.fs import FsStore

class Slow:
    sent = False
    def read(self, n):
        if not self.sent:
            self.sent = True
            return b"%PDF-1.4 " + b"x" * 300000
        Path(sys.argv[2]).write_text("writing")
        time.sleep(60)
        return b""

store(Slow(), "besar.pdf", 10 ** 8, FsStore(sys.argv[1]))
"""


def test_a_process_killed_while_storing_an_upload_leaves_only_a_temporary_that_the_sweep_removes(app, runner,
                                                                                                   tmp_path):
    root = app.config["STORAGE_PATH"]
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_UPLOAD, root, str(marker)])
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    left = [e.key for e in get_store().list("")]
    assert len(left) == 1 and left[0].startswith("tmp/upload-")  # no object, only the temporary
    assert "temporaries" not in sweep(runner)  # within the grace period it may still be in use
    app.config["STORAGE_GRACE_MINUTES"] = 0
    assert "(temporaries)" in sweep(runner)
    assert list(get_store().list("")) == []
