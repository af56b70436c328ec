"""Limits on rendering: how many renders run at once per host, and how many one user may ask for.

Rendering is CPU-bound. With Redis, every render of a worker takes one of
``REPORT_RENDER_CONCURRENCY`` slots of its host and queue (a Redis sorted set of leases: a
worker killed mid-render loses its slot when the lease expires, after ``REPORT_JOB_TIMEOUT``);
more workers than slots simply wait. Without Redis the in-process pool has that many threads.
The per-user limit counts the renderings a user queued in the last minute (shared by every web
process, since the rows are in the database).
"""

from __future__ import annotations

import gc
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from zi_assess.extensions import db, redis_client
from zi_assess.models import RenderJob
from zi_assess.models.base import as_utc, utcnow

WINDOW_SECONDS = 60
#: take a slot if fewer than ARGV[1] unexpired leases are held (ARGV: limit, now, lease end, token)
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('EXPIRE', KEYS[1], 3600)
  return 1
end
return 0
"""
_LOCAL: dict[int, threading.BoundedSemaphore] = {}
_LOCAL_LOCK = threading.Lock()


class NoRenderSlot(RuntimeError):
    """Every render slot of this host stayed busy for a whole report timeout."""


def slots_key() -> str:
    return f"zi:render-slots:{current_app.config['REPORT_QUEUE']}:{socket.gethostname()}"


def concurrency() -> int:
    return max(1, int(current_app.config["REPORT_RENDER_CONCURRENCY"]))


@contextmanager
def render_slot(poll: float = 0.1) -> Iterator[None]:
    """Hold one of the host's render slots while the block runs (waits for a free one)."""
    timeout = float(current_app.config["REPORT_JOB_TIMEOUT"])
    client = redis_client()
    if client is None:
        with _LOCAL_LOCK:
            semaphore = _LOCAL.setdefault(concurrency(), threading.BoundedSemaphore(concurrency()))
        if not semaphore.acquire(timeout=timeout):
            raise NoRenderSlot()
        try:
            yield
        finally:
            semaphore.release()
        return
    key, token = slots_key(), uuid.uuid4().hex
    acquire = client.register_script(_ACQUIRE)
    deadline = time.monotonic() + timeout
    while not acquire(keys=[key], args=[concurrency(), time.time(), time.time() + timeout + 5, token]):
        if time.monotonic() > deadline:
            raise NoRenderSlot()
        time.sleep(poll)
    try:
        yield
    finally:
        client.zrem(key, token)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Cyclic garbage collection paused while a report renders, one collection of the youngest
    generation after it.

    WeasyPrint allocates hundreds of thousands of small objects per report; at the default
    thresholds the collector walks them again and again (measured: a quarter of an LKE's render
    time). Collected once at the end, each is visited once and the worker's memory comes back.
    With the collector off nothing was promoted, so everything the report made is in the youngest
    generation: collecting that one frees the report's cycles (~45,600 objects for an LHE) without
    walking what earlier reports left in the older generations, and without emptying the
    interpreter's free lists, as a full collection does (measured in a warm worker: 11–16 ms
    instead of 24–31 ms per LHE). Older garbage is left to the collector's own full collections.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)


def busy_slots() -> int:
    """Renders running now on this host (Redis only; 0 without it)."""
    client = redis_client()
    if client is None:
        return 0
    client.zremrangebyscore(slots_key(), "-inf", time.time())
    return int(client.zcard(slots_key()))


def render_rate(user_id: int) -> tuple[bool, int]:
    """May this user queue one more rendering now? (allowed, seconds until one more is allowed)"""
    limit = int(current_app.config["REPORT_RENDER_RATE_PER_MINUTE"])
    since = utcnow() - timedelta(seconds=WINDOW_SECONDS)
    count, oldest = db.session.execute(
        select(func.count(), func.min(RenderJob.requested_at))
        .where(RenderJob.requested_by_id == user_id, RenderJob.requested_at > since)
    ).one()
    if count < limit:
        return True, 0
    waited = (utcnow() - as_utc(oldest)).total_seconds() if oldest is not None else 0
    return False, max(1, int(WINDOW_SECONDS - waited) + 1)
