"""Bulk LHE export through RQ on the machine's Redis, run by `zi-assess worker`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import _test_config
from tests.reports import pdfutil
from tests.reports.bulk_helpers import start_export, wait_until_finished, zip_members
from zi_assess.domain.workflow import Layer

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app_config(_schema, tmp_path):
    config = _test_config(_schema, tmp_path)
    config.update(REDIS_URL=REDIS_URL, REPORT_QUEUE=f"zi-test-reports-{uuid.uuid4().hex[:10]}")
    return config


@pytest.fixture(autouse=True)
def own_queue(app):
    """A queue of this test's own (other helpers share the Redis); emptied afterwards. RQ's worker
    installs signal handlers in this process: they are put back too."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    from zi_assess.reports import jobs

    yield jobs.queue()
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    jobs.queue().delete(delete_jobs=True)


def test_rq_export_runs_in_the_worker_and_lists_the_failing_report(team, flow, fill, best_answers, make_unit,
                                                                    login, runner, own_queue, monkeypatch):
    from zi_assess.reports import documents

    units = [team.unit, make_unit(team.instansi, code="UJI-2"), make_unit(team.instansi, code="UJI-3")]
    created = [flow.create(unit, team.tpi_lead) for unit in units]
    fill(team.operator, created[0], Layer.MANDIRI, best_answers)
    broken = created[1].id
    real = documents.assessment_report

    def flaky(actor, assessment_id, *args, **kwargs):
        if assessment_id == broken:
            raise RuntimeError("renderer crashed")
        return real(actor, assessment_id, *args, **kwargs)

    monkeypatch.setattr(documents, "assessment_report", flaky)
    client = login(team.manager)
    progress = start_export(client, team.instansi.id, None)
    assert own_queue.count == 3  # one RQ job per report
    status = client.get(progress + "/status").get_json()
    assert (status["status"], status["pending"], status["finished"]) == ("queued", 3, False)

    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    status = wait_until_finished(client, progress, timeout=5)
    assert (status["status"], status["done"], status["failed"]) == ("done", 2, 1)
    assert status["failures"] == [{"label": "UJI-2 — Unit 3", "error": "PDF tidak dapat dibuat karena kesalahan sistem; rincian ada di log server (RuntimeError)."}]
    members = zip_members(client, status)
    assert sorted(members) == ["001-LHE-UJI-1-2026.pdf", "003-LHE-UJI-3-2026.pdf", "GAGAL.txt"]
    assert all(pdfutil.pages(members[name]) >= 4 for name in members if name.endswith(".pdf"))
    assert own_queue.count == 0


@pytest.mark.slow
def test_worker_process_restarts_after_max_jobs_and_stops_on_sigterm(team, flow, login, app, database_url, tmp_path):
    """A real `zi-assess worker --max-jobs 2` handles 3 reports: it replaces itself once, then
    SIGTERM stops it for good."""
    for code in ("UJI-2", "UJI-3"):
        from zi_assess.audit import SYSTEM
        from zi_assess.extensions import db
        from zi_assess.org import operations as org

        flow.create(org.create_unit(SYSTEM, team.instansi, f"Unit {code}", code), team.tpi_lead)
        db.session.commit()
    flow.create(team.unit, team.tpi_lead)
    client = login(team.manager)
    progress = start_export(client, team.instansi.id, None)
    env = {**os.environ, "ZI_DATABASE_URL": database_url, "ZI_REDIS_URL": REDIS_URL,
           "ZI_REPORT_QUEUE": app.config["REPORT_QUEUE"], "ZI_STORAGE_PATH": app.config["STORAGE_PATH"],
           "ZI_SECRET_KEY": "test-secret"}
    exe = str(Path(sys.executable).with_name("zi-assess"))
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen([exe, "worker", "--max-jobs", "2"], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            status = wait_until_finished(client, progress, timeout=120)
            time.sleep(0.5)
            assert worker.poll() is None  # restarted after 2 reports, still serving
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    output = log.read_text()
    assert status["done"] == 3 and status["status"] == "done"
    assert output.count("worker: 2 reports done, restarting") == 1, output
