"""An exact reference for the tests: the regulation's arithmetic in fractions.Fraction.

Independent of the engine (it reads only the criteria data): every answer's value, every node's
nilai as an exact rational, rounding half-up to two decimals and the D8 verdict. Also a search for
real answer combinations whose exact nilai sits on a given value (boundary LKEs).
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from typing import Any

HUNDREDTH = Fraction(1, 100)


def exact(number: float) -> Fraction:
    """A number as written in the criteria data (0.67 is 67/100, not the binary float)."""
    return Fraction(repr(number))


def answer_value(ind, answer: Any) -> Fraction | None:
    """The exact value in [0, 1] of one answer, or None when unanswered."""
    if answer is None:
        return None
    if ind.kind == "choice":
        text = answer.strip().lower()
        return next(exact(v) for k, v in ind.scale.values if k.lower() == text)
    if ind.kind == "survey":
        return exact(float(answer)) / exact(ind.scale.maximum)
    formula = ind.formula
    if any(answer.get(i.key) is None for i in ind.inputs):
        return None
    numerator = sum(int(answer[k]) for k in formula.numerator) - sum(int(answer[k]) for k in formula.minus)
    denominator = sum(int(answer[k]) for k in formula.denominator)
    if denominator == 0:
        rule = formula.when_denominator_zero
        zero_rule = (rule[0] if numerator == 0 else rule[1]) if isinstance(rule, tuple) else rule
        return exact(zero_rule)
    return min(Fraction(1), max(Fraction(0), Fraction(numerator, denominator)))


def bucket_nilai(bobot: float, values: list[Fraction]) -> Fraction:
    """Sub-area nilai: mean of the answered values × bobot (0 with no answer)."""
    return exact(bobot) * sum(values, Fraction(0)) / len(values) if values else Fraction(0)


def exact_nodes(criteria, answers: dict[str, Any]) -> dict[str, Fraction]:
    """Every node's exact nilai: sub-areas, aspect-areas, areas, P, R, hasil rows and groups, totals."""
    nodes: dict[str, Fraction] = {}

    def value_list(indicators):
        values = [answer_value(ind, answers.get(ind.id)) for ind in indicators]
        return [v for v in values if v is not None]

    for aspect in criteria.aspects:
        for aa in aspect.aspect_areas:
            for sub in aa.sub_areas:
                nodes[sub.id] = bucket_nilai(sub.bobot, value_list(sub.indicators))
            nodes[aa.id] = sum((nodes[s.id] for s in aa.sub_areas), Fraction(0))
        nodes[aspect.id] = sum((nodes[aa.id] for aa in aspect.aspect_areas), Fraction(0))
    for area in criteria.areas:
        nodes[area.id] = sum((nodes[aa.id] for aa in area.aspect_areas), Fraction(0))
    for group in criteria.hasil_groups:
        for ind in group.indicators:
            nodes[ind.id] = bucket_nilai(ind.bobot, value_list([ind]))
        nodes[group.id] = sum((nodes[i.id] for i in group.indicators), Fraction(0))
    nodes["pengungkit"] = nodes["P"] + nodes["R"]
    nodes["hasil"] = sum((nodes[g.id] for g in criteria.hasil_groups), Fraction(0))
    nodes["total"] = nodes["pengungkit"] + nodes["hasil"]
    return nodes


def round_half_up(value: Fraction) -> Fraction:
    """Exact half-up rounding to two decimals."""
    return Fraction((value * 100 + Fraction(1, 2)).__floor__(), 100)


def exact_rules(criteria, predicate: str, area_rule: str) -> list[tuple[str, str, Fraction]]:
    """(rule, node id, exact minimum) of one predicate, from the thresholds data (D8)."""
    rules = criteria.predicates[predicate]
    minimums = dict(rules.minimums)
    percent = exact(rules.area_percent) / 100
    out = [(node, node, exact(minimums.pop(node))) for node in ("total", "pengungkit") if node in minimums]
    for area in criteria.areas:
        if area_rule == "area_total":
            out.append((f"area:{area.id}", area.id, exact(area.bobot) * percent))
        else:
            out.extend((f"area:{aa.id}", aa.id, exact(aa.bobot) * percent) for aa in area.aspect_areas)
    out.extend((node, node, exact(required)) for node, required in minimums.items())
    return out


def exact_verdict(criteria, nodes: dict[str, Fraction], predicate: str, area_rule: str) -> dict[str, Any]:
    """``{"passed", "failures": [(rule, shortfall)]}``: the rounded value against the exact minimum."""
    failures = []
    for rule, node_id, required in exact_rules(criteria, predicate, area_rule):
        rounded = round_half_up(nodes[node_id])
        if rounded < required:
            failures.append((rule, required - rounded))
    return {"passed": not failures, "failures": failures}


