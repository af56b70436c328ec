"""A unit's predicate history: each grant, the two-yearly monitoring, and a revocation.

A :class:`PredicateRecord` is written when a predicate is granted (the TPN decision, or a granted
sanggah). Units holding a predicate are monitored every two years (a monitoring assessment with a
TPI layer, ``Assessment.kind == "monitoring"``); when the TPI concludes the unit no longer meets the
predicate, the national manager may revoke it, which closes the record (locked: it is never edited
again) and clears the unit's current predicate.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zi_assess.models.base import Base, utcnow

#: a predicate held is monitored every this many years (PermenPANRB 90/2021, monitoring and evaluation)
MONITORING_INTERVAL_YEARS = 2


class PredicateRecord(Base):
    __tablename__ = "predicate_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    predicate: Mapped[str] = mapped_column(String(24))
    granted_on: Mapped[date]
    #: the assessment whose decision (or sanggah) granted it
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"))
    revoked_on: Mapped[date | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: the monitoring assessment that led to the revocation
    revoked_after_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
