"""The gap planner: the cheapest answer improvements that make a predicate's score rules pass.

Steps: read where every indicator starts (:mod:`.moves`); put every actionable indicator at its
best and let the engine judge — if a rule still fails, no plan exists and :class:`Unreachable`
says which rule and why. Otherwise turn every rule into the smallest exact node value the
engine's own comparison (:func:`~zi_assess.domain.verdict.meets`) accepts, search exactly
(:mod:`.search`), and score the chosen answers with the engine. Should the engine ever refuse a
value the exact arithmetic accepted (float drift the engine's rounding does not absorb), that
rule's minimum is raised above the refused value and the search runs again, so a returned plan
always passes the engine's verdict.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from typing import Any

from zi_assess.domain.answer_values import AnswerError
from zi_assess.domain.criteria import AREA_RULES, Criteria, Indicator
from zi_assess.domain.gap import indicators_under
from zi_assess.domain.planner.moves import (
    DEFAULT_PERCENT_LEVELS,
    CostKey,
    Move,
    PlanningError,
    Start,
    check_levels,
    cost_function,
    exact,
    moves_of,
    start_of,
)
from zi_assess.domain.planner.results import (
    Blocker,
    Improvement,
    Plan,
    Projection,
    UnmetRule,
    Unreachable,
    unmet_message,
)
from zi_assess.domain.planner.search import rule_tree, search
from zi_assess.domain.scoring import score
from zi_assess.domain.verdict import Verdict, meets, rule_list, verdict

#: how often the search may rerun after the engine refused a value (it never has)
_MAX_REFINEMENTS = 8


def plan(
    criteria: Criteria,
    answers: Mapping[str, Any],
    predicate: str,
    *,
    area_rule: str | None = None,
    costs: Mapping[CostKey, Any] | None = None,
    actionable: Collection[str] | None = None,
    percent_levels: Sequence[int] = DEFAULT_PERCENT_LEVELS,
) -> Plan | Unreachable:
    """The cheapest improvements to ``answers`` that make every score rule of ``predicate`` pass.

    Exact and optimal: least total cost, then fewest indicators changed, then the most nilai
    gained, then criteria order (the plan whose first differing change comes earlier).
    ``costs``: an indicator id → the cost of each of its steps, or (indicator id, step) → the cost
    of that step; whole numbers ≥ 0, 1 when not given. ``actionable``: the indicators the plan may
    change (default: every indicator but the external surveys). ``percent_levels``: the levels a
    percentage indicator moves between. Unanswered indicators are planned from their lowest answer
    and listed in ``assumed``. Invalid answers raise :class:`AnswerError`, invalid options
    :class:`PlanningError`.
    """
    if predicate not in criteria.predicates:
        raise PlanningError("unknown_predicate", f"unknown predicate {predicate!r} "
                            f"(expected {', '.join(criteria.predicates)})")
    rule_kind = area_rule or criteria.area_rule
    if rule_kind not in AREA_RULES:
        raise PlanningError("unknown_area_rule", f"unknown area rule {rule_kind!r} (expected {', '.join(AREA_RULES)})")
    levels = check_levels(percent_levels)
    step_cost = cost_function(criteria, costs, levels)
    movable = _actionable(criteria, actionable)
    for indicator_id in answers:
        if indicator_id not in criteria.indicators:
            raise AnswerError(str(indicator_id), "unknown_indicator", "unknown indicator id")

    starts = {i: start_of(ind, answers.get(i)) for i, ind in criteria.indicators.items()}
    moves = {
        i: moves_of(ind, starts[i], step_cost, levels) if i in movable else ()
        for i, ind in criteria.indicators.items()
    }
    baseline = {i: s.answer for i, s in starts.items()}
    assumed = tuple(i for i, s in starts.items() if s.assumed)
    current = verdict(score(criteria, baseline, area_rule=rule_kind), predicate, area_rule=rule_kind)

    best_answers = baseline | {i: m[-1].target for i, m in moves.items() if m}
    best_sheet = score(criteria, best_answers, area_rule=rule_kind)
    best_verdict = verdict(best_sheet, predicate, area_rule=rule_kind)
    if not best_verdict.passed:
        unmet = tuple(_unmet(criteria, check.rule, check.node, check.actual, check.required, starts, moves, movable)
                      for check in best_verdict.failures)
        return Unreachable(predicate, rule_kind, unmet, best_answers, best_sheet, best_verdict, current, assumed)
    return _search_plan(criteria, predicate, rule_kind, starts, moves, current, assumed)


def _actionable(criteria: Criteria, actionable: Collection[str] | None) -> frozenset[str]:
    if actionable is None:
        return frozenset(i for i, ind in criteria.indicators.items() if not ind.external)
    if isinstance(actionable, str):
        raise PlanningError("invalid_actionable", "actionable must be a collection of indicator ids, not one text")
    unknown = sorted(set(actionable) - set(criteria.indicators))
    if unknown:
        raise PlanningError("unknown_indicator", f"unknown actionable indicator {unknown[0]!r}", unknown[0])
    return frozenset(actionable)


def _weight(criteria: Criteria, indicator: Indicator) -> Fraction:
    """The indicator's exact share of the total at value 1 (sub-area bobot ÷ its indicators)."""
    sub = criteria.sub_areas.get(indicator.parent)
    if sub is None:  # a hasil indicator carries its own bobot
        return exact(indicator.bobot)
    return exact(sub.bobot) / len(sub.indicators)


