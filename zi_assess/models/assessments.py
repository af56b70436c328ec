"""Assessments, their answers per layer, review comments, status history and scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zi_assess.domain.workflow import Layer, Status
from zi_assess.models.base import JSON_DOCUMENT, Base, postgresql_options, utcnow
from zi_assess.models.org import Unit, _enum
from zi_assess.models.users import User


class Assessment(Base):
    """One unit's evaluation for one year toward one predicate."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="unit_year"),  # also the index on unit_id
        # the review queues: assessments in some statuses, oldest change first
        Index("ix_assessment_status_changed", "status", "status_changed_at"),
        # the criteria versions in use (recap columns and sort keys): a loose index scan, one probe per version
        Index("ix_assessment_criteria_id", "criteria_id"),
        # the TPN queue (its oldest 25 on the dashboard): LIMIT stops after 25 index entries
        postgresql_options(Index("ix_assessment_tpn_queue", "status_changed_at", "id",
                                 sqlite_where=text("status IN ('proposed', 'tpn_desk', 'tpn_field')")),
                           where=text("status IN ('proposed', 'tpn_desk', 'tpn_field')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    #: a predicate code of the assessment's criteria ("WBK", "WBBM"), checked when it is opened
    target_predicate: Mapped[str] = mapped_column(String(24))
    #: criteria version, frozen at creation: later criteria never re-score an old assessment
    criteria_id: Mapped[str] = mapped_column(String(80))
    #: SHA-256 of the criteria version's files when the assessment was opened (domain.loader.criteria_hash):
    #: an assessment is never scored with changed files under the same id
    criteria_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[Status] = mapped_column(_enum(Status, "status"), default=Status.DRAFT)
    #: bumped by every transition; a transition only applies to the version the actor saw
    status_version: Mapped[int] = mapped_column(Integer, default=1)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: bumped by every change to the assessment's answers, evidence, comments or status, so
    #: pages rendered from one revision can be reused until the next (see assessments.page_cache)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    tpi_eligible: Mapped[bool | None] = mapped_column(Boolean)
    tpi_recommendation: Mapped[str | None] = mapped_column(Text)
    decision_granted: Mapped[bool | None] = mapped_column(Boolean)
    decision_note: Mapped[str | None] = mapped_column(Text)
    #: "evaluation" toward a predicate, or "monitoring" of a predicate held (see models.predicates)
    kind: Mapped[str] = mapped_column(String(16), default="evaluation", server_default="evaluation")
    #: for a monitoring assessment: the id of the predicate record it monitors (no foreign key: the
    #: record already refers to assessments, and a cycle of keys would make table order ambiguous)
    monitors_record_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<Assessment {self.id} unit={self.unit_id} {self.year} {self.status}>"


class AreaRevision(Base):
    """A counter per area page of an assessment, bumped when anything shown on that page changes
    (so a change in area 1 does not make the cached pages of areas 2–6 stale)."""

    __tablename__ = "area_revision"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    #: a page of the criteria (Criteria.page_ids): an area id, or "H" for hasil
    area: Mapped[str] = mapped_column(String(4), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)


class Answer(Base):
    """One indicator's answer in one layer. Rows are never overwritten silently: ``version``
    detects a stale save, and every change is in the audit trail."""

    __tablename__ = "answer"
    # also the index on assessment_id (its first column): a second one would only slow down saves
    __table_args__ = (UniqueConstraint("assessment_id", "indicator_id", "layer", name="one_per_layer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    indicator_id: Mapped[str] = mapped_column(String(16))
    layer: Mapped[Layer] = mapped_column(_enum(Layer, "layer"))
    #: as in the scoring contract: "A", "Ya", a survey score, or {input key: count}; None = unanswered
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    #: copied from this earlier layer and not yet touched by this layer's author
    prefilled_from: Mapped[Layer | None] = mapped_column(_enum(Layer, "layer"))
    #: copied from this earlier assessment of the unit (last year's) and not yet confirmed by the unit
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    author: Mapped[User | None] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Answer {self.indicator_id} {self.layer} {self.value!r} v{self.version}>"


class ReviewComment(Base):
    """An assessor's note on one indicator; ``needs_fix`` ones are what a return asks the unit to fix."""

    __tablename__ = "review_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[str] = mapped_column(String(16))
    layer: Mapped[Layer] = mapped_column(_enum(Layer, "layer"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    needs_fix: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class StatusChange(Base):
    """The history of an assessment's workflow, one row per transition."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    transition: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[Status] = mapped_column(_enum(Status, "status"))
    to_status: Mapped[Status] = mapped_column(_enum(Status, "status"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User] = relationship(lazy="joined")


class ScoreSnapshot(Base):
    """The score of a layer when it was locked, with the criteria version it was computed with."""

    __tablename__ = "score_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    layer: Mapped[str] = mapped_column(String(16))  # a Layer, or "effective"
    transition: Mapped[str] = mapped_column(String(40))
    criteria_id: Mapped[str] = mapped_column(String(80))
    total: Mapped[float] = mapped_column(Float)
    #: the scoring contract's output (every node, both verdicts), unrounded
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CurrentScore(Base):
    """The latest score of each layer and of the effective LKE, kept in step with every save,
    so recaps across thousands of units are one SQL query.

    The criteria decide how many areas and predicates there are, so their figures are JSON
    objects in the row rather than a column each: one row per assessment and layer keeps the
    recap one query without a join that multiplies rows (a child table would return a row per
    node), and the recap reads and sorts by the figures it shows through the database's JSON
    operators (JSONB on PostgreSQL, so each is a lookup, not a parse). What is filtered or
    sorted on most (total, completeness) stays a plain column.
    """

    __tablename__ = "current_score"
    __table_args__ = (
        # recaps rank every visible assessment by its effective total: a narrow index of those rows
        # (total included on PostgreSQL) instead of a scan of every layer's row with its JSON
        postgresql_options(Index("ix_current_score_effective", "assessment_id",
                                 sqlite_where=text("layer = 'effective'")),
                           include=["total"], where=text("layer = 'effective'")),
    )

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), primary_key=True)
    layer: Mapped[str] = mapped_column(String(16), primary_key=True)  # a Layer, or "effective"
    complete: Mapped[bool] = mapped_column(Boolean)
    answered: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    #: nilai of the criteria's summary nodes (Criteria.summary_node_ids), unrounded:
    #: {"pengungkit": 55.1, "P": 28.2, "R": 26.9, "hasil": 35.0, "1": 7.6, …}
    nodes: Mapped[dict[str, float]] = mapped_column(JSON_DOCUMENT)
    #: whether the score rules of each predicate of the criteria are met: {"WBK": true, "WBBM": false}
    verdicts: Mapped[dict[str, bool]] = mapped_column(JSON_DOCUMENT)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
