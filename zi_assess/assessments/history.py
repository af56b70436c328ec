"""What an assessment's history lists: its audit rows, with downloads and exports (who read the
assessment's data) only for the roles allowed to see them (``history.accesses`` in authz)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import not_, or_, select

from zi_assess.authz import allowed
from zi_assess.extensions import db
from zi_assess.models import AuditEvent

#: audit actions that are accesses to the assessment's data rather than changes to it
ACCESS_ACTIONS = ("report.download", "evidence.download")
ACCESS_PREFIXES = ("export.",)


def _is_access() -> Any:
    return or_(AuditEvent.action.in_(ACCESS_ACTIONS), *(AuditEvent.action.startswith(p) for p in ACCESS_PREFIXES))


def history_events(user: Any, assessment: Any, indicator_id: str | None = None, *, limit: int = 500
                   ) -> list[AuditEvent]:
    """The assessment's (or one indicator's) audit rows, newest first.

    Downloads and exports are listed only to users allowed ``history.accesses``.
    """
    query = select(AuditEvent).where(AuditEvent.assessment_id == assessment.id)
    if indicator_id is not None:
        query = query.where(AuditEvent.indicator_id == indicator_id)
    if not allowed(user, "history.accesses", assessment):
        query = query.where(not_(_is_access()))
    return list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))


def is_access(event: AuditEvent) -> bool:
    return event.action in ACCESS_ACTIONS or event.action.startswith(ACCESS_PREFIXES)