def _threshold(scale: int, low: int, high: int, required: float) -> int | None:
    """The smallest node value in [low, high] (exact, × ``scale``) the engine's comparison accepts."""

    def passes(value: int) -> bool:
        return meets(float(Fraction(value, scale)), required)

    if passes(low):
        return low
    if not passes(high):
        return None
    guess = min(high, max(low + 1, math.ceil((exact(required) - Fraction(1, 200)) * scale)))
    step = 1
    if passes(guess):
        good, bad = guess, max(low, guess - 1)
        while passes(bad):
            good, step = bad, step * 2
            bad = max(low, good - step)
    else:
        bad, good = guess, min(high, guess + 1)
        while not passes(good):
            bad, step = good, step * 2
            good = min(high, bad + step)
    while good - bad > 1:
        middle = (good + bad) // 2
        good, bad = (middle, bad) if passes(middle) else (good, middle)
    return good


def _search_plan(
    criteria: Criteria,
    predicate: str,
    rule_kind: str,
    starts: dict[str, Start],
    moves: dict[str, tuple[Move, ...]],
    current: Verdict,
    assumed: tuple[str, ...],
) -> Plan:
    order = list(criteria.indicators)
    position = {i: p for p, i in enumerate(order)}
    weights = {i: _weight(criteria, ind) for i, ind in criteria.indicators.items()}
    base_exact = {i: weights[i] * starts[i].value for i in order}
    gain_exact = {i: [weights[i] * (m.value - starts[i].value) for m in moves[i]] for i in order}
    scale = math.lcm(*(x.denominator for x in base_exact.values()),
                     *(g.denominator for gains in gain_exact.values() for g in gains))
    base = {i: int(x * scale) for i, x in base_exact.items()}
    gains = {i: [int(g * scale) for g in gs] for i, gs in gain_exact.items()}
    options = {position[i]: [(m.cost, g) for m, g in zip(moves[i], gains[i], strict=True)] for i in order if moves[i]}

    rules = []  # (rule, members, node base, minimum node value)
    for rule, node, required in rule_list(criteria, predicate, rule_kind):
        members = indicators_under(criteria, node)
        low = sum(base[i] for i in members)
        high = low + sum(gains[i][-1] for i in members if gains[i])
        minimum = _threshold(scale, low, high, required)
        if minimum is None:  # the engine passed every indicator at its best; exact values never disagree so
            raise RuntimeError(f"planner: {rule} fails at its best in exact arithmetic but passes in the engine")
        rules.append((rule, frozenset(position[i] for i in members), low, minimum))

    for attempt in range(_MAX_REFINEMENTS):
        root = rule_tree(frozenset(range(len(order))), [(members, m - low) for _r, members, low, m in rules])
        best = search(root, options)
        if best is None:
            raise RuntimeError("planner: no plan meets the exact rules although the engine's best answers pass")
        chosen = {order[p]: m for p, m in best[2]}
        projected = {i: starts[i].answer for i in order} | {i: moves[i][m].target for i, m in chosen.items()}
        sheet = score(criteria, projected, area_rule=rule_kind)
        outcome = verdict(sheet, predicate, area_rule=rule_kind)
        if outcome.passed:
            improvements = tuple(
                _improvement(i, starts[i], moves[i][m], Fraction(gains[i][m], scale),
                             [r for r, members, _l, _m in rules if position[i] in members])
                for i, m in chosen.items()
            )
            total_cost = sum(i.cost for i in improvements)
            return Plan(predicate, rule_kind, improvements, total_cost, projected, sheet, outcome, current, assumed,
                        refinements=attempt)
        refused = {check.rule for check in outcome.failures}
        rules = [
            (r, members, low, max(m, low + sum(gains[order[p]][chosen[order[p]]] for p in members
                                               if order[p] in chosen) + 1) if r in refused else m)
            for r, members, low, m in rules
        ]
    raise RuntimeError("planner: the engine kept refusing the exact plan")


