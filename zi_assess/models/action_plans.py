"""Rencana aksi: a unit's action plan toward a predicate, made from the gap planner's result.

A plan belongs to one assessment and one target predicate. Each :class:`ActionPlanItem` is one
indicator the planner raises (from the answer it had to the answer the plan expects); each item
has one or more :class:`ActionActivity` rows — what the unit will do, who leads it (PIC), by
when, its status and its evidence. An item counts as done when all its activities are done (or
dropped, with at least one done); the plan's projected score puts the expected answers of the
done items in place of the current ones.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zi_assess.models.base import Base, utcnow

#: an activity's status, in the order a plan moves through them
ACTIVITY_STATUSES = ("planned", "in_progress", "done", "dropped")


class ActionPlan(Base):
    __tablename__ = "action_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    predicate: Mapped[str] = mapped_column(String(24))
    area_rule: Mapped[str] = mapped_column(String(24))
    #: indicator id → cost of each of its steps, as the unit set them (missing: 1)
    costs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: whether external surveys were allowed to move
    include_external: Mapped[bool] = mapped_column(default=False)
    total_cost: Mapped[int] = mapped_column(Integer)
    #: the effective answers the plan started from (to show what changed since)
    baseline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: set when a newer plan replaced this one (kept, never deleted)
    archived_at: Mapped[datetime | None] = mapped_column()

    items: Mapped[list[ActionPlanItem]] = relationship(
        back_populates="plan", order_by="ActionPlanItem.position", cascade="all, delete-orphan")


class ActionPlanItem(Base):
    __tablename__ = "action_plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    indicator_id: Mapped[str] = mapped_column(String(40))
    #: the answer when planned (None: unanswered, planned from its lowest answer)
    current_answer: Mapped[Any] = mapped_column(JSON, nullable=True)
    #: the answer the plan expects: an option key, counts or a survey score
    expected_answer: Mapped[Any] = mapped_column(JSON)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    cost: Mapped[int] = mapped_column(Integer)
    #: nilai gained on the total (unrounded)
    gain: Mapped[float] = mapped_column(Float)

    plan: Mapped[ActionPlan] = relationship(back_populates="items")
    activities: Mapped[list[ActionActivity]] = relationship(
        back_populates="item", order_by="ActionActivity.id", cascade="all, delete-orphan")


class ActionActivity(Base):
    __tablename__ = "action_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("action_plan_item.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    #: person in charge (penanggung jawab), as the unit writes it
    pic: Mapped[str] = mapped_column(String(160), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    #: "2027-Q1" … when the unit plans by quarter (triwulan) rather than by date
    due_quarter: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    evidence_note: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column()
    #: last reminder sent for this activity's due date (each reminder once)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    item: Mapped[ActionPlanItem] = relationship(back_populates="activities")
