"""Monitoring and revoking predicates (granting: :func:`zi_assess.assessments.grants.grant`).

Every grant (a TPN decision or a granted sanggah) opens a :class:`PredicateRecord`. A held
predicate is due for monitoring every two years from its grant: a monitoring assessment of the
unit (``kind="monitoring"``) on the current criteria, filled by the unit and reviewed by its TPI
(it is never proposed to the TPN). When the TPI concludes that the unit no longer meets the
predicate, the national manager may revoke it: the record is closed for good. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from zi_assess.assessments.operations import create_assessment
from zi_assess.audit import Actor, record
from zi_assess.authz import authorize
from zi_assess.clock import local_date
from zi_assess.domain.workflow import Status
from zi_assess.extensions import db
from zi_assess.models import Assessment, PredicateRecord, Unit
from zi_assess.models.predicates import MONITORING_INTERVAL_YEARS
from zi_assess.notifications import notify
from zi_assess.notifications.recipients import UNIT_STAFF, users_with


class PredicateRefused(ValueError):
    """``code``: revoked (already closed), not_concluded (no concluded monitoring says it fails),
    still_meets (the TPI concluded it still meets the predicate), reason, year_taken, not_due."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def records_of(unit_ids: list[int] | None = None) -> list[PredicateRecord]:
    query = select(PredicateRecord).order_by(PredicateRecord.granted_on.desc(), PredicateRecord.id.desc())
    if unit_ids is not None:
        query = query.where(PredicateRecord.unit_id.in_(unit_ids))
    return list(db.session.scalars(query))


def monitorings(record_id: int) -> list[Assessment]:
    return monitorings_by_record([record_id]).get(record_id, [])


def monitorings_by_record(record_ids: list[int]) -> dict[int, list[Assessment]]:
    """The monitoring assessments of each record, by year, in one query (none without ids)."""
    out: dict[int, list[Assessment]] = {}
    if not record_ids:
        return out
    for monitoring in db.session.scalars(select(Assessment).where(Assessment.monitors_record_id.in_(record_ids))
                                         .order_by(Assessment.year, Assessment.id)):
        out.setdefault(monitoring.monitors_record_id or 0, []).append(monitoring)
    return out


@dataclass(frozen=True)
class Due:
    record: PredicateRecord
    #: the year the next monitoring is due
    year: int


def _next_year(held: PredicateRecord, done: list[Assessment]) -> int:
    return max([held.granted_on.year, *(a.year for a in done)]) + MONITORING_INTERVAL_YEARS


def next_monitoring_year(held: PredicateRecord) -> int:
    return _next_year(held, monitorings(held.id))


def due(records: list[PredicateRecord], today: date | None = None,
        done: dict[int, list[Assessment]] | None = None) -> list[Due]:
    """Held (not revoked) predicates whose monitoring year has come: one query whatever their number
    (none when ``done``, the records' monitorings by :func:`monitorings_by_record`, is given)."""
    year = (today or local_date()).year
    held = [r for r in records if r.revoked_on is None]
    if done is None:
        done = monitorings_by_record([r.id for r in held])
    out = []
    for record_ in held:
        nxt = _next_year(record_, done.get(record_.id, []))
        if nxt <= year:
            out.append(Due(record_, nxt))
    return out


def start_monitoring(actor: Actor, record_id: int, year: int) -> Assessment:
    """Open the monitoring assessment of a held predicate for ``year`` (on the current criteria)."""
    held = db.session.get(PredicateRecord, record_id)
    if held is None or held.revoked_on is not None:
        raise PredicateRefused("revoked")
    unit = db.session.get(Unit, held.unit_id)
    assert unit is not None
    if year < next_monitoring_year(held):
        raise PredicateRefused("not_due")
    if db.session.scalar(select(Assessment.id).where(Assessment.unit_id == unit.id, Assessment.year == year)):
        raise PredicateRefused("year_taken")
    monitoring = create_assessment(actor, unit, year, held.predicate)  # authorizes assessment.create
    monitoring.kind, monitoring.monitors_record_id = "monitoring", held.id
    record(actor, "predicate.monitor", assessment_id=monitoring.id,
           after={"record": held.id, "predicate": held.predicate, "year": year})
    return monitoring


def revoke(actor: Actor, record_id: int, reason: str, today: date | None = None) -> PredicateRecord:
    """Revoke a held predicate after a monitoring the TPI concluded it fails (final)."""
    held = db.session.get(PredicateRecord, record_id)
    if held is None:
        raise PredicateRefused("revoked")
    unit = db.session.get(Unit, held.unit_id)
    assert unit is not None
    authorize(actor.user, "predicate.revoke", unit)
    if held.revoked_on is not None:
        raise PredicateRefused("revoked")
    if not reason.strip():
        raise PredicateRefused("reason")
    concluded = [a for a in monitorings(held.id)
                 if Status(a.status) == Status.TPI_DONE and a.tpi_eligible is not None]
    if not concluded:
        raise PredicateRefused("not_concluded")
    latest = concluded[-1]
    if latest.tpi_eligible:
        raise PredicateRefused("still_meets")
    day = today or local_date()
    held.revoked_on, held.revoked_reason = day, reason.strip()
    held.revoked_by_id, held.revoked_after_id = actor.user_id, latest.id
    if unit.current_predicate == held.predicate:
        unit.current_predicate, unit.predicate_granted_on = None, None
    record(actor, "predicate.revoke", assessment_id=latest.id,
           after={"unit": unit.code, "predicate": held.predicate, "reason": held.revoked_reason})
    # the unit's people (and its instansi's managers) are told; e-mail goes after the commit
    told = [u for u in users_with(latest, UNIT_STAFF | {"manager"}) if u.id != actor.user_id]
    notify("revoked", latest, told, predicate=held.predicate, reason=held.revoked_reason,
           actor=str(getattr(actor.user, "name", "") or ""), revoked_on=day.isoformat())
    return held


@dataclass(frozen=True)
class HistoryLine:
    """One predicate a unit was granted: when, its monitorings (by year), and its revocation."""

    record: PredicateRecord
    monitorings: tuple[Assessment, ...]


def unit_history(unit_ids: list[int]) -> list[HistoryLine]:
    """The predicate history of these units, newest grant first (two queries)."""
    records = records_of(unit_ids) if unit_ids else []
    done = monitorings_by_record([r.id for r in records])
    return [HistoryLine(r, tuple(done.get(r.id, []))) for r in records]


def revoked_on_of(assessment_ids: list[int]) -> dict[int, date]:
    """Assessment id → the day the predicate it granted was revoked (one query; revoked only)."""
    if not assessment_ids:
        return {}
    rows = db.session.execute(select(PredicateRecord.assessment_id, PredicateRecord.revoked_on).where(
        PredicateRecord.assessment_id.in_(assessment_ids), PredicateRecord.revoked_on.is_not(None)))
    return {a_id: day for a_id, day in rows if a_id is not None and day is not None}
