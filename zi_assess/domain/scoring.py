"""Answers → indicator values → roll-up → :class:`ScoreSheet` (decisions D3–D7).

This is the only place in zi-assess where a score is computed. Forms, PDFs, Excel, the API and
the CLI all call :func:`score`.

Roll-up: sub-area nilai = mean of its answered indicators' values × sub-area bobot; every node
above is a sum; persen = nilai ÷ bobot × 100. Full precision is kept; rounding is for display
(:mod:`zi_assess.domain.display`) and for threshold comparison (:mod:`zi_assess.domain.verdict`).

**One summation.** Each answered indicator *contributes* value × (sub-area bobot ÷ answered
indicators of its sub-area) — a hasil row value × its bobot — so a sub-area's nilai, the mean ×
bobot, is the sum of its contributions. Every sum is :func:`math.fsum`, the correctly rounded
sum whatever the order of its terms: a sub-area, an aspect-area and a hasil row add their
contributions; the nodes above add their children (area = pemenuhan + reform part, H1 = H1.a +
H1.b, P = P1…P6, pengungkit = P + R, total = pengungkit + hasil). Both ways of scoring below
produce the same contributions and share :func:`~zi_assess.domain.score_plan.upper_nilai`, so
their numbers are bit-identical, and no sum depends on the order of the answers.

**Two ways to the values.** The criteria tree is compiled once per :class:`Criteria` into flat
tables (:class:`Plan`). A complete LKE in the shapes real files contain — choices in any case or
padded with spaces, counts as integers or whole floats (above their denominator too: capped with
a warning; zero denominators), surveys as int or float — is valued in one pass over the answers
(the *fast path*). Anything else (an unanswered indicator, an answer the scale refuses) goes
through :func:`_roll_up`, the reference implementation, which validates each answer with
:mod:`zi_assess.domain.answer_values`, raises the precise :class:`AnswerError`, and serves the
per-indicator detail (``values``, sub-area nodes) on demand. ``ScoreSheet.fast_path`` says which
way a sheet took; ``score(..., careful=True)`` forces the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from math import fsum
from typing import Any, NamedTuple

from zi_assess.domain.answer_values import (
    AnswerError,
    count_value,
    normalize_answer,
    normalize_choice,
    parse_counts,
    percent_value,
    survey_value,
)
from zi_assess.domain.criteria import Criteria
from zi_assess.domain.score_plan import (
    CHOICE,
    SURVEY,
    Plan,
    ScoreWarning,
    fast_contributions,
    over_warning,
    plan_for,
    upper_nilai,
)

__all__ = [
    "AnswerError", "NodeScore", "ScoreSheet", "ScoreWarning", "count_value", "normalize_answer", "normalize_choice",
    "parse_counts", "percent_value", "score", "survey_value",
]


class NodeScore(NamedTuple):
    """Bobot, nilai and persen of one node, unrounded (a NamedTuple: cheap to create by the dozen)."""

    bobot: float
    nilai: float

    @property
    def persen(self) -> float:
        """nilai as a percentage of bobot."""
        return self.nilai / self.bobot * 100.0 if self.bobot else 0.0


def _value(plan: Plan, indicator_id: str, raw: Any, warnings: list[ScoreWarning]) -> float | None:
    """Validate and value one answer; None when it is not (fully) answered."""
    slot = plan.slots.get(indicator_id)
    if slot is None:
        raise AnswerError(str(indicator_id), "unknown_indicator", "unknown indicator id")
    if raw is None:
        return None
    ind = slot.indicator
    if slot.kind == CHOICE:
        value = slot.values.get(raw) if isinstance(raw, str) else None  # "A", "a", "YA" as they are
        return value if value is not None else slot.values[normalize_choice(ind, raw)]
    if slot.kind == SURVEY:
        return survey_value(ind, raw) / ind.scale.maximum
    parsed = parse_counts(ind, raw)
    if len(parsed) < len(ind.inputs):
        return None
    assert ind.formula is not None
    value, over = percent_value(indicator_id, ind.formula, parsed)
    if over:
        warnings.append(over_warning(indicator_id))
    return value


@dataclass(frozen=True)
class _RollUp:
    values: dict[str, float]
    contributions: list[float]
    missing: tuple[str, ...]
    warnings: tuple[ScoreWarning, ...]


def _roll_up(plan: Plan, answers: Mapping[str, Any]) -> _RollUp:
    """The reference: validate and value every answer; each answered indicator contributes
    value × (sub-area bobot ÷ answered indicators of its sub-area), an unanswered one 0."""
    warnings: list[ScoreWarning] = []
    values: dict[str, float] = {}
    for indicator_id, raw in answers.items():
        value = _value(plan, indicator_id, raw, warnings)
        if value is not None:
            values[indicator_id] = value
    answered = [0] * len(plan.bucket_ids)
    for indicator_id in values:
        answered[plan.slots[indicator_id].bucket] += 1
    contributions = [0.0] * plan.n_indicators
    for indicator_id, value in values.items():
        slot = plan.slots[indicator_id]
        contributions[slot.position] = value * (plan.bucket_bobot[slot.bucket] / answered[slot.bucket])
    missing = tuple(i for i in plan.order if i not in values)
    return _RollUp(values, contributions, missing, tuple(warnings))


@dataclass(frozen=True)
class ScoreSheet:
    """Every number the product shows for one set of answers (unrounded).

    ``fast_path`` tells which way the values were found (see the module docstring); the numbers
    are the same either way. Tests and benchmarks read it to check the fast path is taken.
    """

    criteria: Criteria
    complete: bool
    missing: tuple[str, ...]
    warnings: tuple[ScoreWarning, ...]
    area_rule: str
    fast_path: bool
    _answers: Mapping[str, Any] = field(repr=False)
    #: every indicator's contribution, in criteria order (0 when unanswered)
    _contributions: list[float] = field(repr=False)

    @property
    def total(self) -> float:
        """Nilai of the whole LKE (of 100)."""
        return self.upper_nilai["total"]

    @property
    def pengungkit(self) -> float:
        """Pemenuhan + reform (of 60)."""
        return self.upper_nilai["pengungkit"]

    def aspect(self, aspect_id: str) -> float | None:
        """Nilai of one aspect of the pengungkit; None when the criteria version has no such aspect
        (PermenPANRB 52/2014 has none)."""
        if not any(a.id == aspect_id for a in self.criteria.aspects):
            return None
        return self.upper_nilai[aspect_id]

    @property
    def pemenuhan(self) -> float | None:
        """Aspect P (of 30); None for a criteria version without aspects."""
        return self.aspect("P")

    @property
    def reform(self) -> float | None:
        """Aspect R (of 30); None for a criteria version without aspects."""
        return self.aspect("R")

    @property
    def hasil(self) -> float:
        """The hasil component (of 40)."""
        return self.upper_nilai["hasil"]

    @cached_property
    def _detail(self) -> _RollUp:
        return _roll_up(plan_for(self.criteria), self._answers)

    @property
    def values(self) -> dict[str, float]:
        """Indicator id → value in [0, 1] for every answered indicator."""
        return self._detail.values

    @cached_property
    def nodes(self) -> dict[str, NodeScore]:
        """Every node by id: sub-areas, aspect-areas, hasil rows, areas, hasil groups, aspects,
        components, total."""
        plan = plan_for(self.criteria)
        nodes: dict[str, NodeScore] = {}
        for node_id, bobot, part in zip(plan.bucket_ids, plan.bucket_bobot, plan.bucket_slices, strict=True):
            nodes[node_id] = NodeScore(bobot, fsum(self._contributions[part]))
        nodes.update(self.upper_nodes)
        return nodes

    @cached_property
    def upper_nilai(self) -> dict[str, float]:
        """Nilai of every node above the sub-areas: aspect-areas, hasil rows, areas, hasil groups,
        aspects, components, total (what the thresholds read); computed on first use."""
        return upper_nilai(plan_for(self.criteria), self._contributions)

    @cached_property
    def upper_nodes(self) -> dict[str, NodeScore]:
        """The nodes above the sub-areas, with their bobot."""
        bobot = plan_for(self.criteria).node_bobot
        return {node_id: NodeScore(bobot[node_id], nilai) for node_id, nilai in self.upper_nilai.items()}

    @cached_property
    def areas(self) -> dict[str, NodeScore]:
        """Area pengungkit "1"…"6": pemenuhan + reform of that area."""
        plan = plan_for(self.criteria)
        nilai = self.upper_nilai
        return {area_id: NodeScore(plan.area_bobot[area_id], nilai[area_id]) for area_id in plan.area_ids}

    def node(self, node_id: str) -> NodeScore:
        """One node's score; KeyError if unknown."""
        return self.nodes[node_id]

    def indicator_nilai(self, indicator_id: str) -> float | None:
        """value × the indicator's bobot, or None when unanswered."""
        value = self.values.get(indicator_id)
        if value is None:
            return None
        return value * self.criteria.indicators[indicator_id].bobot


