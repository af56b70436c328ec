"""Gap planner → rencana aksi: the cheapest answer improvements that reach a predicate, computed exactly.

``plan(criteria, answers, "WBK")`` returns a :class:`Plan` (the improvements, their cost, the
projected answers with the engine's score and verdict) or :class:`Unreachable` (each rule that
fails even with every actionable indicator at its best, and why). See :mod:`.moves` for what an
indicator can become and what a step costs, :mod:`.search` for why the result is optimal.
"""

from zi_assess.domain.planner.moves import DEFAULT_PERCENT_LEVELS, SURVEY_STEP, CostKey, PlanningError
from zi_assess.domain.planner.planning import plan, project, project_answers
from zi_assess.domain.planner.results import Blocker, Improvement, Plan, Projection, UnmetRule, Unreachable

__all__ = [
    "DEFAULT_PERCENT_LEVELS",
    "SURVEY_STEP",
    "Blocker",
    "CostKey",
    "Improvement",
    "Plan",
    "PlanningError",
    "Projection",
    "UnmetRule",
    "Unreachable",
    "plan",
    "project",
    "project_answers",
]
