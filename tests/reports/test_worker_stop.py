"""The report worker stops promptly (issue #15, item 4): RQ's teardown unsubscribes its pub/sub
channel, then joins redis-py's pub/sub thread. RQ starts that thread with ``sleep_time=60``; when
the thread reads the reply to UNSUBSCRIBE before its stop flag is cleared, it waits up to 60 s for
a new subscription that never comes, and so did the worker's stop. Real Redis, db 12."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture
def worker():
    from redis import Redis
    from rq import Queue

    from zi_assess.reports.cli import _worker_class

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except Exception as error:  # pragma: no cover  (the machine's Redis is part of the test setup)
        pytest.fail(f"Redis at {REDIS_URL}: {error}")
    queue = Queue(f"zi-test-stop-{uuid.uuid4().hex[:10]}", connection=connection)
    yield _worker_class()([queue], connection=connection)
    connection.close()


def _timed(call, limit: float) -> float:
    """Seconds ``call`` took, run on a thread of its own so a hang fails after ``limit`` seconds
    instead of holding the test for a minute."""
    thread = threading.Thread(target=call, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"still waiting after {limit} s"
    return time.monotonic() - started


def test_the_pubsub_thread_that_read_the_unsubscribe_reply_first_stops_at_once(worker):
    """The interleaving that made a stop take 60 s, forced: the thread has read the reply to
    UNSUBSCRIBE (no channel left) and loops back to wait for a subscription before ``stop``."""
    for _ in range(3):
        worker.subscribe()
        thread = worker.pubsub_thread
        worker.pubsub.unsubscribe()
        deadline = time.monotonic() + 5
        while worker.pubsub.subscribed and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not worker.pubsub.subscribed  # the pub/sub thread read the reply
        time.sleep(0.2)  # ... and waits in get_message for a subscription again
        assert thread.is_alive()
        assert _timed(worker.unsubscribe, 10) < 3
        assert not thread.is_alive()


def test_an_idle_worker_unsubscribes_at_once(worker):
    """The thread waits for a message on its channel: told to stop before UNSUBSCRIBE is sent, it
    ends on the reply instead of going back to wait (RQ's order: it waited ``sleep_time``)."""
    took = []
    for _ in range(5):
        worker.subscribe()
        time.sleep(0.3)
        took.append(_timed(worker.unsubscribe, 10))
        assert not worker.pubsub_thread.is_alive()
    assert max(took) < 0.5, took


@pytest.fixture
def app_config(_schema, tmp_path):
    from tests.conftest import _test_config

    config = _test_config(_schema, tmp_path)
    config.update(REDIS_URL=REDIS_URL, REPORT_QUEUE=f"zi-test-stop-{uuid.uuid4().hex[:10]}")
    return config


@pytest.mark.slow
def test_sigterm_stops_an_idle_worker_process_within_seconds(app, database_url, tmp_path):
    """A real idle `zi-assess worker`, started and stopped three times: each stop takes seconds.
    End to end only: the race above does not come every time (three rounds passed on the code
    before the fix too); the forced interleaving is what catches it."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from rq import Worker
    from rq.worker import WorkerStatus

    from zi_assess.reports import jobs

    env = {**os.environ, "ZI_DATABASE_URL": database_url, "ZI_REDIS_URL": REDIS_URL,
           "ZI_REPORT_QUEUE": app.config["REPORT_QUEUE"], "ZI_STORAGE_PATH": app.config["STORAGE_PATH"],
           "ZI_SECRET_KEY": "test-secret", "ZI_INSTANCE_PATH": str(tmp_path / "instance")}
    exe = str(Path(sys.executable).with_name("zi-assess"))
    queue = jobs.queue()
    try:
        for round_ in range(3):
            log = tmp_path / f"worker{round_}.log"
            with log.open("w") as out:
                worker = subprocess.Popen([exe, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
                try:
                    deadline = time.monotonic() + 60
                    while not [w for w in Worker.all(queue=queue) if w.get_state() == WorkerStatus.IDLE]:
                        assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
                        time.sleep(0.1)
                    time.sleep(0.5)  # idle: its pub/sub thread waits for a message
                    started = time.monotonic()
                    worker.send_signal(signal.SIGTERM)
                    code = worker.wait(timeout=30)
                    took = time.monotonic() - started
                finally:
                    if worker.poll() is None:
                        worker.kill()
                        worker.wait()
            assert code == 0, log.read_text()
            assert took < 5, f"round {round_}: {took:.1f} s\n{log.read_text()}"
    finally:
        queue.delete(delete_jobs=True)


def test_a_burst_worker_with_nothing_to_do_stops_at_once(worker):
    """``zi-assess worker --burst`` on empty queues: subscribed, nothing to do, torn down. The
    pub/sub thread had just been woken by its subscription and was waiting for the next message
    when RQ unsubscribed: with RQ's order every such stop waited the thread's whole ``sleep_time``."""
    import signal

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        took = []
        for _ in range(3):
            started = time.monotonic()
            worker.work(burst=True, with_scheduler=False)
            took.append(time.monotonic() - started)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert max(took) < 0.8, took


def test_a_pubsub_thread_whose_stop_takes_no_timeout_is_stopped_too(worker):
    """redis-py before 8.2 (setup.cfg allows 5.0): ``stop()`` takes no argument and only clears
    the flag; the worker then stops it that way."""
    calls = []

    class OldThread:
        def stop(self) -> None:
            calls.append("stop")

        def join(self, timeout: float | None = None) -> None:
            calls.append("join")

    class Pubsub:
        def unsubscribe(self) -> None:
            calls.append("unsubscribe")

        def close(self) -> None:
            calls.append("close")

    worker.pubsub_thread, worker.pubsub = OldThread(), Pubsub()
    worker.unsubscribe()
    assert calls[:2] == ["stop", "unsubscribe"]  # the flag first, then UNSUBSCRIBE (then RQ's own stop and join)
