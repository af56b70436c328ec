"""The gap planner is optimal: it matches an exhaustive search, judged by the real engine, on many
small random cases — the shipped criteria with a few indicators free to move, and small synthetic
criteria whose minimums sit exactly on the rounding boundaries of reachable values."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from fractions import Fraction

import pytest

from zi_assess.domain import score, verdict
from zi_assess.domain.answers import best_answers
from zi_assess.domain.criteria import (
    Area,
    Aspect,
    AspectArea,
    Component,
    CountInput,
    Criteria,
    HasilGroup,
    Indicator,
    Option,
    PercentFormula,
    PredicateRules,
    Scale,
    SubArea,
)
from zi_assess.domain.display import round_half_up
from zi_assess.domain.planner import plan
from zi_assess.domain.planner.moves import DEFAULT_PERCENT_LEVELS, cost_function, moves_of, start_of
from zi_assess.domain.planner.planning import _weight

AREA_RULES = ("area_total", "per_aspect")


def brute_force(criteria, answers, predicate, area_rule, actionable, costs=None):
    """Every combination of moves of the actionable indicators, judged by the engine's verdict.

    Returns the best (cost, changed, −gain, changes) key and its targets, ordered as the planner
    promises: least cost, fewest indicators, most nilai, then the earliest change in criteria order.
    """
    step_cost = cost_function(criteria, costs, DEFAULT_PERCENT_LEVELS)
    order = list(criteria.indicators)
    starts = {i: start_of(ind, answers.get(i)) for i, ind in criteria.indicators.items()}
    moves = {i: moves_of(criteria.indicators[i], starts[i], step_cost, DEFAULT_PERCENT_LEVELS) for i in actionable}
    baseline = {i: s.answer for i, s in starts.items()}
    free = [i for i in order if moves.get(i)]
    best = None
    for combo in itertools.product(*[range(-1, len(moves[i])) for i in free]):
        chosen = [(i, moves[i][m]) for i, m in zip(free, combo, strict=True) if m >= 0]
        projected = baseline | {i: move.target for i, move in chosen}
        if not verdict(score(criteria, projected, area_rule=area_rule), predicate, area_rule=area_rule).passed:
            continue
        gain = sum((_weight(criteria, criteria.indicators[i]) * (move.value - starts[i].value) for i, move in chosen),
                   Fraction(0))
        changes = tuple((order.index(i), m) for i, m in zip(free, combo, strict=True) if m >= 0)
        key = (sum(move.cost for _i, move in chosen), len(chosen), -gain, changes)
        if best is None or key < best[0]:
            best = (key, {i: move.target for i, move in chosen})
    return best, len(free)


def assert_same(result, expected):
    if expected is None:
        assert not result.reachable
        return
    assert result.reachable, [u.message for u in result.unmet]
    (cost, changed, _gain, _changes), targets = expected
    assert (result.total_cost, len(result.improvements)) == (cost, changed)
    assert {i.indicator: i.target for i in result.improvements} == targets
    assert result.verdict.passed and result.sheet.total == score(result.sheet.criteria, result.answers).total


@pytest.mark.parametrize("seed", range(4))
def test_optimal_on_the_shipped_criteria_with_a_few_indicators_free(criteria, seed):
    rng = random.Random(seed)
    pengungkit = [i for i, ind in criteria.indicators.items() if ind.area and ind.kind == "choice"]
    outcomes = {"plan": 0, "unreachable": 0}
    for _case in range(25):
        answers = best_answers(criteria)
        lowered = rng.sample(pengungkit, rng.randint(6, 14))
        for indicator_id in lowered:
            answers[indicator_id] = rng.choice(criteria.indicators[indicator_id].scale.keys[1:])
        answers |= {"H1.b": rng.choice("ABCDE"), "H1.a": rng.choice([3.6, 3.61, 3.65]),
                    "H2.a": rng.choice([3.2, 3.6, 3.61, 3.65])}
        actionable = set(rng.sample(lowered, rng.randint(3, 6))) | ({"H1.b"} if rng.random() < 0.5 else set())
        predicate, area_rule = rng.choice(("WBK", "WBBM")), rng.choice(AREA_RULES)
        costs = {i: rng.randint(0, 3) for i in actionable} if rng.random() < 0.5 else None
        expected, _free = brute_force(criteria, answers, predicate, area_rule, actionable, costs)
        result = plan(criteria, answers, predicate, area_rule=area_rule, actionable=actionable, costs=costs)
        assert_same(result, expected)
        outcomes["plan" if expected else "unreachable"] += 1
    assert min(outcomes.values()) >= 3, outcomes  # both outcomes are exercised


# ---- small synthetic criteria ------------------------------------------------------------------

SCALES = {
    "ya_tidak": Scale("ya_tidak", "Ya/Tidak", "choice", (("Ya", 1.0), ("Tidak", 0.0))),
    "abc": Scale("abc", "A/B/C", "choice", (("A", 1.0), ("B", 0.5), ("C", 0.0))),
    "abcd": Scale("abcd", "A/B/C/D", "choice", (("A", 1.0), ("B", 0.67), ("C", 0.33), ("D", 0.0))),
    "abcde": Scale("abcde", "A/B/C/D/E", "choice", (("A", 1.0), ("B", 0.75), ("C", 0.5), ("D", 0.25), ("E", 0.0))),
    "persen": Scale("persen", "%", "percent"),
    "survei": Scale("survei", "Nilai (0-4)", "survey", maximum=4.0),
}
RATIO = PercentFormula("b / a", ("b",), (), ("a",), 0.0)
DROP = PercentFormula("(s - i) / s", ("s",), ("i",), ("s",), (1.0, 0.0))


def synthetic_indicator(rng, indicator_id, sub_id, area, bobot):
    scale = SCALES[rng.choice(("ya_tidak", "abc", "abcd", "abcde", "abcde", "persen"))]
    if scale.kind == "percent":
        formula = rng.choice((RATIO, DROP))
        inputs = tuple(CountInput(k, k, None) for k in sorted(formula.scored_keys))
        return Indicator(indicator_id, indicator_id[-1], "q", "", scale, bobot, sub_id, area, inputs=inputs,
                         formula=formula)
    options = tuple(Option(k, k, v) for k, v in scale.values)
    return Indicator(indicator_id, indicator_id[-1], "q", "", scale, bobot, sub_id, area, options=options)


def synthetic_criteria(rng) -> Criteria:
    """Two areas × two aspects of one or two sub-areas with 1–3 indicators; H1 (survey + A–E), H2 (survey)."""
    indicators, sub_areas, areas = {}, {}, []
    by_aspect = {"P": [], "R": []}
    for area_id in ("1", "2"):
        own = []
        for aspect in ("P", "R"):
            subs = []
            for numeral in ("i", "ii")[: rng.randint(1, 2)]:
                sub_id = f"{aspect}{area_id}.{numeral}"
                bobot = rng.choice((0.5, 0.75, 1.0, 1.25, 1.5, 2.25, 2.5, 3.0))
                count = rng.randint(1, 3)
                inds = tuple(synthetic_indicator(rng, f"{sub_id}.{letter}", sub_id, area_id, bobot / count)
                             for letter in "abc"[:count])
                indicators |= {ind.id: ind for ind in inds}
                sub_areas[sub_id] = SubArea(sub_id, numeral, sub_id, bobot, inds)
                subs.append(sub_areas[sub_id])
            aa = AspectArea(f"{aspect}{area_id}", aspect, area_id, aspect, sum(s.bobot for s in subs), tuple(subs))
            own.append(aa)
            by_aspect[aspect].append(aa)
        areas.append(Area(area_id, area_id, area_id, sum(a.bobot for a in own), tuple(own)))
    aspects = tuple(Aspect(a, a, a, sum(x.bobot for x in by_aspect[a]), tuple(by_aspect[a])) for a in ("P", "R"))
    survey, abcde = SCALES["survei"], SCALES["abcde"]
    h1a = Indicator("H1.a", "a", "IPAK", "", survey, 3.5, "H1.a", None, external=True)
    h1b = Indicator("H1.b", "b", "kinerja", "", abcde, 1.0, "H1.b", None,
                    options=tuple(Option(k, k, v) for k, v in abcde.values))
    h2a = Indicator("H2.a", "a", "IPKP", "", survey, 3.5, "H2.a", None, external=True)
    indicators |= {"H1.a": h1a, "H1.b": h1b, "H2.a": h2a}
    hasil = (HasilGroup("H1", "H1", 4.5, (h1a, h1b)), HasilGroup("H2", "H2", 3.5, (h2a,)))
    pengungkit = sum(a.bobot for a in aspects)
    components = (Component("pengungkit", "p", "p", pengungkit, ("P", "R")), Component("hasil", "h", "h", 8.0, ("H1", "H2")))
    return Criteria("synthetic", "t", "t", (), components, aspects, tuple(areas), hasil, dict(SCALES), {}, "area_total",
                    2, indicators=indicators, sub_areas=sub_areas)


def synthetic_answer(rng, indicator):
    if indicator.kind == "choice":
        return rng.choice(indicator.scale.keys)
    if indicator.kind == "survey":
        return round(rng.uniform(2.8, 4.0), 2)
    return {k: rng.randint(0, 5) for k in sorted(indicator.formula.scored_keys)}


def on_the_boundary(value: float, rng) -> float:
    """A minimum the value meets exactly as rounded (x.xx5 rounds up to it), or one hundredth above."""
    return float(round_half_up(value) + Decimal(rng.choice(("0", "0", "0", "0.01", "-0.01"))))


def with_minimums(criteria, target_sheet, area_rule, rng) -> Criteria:
    """Minimums on the rounding boundary of a reachable target (so exactness at the boundary decides)."""
    nilai = target_sheet.upper_nilai
    minimums = {node: on_the_boundary(nilai[node], rng) for node in ("total", "pengungkit")}
    minimums |= {node: float(round_half_up(nilai[node])) for node in ("H1", "H1.b")}
    minimums["H1.a"] = rng.choice((0.0, float(round_half_up(nilai["H1.a"])), 0.0, 3.5))  # 3.5: out of reach
    minimums["H2"] = rng.choice((0.0, 1.5))
    nodes = [a for area in criteria.areas for a in ((area,) if area_rule == "area_total" else area.aspect_areas)]
    lowest = min(Decimal(repr(nilai[n.id])) / Decimal(repr(n.bobot)) * 100 for n in nodes)
    area_percent = float(rng.choice((lowest.quantize(Decimal("0.01"), "ROUND_DOWN"),
                                     lowest.quantize(Decimal("1"), "ROUND_DOWN"), min(lowest, Decimal(50)))))
    predicates = {"WBK": PredicateRules("WBK", "Menuju WBK", tuple(minimums.items()), area_percent, None)}
    return Criteria("synthetic", "t", "t", (), criteria.components, criteria.aspects, criteria.areas,
                    criteria.hasil_groups, criteria.scales, predicates, "area_total", 2,
                    indicators=criteria.indicators, sub_areas=criteria.sub_areas)


@pytest.mark.parametrize("seed", range(5))
def test_optimal_on_small_synthetic_criteria_at_the_rounding_boundaries(seed):
    rng = random.Random(1000 + seed)
    outcomes = {"plan": 0, "unreachable": 0, "moved": 0}
    for _case in range(20):
        shape = synthetic_criteria(rng)
        answers = {i: synthetic_answer(rng, ind) for i, ind in shape.indicators.items()}
        for indicator_id in rng.sample(sorted(answers), rng.randint(0, 2)):
            if not shape.indicators[indicator_id].external:
                del answers[indicator_id]  # unanswered: planned from the lowest answer
        step_cost = cost_function(shape, None, DEFAULT_PERCENT_LEVELS)
        starts = {i: start_of(ind, answers.get(i)) for i, ind in shape.indicators.items()}
        # a target reachable by random moves: its rounded node values become the minimums
        target = {i: s.answer for i, s in starts.items()}
        actionable, combos = [], 1
        for indicator_id in rng.sample(sorted(shape.indicators), len(shape.indicators)):
            moves = moves_of(shape.indicators[indicator_id], starts[indicator_id], step_cost, DEFAULT_PERCENT_LEVELS)
            if shape.indicators[indicator_id].external or not moves or combos * (len(moves) + 1) > 400:
                continue
            actionable.append(indicator_id)
            combos *= len(moves) + 1
            if rng.random() < 0.6:
                target[indicator_id] = rng.choice(moves).target
        area_rule = rng.choice(AREA_RULES)
        criteria = with_minimums(shape, score(shape, target), area_rule, rng)
        costs = {i: rng.randint(0, 2) for i in actionable} if rng.random() < 0.4 else None
        expected, _free = brute_force(criteria, answers, "WBK", area_rule, actionable, costs)
        result = plan(criteria, answers, "WBK", area_rule=area_rule, actionable=actionable, costs=costs)
        assert_same(result, expected)
        outcomes["plan" if expected else "unreachable"] += 1
        outcomes["moved"] += bool(expected and expected[0][1])
    assert min(outcomes.values()) >= 3, outcomes
