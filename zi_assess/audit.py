"""Writing the audit trail (append-only; see :mod:`zi_assess.models.audit`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zi_assess.authz import Principal, SystemPrincipal
from zi_assess.extensions import db
from zi_assess.models import AuditEvent
from zi_assess.observability import current_request_id


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where. Operations take one instead of reading the request.

    ``user`` is a signed-in account, zi-assess itself (a :class:`~zi_assess.authz.SystemPrincipal`,
    see :func:`system_actor`) or None for nobody yet (a failed login, an API call).
    """

    user: Principal | None
    ip: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None


def system_actor(name: str) -> Actor:
    """zi-assess acting on its own — ``name``: "cli", "demo", "migration" — authorized and audited as such."""
    return Actor(SystemPrincipal(name))


#: zi-assess acting on its own where no more precise name fits (tests, set-up scripts)
SYSTEM = system_actor("system")


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
    """Add one audit event to the current transaction (the caller commits).

    ``actor_email`` names the account when there is no signed-in user (a failed login, an API
    key); events of the system name it ``system:<name>``. The row carries the id of the request
    being handled, if any, to find its log lines, and the roles the actor held. The row joins
    the hash chain when flushed (:mod:`zi_assess.models.audit`).
    """
    user = actor.user
    actor_role = None
    if isinstance(user, SystemPrincipal):
        actor_email = user.audit_name
        actor_role = "system"
    elif user is not None:
        actor_email = user.email
        actor_role = ",".join(sorted(user.role_names)) or None
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_email=actor_email,
        actor_role=actor_role,
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
