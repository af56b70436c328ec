"""The only code that writes an evaluation year's deadlines and proposal quotas."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from zi_assess.audit import Actor, record
from zi_assess.authz import authorize
from zi_assess.domain.workflow import TRANSITIONS
from zi_assess.extensions import db
from zi_assess.models import Deadline, Instansi, ProposalQuota

#: the workflow steps that have a yearly window ("submit", "propose": the proposal window), and the
#: window in which a unit may file a sanggah after the TPN decision
DEADLINE_STEPS: tuple[str, ...] = (*sorted({t.deadline for t in TRANSITIONS.values() if t.deadline}), "sanggah")
#: the years a window or quota may be set for
YEARS = range(2021, 2100)


class InvalidInput(ValueError):
    """Bad input for a year operation; ``code`` is stable for translation."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def _check_year(year: int) -> None:
    if year not in YEARS:
        raise InvalidInput("year", str(year))


def set_deadline(actor: Actor, step: str, year: int, closes_on: date, *, opens_on: date | None = None,
                 instansi: Instansi | None = None) -> Deadline:
    """The window of ``step`` in ``year``: national, or one instansi's own (which wins over the national one)."""
    authorize(actor.user, "org.national")
    if step not in DEADLINE_STEPS:
        raise InvalidInput("deadline_step", step)
    _check_year(year)
    if opens_on and opens_on > closes_on:
        raise InvalidInput("deadline_order")
    scope_key = Deadline.key(step, year, instansi.id if instansi else None)
    row = db.session.scalar(select(Deadline).where(Deadline.scope_key == scope_key))
    if row is None:
        row = Deadline(scope_key=scope_key, step=step, year=year, instansi_id=instansi.id if instansi else None,
                       closes_on=closes_on)
        db.session.add(row)
    before = {"opens_on": str(row.opens_on) if row.opens_on else None, "closes_on": str(row.closes_on)}
    row.opens_on, row.closes_on = opens_on, closes_on
    record(actor, "deadline.set", before=before,
           detail={"scope": scope_key, "opens_on": str(opens_on) if opens_on else None, "closes_on": str(closes_on)})
    return row


def clear_deadline(actor: Actor, step: str, year: int, *, instansi: Instansi | None = None) -> None:
    """Remove a window: the step is then open all year (or follows the national window)."""
    authorize(actor.user, "org.national")
    scope_key = Deadline.key(step, year, instansi.id if instansi else None)
    row = db.session.scalar(select(Deadline).where(Deadline.scope_key == scope_key))
    if row is not None:
        record(actor, "deadline.clear", before={"opens_on": str(row.opens_on) if row.opens_on else None,
                                                 "closes_on": str(row.closes_on)}, detail={"scope": scope_key})
        db.session.delete(row)
        db.session.flush()


def set_quota(actor: Actor, year: int, instansi: Instansi, max_units: int, basis: str | None = None) -> ProposalQuota:
    """How many units ``instansi`` may propose to TPN in ``year`` (as TPN announced it)."""
    authorize(actor.user, "org.national")
    _check_year(year)
    if max_units < 0 or max_units > 100_000:
        raise InvalidInput("quota_number", str(max_units))
    basis = (basis or "").strip() or None
    if basis is not None and len(basis) > 200:
        raise InvalidInput("too_long")
    row = db.session.scalar(select(ProposalQuota).where(ProposalQuota.year == year,
                                                        ProposalQuota.instansi_id == instansi.id))
    before = {"max_units": row.max_units, "basis": row.basis} if row is not None else None
    if row is None:
        row = ProposalQuota(year=year, instansi_id=instansi.id, max_units=max_units)
        db.session.add(row)
    row.max_units, row.basis = max_units, basis
    db.session.flush()
    record(actor, "quota.set", before=before, after={"max_units": max_units, "basis": basis},
           detail={"year": year, "instansi": instansi.name})
    return row


def clear_quota(actor: Actor, quota: ProposalQuota) -> None:
    authorize(actor.user, "org.national")
    record(actor, "quota.clear", before={"max_units": quota.max_units, "basis": quota.basis},
           detail={"year": quota.year, "instansi_id": quota.instansi_id})
    db.session.delete(quota)
    db.session.flush()
