"""Where a unit should work next: the nilai each indicator would gain from its next better answer.

For a choice indicator the next better answer is the option one step up (C → B); a percentage
indicator or a survey score has no steps, so its gain is what reaching the full value would give.
Every gain is measured by re-scoring with the domain engine, so it is exact whatever the sub-area
looks like (including unanswered indicators in an incomplete preview).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zi_assess.domain.answer_values import normalize_choice
from zi_assess.domain.answers import best_answer
from zi_assess.domain.criteria import Criteria, Indicator
from zi_assess.domain.scoring import ScoreSheet, score
from zi_assess.domain.verdict import Verdict


@dataclass(frozen=True, slots=True)
class Step:
    """One indicator's possible improvement."""

    indicator: str
    current: Any
    better: Any
    #: "step" (one option up) or "full" (a percentage or survey brought to its maximum)
    kind: str
    #: total nilai gained
    gain: float
    #: nilai gained per node the improvement touches (area, aspect-area, sub-area, H1 …)
    node_gains: dict[str, float]


def next_better(indicator: Indicator, current: Any) -> tuple[Any, str] | None:
    """The next better answer and its kind, or None when the answer is already the best.

    Unanswered indicators have no next step: in a preview they are skipped in their sub-area's
    mean, so no gain can be measured; the gap view lists them apart (they block submission).
    """
    if current is None:
        return None
    if indicator.kind == "choice":
        keys = indicator.scale.keys
        index = keys.index(current)
        return (keys[index - 1], "step") if index > 0 else None
    best = best_answer(indicator)
    return (best, "full") if current != best else None


def improvement_steps(
    criteria: Criteria, answers: Mapping[str, Any], *, area_rule: str | None = None
) -> list[Step]:
    """Every indicator that can improve, with the nilai each would gain, largest gain first."""
    base = score(criteria, answers, area_rule=area_rule)
    base_nodes = base.nodes
    steps = []
    for ind_id, indicator in criteria.indicators.items():
        current = answers.get(ind_id)
        if indicator.kind == "choice" and current is not None:
            current = normalize_choice(indicator, current)  # score() above has already validated it
        better = next_better(indicator, current)
        if better is None:
            continue
        improved = score(criteria, {**answers, ind_id: better[0]}, area_rule=area_rule)
        gain = improved.total - base.total
        if gain <= 1e-12:
            continue
        node_gains = {
            node_id: node.nilai - base_nodes[node_id].nilai
            for node_id, node in improved.nodes.items()
            if node.nilai - base_nodes[node_id].nilai > 1e-12
        }
        steps.append(Step(ind_id, current, better[0], better[1], gain, node_gains))
    order = {ind_id: position for position, ind_id in enumerate(criteria.indicators)}
    # what the unit can act on first: an external survey (IPAK, IPKP) is measured by others
    steps.sort(key=lambda s: (criteria.indicators[s.indicator].external, -s.gain, order[s.indicator]))
    return steps


def steps_for_rule(steps: list[Step], node_id: str, criteria: Criteria | None = None) -> list[Step]:
    """The steps that raise ``node_id`` (a failing rule's node), largest gain for that node first;
    with ``criteria``, the steps the unit can act on before external surveys."""
    relevant = [s for s in steps if node_id in s.node_gains]
    if criteria is None:
        return sorted(relevant, key=lambda s: -s.node_gains[node_id])
    return sorted(relevant, key=lambda s: (criteria.indicators[s.indicator].external, -s.node_gains[node_id]))


def indicators_under(criteria: Criteria, node_id: str) -> tuple[str, ...]:
    """The indicator ids a rule's node adds up: ``total``, ``pengungkit``, ``hasil``, an area ("5"),
    an aspect-area ("R5"), a hasil row ("H1") or a hasil indicator ("H1.a")."""
    if node_id == "total":
        return tuple(criteria.indicators)
    if node_id in criteria.indicators:
        return (node_id,)
    if node_id == "hasil":
        return tuple(ind.id for ind in criteria.hasil_indicators())
    found: list[str] = []
    for area in criteria.areas:
        for aspect_area in area.aspect_areas:
            if node_id in ("pengungkit", area.id, aspect_area.id):
                found += [ind.id for sub in aspect_area.sub_areas for ind in sub.indicators]
    for group in criteria.hasil_groups:
        if node_id == group.id:
            found += [ind.id for ind in group.indicators]
    return tuple(found)


@dataclass(frozen=True)
class GapReport:
    """A predicate's failing rules, each with the steps that help it."""

    verdict: Verdict
    sheet: ScoreSheet
    steps: list[Step]

    @property
    def unanswered(self) -> tuple[str, ...]:
        return self.sheet.missing

    def rule_steps(self, limit: int = 5) -> list[tuple[Any, list[Step], tuple[str, ...]]]:
        """Per failing rule: the steps that raise it most, and its indicators not yet answered
        (they count nothing until answered, so no gain can be measured for them)."""
        missing = set(self.sheet.missing)
        return [
            (check, steps_for_rule(self.steps, check.node, self.sheet.criteria)[:limit],
             tuple(i for i in indicators_under(self.sheet.criteria, check.node) if i in missing))
            for check in self.verdict.failures
        ]
