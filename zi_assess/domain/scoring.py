"""Answers → indicator values → roll-up → :class:`ScoreSheet` (decisions D3–D7).

This is the only place in zi-assess where a score is computed. Forms, PDFs, Excel, the API and
the CLI all call :func:`score`.

Roll-up: sub-area nilai = mean of its answered indicators' values × sub-area bobot; every node
above is the sum of the sub-area nilai under it; persen = nilai ÷ bobot × 100. Full precision is
kept; rounding is for display (:mod:`zi_assess.domain.display`) and for threshold comparison
(:mod:`zi_assess.domain.verdict`).

**One summation.** Every sum is :func:`math.fsum` (the correctly rounded sum, whatever the
order of its terms): a sub-area adds its indicators' values, every node above adds the nilai of
the sub-areas under it. Both ways of scoring below feed the same values, in criteria order, to
the same roll-up (:func:`_bucket_nilai`, :func:`_upper_nilai`), so they give bit-identical
numbers.

**Two ways to the values.** The criteria tree is compiled once per :class:`Criteria` into flat
tables (:class:`_Plan`). A complete LKE in the shapes real files contain — choices in any case or
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
from operator import itemgetter
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from zi_assess.domain.answer_values import (
    AnswerError,
    count_value,
    normalize_answer,
    normalize_choice,
    parse_counts,
    percent_of,
    percent_value,
    survey_value,
)
from zi_assess.domain.criteria import Criteria, Indicator, PercentFormula

__all__ = [
    "AnswerError", "NodeScore", "ScoreSheet", "ScoreWarning", "count_value", "normalize_answer", "normalize_choice",
    "parse_counts", "percent_value", "score", "survey_value",
]

_CHOICE, _PERCENT, _SURVEY = 0, 1, 2
_OVER_MESSAGE = "numerator is above its denominator; the value is capped at 100 %"


@dataclass(frozen=True, slots=True)
class ScoreWarning:
    """Something accepted but worth showing (a numerator above its denominator)."""

    indicator: str
    code: str
    message: str


def _over_warning(indicator_id: str) -> ScoreWarning:
    return ScoreWarning(indicator_id, "numerator_above_denominator", _OVER_MESSAGE)


class NodeScore(NamedTuple):
    """Bobot, nilai and persen of one node, unrounded (a NamedTuple: cheap to create by the dozen)."""

    bobot: float
    nilai: float

    @property
    def persen(self) -> float:
        """nilai as a percentage of bobot."""
        return self.nilai / self.bobot * 100.0 if self.bobot else 0.0


@dataclass(frozen=True, slots=True)
class _Slot:
    kind: int
    #: index of the indicator's sub-area (or hasil row) in _Plan.bucket_*
    bucket: int
    #: canonical option key → value (choice indicators)
    values: dict[str, float]
    indicator: Indicator


class _Plan:
    """The criteria tree flattened into lists and lookup tables."""

    def __init__(self, criteria: Criteria) -> None:
        self.criteria = criteria
        self.slots: dict[str, _Slot] = {}
        #: every indicator id in criteria order (sub-areas in order, then the hasil rows)
        self.order: list[str] = []
        #: buckets: the sub-areas, then one per hasil indicator (each with its own bobot); the
        #: indicators of a bucket are contiguous in ``order``
        self.bucket_ids: list[str] = []
        self.bucket_bobot: list[float] = []
        self.bucket_members: list[tuple[str, ...]] = []
        self.bucket_slices: list[slice] = []
        #: upper node id → indices of the buckets under it, in the order nodes are reported
        upper: dict[str, list[int]] = {}

        def add_bucket(node_id: str, bobot: float, indicators: tuple[Indicator, ...], *parents: str) -> None:
            bucket = len(self.bucket_ids)
            self.bucket_ids.append(node_id)
            self.bucket_bobot.append(bobot)
            self.bucket_members.append(tuple(ind.id for ind in indicators))
            self.bucket_slices.append(slice(len(self.order), len(self.order) + len(indicators)))
            for parent in parents:
                upper.setdefault(parent, []).append(bucket)
            for ind in indicators:
                self.order.append(ind.id)
                kind = {"choice": _CHOICE, "percent": _PERCENT, "survey": _SURVEY}[ind.kind]
                self.slots[ind.id] = _Slot(kind, bucket, dict(ind.scale.values), ind)

        component_of = {part: c.id for c in criteria.components for part in c.parts}
        for aspect in criteria.aspects:
            for aa in aspect.aspect_areas:
                upper.setdefault(aa.id, [])
        for aspect in criteria.aspects:
            for aa in aspect.aspect_areas:
                for sub in aa.sub_areas:
                    add_bucket(sub.id, sub.bobot, sub.indicators, aa.id, f"\0area:{aa.area}", aspect.id,
                               component_of[aspect.id], "total")
        for group in criteria.hasil_groups:
            for ind in group.indicators:
                add_bucket(ind.id, ind.bobot, (ind,), ind.id, f"\0group:{group.id}", component_of[group.id], "total")
        # report order: aspect-areas, hasil rows, areas, hasil groups, aspects, components, total
        ordered = [aa.id for aspect in criteria.aspects for aa in aspect.aspect_areas]
        ordered += [ind.id for group in criteria.hasil_groups for ind in group.indicators]
        ordered += [f"\0area:{area.id}" for area in criteria.areas]
        ordered += [f"\0group:{group.id}" for group in criteria.hasil_groups]
        ordered += [aspect.id for aspect in criteria.aspects] + [c.id for c in criteria.components] + ["total"]
        #: (node id, getter of its buckets' nilai) for every node above the sub-areas
        self.upper: list[tuple[str, Any]] = []
        for key in ordered:
            members = upper.get(key, [])
            node_id = key.rpartition(":")[2] if key.startswith("\0") else key
            getter = itemgetter(*members) if len(members) > 1 else (lambda nilai, i=members[0]: (nilai[i],))
            self.upper.append((node_id, getter))
        self.n_indicators = len(self.order)
        self.area_bobot = {a.id: a.bobot for a in criteria.areas}
        self.area_ids = [a.id for a in criteria.areas]
        self.node_bobot: dict[str, float] = {aa.id: aa.bobot for a in criteria.aspects for aa in a.aspect_areas}
        self.node_bobot.update({ind.id: ind.bobot for g in criteria.hasil_groups for ind in g.indicators})
        self.node_bobot.update(self.area_bobot)
        self.node_bobot.update({g.id: g.bobot for g in criteria.hasil_groups})
        self.node_bobot.update({a.id: a.bobot for a in criteria.aspects})
        self.node_bobot.update({c.id: c.bobot for c in criteria.components})
        self.node_bobot["total"] = criteria.total_bobot
        self.bucket_table = list(zip(self.bucket_slices, self.bucket_bobot, strict=True))

        # Fast-path tables, by indicator id: the indicator's position in ``order`` and what
        # values its answer.
        self.fast_choice: dict[str, tuple[int, dict[str, float], dict[str, float]]] = {}
        self.fast_percent: dict[str, tuple[int, int, PercentFormula]] = {}
        self.fast_survey: dict[str, tuple[int, float]] = {}
        for position, ind_id in enumerate(self.order):
            slot = self.slots[ind_id]
            ind = slot.indicator
            if slot.kind == _CHOICE:
                exact = {}
                for key, value in ind.scale.values:
                    for spelling in (key, key.lower(), key.upper()):
                        exact[spelling] = value
                folded = {key.lower(): value for key, value in ind.scale.values}
                self.fast_choice[ind_id] = (position, exact, folded)
            elif slot.kind == _PERCENT:
                assert ind.formula is not None
                self.fast_percent[ind_id] = (position, len(ind.inputs), ind.formula)
            else:
                self.fast_survey[ind_id] = (position, ind.scale.maximum)


_plans: WeakKeyDictionary[Criteria, _Plan] = WeakKeyDictionary()


def _plan(criteria: Criteria) -> _Plan:
    plan = _plans.get(criteria)
    if plan is None:
        plan = _plans[criteria] = _Plan(criteria)
    return plan


def _bucket_nilai(plan: _Plan, values: list[list[float]]) -> list[float]:
    """Sub-area nilai from each sub-area's answered values: bobot × mean (0 with no answer)."""
    return [
        bobot * fsum(answered) / len(answered) if answered else 0.0
        for bobot, answered in zip(plan.bucket_bobot, values, strict=True)
    ]


