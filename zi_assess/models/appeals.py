"""Sanggah: the one appeal a unit may file against a TPN decision, and its answers.

The appeal lists indicators with the unit's reasons and evidence links; the TPN answers each (a
response and, where it accepts the appeal, the answer it now gives); the national manager decides
once, finally. The TPN's sanggah answers are kept here, apart from the four assessment layers:
the sanggah score is the effective LKE with them in place (nothing in the layers is overwritten).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zi_assess.models.base import Base, utcnow


class Appeal(Base):
    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: one appeal per assessment (a second is refused)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: "filed" until the national manager decides, then "decided" (final)
    status: Mapped[str] = mapped_column(String(16), default="filed")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    granted: Mapped[bool | None] = mapped_column(Boolean)
    decision_note: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[AppealItem]] = relationship(
        back_populates="appeal", order_by="AppealItem.id", cascade="all, delete-orphan", lazy="selectin")


class AppealItem(Base):
    __tablename__ = "appeal_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    evidence_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the TPN's response, and the answer it now gives (None: the answer stands)
    response: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[Any] = mapped_column(JSON, nullable=True)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    responded_at: Mapped[datetime | None] = mapped_column()

    appeal: Mapped[Appeal] = relationship(back_populates="items")