def _improvement(indicator: str, start: Start, move: Move, gain: Fraction, rules: list[str]) -> Improvement:
    return Improvement(indicator, start.answer, move.target, move.steps, move.cost, float(gain),
                       dict.fromkeys(rules, float(gain)), start.assumed)


def _unmet(
    criteria: Criteria,
    rule: str,
    node: str,
    best: float,
    required: float,
    starts: dict[str, Start],
    moves: dict[str, tuple[Move, ...]],
    movable: frozenset[str],
) -> UnmetRule:
    blockers = []
    for indicator_id in indicators_under(criteria, node):
        indicator = criteria.indicators[indicator_id]
        start = starts[indicator_id]
        if moves[indicator_id] or indicator_id in movable or start.value >= _top(indicator):
            continue
        reason = "external" if indicator.external else "not_actionable"
        blockers.append(Blocker(indicator_id, reason, start.answer, start.assumed))
    texts = [b.describe(criteria.indicators[b.indicator].kind) for b in blockers]
    return UnmetRule(rule, node, best, required, tuple(blockers), unmet_message(texts, best, required))


def _top(indicator: Indicator) -> Fraction:
    """The highest value an indicator can have."""
    if indicator.kind == "choice":
        return max(exact(v) for _k, v in indicator.scale.values)
    return Fraction(1)


def project(
    criteria: Criteria,
    answers: Mapping[str, Any],
    done: Sequence[Improvement],
    predicate: str,
    *,
    area_rule: str | None = None,
) -> Projection:
    """The answers once the ``done`` improvements are carried out, with the engine's score and verdict.

    For following a plan as its activities close: pass the plan's improvements that are done.
    """
    return project_answers(criteria, answers, {i.indicator: i.target for i in done}, predicate, area_rule=area_rule)


def project_answers(
    criteria: Criteria,
    answers: Mapping[str, Any],
    targets: Mapping[str, Any],
    predicate: str,
    *,
    area_rule: str | None = None,
) -> Projection:
    """The answers with ``targets`` (indicator id → the answer reached) put in, scored and judged.

    A stored action plan keeps each improvement's target answer; its projection as activities
    close is this, with the targets of the improvements that are done.
    """
    projected = dict(answers) | dict(targets)
    sheet = score(criteria, projected, area_rule=area_rule)
    return Projection(projected, sheet, verdict(sheet, predicate, area_rule=area_rule))
