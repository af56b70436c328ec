"""Renderings through RQ on the machine's Redis (db 2), run by a real `zi-assess worker`:
final reports rendered after a workflow step, downloads queued once, the hard timeout."""

from __future__ import annotations

import signal
import time
import uuid

import pytest
from sqlalchemy import func, select

from tests.conftest import _test_config
from tests.reports import pdfutil
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, RenderJob, StoredReport

REDIS_URL = "redis://127.0.0.1:6379/2"


@pytest.fixture
def app_config(_schema, tmp_path):
    config = _test_config(_schema, tmp_path)
    config.update(REDIS_URL=REDIS_URL, REPORT_QUEUE=f"zi-test-render-{uuid.uuid4().hex[:10]}",
                  REPORT_PRERENDER_LOCALES=["id"], REPORT_WAIT_SECONDS=0)
    return config


@pytest.fixture(autouse=True)
def queues(app):
    """This test's own queues (other engineers share the Redis), emptied afterwards; RQ's worker
    installs signal handlers in this process: they are put back too."""
    from rq import Queue

    from zi_assess.reports import jobs, renders

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    both = (Queue(renders.now_queue_name(), connection=jobs.redis_connection()), jobs.queue())
    yield both
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    for queue in both:
        queue.delete(delete_jobs=True)


def _worker(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output


def test_submitting_renders_the_final_reports_without_any_download(team, flow, fill, best_answers, login, runner,
                                                                   queues):
    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, best_answers)
    head = login(team.head)
    response = head.post(f"/penilaian/{a.id}/langkah/submit", data={})
    assert response.status_code == 302
    assert db.session.scalar(select(StoredReport)) is None  # nothing rendered inside the request
    now, bulk = queues
    assert (now.count, bulk.count) == (0, 1)  # one task, after the commit: queue the reports it made final

    _worker(runner)
    stored = db.session.scalars(select(StoredReport).order_by(StoredReport.kind)).all()
    assert [(r.kind, r.layer, r.locale, r.created_by_id) for r in stored] == [
        ("lhe", "mandiri", "id", None), ("lke", "mandiri", "id", None)]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "report.download")) == 0
    assert (now.count, bulk.count) == (0, 0)

    head.post("/keluar")
    manager = login(team.manager)
    pdf = manager.get(f"/penilaian/{a.id}/lhe.pdf?lapis=mandiri")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"  # at once: a stored file
    assert "DRAF" not in pdfutil.text(pdf.data)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.download"))
    assert event.detail["stored"] is True and event.actor_id == team.manager.id


def test_a_step_rolled_back_queues_nothing(team, flow, fill, best_answers, actor_for, queues):
    from zi_assess.assessments import operations as ops

    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, best_answers)
    ops.transition(actor_for(team.head), a.id, "submit")
    db.session.rollback()
    assert [q.count for q in queues] == [0, 0]


def test_a_download_is_queued_once_and_rendered_by_the_worker(team, flow, login, runner, queues):
    a = flow.create(team.unit, team.head)
    client = login(team.head)
    url = f"/penilaian/{a.id}/lke.pdf"
    assert client.get(url).status_code == 202
    assert client.get(url).status_code == 202
    now, bulk = queues
    assert (now.count, bulk.count) == (1, 0)
    _worker(runner)
    pdf = client.get(url)
    assert pdf.status_code == 200 and "DRAF" in pdfutil.text(pdf.data)  # the draft mark (Indonesian)
    assert db.session.scalar(select(RenderJob.attempts)) == 1


def test_a_rendering_longer_than_the_timeout_is_stopped_and_says_so(team, flow, login, runner, app, monkeypatch):
    from zi_assess.reports import documents

    real = documents.render_pdf

    def slow(*args, **kwargs):
        time.sleep(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(documents, "render_pdf", slow)
    app.config["REPORT_JOB_TIMEOUT"] = 1
    a = flow.create(team.unit, team.head)
    client = login(team.head)
    assert client.get(f"/penilaian/{a.id}/lhe.pdf").status_code == 202
    started = time.monotonic()
    _worker(runner)
    assert time.monotonic() - started < 4.5
    page = client.get(f"/penilaian/{a.id}/lhe.pdf")
    assert page.status_code == 200 and "melebihi batas waktu 1 detik" in page.get_data(as_text=True)


def test_renders_share_the_hosts_slots_and_wait_for_a_free_one(app):
    import threading

    from zi_assess.reports import bounds

    app.config.update(REPORT_RENDER_CONCURRENCY=2, REPORT_JOB_TIMEOUT=1)
    release, holding = threading.Event(), []

    def hold() -> None:
        with app.app_context(), bounds.render_slot():
            holding.append(1)
            release.wait(10)

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 5
        while len(holding) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert bounds.busy_slots() == 2
        started = time.monotonic()
        with pytest.raises(bounds.NoRenderSlot), bounds.render_slot():
            pass  # a third render waits for a slot, then gives up after the report timeout
        assert 0.9 < time.monotonic() - started < 3
    finally:
        release.set()
        for thread in threads:
            thread.join(10)
    with bounds.render_slot():
        assert bounds.busy_slots() == 1
    assert bounds.busy_slots() == 0
