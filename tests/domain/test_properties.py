"""Properties that must hold for every LKE (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zi_assess.domain import load_criteria, score, verdicts

CRITERIA = load_criteria()
COUNT = st.integers(min_value=0, max_value=60)


def answer_strategy(ind):
    if ind.kind == "choice":
        return st.sampled_from(ind.scale.keys)
    if ind.kind == "survey":
        return st.floats(min_value=0, max_value=ind.scale.maximum, allow_nan=False)
    return st.fixed_dictionaries({i.key: COUNT for i in ind.inputs})


LKE = st.fixed_dictionaries({ind_id: answer_strategy(ind) for ind_id, ind in CRITERIA.indicators.items()})

# What real files contain: choices in any case and padded, independent random counts (a numerator
# above its denominator, zero denominators, whole floats), surveys as int or two-decimal float.
SPELLING = st.sampled_from([str, str.lower, str.upper, lambda k: f" {k.lower()} ", lambda k: f"{k}\t"])
REAL_COUNT = st.one_of(st.just(0), st.integers(min_value=0, max_value=60),
                       st.integers(min_value=0, max_value=60).map(float))


def real_answer_strategy(ind):
    if ind.kind == "choice":
        return st.tuples(st.sampled_from(ind.scale.keys), SPELLING).map(lambda pair: pair[1](pair[0]))
    if ind.kind == "survey":
        top = int(ind.scale.maximum)
        return st.one_of(st.integers(min_value=0, max_value=top),
                         st.integers(min_value=0, max_value=top * 100).map(lambda n: n / 100))
    return st.fixed_dictionaries({i.key: REAL_COUNT for i in ind.inputs})


REAL_LKE = st.fixed_dictionaries({ind_id: real_answer_strategy(ind) for ind_id, ind in CRITERIA.indicators.items()})


@st.composite
def partial_lke(draw):
    """Mostly complete LKEs (as files are); one in four with answers dropped or left null (a preview)."""
    answers = draw(REAL_LKE)
    if draw(st.integers(min_value=0, max_value=3)) == 3:
        for key in draw(st.sets(st.sampled_from(sorted(answers)), min_size=1)):
            if key.startswith("P1"):
                answers[key] = None
            else:
                del answers[key]
    return answers


PARTIAL_LKE = partial_lke()
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
@given(REAL_LKE)
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


def test_fast_path_is_bit_identical_to_the_reference_and_taken_by_real_data():
    """On real-shaped data the one-pass path is taken in most examples, and gives exactly the
    floats, warnings and missing list of the reference roll-up (``score(..., careful=True)``)."""
    taken = []

    @SETTINGS
    @given(PARTIAL_LKE)
    def check(answers):
        sheet = score(CRITERIA, answers)
        reference = score(CRITERIA, answers, careful=True)
        assert not reference.fast_path
        assert sheet.complete == (not reference.missing)
        assert sheet.fast_path == sheet.complete  # every complete real-shaped LKE takes it
        assert (sheet.missing, sheet.warnings) == (reference.missing, reference.warnings)
        assert sheet.upper_nilai == reference.upper_nilai  # float ==: bit-identical
        assert [n.nilai for n in sheet.nodes.values()] == [n.nilai for n in reference.nodes.values()]
        assert sheet.values == reference.values
        taken.append(sheet.fast_path)

    check()
    print(f"fast path taken in {sum(taken)} of {len(taken)} examples")
    assert len(taken) >= 100
    assert 0.5 < sum(taken) / len(taken) < 1, f"fast path taken in {sum(taken)} of {len(taken)} examples"
