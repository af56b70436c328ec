"""Answers → indicator values → roll-up → :class:`ScoreSheet` (decisions D3–D7).

This is the only place in zi-assess where a score is computed. Forms, PDFs, Excel, the API and
the CLI all call :func:`score`.

Roll-up: sub-area nilai = mean of its answered indicators' values × sub-area bobot; every node
above is a sum; persen = nilai ÷ bobot × 100. Full precision is kept; rounding is for display
(:mod:`zi_assess.domain.display`) and for threshold comparison (:mod:`zi_assess.domain.verdict`).

The criteria tree is compiled once per :class:`Criteria` into flat tables (:class:`_Plan`).
Scoring a complete, well-formed LKE is then one pass that adds each answer's nilai straight into
its aspect-area (the *fast path*); anything else (an incomplete LKE, a lower-case answer, a
count above its denominator) goes through :func:`_roll_up`, the reference implementation that
also serves sub-area detail on demand. A property test keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from zi_assess.domain.answer_values import (
    AnswerError,
    count_value,
    normalize_answer,
    normalize_choice,
    parse_counts,
    percent_value,
    survey_value,
)
from zi_assess.domain.criteria import Criteria, Indicator, PercentFormula

__all__ = [
    "AnswerError", "NodeScore", "ScoreSheet", "ScoreWarning", "count_value", "normalize_answer", "normalize_choice",
    "parse_counts", "percent_value", "score", "survey_value",
]

_CHOICE, _PERCENT, _SURVEY = 0, 1, 2


@dataclass(frozen=True, slots=True)
class ScoreWarning:
    """Something accepted but worth showing (a numerator above its denominator)."""

    indicator: str
    code: str
    message: str


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
    #: index of its aspect-area (or hasil row) in _Plan.group_*
    group: int
    #: choice: accepted spelling → value
    lookup: dict[str, float]
    indicator: Indicator


class _Plan:
    """The criteria tree flattened into lists and lookup tables."""

    def __init__(self, criteria: Criteria) -> None:
        self.criteria = criteria
        self.slots: dict[str, _Slot] = {}
        self.order: list[str] = []
        #: buckets: the sub-areas, then one per hasil indicator (each with its own bobot)
        self.bucket_ids: list[str] = []
        self.bucket_bobot: list[float] = []
        self.bucket_group: list[int] = []
        #: groups: the aspect-areas (P1…R6), then the hasil indicators (H1.a, H1.b, H2.a)
        self.group_ids: list[str] = []
        self.group_bobot: list[float] = []
        self.group_aspect: list[str] = []
        self.group_area: list[str | None] = []

        def add_group(group_id: str, bobot: float, aspect: str, area: str | None) -> int:
            self.group_ids.append(group_id)
            self.group_bobot.append(bobot)
            self.group_aspect.append(aspect)
            self.group_area.append(area)
            return len(self.group_ids) - 1

        def add_bucket(node_id: str, bobot: float, group: int, indicators: tuple[Indicator, ...]) -> None:
            bucket = len(self.bucket_ids)
            self.bucket_ids.append(node_id)
            self.bucket_bobot.append(bobot)
            self.bucket_group.append(group)
            for ind in indicators:
                self.order.append(ind.id)
                kind = {"choice": _CHOICE, "percent": _PERCENT, "survey": _SURVEY}[ind.kind]
                lookup = {}
                for key, value in ind.scale.values:
                    for spelling in (key, key.lower(), key.upper()):
                        lookup[spelling] = value
                self.slots[ind.id] = _Slot(kind, bucket, group, lookup, ind)

        for aspect in criteria.aspects:
            for aa in aspect.aspect_areas:
                group = add_group(aa.id, aa.bobot, aspect.id, aa.area)
                for sub in aa.sub_areas:
                    add_bucket(sub.id, sub.bobot, group, sub.indicators)
        self.hasil_groups: list[tuple[str, float, list[int]]] = []
        for hasil_group in criteria.hasil_groups:
            members = []
            for ind in hasil_group.indicators:
                group = add_group(ind.id, ind.bobot, hasil_group.id, None)
                add_bucket(ind.id, ind.bobot, group, (ind,))
                members.append(group)
            self.hasil_groups.append((hasil_group.id, hasil_group.bobot, members))
        self.n_indicators = len(self.order)
        self.area_bobot = {a.id: a.bobot for a in criteria.areas}
        self.aspect_bobot = {a.id: a.bobot for a in criteria.aspects}
        self.component_bobot = {c.id: c.bobot for c in criteria.components}
        self.total_bobot = criteria.total_bobot
        self.area_groups = [
            (area.id, [self.group_ids.index(aa.id) for aa in area.aspect_areas]) for area in criteria.areas
        ]
        self.node_bobot: dict[str, float] = dict(zip(self.group_ids, self.group_bobot, strict=True))
        self.node_bobot.update(self.area_bobot)
        self.node_bobot.update({g: b for g, b, _m in self.hasil_groups})
        self.node_bobot.update(self.aspect_bobot)
        self.node_bobot.update(self.component_bobot)
        self.node_bobot["total"] = self.total_bobot

        # Fast-path tables: each answer's nilai (value × bobot ÷ indicators in its sub-area),
        # valid when the whole LKE is answered.
        def factor(slot: _Slot) -> float:
            sub_size = sum(1 for s in self.slots.values() if s.bucket == slot.bucket)
            return self.bucket_bobot[slot.bucket] / sub_size

        self.fast_choice: dict[str, tuple[int, dict[str, float]]] = {}
        self.fast_percent: dict[str, tuple[int, float, tuple[str, ...], PercentFormula]] = {}
        self.fast_survey: dict[str, tuple[int, float, float]] = {}
        for ind_id, slot in self.slots.items():
            f = factor(slot)
            ind = slot.indicator
            if slot.kind == _CHOICE:
                self.fast_choice[ind_id] = (slot.group, {k: v * f for k, v in slot.lookup.items()})
            elif slot.kind == _PERCENT:
                assert ind.formula is not None
                self.fast_percent[ind_id] = (slot.group, f, tuple(c.key for c in ind.inputs), ind.formula)
            else:
                self.fast_survey[ind_id] = (slot.group, f / ind.scale.maximum, ind.scale.maximum)


_plans: WeakKeyDictionary[Criteria, _Plan] = WeakKeyDictionary()


def _plan(criteria: Criteria) -> _Plan:
    plan = _plans.get(criteria)
    if plan is None:
        plan = _plans[criteria] = _Plan(criteria)
    return plan


def _value(plan: _Plan, indicator_id: str, raw: Any, warnings: list[ScoreWarning] | None) -> float | None:
    """Validate and value one answer; None when it is not (fully) answered."""
    slot = plan.slots.get(indicator_id)
    if slot is None:
        raise AnswerError(str(indicator_id), "unknown_indicator", "unknown indicator id")
    if raw is None:
        return None
    ind = slot.indicator
    if slot.kind == _CHOICE:
        value = slot.lookup.get(raw) if isinstance(raw, str) else None
        return value if value is not None else slot.lookup[normalize_choice(ind, raw)]
    if slot.kind == _SURVEY:
        return survey_value(ind, raw) / ind.scale.maximum
    parsed = parse_counts(ind, raw)
    if len(parsed) < len(ind.inputs):
        return None
    assert ind.formula is not None
    value, over = percent_value(indicator_id, ind.formula, parsed)
    if over and warnings is not None:
        warnings.append(
            ScoreWarning(indicator_id, "numerator_above_denominator",
                         "numerator is above its denominator; the value is capped at 100 %")
        )
    return value


@dataclass(frozen=True)
class _RollUp:
    values: dict[str, float]
    bucket_nilai: list[float]
    group_nilai: list[float]
    missing: tuple[str, ...]
    warnings: tuple[ScoreWarning, ...]


def _roll_up(plan: _Plan, answers: Mapping[str, Any]) -> _RollUp:
    """The reference roll-up: values, sub-area means over answered indicators, group sums."""
    warnings: list[ScoreWarning] = []
    values: dict[str, float] = {}
    for indicator_id, raw in answers.items():
        value = _value(plan, indicator_id, raw, warnings)
        if value is not None:
            values[indicator_id] = value
    n = len(plan.bucket_ids)
    sums = [0.0] * n
    counts = [0] * n
    for indicator_id, value in values.items():
        bucket = plan.slots[indicator_id].bucket
        sums[bucket] += value
        counts[bucket] += 1
    bucket_nilai = [plan.bucket_bobot[i] * sums[i] / counts[i] if counts[i] else 0.0 for i in range(n)]
    group_nilai = [0.0] * len(plan.group_ids)
    for nilai, group in zip(bucket_nilai, plan.bucket_group, strict=True):
        group_nilai[group] += nilai
    missing = tuple(i for i in plan.order if i not in values)
    return _RollUp(values, bucket_nilai, group_nilai, missing, tuple(warnings))


def _fast_group_nilai(plan: _Plan, answers: Mapping[str, Any]) -> list[float] | None:
    """Group nilai of a complete, well-formed LKE in one pass; None when the LKE is not that."""
    if len(answers) != plan.n_indicators:
        return None
    choice = plan.fast_choice.get
    group_nilai = [0.0] * len(plan.group_ids)
    for indicator_id, raw in answers.items():
        entry = choice(indicator_id)
        if entry is not None:
            try:
                group_nilai[entry[0]] += entry[1][raw]
                continue
            except (KeyError, TypeError):
                return None
        pct = plan.fast_percent.get(indicator_id)
        if pct is not None:
            group, factor, keys, formula = pct
            if raw.__class__ is not dict or len(raw) != len(keys):
                return None
            for key in keys:
                count = raw.get(key)
                if count.__class__ is not int or count < 0:
                    return None
            numerator = denominator = 0
            for key in formula.numerator:
                numerator += raw[key]
            for key in formula.minus:
                numerator -= raw[key]
            for key in formula.denominator:
                denominator += raw[key]
            if numerator > denominator > 0:
                return None  # capped with a warning: the careful path reports it
            if not denominator:
                rule = formula.when_denominator_zero
                value = (rule[0] if numerator == 0 else rule[1]) if isinstance(rule, tuple) else rule
                group_nilai[group] += value * factor
            elif numerator > 0:
                group_nilai[group] += numerator / denominator * factor
            continue
        survey = plan.fast_survey.get(indicator_id)
        if survey is None or raw.__class__ not in (int, float) or not 0 <= raw <= survey[2]:
            return None
        group_nilai[survey[0]] += raw * survey[1]
    return group_nilai


@dataclass(frozen=True)
class ScoreSheet:
    """Every number the product shows for one set of answers (unrounded)."""

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
    _answers: Mapping[str, Any] = field(repr=False)
    _group_nilai: list[float] = field(repr=False)

    @cached_property
    def _detail(self) -> _RollUp:
        return _roll_up(_plan(self.criteria), self._answers)

    @property
    def values(self) -> dict[str, float]:
        """Indicator id → value in [0, 1] for every answered indicator."""
        return self._detail.values

    @cached_property
    def nodes(self) -> dict[str, NodeScore]:
        """Every node by id: sub-areas, aspect-areas, areas, aspects, hasil rows, components, total."""
        plan = _plan(self.criteria)
        nodes: dict[str, NodeScore] = {}
        for node_id, bobot, nilai in zip(plan.bucket_ids, plan.bucket_bobot, self._detail.bucket_nilai, strict=True):
            nodes[node_id] = NodeScore(bobot, nilai)
        nodes.update(self.upper_nodes)
        return nodes

    @cached_property
    def upper_nilai(self) -> dict[str, float]:
        """Nilai of every node above the sub-areas: aspect-areas, areas, hasil rows, aspects, totals."""
        plan = _plan(self.criteria)
        group_nilai = self._group_nilai
        nilai = dict(zip(plan.group_ids, group_nilai, strict=True))
        for area_id, members in plan.area_groups:
            nilai[area_id] = sum([group_nilai[m] for m in members])
        for group_id, _bobot, members in plan.hasil_groups:
            nilai[group_id] = sum([group_nilai[m] for m in members])
        nilai["P"] = self.pemenuhan
        nilai["R"] = self.reform
        nilai["pengungkit"] = self.pengungkit
        nilai["hasil"] = self.hasil
        nilai["total"] = self.total
        return nilai

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
        return {area_id: NodeScore(plan.area_bobot[area_id], nilai[area_id]) for area_id, _m in plan.area_groups}

    def node(self, node_id: str) -> NodeScore:
        """One node's score; KeyError if unknown."""
        return self.nodes[node_id]

    def indicator_nilai(self, indicator_id: str) -> float | None:
        """value × the indicator's bobot, or None when unanswered."""
        value = self.values.get(indicator_id)
        if value is None:
            return None
        return value * self.criteria.indicators[indicator_id].bobot


