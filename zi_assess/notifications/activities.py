"""Reminders of action-plan activities whose due date (or quarter's end) is near, sent with the
deadline reminders of ``zi-assess notify due``: to the unit's staff, each reminder once."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from zi_assess.extensions import db
from zi_assess.models import ActionActivity, ActionPlan, ActionPlanItem, Assessment
from zi_assess.notifications import notify
from zi_assess.notifications.recipients import UNIT_STAFF, users_with


def due_on(activity: ActionActivity) -> date | None:
    """The activity's due date: its date, or the last day of its quarter."""
    if activity.due_date is not None:
        return activity.due_date
    if not activity.due_quarter:
        return None
    year, quarter = (int(part) for part in activity.due_quarter.split("-Q"))
    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def send_activity_reminders(today: date, days: list[int], claim_once: Callable[[list[str]], bool]) -> int:
    """Remind the unit of open activities due within the largest of ``days``; returns how many were sent."""
    rows = db.session.execute(
        select(ActionActivity, ActionPlanItem.indicator_id, Assessment)
        .join(ActionPlanItem, ActionPlanItem.id == ActionActivity.item_id)
        .join(ActionPlan, ActionPlan.id == ActionPlanItem.plan_id)
        .join(Assessment, Assessment.id == ActionPlan.assessment_id)
        .where(ActionPlan.archived_at.is_(None), ActionActivity.status.in_(("planned", "in_progress")))
    ).all()
    sent = 0
    for activity, indicator_id, assessment in rows:
        due = due_on(activity)
        if due is None or due < today:
            continue
        left = (due - today).days
        steps = [n for n in days if n >= left]
        if not steps or not claim_once([f"action:{activity.id}:{due.isoformat()}:{n}" for n in steps]):
            continue
        notify("action_due", assessment, users_with(assessment, UNIT_STAFF), indicator=indicator_id,
               activity=activity.description[:200], pic=activity.pic, due_on=due.isoformat(), days=left)
        activity.reminded_on = today
        sent += 1
    return sent
