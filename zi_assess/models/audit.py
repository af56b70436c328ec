"""The append-only audit trail. No code path updates or deletes a row (a session guard enforces it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from zi_assess.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: kept as text too, so the trail reads the same after an account changes
    actor_email: Mapped[str | None] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(64))
    #: the X-Request-ID of the request that wrote the row (also on its log lines and error page)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: answer.change, answer.note, evidence.add, evidence.link, evidence.remove, transition,
    #: login, login.failed, logout, permission.denied, comment.add, prerequisite.change, …
    action: Mapped[str] = mapped_column(String(40), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"), index=True)
    indicator_id: Mapped[str | None] = mapped_column(String(16))
    layer: Mapped[str | None] = mapped_column(String(16))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    detail: Mapped[Any] = mapped_column(JSON, nullable=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.at:%Y-%m-%d %H:%M}>"


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when a flush would change or remove an audit row."""


@event.listens_for(Session, "before_flush")
def _guard_audit_rows(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTrailIsAppendOnly("audit events are never changed or deleted")
