"""Bulk export with workers that die: a report whose `zi-assess worker` is SIGKILLed mid-render is
retried once by another worker, then listed as failed; the other reports are not disturbed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import _test_config
from tests.reports.bulk_helpers import start_export, wait_until_finished, zip_members
from zi_assess.extensions import db
from zi_assess.models import ExportItem

pytestmark = pytest.mark.slow
REDIS_URL = "redis://127.0.0.1:6379/2"
TIMEOUT = 45  # seconds per report (a loaded machine); a dead worker's lease runs out TIMEOUT + 15 s after it began


@pytest.fixture
def app_config(_schema, tmp_path):
    config = _test_config(_schema, tmp_path)
    config.update(REDIS_URL=REDIS_URL, REPORT_QUEUE=f"zi-test-kill-{uuid.uuid4().hex[:10]}",
                  REPORT_JOB_TIMEOUT=TIMEOUT)
    return config


@pytest.fixture
def workers(app, database_url, tmp_path):
    """Starts `zi-assess worker` processes on this test's queue; kills what is left at the end."""
    from zi_assess.reports import jobs

    env = {**os.environ, "ZI_DATABASE_URL": database_url, "ZI_REDIS_URL": REDIS_URL,
           "ZI_REPORT_QUEUE": app.config["REPORT_QUEUE"], "ZI_STORAGE_PATH": app.config["STORAGE_PATH"],
           "ZI_SECRET_KEY": "test-secret",
           "ZI_REPORT_JOB_TIMEOUT": str(TIMEOUT)}
    exe = str(Path(sys.executable).with_name("zi-assess"))
    started: list[subprocess.Popen] = []
    logs = []

    def start() -> subprocess.Popen:
        logs.append((tmp_path / f"worker-{len(started)}.log").open("w"))
        process = subprocess.Popen([exe, "worker"], env=env, stdout=logs[-1], stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    for log in logs:
        log.close()
    jobs.queue().delete(delete_jobs=True)


def _item(position: int) -> ExportItem:
    db.session.expire_all()
    return db.session.scalar(select(ExportItem).where(ExportItem.position == position))


def _kill_when_rendering(worker: subprocess.Popen, position: int, attempt: int) -> None:
    """SIGKILL the worker as soon as it has begun the item's ``attempt`` (a render takes seconds)."""
    deadline = time.monotonic() + 120
    while _item(position).attempts < attempt:
        assert worker.poll() is None and time.monotonic() < deadline
        db.session.rollback()
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert _item(position).status == "pending"  # killed mid-report: nothing recorded


def _wait_for_lease(position: int) -> None:
    item = _item(position)
    from zi_assess.models.base import as_utc, utcnow

    remaining = (as_utc(item.lease_until) - utcnow()).total_seconds()
    time.sleep(max(0.0, remaining) + 0.5)


def test_a_report_whose_worker_is_killed_is_retried_once_then_listed_as_failed(team, flow, make_unit, login,
                                                                                workers):
    second = make_unit(team.instansi, code="UJI-2")  # "Unit …" names sort after "Unit 1": team.unit is item 1
    for unit in (team.unit, second):
        flow.create(unit, team.tpi_lead)
    client = login(team.manager)
    progress = start_export(client, team.instansi.id, None)

    _kill_when_rendering(workers(), position=1, attempt=1)
    _wait_for_lease(1)
    status = client.get(progress + "/status").get_json()  # the progress page notices: item 1 queued again
    assert (status["pending"], status["failed"]) == (2, 0) and _item(1).lease_until is None

    survivor = workers()
    _kill_when_rendering(survivor, position=1, attempt=2)  # item 2 first (queued earlier), then item 1 again
    assert _item(2).status == "done", _item(2).error
    _wait_for_lease(1)
    status = wait_until_finished(client, progress, timeout=30)
    assert (status["status"], status["done"], status["failed"]) == ("done", 1, 1)
    assert status["failures"] == [{"label": "UJI-1 — Unit 1", "error": "PDF tidak dapat dibuat: proses pembuatnya "
                                                                        "berhenti di tengah jalan 2 kali."}]
    members = zip_members(client, status)
    assert sorted(members) == ["002-LHE-UJI-2-2026.pdf", "GAGAL.txt"]
    assert "berhenti di tengah jalan 2 kali" in members["GAGAL.txt"].decode()
