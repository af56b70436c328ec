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
produce the same contributions and share :func:`_upper_nilai`, so their numbers are
bit-identical, and no sum depends on the order of the answers.

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from math import fsum
from operator import itemgetter
from typing import Any, NamedTuple

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
    #: the indicator's index in _Plan.order (and in a contributions list)
    position: int
    #: index of its sub-area (or hasil row) in _Plan.bucket_*
    bucket: int
    #: canonical option key → value (choice indicators)
    values: dict[str, float]
    indicator: Indicator


class _Plan:
    """The criteria tree flattened into lists and lookup tables."""

    def __init__(self, criteria: Criteria) -> None:
        self.criteria = criteria
        self.slots: dict[str, _Slot] = {}
        #: every indicator id in criteria order: the sub-areas of P1…P6, R1…R6, then the hasil
        #: rows; the indicators of a sub-area, and of an aspect-area, are contiguous
        self.order: list[str] = []
        #: buckets: the sub-areas, then one per hasil indicator (each with its own bobot)
        self.bucket_ids: list[str] = []
        self.bucket_bobot: list[float] = []
        self.bucket_slices: list[slice] = []
        kinds = {"choice": _CHOICE, "percent": _PERCENT, "survey": _SURVEY}

        def add_bucket(node_id: str, bobot: float, indicators: tuple[Indicator, ...]) -> None:
            start = len(self.order)
            for ind in indicators:
                self.slots[ind.id] = _Slot(kinds[ind.kind], len(self.order), len(self.bucket_ids),
                                           dict(ind.scale.values), ind)
                self.order.append(ind.id)
            self.bucket_ids.append(node_id)
            self.bucket_bobot.append(bobot)
            self.bucket_slices.append(slice(start, len(self.order)))

        #: groups: the aspect-areas, then the hasil rows; nilai = fsum of the contributions in
        #: their slice of ``order``
        self.group_slices: list[slice] = []
        #: every node above the sub-areas, in report order: the groups, then the nodes whose
        #: nilai is the fsum of earlier nodes' nilai (the getter picks those from the list so far)
        self.upper_ids: list[str] = []
        self.upper_getters: list[Callable[[list[float]], tuple[float, ...]]] = []
        for aspect in criteria.aspects:
            for aa in aspect.aspect_areas:
                start = len(self.order)
                for sub in aa.sub_areas:
                    add_bucket(sub.id, sub.bobot, sub.indicators)
                self.group_slices.append(slice(start, len(self.order)))
                self.upper_ids.append(aa.id)
        for hasil_group in criteria.hasil_groups:
            for ind in hasil_group.indicators:
                add_bucket(ind.id, ind.bobot, (ind,))
                self.group_slices.append(slice(len(self.order) - 1, len(self.order)))
                self.upper_ids.append(ind.id)

        def add_sum(node_id: str, parts: list[str]) -> None:
            index = [self.upper_ids.index(part) for part in parts]
            # (itemgetter of one index returns the item itself, not a 1-tuple)
            self.upper_getters.append(itemgetter(*index) if len(index) > 1 else _single(index[0]))
            self.upper_ids.append(node_id)

        for area in criteria.areas:
            add_sum(area.id, [aa.id for aa in area.aspect_areas])
        for hasil_group in criteria.hasil_groups:
            add_sum(hasil_group.id, [ind.id for ind in hasil_group.indicators])
        for aspect in criteria.aspects:
            add_sum(aspect.id, [aa.id for aa in aspect.aspect_areas])
        for component in criteria.components:
            add_sum(component.id, list(component.parts))
        add_sum("total", [c.id for c in criteria.components])
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

        # Fast-path tables, by indicator id: the indicator's position and its share of a fully
        # answered sub-area (bobot ÷ indicators), choices with each option's contribution ready.
        self.fast_choice: dict[str, tuple[int, dict[str, float], dict[str, float]]] = {}
        self.fast_percent: dict[
            str, tuple[int, float, int, PercentFormula, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
        ] = {}
        self.fast_survey: dict[str, tuple[int, float, float]] = {}
        for ind_id, slot in self.slots.items():
            ind = slot.indicator
            part = self.bucket_slices[slot.bucket]
            factor = self.bucket_bobot[slot.bucket] / (part.stop - part.start)
            if slot.kind == _CHOICE:
                exact = {}  # the spellings people type, so that a lookup rarely misses
                for key, value in ind.scale.values:
                    for case in (key, key.lower(), key.upper()):
                        for spelling in (case, f" {case}", f"{case} ", f" {case} "):
                            exact[spelling] = value * factor
                folded = {key.lower(): value * factor for key, value in ind.scale.values}
                self.fast_choice[ind_id] = (slot.position, exact, folded)
            elif slot.kind == _PERCENT:
                assert ind.formula is not None
                formula = ind.formula
                self.fast_percent[ind_id] = (slot.position, factor, len(ind.inputs), formula, formula.numerator,
                                             formula.minus, formula.denominator)
            else:
                self.fast_survey[ind_id] = (slot.position, factor, ind.scale.maximum)


def _single(index: int) -> Callable[[list[float]], tuple[float, ...]]:
    """A getter returning ``(nilai[index],)``."""

    def get(nilai: list[float]) -> tuple[float, ...]:
        return (nilai[index],)

    return get


def _plan(criteria: Criteria) -> _Plan:
    """The criteria's compiled plan, kept on the criteria object itself (built on first use)."""
    plan: _Plan | None = criteria.__dict__.get("_scoring_plan")
    if plan is None:
        plan = criteria.__dict__["_scoring_plan"] = _Plan(criteria)
    return plan


def _upper_nilai(plan: _Plan, contributions: list[float]) -> dict[str, float]:
    """Nilai of every node above the sub-areas (the one summation, see the module docstring)."""
    nilai = list(map(fsum, map(contributions.__getitem__, plan.group_slices)))
    for getter in plan.upper_getters:
        nilai.append(fsum(getter(nilai)))
    return dict(zip(plan.upper_ids, nilai, strict=True))


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
    contributions: list[float]
    missing: tuple[str, ...]
    warnings: tuple[ScoreWarning, ...]


def _roll_up(plan: _Plan, answers: Mapping[str, Any]) -> _RollUp:
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


def _fast_contributions(plan: _Plan, answers: Mapping[str, Any]) -> tuple[list[float], list[ScoreWarning]] | None:
    """Every indicator's contribution in one pass over a complete LKE, and its warnings (in
    answer order, as :func:`_roll_up` gives them). None when the LKE is incomplete or holds an
    answer only the reference path can judge (it then raises the precise error).

    Each contribution is the float the reference computes: value × (bobot ÷ indicators), with
    the same value — the same table entry for a choice, the same integer counts through
    :func:`percent_of`, the same ``float(score) / maximum`` for a survey.
    """
    if len(answers) != plan.n_indicators:
        return None
    contributions = [0.0] * plan.n_indicators
    warnings: list[ScoreWarning] = []
    choice = plan.fast_choice.get
    percent = plan.fast_percent.get
    for indicator_id, raw in answers.items():
        entry = choice(indicator_id)
        if entry is not None:
            try:
                contributions[entry[0]] = entry[1][raw]
                continue
            except KeyError:  # a spelling the table has not seen ("\ta", "yA"): as normalize_choice reads it
                value = entry[2].get(raw.strip().lower()) if raw.__class__ is str else None
            except TypeError:  # unhashable: not a choice answer
                return None
            if value is None:
                return None
            contributions[entry[0]] = value
            continue
        pct = percent(indicator_id)
        if pct is not None:
            position, factor, n_inputs, formula, plus_keys, minus_keys, denominator_keys = pct
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
                for key in plus_keys:
                    numerator += counts[key]
                for key in minus_keys:
                    numerator -= counts[key]
                denominator = 0
                for key in denominator_keys:
                    denominator += counts[key]
            except KeyError:  # an unknown input in place of a known one
                return None
            value, over = percent_of(formula, numerator, denominator)
            contributions[position] = value * factor
            if over:
                warnings.append(_over_warning(indicator_id))
            continue
        survey = plan.fast_survey.get(indicator_id)
        if survey is None:  # an unknown indicator id
            return None
        cls = raw.__class__
        if (cls is not float and cls is not int) or not 0 <= raw <= survey[2]:
            return None
        contributions[survey[0]] = float(raw) / survey[2] * survey[1]
    return contributions, warnings


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

    @property
    def pemenuhan(self) -> float:
        """Aspect P (of 30)."""
        return self.upper_nilai["P"]

    @property
    def reform(self) -> float:
        """Aspect R (of 30)."""
        return self.upper_nilai["R"]

    @property
    def hasil(self) -> float:
        """The hasil component (of 40)."""
        return self.upper_nilai["hasil"]

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
        for node_id, bobot, part in zip(plan.bucket_ids, plan.bucket_bobot, plan.bucket_slices, strict=True):
            nodes[node_id] = NodeScore(bobot, fsum(self._contributions[part]))
        nodes.update(self.upper_nodes)
        return nodes

    @cached_property
    def upper_nilai(self) -> dict[str, float]:
        """Nilai of every node above the sub-areas: aspect-areas, hasil rows, areas, hasil groups,
        aspects, components, total (what the thresholds read); computed on first use."""
        return _upper_nilai(_plan(self.criteria), self._contributions)

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
    fast = None if careful else _fast_contributions(plan, answers)
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
