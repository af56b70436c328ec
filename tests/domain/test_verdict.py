"""Thresholds of D8 at, just above and just below every boundary, for both area rules."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from zi_assess.domain import score, verdicts
from zi_assess.domain.verdict import area_minimum, check_rules, rule_list

PREDICATES = ("WBK", "WBBM")
AREA_RULES = ("area_total", "per_aspect")


def full_nilai(criteria, best):
    """Every node at its maximum (the best LKE), as a mutable mapping."""
    return dict(score(criteria, best).upper_nilai)


def boundary_cases(required: float):
    """(value, passes): exactly at, half a hundredth under, a hundredth under, and one ulp either
    side of the first two (a sum that is exactly on paper may come out one ulp off in binary:
    decision D6 normalises it to 15 significant digits, so it behaves as the exact value)."""
    req = Decimal(repr(required))
    on, half_under = float(req), float(req - Decimal("0.005"))
    two_decimals = req == req.quantize(Decimal("0.01"))
    # a two-decimal minimum: x.xx5 shows as the minimum and passes; 5.625 (WBBM, per aspect):
    # 5.62 is below, 5.625 rounds to 5.63
    cases = [(on, True), (float(req + Decimal("0.01")), True), (float(req - Decimal("0.006")), False),
             (half_under, two_decimals), (float(req - Decimal("0.01")), False)]
    for value, passes in ((on, True), (half_under, two_decimals)):
        cases += [(math.nextafter(value, -math.inf), passes), (math.nextafter(value, math.inf), passes)]
    if two_decimals:
        cases += [(float(req - Decimal("0.0051")), False), (float(req - Decimal("0.00500001")), False)]
    return cases


@pytest.mark.parametrize("area_rule", AREA_RULES)
@pytest.mark.parametrize("predicate", PREDICATES)
def test_every_rule_at_its_boundary(criteria, best, predicate, area_rule):
    rules = rule_list(criteria, predicate, area_rule)
    assert len(rules) == (12 if area_rule == "area_total" else 18)
    for rule, node_id, required in rules:
        for value, passes in boundary_cases(required):
            nilai = full_nilai(criteria, best)
            nilai[node_id] = value
            checks = {c.rule: c for c in check_rules(criteria, nilai, predicate, area_rule)}
            check = checks[rule]
            assert check.passed is passes, (rule, value)
            others = [c for c in checks.values() if c.rule != rule]
            assert all(c.passed for c in others)
            if passes:
                assert check.shortfall == 0.0
            else:
                shown = Decimal(f"{value:.15g}").quantize(Decimal("0.01"), "ROUND_HALF_UP")
                assert check.shortfall == float(Decimal(repr(required)) - shown)
                assert check.shortfall > 0


def test_total_74_995_passes_and_74_994_fails(criteria, best):
    nilai = full_nilai(criteria, best)
    nilai["total"] = 74.995
    assert all(c.passed for c in check_rules(criteria, nilai, "WBK", "area_total"))
    nilai["total"] = 74.994
    failed = [c for c in check_rules(criteria, nilai, "WBK", "area_total") if not c.passed]
    assert [(c.rule, c.required, c.shortfall) for c in failed] == [("total", 75.0, pytest.approx(0.01))]


def test_area_minimums_use_each_predicates_own_percentage():
    assert area_minimum(15, 60) == 9.0 and area_minimum(15, 75) == 11.25
    assert area_minimum(7.5, 75) == 5.625 and area_minimum(3.5, 75) == 2.625 and area_minimum(8, 60) == 4.8


def test_wbbm_checks_wbbm_minimums_not_wbk(criteria, best):
    # a unit at WBK level everywhere: passes WBK, fails WBBM on exactly the rules whose minimums differ
    nilai = full_nilai(criteria, best)
    for area in criteria.areas:
        nilai[area.id] = area.bobot * 0.6
    nilai.update({"total": 75.0, "pengungkit": 40.0, "H1": 18.25, "H1.a": 15.75, "H1.b": 2.5, "H2": 14.0})
    assert all(c.passed for c in check_rules(criteria, nilai, "WBK", "area_total"))
    failed = {c.rule: (c.actual, c.required) for c in check_rules(criteria, nilai, "WBBM", "area_total") if not c.passed}
    assert failed == {
        "total": (75.0, 85.0), "pengungkit": (40.0, 48.0),
        "area:1": (pytest.approx(4.8), 6.0), "area:2": (pytest.approx(4.2), 5.25), "area:3": (6.0, 7.5),
        "area:4": (6.0, 7.5), "area:5": (9.0, 11.25), "area:6": (6.0, 7.5),
        "H1": (18.25, 19.5), "H1.b": (2.5, 3.75), "H2": (14.0, 15.75),
    }


def test_per_aspect_is_stricter_than_area_total(criteria, best):
    # reform of area 5 weak, pemenuhan full: area total passes WBBM, per aspect fails R5
    answers = dict(best)
    answers["R5.i.a"] = "E"  # R5.i (2.5) → 0: R5 = 5.0 of 7.5 (66.7 %), area 5 = 12.5 of 15 (83.3 %)
    sheet = score(criteria, answers)
    by_rule = verdicts(sheet)["WBBM"]
    assert by_rule.passed
    per_aspect = verdicts(sheet, area_rule="per_aspect")["WBBM"]
    assert [(c.rule, c.required) for c in per_aspect.failures] == [("area:R5", 5.625)]
    assert per_aspect.failures[0].shortfall == pytest.approx(0.625)


def test_contract_example_failure_shape(criteria, best):
    answers = dict(best)
    answers["P5.v.a"] = "D"  # the pengawasan area drops below its WBBM minimum
    answers["P5.v.b"] = "D"
    answers["P5.v.c"] = "D"
    answers["P5.iv.a"] = "C"
    answers["P5.iv.b"] = "C"
    answers["R5.i.a"] = "C"
    answers["R5.ii.a"] = {"pengaduan_harus_ditindaklanjuti": 10, "pengaduan_sedang_diproses": 5, "pengaduan_selesai": 5}
    sheet = score(criteria, answers)
    result = verdicts(sheet)
    assert result["WBK"].passed
    (failure,) = result["WBBM"].failures
    assert failure.rule == "area:5" and failure.required == 11.25
    assert sheet.areas["5"].nilai == pytest.approx(15 - 0.9 - 1.0 - 1.25 - 1.5)
    assert failure.actual == pytest.approx(sheet.areas["5"].nilai)
    assert failure.shortfall == pytest.approx(11.25 - float(Decimal(repr(failure.actual)).quantize(Decimal("0.01"))))


@pytest.mark.parametrize("required", [75.0, 85.0, 40.0, 48.0, 4.8, 5.25, 11.25, 5.625, 2.625, 18.25, 19.5, 15.75, 3.75, 2.5])
def test_fast_shortfall_equals_the_decimal_definition(required):
    import random

    from zi_assess.domain.display import round_half_up
    from zi_assess.domain.verdict import shortfall

    rng = random.Random(required)
    values = [required - d for d in (0.001, 0.004, 0.005, 0.0051, 0.006, 0.01, 0.015, 0.994)]
    values += [math.nextafter(v, direction) for v, _p in boundary_cases(required) for direction in (-1, 100)]
    values += [rng.uniform(0, required) for _ in range(300)] + [round(rng.uniform(0, required), 3) for _ in range(300)]
    for value in values:
        expected = float(Decimal(repr(required)) - round_half_up(value))
        assert shortfall(value, required) == expected, (value, required)


@pytest.mark.parametrize("area_rule", AREA_RULES)
def test_contract_summaries_equal_the_full_verdicts(criteria, best, area_rule):
    """The batch path (no RuleCheck objects) says exactly what verdicts() says, boundaries included."""
    import random

    from zi_assess.domain.contract import verdict_to_dict
    from zi_assess.domain.verdict import verdict_summaries

    rng = random.Random(7)
    sheets = []
    for _ in range(300):  # random LKEs: many rules fail, some pass
        answers = {}
        for ind in criteria.indicators.values():
            if ind.kind == "choice":
                answers[ind.id] = rng.choice([o.key for o in ind.options])
            elif ind.kind == "survey":
                answers[ind.id] = round(rng.uniform(0, ind.scale.maximum), 2)
            else:
                answers[ind.id] = {inp.key: rng.randint(0, 20) for inp in ind.inputs}
        sheets.append(score(criteria, answers, area_rule=area_rule))
    for predicate in PREDICATES:  # every boundary of every rule
        for _rule, node_id, required in rule_list(criteria, predicate, area_rule):
            for value, _passes in boundary_cases(required):
                sheet = score(criteria, best, area_rule=area_rule)
                sheet.upper_nilai[node_id] = value
                sheets.append(sheet)
    failing = 0
    for sheet in sheets:
        expected = {pred: verdict_to_dict(v) for pred, v in verdicts(sheet).items()}
        assert verdict_summaries(sheet) == expected
        failing += sum(len(v["failures"]) for v in expected.values())
    assert failing > 300  # the comparison covered failing rules, not only passes


def test_rounded_hundredths_is_the_display_rounding():
    import random

    from zi_assess.domain.display import round_half_up
    from zi_assess.domain.verdict import rounded_hundredths

    rng = random.Random(11)
    values = [rng.uniform(-5, 120) for _ in range(2000)] + [round(rng.uniform(0, 100), 3) for _ in range(2000)]
    values += [k / 1000 for k in range(0, 100_001, 5)]  # every half-hundredth up to 100
    values += [math.nextafter(v, d) for v in values[-2000:] for d in (-math.inf, math.inf)]
    values += [4.194999999999999, 5.624999999999999, 1e7 + 0.005, -0.004999, 3e15]
    for value in values:
        assert rounded_hundredths(value) == int(round_half_up(value).scaleb(2)), value
