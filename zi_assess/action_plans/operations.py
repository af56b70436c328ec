"""The only code that writes action plans. The caller (request or CLI command) commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from zi_assess.action_plans.planning import PlanSettings, compute
from zi_assess.answer_text import answer_text
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.assessments.operations import get_bundle
from zi_assess.audit import Actor, record
from zi_assess.authz import authorize
from zi_assess.domain.criteria import Indicator
from zi_assess.domain.planner import Unreachable
from zi_assess.extensions import db
from zi_assess.models import ActionActivity, ActionPlan, ActionPlanItem, Assessment
from zi_assess.models.action_plans import ACTIVITY_STATUSES
from zi_assess.models.base import utcnow

#: the fields of an activity a unit edits
ACTIVITY_FIELDS = ("description", "pic", "due_date", "due_quarter", "status", "evidence_url", "evidence_note")


class PlanNotReachable(Exception):
    """No improvement of the answers meets every rule of the predicate (the result says why)."""

    def __init__(self, result: Unreachable) -> None:
        super().__init__(result.predicate)
        self.result = result


class ActivityNotFound(LookupError):
    pass


def active_plan(assessment_id: int) -> ActionPlan | None:
    """The assessment's current plan (the newest not archived), items and activities loaded."""
    return db.session.scalar(
        select(ActionPlan).where(ActionPlan.assessment_id == assessment_id, ActionPlan.archived_at.is_(None))
        .order_by(ActionPlan.id.desc()).limit(1)
    )


def default_description(indicator: Indicator, target: Any) -> str:
    """The first activity of an item until the unit writes its own: "Naikkan jawaban P2.i.a ke A"."""
    return _("Naikkan jawaban %(ind)s ke %(target)s", ind=indicator.id, target=answer_text(indicator, target))


def create_plan(actor: Actor, assessment_id: int, settings: PlanSettings,
                bundle: AssessmentBundle | None = None) -> ActionPlan:
    """Compute the cheapest plan and store it as the assessment's action plan, one activity per
    improved indicator to start with. An earlier plan is archived (kept), never deleted."""
    if bundle is None or bundle.assessment.id != assessment_id:
        bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "action_plan.edit", bundle.assessment)
    result = compute(bundle, settings)
    if isinstance(result, Unreachable):
        raise PlanNotReachable(result)
    previous = active_plan(assessment_id)
    if previous is not None:
        previous.archived_at = utcnow()
    baseline = bundle.effective_values()
    new = ActionPlan(
        assessment_id=assessment_id, predicate=result.predicate, area_rule=result.area_rule,
        costs=dict(settings.costs), include_external=settings.include_external, total_cost=result.total_cost,
        baseline=baseline, created_by_id=actor.user_id,
    )
    for position, improvement in enumerate(result.improvements):
        item = ActionPlanItem(
            position=position, indicator_id=improvement.indicator,
            current_answer=None if improvement.assumed else improvement.current,
            expected_answer=improvement.target, steps=list(improvement.steps), cost=improvement.cost,
            gain=improvement.gain,
        )
        item.activities.append(ActionActivity(
            description=default_description(bundle.criteria.indicators[improvement.indicator], improvement.target),
            updated_by_id=actor.user_id))
        new.items.append(item)
    db.session.add(new)
    db.session.flush()
    record(actor, "action_plan.create", assessment_id=assessment_id,
           after={"plan": new.id, "predicate": new.predicate, "total_cost": new.total_cost,
                  "indicators": [i.indicator_id for i in new.items], "replaces": previous.id if previous else None})
    return new


def _activity(assessment: Assessment, activity_id: int) -> ActionActivity:
    activity = db.session.get(ActionActivity, activity_id)
    if activity is None or activity.item.plan.assessment_id != assessment.id or activity.item.plan.archived_at:
        raise ActivityNotFound(activity_id)
    return activity


@dataclass(frozen=True)
class ActivityValues:
    description: str
    pic: str = ""
    due_date: date | None = None
    due_quarter: str | None = None
    status: str = "planned"
    evidence_url: str | None = None
    evidence_note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ACTIVITY_FIELDS}


def _apply(activity: ActionActivity, values: ActivityValues) -> dict[str, Any]:
    if values.status not in ACTIVITY_STATUSES:
        raise ValueError(values.status)
    changed = {}
    for name, value in values.as_dict().items():
        if getattr(activity, name) != value:
            changed[name] = value
            setattr(activity, name, value)
    if "status" in changed:
        activity.completed_at = utcnow() if values.status == "done" else None
    return changed


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def update_activity(actor: Actor, assessment_id: int, activity_id: int, values: ActivityValues) -> ActionActivity:
    bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "action_plan.edit", bundle.assessment)
    activity = _activity(bundle.assessment, activity_id)
    before = _jsonable({name: getattr(activity, name) for name in ACTIVITY_FIELDS})
    changed = _apply(activity, values)
    activity.updated_by_id = actor.user_id
    if changed:
        record(actor, "action_plan.activity", assessment_id=assessment_id, indicator_id=activity.item.indicator_id,
               before={k: before[k] for k in changed}, after=_jsonable(changed))
    db.session.flush()
    return activity


def add_activity(actor: Actor, assessment_id: int, item_id: int, values: ActivityValues) -> ActionActivity:
    bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "action_plan.edit", bundle.assessment)
    item = db.session.get(ActionPlanItem, item_id)
    if item is None or item.plan.assessment_id != assessment_id or item.plan.archived_at:
        raise ActivityNotFound(item_id)
    activity = ActionActivity(updated_by_id=actor.user_id, description=values.description)
    _apply(activity, values)
    item.activities.append(activity)
    db.session.flush()
    record(actor, "action_plan.activity_add", assessment_id=assessment_id, indicator_id=item.indicator_id,
           after=_jsonable(values.as_dict()))
    return activity


def mark_reminded(activity: ActionActivity, day: date) -> None:
    """A due-date reminder for this activity went out on ``day`` (each reminder is sent once)."""
    activity.reminded_on = day


def record_download(actor: Actor, assessment_id: int, kind: str) -> None:
    """Downloads of a unit's plan are audited like its reports."""
    record(actor, "action_plan.download", assessment_id=assessment_id, detail={"kind": kind})
