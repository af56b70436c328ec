"""Yearly records around an assessment: prerequisite values (D10) and deadline windows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zi_assess.models.base import Base, utcnow


class PrerequisiteRecord(Base):
    """Recorded Tabel 5 values for one instansi or one unit in one year."""

    __tablename__ = "prerequisite_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "instansi:<id>:<year>" or "unit:<id>:<year>" (unique; NULL-safe on every database)
    scope_key: Mapped[str] = mapped_column(String(60), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    rules_id: Mapped[str] = mapped_column(String(80))
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: per value: {"url": evidence link or None, "by": user id, "by_name": name, "at": ISO time (UTC)}
    sources: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Deadline(Base):
    """A window for one workflow step in one year, national or for one instansi."""

    __tablename__ = "deadline"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "<step>:<year>:national" or "<step>:<year>:<instansi id>"
    scope_key: Mapped[str] = mapped_column(String(60), unique=True)
    step: Mapped[str] = mapped_column(String(20))  # "submit" or "propose"
    year: Mapped[int] = mapped_column(Integer)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    opens_on: Mapped[date | None]
    closes_on: Mapped[date]

    @staticmethod
    def key(step: str, year: int, instansi_id: int | None) -> str:
        return f"{step}:{year}:{instansi_id if instansi_id is not None else 'national'}"

    @staticmethod
    def keys_for(step: str, year: int, instansi_id: int) -> tuple[str, str]:
        """The instansi's own window first, then the national one."""
        return Deadline.key(step, year, instansi_id), Deadline.key(step, year, None)


class DraftAccess(Base):
    """An administrator's logged reason to read one assessment before it is proposed (for a while).

    Administrators neither score nor read the units' and TPI's work in progress; when support
    needs it, the reason is recorded here (and in the audit trail) and opens the assessment for
    reading until ``expires_at``.
    """

    __tablename__ = "draft_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class ProposalQuota(Base):
    """How many units an instansi may propose to TPN in one year.

    The regulation sets no number; TPN announces quotas per instansi yearly when it needs to
    protect its capacity (2022: Surat Deputi RB-AAP B/14/PW.00/2022). ``basis`` names that letter.
    """

    __tablename__ = "proposal_quota"
    __table_args__ = (UniqueConstraint("year", "instansi_id", name="year_instansi"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id", ondelete="CASCADE"))
    max_units: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str | None] = mapped_column(String(200))
