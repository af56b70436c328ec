"""In-app notifications, each user's choice of channel per kind, and the deadline reminders sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from zi_assess.models.base import Base, utcnow


class Notification(Base):
    """One message of a user's inbox; its text is written when shown, in the reader's language."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: one of zi_assess.notifications.KINDS
    kind: Mapped[str] = mapped_column(String(24))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    #: what the text needs (unit, year, actor, notes, outcome, deadline …)
    params: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class NotificationPreference(Base):
    """How a user wants one kind of notification: in the inbox, by e-mail, both or neither."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    in_app: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)


class SentReminder(Base):
    """A deadline reminder already sent (the unique key makes each one go out once)."""

    __tablename__ = "sent_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``<step>:<assessment id>:<deadline>:<days>``
    key: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QueueSeen(Base):
    """When a user last looked at one of their work queues ("tpi", "tpn", "manager"): rows that
    changed after it are marked."""

    __tablename__ = "queue_seen"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    queue: Mapped[str] = mapped_column(String(8), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
