"""Properties that must hold for every LKE (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zi_assess.domain import load_criteria, score, verdicts
from zi_assess.domain.scoring import _plan, _roll_up

CRITERIA = load_criteria()
COUNT = st.integers(min_value=0, max_value=60)


def answer_strategy(ind):
    if ind.kind == "choice":
        return st.sampled_from(ind.scale.keys)
    if ind.kind == "survey":
        return st.floats(min_value=0, max_value=ind.scale.maximum, allow_nan=False)
    return st.fixed_dictionaries({i.key: COUNT for i in ind.inputs})


LKE = st.fixed_dictionaries({ind_id: answer_strategy(ind) for ind_id, ind in CRITERIA.indicators.items()})
PARTIAL_LKE = LKE.flatmap(
    lambda full: st.sets(st.sampled_from(sorted(full))).map(lambda drop: {k: v for k, v in full.items() if k not in drop})
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def better(ind, answer):
    """The next better answer, or None when already the best."""
    if ind.kind == "choice":
        keys = ind.scale.keys
        i = keys.index(answer)
        return keys[i - 1] if i else None
    if ind.kind == "survey":
        return min(ind.scale.maximum, answer + 0.5) if answer < ind.scale.maximum else None
    counts = dict(answer)
    formula = ind.formula
    target = next((k for k in formula.numerator if k not in formula.denominator), None)
    if target is not None:
        counts[target] += 1
    elif formula.minus and counts[formula.minus[0]] > 0:
        counts[formula.minus[0]] -= 1
    else:
        return None
    return counts


@SETTINGS
@given(LKE)
def test_total_within_0_and_100(answers):
    sheet = score(CRITERIA, answers)
    assert sheet.complete
    assert -1e-9 <= sheet.total <= 100 + 1e-9
    for node_id, node in sheet.nodes.items():
        assert -1e-9 <= node.nilai <= node.bobot + 1e-9, node_id


@SETTINGS
@given(LKE, st.sampled_from(sorted(CRITERIA.indicators)))
def test_improving_one_answer_never_lowers_any_node(answers, indicator_id):
    ind = CRITERIA.indicators[indicator_id]
    improved = better(ind, answers[indicator_id])
    if improved is None:
        return
    before = score(CRITERIA, answers).nodes
    after = score(CRITERIA, answers | {indicator_id: improved}).nodes
    for node_id, node in before.items():
        assert after[node_id].nilai >= node.nilai - 1e-12, node_id


@SETTINGS
@given(LKE)
def test_per_aspect_pass_implies_area_total_pass(answers):
    sheet = score(CRITERIA, answers)
    strict = verdicts(sheet, area_rule="per_aspect")
    loose = verdicts(sheet, area_rule="area_total")
    for predicate in strict:
        if strict[predicate].passed:
            assert loose[predicate].passed


@SETTINGS
@given(PARTIAL_LKE)
def test_fast_path_agrees_with_the_reference_roll_up(answers):
    sheet = score(CRITERIA, answers)
    reference = _roll_up(_plan(CRITERIA), answers)
    assert sheet.missing == reference.missing
    expected_total = sum(reference.group_nilai)
    assert sheet.total == pytest.approx(expected_total, abs=1e-9)
    for node_id, nilai in zip(_plan(CRITERIA).group_ids, reference.group_nilai, strict=True):
        assert sheet.upper_nilai[node_id] == pytest.approx(nilai, abs=1e-9)
