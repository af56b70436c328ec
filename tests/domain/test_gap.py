from __future__ import annotations

import pytest

from zi_assess.domain import score, verdict
from zi_assess.domain.answers import best_counts
from zi_assess.domain.gap import GapReport, improvement_steps, next_better, steps_for_rule


def test_nothing_to_improve_at_the_maximum(criteria, best):
    assert improvement_steps(criteria, best) == []


def test_each_step_is_exact_and_the_largest_comes_first(criteria, best):
    answers = best | {"P4.i.a": "C", "P3.i.a": "Tidak", "P5.v.a": "C"}
    steps = improvement_steps(criteria, answers)
    assert [s.indicator for s in steps] == ["P4.i.a", "P5.v.a", "P3.i.a"]
    first = steps[0]
    assert (first.current, first.better, first.kind) == ("C", "B", "step")
    assert first.gain == pytest.approx(0.5 * 2.5 / 3)  # one step of A/B/C on a third of 2.50
    assert first.node_gains["P4.i"] == pytest.approx(first.gain) and first.node_gains["4"] == pytest.approx(first.gain)
    assert steps[1].gain == pytest.approx(0.34 * 1.5 / 5)  # C → B on A/B/C/D is 0.33 → 0.67


def test_percent_survey_and_unanswered(criteria, best):
    counts = best_counts(criteria.indicators["R4.i.a"]) | {"jumlah_sasaran_kinerja": 4, "jumlah_sasaran_tercapai": 3}
    answers = best | {"R4.i.a": counts, "H2.a": 3.0}
    del answers["P1.i.a"]
    by_id = {s.indicator: s for s in improvement_steps(criteria, answers)}
    assert by_id["R4.i.a"].kind == "full" and by_id["R4.i.a"].gain == pytest.approx(0.25 * 2.0)
    assert by_id["H2.a"].kind == "full" and by_id["H2.a"].gain == pytest.approx(17.5 / 4)
    assert "P1.i.a" not in by_id  # unanswered: listed apart by the gap view
    assert next_better(criteria.indicators["P1.i.b"], "A") is None


def test_steps_for_a_failing_rule(criteria, best):
    answers = best | {"R5.i.a": "E", "P5.iii.a": "C", "P1.i.b": "C"}
    sheet = score(criteria, answers)
    report = GapReport(verdict(sheet, "WBBM", area_rule="per_aspect"), sheet, improvement_steps(criteria, answers))
    ((check, steps, waiting),) = report.rule_steps()
    assert waiting == ()
    assert check.rule == "area:R5"
    assert [s.indicator for s in steps] == ["R5.i.a"]  # only reform indicators of area 5 raise R5
    assert steps_for_rule(report.steps, "5")[0].indicator == "R5.i.a"


def test_rules_name_their_unanswered_indicators(criteria, best):
    from zi_assess.domain.gap import indicators_under

    answers = {k: v for k, v in best.items() if not k.startswith(("P6", "R6", "H1.a"))}
    sheet = score(criteria, answers)
    report = GapReport(verdict(sheet, "WBK"), sheet, improvement_steps(criteria, answers))
    by_rule = {check.rule: (steps, waiting) for check, steps, waiting in report.rule_steps()}
    area6 = tuple(i.id for i in criteria.area_indicators("6"))
    assert by_rule["area:6"] == ([], area6) and len(area6) == 22
    assert by_rule["H1.a"] == ([], ("H1.a",))
    assert set(indicators_under(criteria, "pengungkit")) | set(indicators_under(criteria, "H1")) \
        | set(indicators_under(criteria, "H2")) == set(criteria.indicators)
    assert indicators_under(criteria, "R5") == tuple(
        i.id for i in criteria.area_indicators("5") if i.id.startswith("R"))


def test_what_the_unit_can_act_on_ranks_before_external_surveys(criteria, best):
    answers = best | {"H1.a": 1.0, "H2.a": 1.0, "P1.i.a": "Tidak"}
    steps = improvement_steps(criteria, answers)
    external = [n for n, s in enumerate(steps) if criteria.indicators[s.indicator].external]
    assert external and min(external) > max(n for n, s in enumerate(steps) if n not in external)
    # a survey gains the most here, yet comes last
    assert max(steps, key=lambda s: s.gain).indicator in ("H1.a", "H2.a")
    hasil = steps_for_rule(steps, "total", criteria)
    assert not criteria.indicators[hasil[0].indicator].external
