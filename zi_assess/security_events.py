"""Security events: CSRF failures, refused uploads, permission denials and refused workflow steps.

Each goes to the log as a structured line (``event``, address, detail, request id) and to the audit
trail (``security.csrf_failed``, ``security.upload_refused``, ``security.step_refused``; denials
keep their ``permission.denied``), at most ``ZI_SECURITY_EVENTS_PER_MINUTE`` (20) per address and
kind in a minute, so a flood cannot fill the table or the log: the rest are counted, and one line
says they were suppressed. The counter is shared through Redis when ``ZI_REDIS_URL`` is set, else
kept per process (per app).

The caller owns the transaction: error handlers and views roll their own work back, record the
event and commit it alone.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import current_app, request

from zi_assess.audit import Actor, record
from zi_assess.extensions import redis_client

log = logging.getLogger("zi_assess.security")
WINDOW_SECONDS = 60
#: the audit action of each kind
ACTIONS = {
    "csrf_failed": "security.csrf_failed",
    "upload_refused": "security.upload_refused",
    "permission_denied": "permission.denied",
    "step_refused": "security.step_refused",
}

_lock = threading.Lock()


def _count(kind: str, address: str) -> int:
    """This event's number within its address, kind and minute."""
    window = int(time.time() // WINDOW_SECONDS)
    client = None
    try:
        client = redis_client(socket_timeout=1)
        if client is not None:
            key = f"zi:security:{kind}:{address}:{window}"
            pipe = client.pipeline()
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)
            return int(pipe.execute()[0])
    except Exception:  # noqa: BLE001  (Redis down: count in this process rather than fail the request)
        log.warning("security event counter: Redis unavailable, counting in-process")
    with _lock:
        counts: dict[tuple[str, str, int], int] = current_app.extensions.setdefault("zi_security_counts", {})
        for stale in [k for k in counts if k[2] < window]:
            del counts[stale]
        key = (kind, address, window)
        counts[key] = counts.get(key, 0) + 1
        return counts[key]


def security_event(actor: Actor, kind: str, *, assessment_id: int | None = None, detail: Any = None) -> bool:
    """Log and audit one event (unless this address sent too many of this kind this minute).

    Returns whether an audit row was added to the current transaction (the caller commits).
    """
    address = actor.ip or "-"
    number = _count(kind, address)
    limit = int(current_app.config["SECURITY_EVENTS_PER_MINUTE"])
    if number > limit:
        if number == limit + 1:
            log.warning("security events %s from %s: more than %s this minute, the rest not recorded",
                        kind, address, limit, extra={"event": kind, "ip": address})
        return False
    log.warning("security event %s", kind, extra={
        "event": kind, "ip": address, "user_id": actor.user_id, "method": request.method, "path": request.path,
        "detail": detail})
    record(actor, ACTIONS[kind], assessment_id=assessment_id, detail=detail)
    return True
