"""Single reports rendered off the request path: progress page, one rendering per report, failures, limits."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from sqlalchemy import func, select

from tests.conftest import _test_config
from tests.reports import pdfutil
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import RenderJob


@pytest.fixture
def app_config(_schema, tmp_path):
    config = _test_config(_schema, tmp_path)
    config.update(REPORT_WAIT_SECONDS=0)  # every request that does not find the PDF ready gets the progress page
    return config


@pytest.fixture
def slow_renders(monkeypatch):
    """Count renderings and make each one take a while (so requests arrive while it runs)."""
    from zi_assess.reports import documents

    real, calls, gate = documents.render_pdf, [], threading.Event()

    def counted(*args, **kwargs):
        calls.append(time.monotonic())
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(documents, "render_pdf", counted)
    return calls, gate


def _until(client, status_url, key, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        data = client.get(status_url).get_json()
        if data[key]:
            return data
        assert time.monotonic() < deadline, data
        time.sleep(0.1)


def _status_url(page: str) -> str:
    start = page.index('data-status-url="') + len('data-status-url="')
    return page[start:page.index('"', start)]


def test_download_gets_a_progress_page_then_the_pdf_and_one_rendering_serves_every_request(
        team, flow, fill, best_answers, login, slow_renders):
    calls, gate = slow_renders
    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, dict(list(best_answers.items())[:40]))
    client = login(team.operator)
    url = f"/penilaian/{a.id}/lhe.pdf"
    first = client.get(url)
    assert first.status_code == 202 and first.mimetype == "text/html"
    page = first.get_data(as_text=True)
    assert "PDF sedang dibuat" in page and 'http-equiv="refresh"' in page and "render-progress.js" in page
    assert "Mode pengembangan" in page  # no Redis here: the page says the web process renders
    again = client.get(url)  # while the first rendering waits at the gate
    assert again.status_code == 202 and _status_url(again.get_data(as_text=True)) == _status_url(page)
    assert db.session.scalar(select(func.count()).select_from(RenderJob)) == 1
    gate.set()
    status = _until(client, _status_url(page), "ready")
    assert status["url"] == url and status["status"] == "done"
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "DRAF" in pdfutil.text(pdf.data)  # the draft mark, in the report's language
    assert len(calls) == 1  # three requests, one rendering
    # an edit makes a new draft: the next download renders again
    fill(team.operator, a, Layer.MANDIRI, {"P1.i.a": "Tidak"})
    assert client.get(url).status_code == 202


def test_a_failed_rendering_says_so_logs_the_request_id_and_can_be_tried_again(
        team, flow, login, monkeypatch, caplog):
    from zi_assess.reports import documents

    real = documents.assessment_report

    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(documents, "assessment_report", broken)
    a = flow.create(team.unit, team.head)
    client = login(team.head)
    url = f"/penilaian/{a.id}/lke.pdf"
    with caplog.at_level(logging.ERROR, logger="zi_assess.reports.renders"):
        queued = client.get(url)
        request_id = queued.headers["X-Request-ID"]
        _until(client, _status_url(queued.get_data(as_text=True)), "failed")
    failed = client.get(url)
    page = failed.get_data(as_text=True)
    assert failed.status_code == 200 and "PDF gagal dibuat" in page and "Coba lagi" in page
    assert "kesalahan sistem" in page and "(RuntimeError)" in page and 'http-equiv="refresh"' not in page
    logged = [r for r in caplog.records if r.name == "zi_assess.reports.renders"]
    assert logged and logged[0].request_id == request_id and logged[0].exc_info
    monkeypatch.setattr(documents, "assessment_report", real)
    job = db.session.scalar(select(RenderJob))
    retry = client.post(f"/laporan/render/{job.id}/ulang")
    assert retry.status_code == 302 and retry.headers["Location"] == url
    _until(client, f"/laporan/render/{job.id}/status", "ready")
    assert client.get(url).mimetype == "application/pdf"


def test_renderings_are_followed_only_by_readers_of_the_report(team, flow, login, client):
    a = flow.create(team.unit, team.head)
    login(team.head).get(f"/penilaian/{a.id}/lhe.pdf")
    job = db.session.scalar(select(RenderJob))
    client.post("/keluar")
    login(team.other_head)
    assert client.get(f"/laporan/render/{job.id}/status").status_code == 404
    assert client.post(f"/laporan/render/{job.id}/ulang").status_code == 404


def test_too_many_render_requests_get_429_with_retry_after(team, flow, login, app, decided):
    app.config["REPORT_RENDER_RATE_PER_MINUTE"] = 2
    client = login(team.manager)
    assert client.get(f"/penilaian/{decided.id}/lhe.pdf").status_code == 202
    assert client.get(f"/penilaian/{decided.id}/lke.pdf").status_code == 202
    assert client.get(f"/penilaian/{decided.id}/lhe.pdf").status_code == 202  # the same report: no new rendering
    refused = client.get(f"/penilaian/{decided.id}/lhe.pdf?lapis=tpi")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "Terlalu banyak permintaan laporan" in refused.get_data(as_text=True)
    from zi_assess.models import User

    db.session.get(User, team.manager.id).locale = "en"  # the message is in the reader's language
    db.session.commit()
    text = client.get(f"/penilaian/{decided.id}/lhe.pdf?lapis=mandiri").get_data(as_text=True)
    assert "Too many report requests" in text


def test_recap_pdf_goes_through_the_queue_too(team, login, decided):
    client = login(team.manager)
    response = client.get("/rekap.pdf?status=decided")
    assert response.status_code == 202
    job = db.session.scalar(select(RenderJob).where(RenderJob.kind == "recap"))
    assert job.requested_by_id == team.manager.id and job.url == "/rekap.pdf?status=decided"
    _until(client, f"/laporan/render/{job.id}/status", "ready")
    pdf = client.get("/rekap.pdf?status=decided")
    assert pdf.mimetype == "application/pdf" and "Status: Diputuskan" in pdfutil.text(pdf.data)
