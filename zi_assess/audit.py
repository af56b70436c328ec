"""Writing the audit trail (append-only; see :mod:`zi_assess.models.audit`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zi_assess.extensions import db
from zi_assess.models import AuditEvent, User
from zi_assess.observability import current_request_id


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where. Operations take one instead of reading the request."""

    user: User | None
    ip: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None


SYSTEM = Actor(None, "system")


def record(
    actor: Actor,
    action: str,
    *,
    assessment_id: int | None = None,
    indicator_id: str | None = None,
    layer: str | None = None,
    before: Any = None,
    after: Any = None,
    detail: Any = None,
    actor_email: str | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction.

    ``actor_email`` names the account when there is no signed-in user (a failed login). The row
    carries the id of the request being handled, if any, to find its log lines.
    """
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_email=actor.user.email if actor.user is not None else actor_email,
        ip=actor.ip,
        request_id=current_request_id(),
        action=action,
        assessment_id=assessment_id,
        indicator_id=indicator_id,
        layer=layer,
        before=before,
        after=after,
        detail=detail,
    )
    db.session.add(event)
    return event


def record_now(actor: Actor, action: str, **fields: Any) -> None:
    """Record an event that must survive the failure of the request that caused it
    (a denied permission, a failed login): the request's own changes are rolled back first."""
    db.session.rollback()
    record(actor, action, **fields)
    db.session.commit()