# -- boundary search --------------------------------------------------------------------------

#: the search works in integer units of 1/4000: every threshold, and every half or whole
#: hundredth under it, is a whole number of units
UNITS = 4000


def _count_options(ind, limit: int = 150) -> list[tuple[Fraction, dict[str, int]]]:
    """Distinct exact values (whole units) of a percentage indicator → one counts dict each.

    Small counts first (numerators above their denominator included, as real files have them),
    then random counts up to 400 for finer fractions.
    """
    keys = [i.key for i in ind.inputs]
    rng = random.Random(ind.id)
    small = itertools.product(range(4), repeat=len(keys))
    drawn = (tuple(rng.randint(0, top) for _k in keys) for top in (rng.randint(1, 400) for _ in range(20_000)))
    out: dict[Fraction, dict[str, int]] = {}
    for combo in itertools.chain(small, drawn):
        counts = dict(zip(keys, combo, strict=True))
        value = answer_value(ind, counts)
        if value is not None and value not in out and (value * UNITS).denominator == 1:
            out[value] = counts
            if len(out) >= limit:
                break
    return list(out.items())


def _indicator_options(ind) -> list[tuple[Fraction, Any]]:
    """(exact value, one real answer producing it)."""
    if ind.kind == "choice":
        return [(exact(v), k) for k, v in ind.scale.values]
    if ind.kind == "survey":  # two decimals, as surveys are reported (D5)
        top = int(ind.scale.maximum * 100)
        return [(answer_value(ind, s / 100), s / 100) for s in range(top + 1)]
    return _count_options(ind)


_bucket_cache: dict[tuple[str, ...], dict[int, dict[str, Any]]] = {}


def bucket_options(bobot: float, indicators) -> dict[int, dict[str, Any]]:
    """Sub-area nilai in units (only the values that are a whole number of units) → answers."""
    key = tuple(ind.id for ind in indicators)
    if key not in _bucket_cache:
        _bucket_cache[key] = _bucket_options(bobot, indicators)
    return _bucket_cache[key]


def _bucket_options(bobot: float, indicators) -> dict[int, dict[str, Any]]:
    per_indicator = [_indicator_options(ind) for ind in indicators]
    out: dict[int, dict[str, Any]] = {}
    for combo in itertools.product(*per_indicator):
        units = bucket_nilai(bobot, [v for v, _a in combo]) * UNITS
        if units.denominator == 1 and int(units) not in out:
            out[int(units)] = {ind.id: a for ind, (_v, a) in zip(indicators, combo, strict=True)}
    return out


class BoundarySearch:
    """Every sum of sub-area nilai reachable under one node, as bitsets (exact subset sums)."""

    def __init__(self, buckets: list[tuple[float, tuple]], seed: int = 0) -> None:
        rng = random.Random(seed)
        self.options = []
        for bobot, indicators in buckets:
            items = list(bucket_options(bobot, indicators).items())
            rng.shuffle(items)  # which of several answer sets is found: varied, reproducible
            self.options.append(items)
        self.reachable = [1]  # reachable[k]: bit s set when the first k sub-areas can sum to s units
        for items in self.options:
            previous, bits = self.reachable[-1], 0
            for units, _answers in items:
                bits |= previous << units
            self.reachable.append(bits)

    def find(self, target: Fraction) -> dict[str, Any] | None:
        """Answers whose exact nilai sum is ``target``, or None when no such answers exist here."""
        units = target * UNITS
        if units.denominator != 1 or not self.reachable[-1] >> int(units) & 1:
            return None
        remaining, answers = int(units), {}
        for k in range(len(self.options), 0, -1):
            for value, more in self.options[k - 1]:
                if value <= remaining and self.reachable[k - 1] >> (remaining - value) & 1:
                    remaining -= value
                    answers |= more
                    break
        assert remaining == 0
        return answers


def node_buckets(criteria, node_id: str) -> list[tuple[float, tuple]]:
    """(bobot, indicators) of every sub-area (or hasil row) under a node."""
    subs = []
    for aspect in criteria.aspects:
        for aa in aspect.aspect_areas:
            for sub in aa.sub_areas:
                under = {sub.id, aa.id, aspect.id, aa.area, "pengungkit", "total"}
                if node_id in under:
                    subs.append((sub.bobot, sub.indicators))
    for group in criteria.hasil_groups:
        for ind in group.indicators:
            if node_id in {ind.id, group.id, "hasil", "total"}:
                subs.append((ind.bobot, (ind,)))
    return subs