def _upper_nilai(plan: _Plan, bucket_nilai: list[float]) -> dict[str, float]:
    """Nilai of every node above the sub-areas: the fsum of the sub-area nilai under it."""
    return {node_id: fsum(getter(bucket_nilai)) for node_id, getter in plan.upper}


def _value(plan: _Plan, indicator_id: str, raw: Any, warnings: list[ScoreWarning]) -> float | None:
    """Validate and value one answer; None when it is not (fully) answered."""
    slot = plan.slots.get(indicator_id)
    if slot is None:
        raise AnswerError(str(indicator_id), "unknown_indicator", "unknown indicator id")
    if raw is None:
        return None
    ind = slot.indicator
    if slot.kind == _CHOICE:
        return slot.values[normalize_choice(ind, raw)]
    if slot.kind == _SURVEY:
        return survey_value(ind, raw) / ind.scale.maximum
    parsed = parse_counts(ind, raw)
    if len(parsed) < len(ind.inputs):
        return None
    assert ind.formula is not None
    value, over = percent_value(indicator_id, ind.formula, parsed)
    if over:
        warnings.append(_over_warning(indicator_id))
    return value


@dataclass(frozen=True)
class _RollUp:
    values: dict[str, float]
    bucket_nilai: list[float]
    missing: tuple[str, ...]
    warnings: tuple[ScoreWarning, ...]


