"""How far an action plan has come: per item, per area and overall, with the projected score.

The projection puts the expected answer of every finished item in place of the LKE's answer —
unless the LKE answer changed since the plan was made (then the LKE's answer is what will be
scored, and the item says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from zi_assess.answer_text import answer_text
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.domain.criteria import Indicator
from zi_assess.domain.planner import Projection, project_answers
from zi_assess.i18n import current_locale
from zi_assess.labels import page_label
from zi_assess.models import ActionActivity, ActionPlan, ActionPlanItem


@dataclass(frozen=True)
class ItemProgress:
    item: ActionPlanItem
    indicator: Indicator
    page: str
    current_text: str
    expected_text: str
    activities: list[ActionActivity]
    done: bool
    #: the LKE's answer is no longer the one the plan started from
    answer_changed: bool
    now_text: str


@dataclass(frozen=True)
class AreaProgress:
    page: str
    label: str
    done: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class PlanProgress:
    plan: ActionPlan
    items: list[ItemProgress]
    areas: list[AreaProgress]
    activities_done: int
    activities_total: int
    #: the score and verdict with the finished items' answers in place
    projection: Projection
    #: … and once every item is finished
    complete: Projection
    #: the score and verdict of the LKE as it is now
    now: Projection

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def percent(self) -> float:
        return 100.0 * self.done / len(self.items) if self.items else 100.0


def item_done(activities: list[ActionActivity]) -> bool:
    """Finished: every activity done or dropped, and at least one done."""
    return bool(activities) and all(a.status in ("done", "dropped") for a in activities) \
        and any(a.status == "done" for a in activities)


def plan_progress(plan: ActionPlan, bundle: AssessmentBundle) -> PlanProgress:
    criteria = bundle.criteria
    answers = bundle.effective_values()
    locale = current_locale()
    items: list[ItemProgress] = []
    for item in plan.items:
        indicator = criteria.indicators[item.indicator_id]
        changed = answers.get(item.indicator_id) != plan.baseline.get(item.indicator_id)
        items.append(ItemProgress(
            item=item, indicator=indicator, page=criteria.page_of(item.indicator_id),
            current_text=answer_text(indicator, item.current_answer, locale),
            expected_text=answer_text(indicator, item.expected_answer, locale),
            activities=list(item.activities), done=item_done(list(item.activities)), answer_changed=changed,
            now_text=answer_text(indicator, answers.get(item.indicator_id), locale),
        ))
    areas: dict[str, list[ItemProgress]] = {}
    for view in items:
        areas.setdefault(view.page, []).append(view)
    area_rows = [AreaProgress(page, page_label(criteria, page), sum(1 for v in views if v.done), len(views))
                 for page in criteria.page_ids if (views := areas.get(page))]
    finished = {v.item.indicator_id: v.item.expected_answer for v in items if v.done and not v.answer_changed}
    pending = {v.item.indicator_id: v.item.expected_answer for v in items if not v.answer_changed}
    rule = plan.area_rule
    activities = [a for v in items for a in v.activities]
    return PlanProgress(
        plan=plan, items=items, areas=area_rows,
        activities_done=sum(1 for a in activities if a.status == "done"),
        activities_total=sum(1 for a in activities if a.status != "dropped"),
        projection=project_answers(criteria, answers, finished, plan.predicate, area_rule=rule),
        complete=project_answers(criteria, answers, pending, plan.predicate, area_rule=rule),
        now=project_answers(criteria, answers, {}, plan.predicate, area_rule=rule),
    )
