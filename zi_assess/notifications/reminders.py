"""Deadline reminders (``zi-assess notify due``): N days before a step's deadline
(``ZI_REMINDER_DAYS``), to those who still have to take it; each reminder once (unique key)."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from zi_assess.domain.workflow import Status
from zi_assess.extensions import db, savepoint
from zi_assess.models import Assessment, Deadline, SentReminder, Unit
from zi_assess.notifications import notify
from zi_assess.notifications.activities import send_activity_reminders
from zi_assess.notifications.recipients import users_with

#: the step of each deadline, the statuses still before it, and who takes it
PENDING = {
    "submit": ((Status.DRAFT, Status.RETURNED), frozenset({"unit_operator", "unit_head"})),
    "propose": ((Status.SUBMITTED, Status.TPI_REVIEW, Status.RETURNED, Status.TPI_DONE), frozenset({"tpi_lead"})),
}


def send_due(today: date) -> int:
    """Send the reminders due ``today``; returns how many assessments were reminded."""
    days = sorted({int(d) for d in current_app.config["REMINDER_DAYS"]})
    if not days:
        return 0
    horizon = date.fromordinal(today.toordinal() + max(days))
    deadlines = list(db.session.scalars(select(Deadline).where(Deadline.closes_on >= today,
                                                               Deadline.closes_on <= horizon)))
    own = {(d.step, d.year, d.instansi_id) for d in deadlines if d.instansi_id is not None}
    own |= {(d.step, d.year, d.instansi_id) for d in db.session.scalars(
        select(Deadline).where(Deadline.instansi_id.is_not(None)))}
    sent = 0
    for deadline in deadlines:
        if deadline.step not in PENDING:
            continue
        statuses, roles = PENDING[deadline.step]
        left = (deadline.closes_on - today).days
        due = [n for n in days if n >= left]
        if not due:
            continue
        query = select(Assessment).options(joinedload(Assessment.unit)).join(Unit).where(
            Assessment.year == deadline.year, Assessment.status.in_([s.value for s in statuses]))
        if deadline.instansi_id is not None:
            query = query.where(Unit.instansi_id == deadline.instansi_id)
        for assessment in db.session.scalars(query).unique():
            if deadline.instansi_id is None and (deadline.step, deadline.year, assessment.unit.instansi_id) in own:
                continue  # its instansi has a deadline of its own
            if not _claim(deadline, assessment, due):
                continue
            notify("deadline", assessment, users_with(assessment, roles), step=deadline.step,
                   closes_on=deadline.closes_on.isoformat(), days=left)
            sent += 1
    return sent + send_activity_reminders(today, days, claim_once)


def _claim(deadline: Deadline, assessment: Assessment, due: list[int]) -> bool:
    """Record the reminder (and the earlier ones it stands for) once; False when already sent."""
    base = f"{deadline.step}:{assessment.id}:{deadline.closes_on.isoformat()}"
    return claim_once([f"{base}:{n}" for n in due])


def claim_once(keys: list[str]) -> bool:
    """Record reminder keys (the first is the one due now) once; False when it was already sent."""
    if db.session.scalar(select(SentReminder.id).where(SentReminder.key == keys[0])) is not None:
        return False
    try:
        with savepoint():
            for key in keys:
                if db.session.scalar(select(SentReminder.id).where(SentReminder.key == key)) is None:
                    db.session.add(SentReminder(key=key))
            db.session.flush()
    except IntegrityError:  # another run claimed it at the same moment
        return False
    return True