def _roll_up(plan: _Plan, answers: Mapping[str, Any]) -> _RollUp:
    """The reference: validate and value every answer, then roll up the answered ones."""
    warnings: list[ScoreWarning] = []
    values: dict[str, float] = {}
    for indicator_id, raw in answers.items():
        value = _value(plan, indicator_id, raw, warnings)
        if value is not None:
            values[indicator_id] = value
    answered = [[values[i] for i in members if i in values] for members in plan.bucket_members]
    missing = tuple(i for i in plan.order if i not in values)
    return _RollUp(values, _bucket_nilai(plan, answered), missing, tuple(warnings))


def _fast_values(plan: _Plan, answers: Mapping[str, Any]) -> tuple[list[float], list[ScoreWarning]] | None:
    """Every indicator's value in criteria order, in one pass over a complete LKE, and its
    warnings (in answer order, as :func:`_roll_up` gives them). None when the LKE is incomplete
    or holds an answer only the reference path can judge (it then raises the precise error).

    Each value is the float the reference computes: the same table entry for a choice, the same
    integer counts through :func:`percent_of`, the same ``float(score) / maximum`` for a survey.
    """
    if len(answers) != plan.n_indicators:
        return None
    values = [0.0] * plan.n_indicators
    warnings: list[ScoreWarning] = []
    choice = plan.fast_choice.get
    percent = plan.fast_percent.get
    for indicator_id, raw in answers.items():
        entry = choice(indicator_id)
        if entry is not None:
            try:
                values[entry[0]] = entry[1][raw]
                continue
            except KeyError:
                pass
            except TypeError:  # unhashable: not a choice answer
                return None
            if raw.__class__ is not str:
                return None
            value = entry[2].get(raw.strip().lower())  # " a ", "yA": as normalize_choice reads them
            if value is None:
                return None
            values[entry[0]] = value
            continue
        pct = percent(indicator_id)
        if pct is not None:
            position, n_inputs, formula = pct
            if raw.__class__ is not dict or len(raw) != n_inputs:
                return None
            counts = raw
            for key, count in raw.items():
                if count.__class__ is int:
                    if count < 0:
                        return None
                elif count.__class__ is float and count >= 0 and count.is_integer():
                    if counts is raw:
                        counts = dict(raw)
                    counts[key] = int(count)
                else:
                    return None
            try:
                numerator = 0
                for key in formula.numerator:
                    numerator += counts[key]
                for key in formula.minus:
                    numerator -= counts[key]
                denominator = 0
                for key in formula.denominator:
                    denominator += counts[key]
            except KeyError:  # an unknown input in place of a known one
                return None
            values[position], over = percent_of(formula, numerator, denominator)
            if over:
                warnings.append(_over_warning(indicator_id))
            continue
        survey = plan.fast_survey.get(indicator_id)
        if survey is None:  # an unknown indicator id
            return None
        cls = raw.__class__
        if (cls is not float and cls is not int) or not 0 <= raw <= survey[1]:
            return None
        values[survey[0]] = float(raw) / survey[1]
    return values, warnings


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
    total: float
    pengungkit: float
    pemenuhan: float
    reform: float
    hasil: float
    area_rule: str
    fast_path: bool
    _answers: Mapping[str, Any] = field(repr=False)
    _bucket_nilai: list[float] = field(repr=False)
    _upper_nilai: dict[str, float] = field(repr=False)

    @cached_property
    def _detail(self) -> _RollUp:
        return _roll_up(_plan(self.criteria), self._answers)

    @property
    def values(self) -> dict[str, float]:
        """Indicator id → value in [0, 1] for every answered indicator."""
        return self._detail.values

    @cached_property
    def nodes(self) -> dict[str, NodeScore]:
        """Every node by id: sub-areas, aspect-areas, hasil rows, areas, hasil groups, aspects,
        components, total."""
        plan = _plan(self.criteria)
        nodes: dict[str, NodeScore] = {}
        for node_id, bobot, nilai in zip(plan.bucket_ids, plan.bucket_bobot, self._bucket_nilai, strict=True):
            nodes[node_id] = NodeScore(bobot, nilai)
        nodes.update(self.upper_nodes)
        return nodes

    @property
    def upper_nilai(self) -> dict[str, float]:
        """Nilai of every node above the sub-areas: aspect-areas, hasil rows, areas, hasil groups,
        aspects, components, total (what the thresholds read)."""
        return self._upper_nilai

    @cached_property
    def upper_nodes(self) -> dict[str, NodeScore]:
        """The nodes above the sub-areas, with their bobot."""
        bobot = _plan(self.criteria).node_bobot
        return {node_id: NodeScore(bobot[node_id], nilai) for node_id, nilai in self.upper_nilai.items()}

    @cached_property
    def areas(self) -> dict[str, NodeScore]:
        """Area pengungkit "1"…"6": pemenuhan + reform of that area."""
        plan = _plan(self.criteria)
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
    plan = _plan(criteria)
    fast = None if careful else _fast_values(plan, answers)
    detail = None
    if fast is not None:
        values, warnings = fast
        bucket_nilai = _bucket_nilai(plan, [values[part] for part in plan.bucket_slices])
    else:
        detail = _roll_up(plan, answers)
        bucket_nilai = detail.bucket_nilai
    upper = _upper_nilai(plan, bucket_nilai)
    sheet = ScoreSheet(
        criteria=criteria,
        complete=detail is None or not detail.missing,
        missing=detail.missing if detail else (),
        warnings=detail.warnings if detail else tuple(warnings),
        total=upper["total"],
        pengungkit=upper["pengungkit"],
        pemenuhan=upper["P"],
        reform=upper["R"],
        hasil=upper["hasil"],
        area_rule=area_rule or criteria.area_rule,
        fast_path=fast is not None,
        _answers=answers,
        _bucket_nilai=bucket_nilai,
        _upper_nilai=upper,
    )
    if detail is not None:
        sheet.__dict__["_detail"] = detail
    return sheet