def score(criteria: Criteria, answers: Mapping[str, Any], *, area_rule: str | None = None) -> ScoreSheet:
    """Score answers keyed by indicator id.

    Answers: ``"Ya"``/``"Tidak"`` or ``"A"``…``"E"`` (any case), a survey score 0–4, or for a
    percentage indicator a mapping of its count inputs. Unknown ids and invalid answers raise
    :class:`AnswerError`. Unanswered indicators (and percentage indicators with a count missing)
    are skipped in their sub-area's mean, as the official workbook does, and listed in
    ``missing`` (decision D7).
    """
    plan = _plan(criteria)
    group_nilai = _fast_group_nilai(plan, answers)
    detail = None
    if group_nilai is None:
        detail = _roll_up(plan, answers)
        group_nilai = detail.group_nilai
    pemenuhan = reform = hasil = 0.0
    for aspect, nilai in zip(plan.group_aspect, group_nilai, strict=True):
        if aspect == "P":
            pemenuhan += nilai
        elif aspect == "R":
            reform += nilai
        else:
            hasil += nilai
    pengungkit = pemenuhan + reform
    sheet = ScoreSheet(
        criteria=criteria,
        complete=detail is None or not detail.missing,
        missing=detail.missing if detail else (),
        warnings=detail.warnings if detail else (),
        total=pengungkit + hasil,
        pengungkit=pengungkit,
        pemenuhan=pemenuhan,
        reform=reform,
        hasil=hasil,
        area_rule=area_rule or criteria.area_rule,
        _answers=answers,
        _group_nilai=group_nilai,
    )
    if detail is not None:
        sheet.__dict__["_detail"] = detail
    return sheet
