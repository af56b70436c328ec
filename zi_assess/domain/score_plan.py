"""The criteria tree compiled for scoring, and the one-pass valuing of a complete LKE.

Internal to :mod:`zi_assess.domain.scoring` (read its docstring first): a :class:`Plan` flattens
one criteria version into lists and lookup tables once; :func:`fast_contributions` values a
complete LKE in the shapes real files contain in one pass over its answers (the *fast path*);
:func:`upper_nilai` is the one summation of every node above the sub-areas, shared by both paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from math import fsum
from operator import itemgetter
from typing import Any

from zi_assess.domain.answer_values import percent_of
from zi_assess.domain.criteria import Criteria, Indicator, PercentFormula

CHOICE, PERCENT, SURVEY = 0, 1, 2
_OVER_MESSAGE = "numerator is above its denominator; the value is capped at 100 %"


@dataclass(frozen=True, slots=True)
class ScoreWarning:
    """Something accepted but worth showing (a numerator above its denominator)."""

    indicator: str
    code: str
    message: str


def over_warning(indicator_id: str) -> ScoreWarning:
    """The warning of a count numerator above its denominator (the value is capped at 1)."""
    return ScoreWarning(indicator_id, "numerator_above_denominator", _OVER_MESSAGE)


@dataclass(frozen=True, slots=True)
class Slot:
    """One indicator's place in the plan."""

    kind: int
    #: the indicator's index in Plan.order (and in a contributions list)
    position: int
    #: index of its sub-area (or hasil row) in Plan.bucket_*
    bucket: int
    #: option key → value (choice indicators), the key also in lower and upper case
    values: dict[str, float]
    indicator: Indicator


class Plan:
    """The criteria tree flattened into lists and lookup tables."""

    def __init__(self, criteria: Criteria) -> None:
        self.criteria = criteria
        self.slots: dict[str, Slot] = {}
        #: every indicator id in criteria order: the sub-areas of P1…P6, R1…R6, then the hasil
        #: rows; the indicators of a sub-area, and of an aspect-area, are contiguous
        self.order: list[str] = []
        #: buckets: the sub-areas, then one per hasil indicator (each with its own bobot)
        self.bucket_ids: list[str] = []
        self.bucket_bobot: list[float] = []
        self.bucket_slices: list[slice] = []
        kinds = {"choice": CHOICE, "percent": PERCENT, "survey": SURVEY}

        def add_bucket(node_id: str, bobot: float, indicators: tuple[Indicator, ...]) -> None:
            start = len(self.order)
            for ind in indicators:
                values = {spelling: value for key, value in ind.scale.values
                          for spelling in (key, key.lower(), key.upper())}
                self.slots[ind.id] = Slot(kinds[ind.kind], len(self.order), len(self.bucket_ids), values, ind)
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
        # the aspect-areas, aspect by aspect (without aspects: the areas' single parts, area by area)
        groups = ([aa for aspect in criteria.aspects for aa in aspect.aspect_areas] if criteria.has_aspects
                  else [aa for area in criteria.areas for aa in area.aspect_areas])
        for aa in groups:
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
            if criteria.has_aspects:  # without aspects the area's single part is the group itself
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
        self.node_bobot: dict[str, float] = {aa.id: aa.bobot for aa in groups}
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
            if slot.kind == CHOICE:
                exact = {}  # the spellings people type, so that a lookup rarely misses
                for key, value in ind.scale.values:
                    for case in (key, key.lower(), key.upper()):
                        for spelling in (case, f" {case}", f"{case} ", f" {case} "):
                            exact[spelling] = value * factor
                folded = {key.lower(): value * factor for key, value in ind.scale.values}
                self.fast_choice[ind_id] = (slot.position, exact, folded)
            elif slot.kind == PERCENT:
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


def plan_for(criteria: Criteria) -> Plan:
    """The criteria's compiled plan, kept on the criteria object itself (built on first use)."""
    plan: Plan | None = criteria.__dict__.get("_scoring_plan")
    if plan is None:
        plan = criteria.__dict__["_scoring_plan"] = Plan(criteria)
    return plan


def upper_nilai(plan: Plan, contributions: list[float]) -> dict[str, float]:
    """Nilai of every node above the sub-areas (the one summation, see the module docstring)."""
    nilai = list(map(fsum, map(contributions.__getitem__, plan.group_slices)))
    for getter in plan.upper_getters:
        nilai.append(fsum(getter(nilai)))
    return dict(zip(plan.upper_ids, nilai, strict=True))


def fast_contributions(plan: Plan, answers: Mapping[str, Any]) -> tuple[list[float], list[ScoreWarning]] | None:
    """Every indicator's contribution in one pass over a complete LKE, and its warnings (in
    answer order, as the reference :func:`zi_assess.domain.scoring._roll_up` gives them). None
    when the LKE is incomplete or holds an answer only the reference can judge (it then raises
    the precise error).

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
                warnings.append(over_warning(indicator_id))
            continue
        survey = plan.fast_survey.get(indicator_id)
        if survey is None:  # an unknown indicator id
            return None
        cls = raw.__class__
        if (cls is not float and cls is not int) or not 0 <= raw <= survey[2]:
            return None
        contributions[survey[0]] = float(raw) / survey[2] * survey[1]
    return contributions, warnings
