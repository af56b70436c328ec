"""Requests per minute per API key (per address for calls without a valid key).

With Redis (``ZI_REDIS_URL``) a counter per key and minute, shared by every worker; otherwise the
audit trail is the counter, since every API call is recorded there anyway (also shared by every
worker, which an in-process counter would not be).
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from zi_assess.extensions import db, redis_client
from zi_assess.models import AuditEvent
from zi_assess.models.base import utcnow

WINDOW_SECONDS = 60


def limit() -> int:
    return int(current_app.config["PORTALRB_RATE_LIMIT_PER_MINUTE"])


def allow(bucket: str) -> tuple[bool, int]:
    """Count this request for ``bucket``; (allowed, seconds until the window resets)."""
    client = redis_client(socket_timeout=1)
    if client is not None:
        window = int(time.time() // WINDOW_SECONDS)
        key = f"zi:api:rate:{bucket}:{window}"
        pipe = client.pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS * 2)
        count = int(pipe.execute()[0])
        return count <= limit(), WINDOW_SECONDS - int(time.time() % WINDOW_SECONDS)
    since = utcnow() - timedelta(seconds=WINDOW_SECONDS)
    count = db.session.scalar(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.action.in_(("api.call", "api.refused")), AuditEvent.actor_email == bucket,
               AuditEvent.at > since)
    ) or 0
    return count < limit(), WINDOW_SECONDS