def score(
    criteria: Criteria, answers: Mapping[str, Any], *, area_rule: str | None = None, careful: bool = False
) -> ScoreSheet:
    """Score answers keyed by indicator id.

    Answers: ``"Ya"``/``"Tidak"`` or ``"A"``…``"E"`` (any case, surrounding spaces ignored), a
    survey score 0–4 (int or float; 0 is an answer), or for a percentage indicator a mapping of
    its count inputs. Unknown ids and invalid answers raise :class:`AnswerError`. Unanswered
    indicators (``None``, and percentage indicators with a count missing) are skipped in their
    sub-area's mean, as the official workbook does, and listed in ``missing`` (decision D7).

    ``careful=True`` takes the reference path whatever the answers (same numbers; for tests and
    the benchmark's reference pipeline).
    """
    plan = plan_for(criteria)
    fast = None if careful else fast_contributions(plan, answers)
    detail = None
    if fast is not None:
        contributions, warnings = fast
    else:
        detail = _roll_up(plan, answers)
        contributions = detail.contributions
    sheet = ScoreSheet(
        criteria=criteria,
        complete=detail is None or not detail.missing,
        missing=detail.missing if detail else (),
        warnings=detail.warnings if detail else tuple(warnings),
        area_rule=area_rule or criteria.area_rule,
        fast_path=fast is not None,
        _answers=answers,
        _contributions=contributions,
    )
    if detail is not None:
        sheet.__dict__["_detail"] = detail
    return sheet
