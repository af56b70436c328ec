"""The only code writing queue markers."""

from __future__ import annotations

from zi_assess.audit import Actor
from zi_assess.extensions import db
from zi_assess.models import QueueSeen
from zi_assess.models.base import utcnow


def mark_seen(actor: Actor, queue: str) -> None:
    """The user has looked at ``queue`` now: later changes will be marked."""
    assert actor.user is not None and actor.user.id is not None
    row = db.session.get(QueueSeen, (actor.user.id, queue))
    if row is None:
        db.session.add(QueueSeen(user_id=actor.user.id, queue=queue, seen_at=utcnow()))
    else:
        row.seen_at = utcnow()
