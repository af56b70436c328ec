"""Running the exact gap planner for an assessment, with the costs the unit set.

No database writes here: :mod:`.operations` stores a plan; the pages preview one first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from zi_assess.answer_text import answer_text
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.assessments.scores import area_rule
from zi_assess.domain.planner import DEFAULT_PERCENT_LEVELS, Improvement, Plan, Unreachable, plan
from zi_assess.domain.planner.moves import cost_function, moves_of, start_of
from zi_assess.i18n import current_locale

#: a step's cost the unit may set: a whole number of effort units (0 = free)
MAX_STEP_COST = 1000


@dataclass(frozen=True)
class PlanSettings:
    """What the unit chose: the predicate, a cost per step for some indicators, whether the
    external surveys (IPAK, IPKP: measured outside the unit) may be planned."""

    predicate: str
    costs: dict[str, int] = field(default_factory=dict)
    include_external: bool = False


def actionable(bundle: AssessmentBundle, include_external: bool) -> frozenset[str] | None:
    """The indicators the plan may change: all but the external surveys unless asked (None: the default)."""
    return frozenset(bundle.criteria.indicators) if include_external else None


def compute(bundle: AssessmentBundle, settings: PlanSettings) -> Plan | Unreachable:
    """The cheapest improvements of the assessment's effective answers that reach the predicate."""
    return plan(bundle.criteria, bundle.effective_values(), settings.predicate, area_rule=area_rule(),
                costs=dict(settings.costs), actionable=actionable(bundle, settings.include_external))


def improvable(bundle: AssessmentBundle) -> list[str]:
    """Indicators below their best answer (or unanswered): those a cost can be set for, in criteria order."""
    criteria = bundle.criteria
    answers = bundle.effective_values()
    step_cost = cost_function(criteria, None, DEFAULT_PERCENT_LEVELS)
    return [indicator_id for indicator_id, indicator in criteria.indicators.items()
            if moves_of(indicator, start_of(indicator, answers.get(indicator_id)), step_cost, DEFAULT_PERCENT_LEVELS)]


def parse_costs(raw: dict[str, Any], indicators: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """The costs typed on the page (``biaya-<indicator>``): values, and a message per bad field."""
    costs: dict[str, int] = {}
    errors: dict[str, str] = {}
    for indicator_id in indicators:
        text = str(raw.get(f"biaya-{indicator_id}", "") or "").strip()
        if text == "":
            continue
        if not text.isdigit() or int(text) > MAX_STEP_COST:
            errors[indicator_id] = _("Biaya harus bilangan bulat 0 sampai %(max)d.", max=MAX_STEP_COST)
            continue
        if int(text) != 1:
            costs[indicator_id] = int(text)
    return costs, errors


@dataclass(frozen=True)
class ImprovementRow:
    improvement: Improvement
    current_text: str
    target_text: str


def improvement_rows(bundle: AssessmentBundle, result: Plan | Unreachable | None) -> list[ImprovementRow]:
    """A plan's improvements as they read: "B → A", "36 dari 40 → 90,00 %", …"""
    if not isinstance(result, Plan):
        return []
    locale = current_locale()
    indicators = bundle.criteria.indicators
    return [ImprovementRow(i, answer_text(indicators[i.indicator], None if i.assumed else i.current, locale),
                           answer_text(indicators[i.indicator], i.target, locale)) for i in result.improvements]
