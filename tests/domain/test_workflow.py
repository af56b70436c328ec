"""The pure state machine: who may take which step, from where, and when."""

from __future__ import annotations

import pytest

from zi_assess.domain.workflow import (
    EDITABLE_LAYER,
    TRANSITIONS,
    Facts,
    Layer,
    Status,
    available_transitions,
    check_transition,
    is_editable,
)

ALL_ROLES = ("unit_operator", "unit_head", "tpi_evaluator", "tpi_lead", "manager", "tpn_evaluator",
             "national_manager", "admin")
EVERYTHING_MET = dict(complete_layers=frozenset(Layer), effective_complete=True, open_fix_requests=1,
                      tpi_eligible=True, prerequisites_met=True, within_deadline=True)
EXPECTED_ROLES = {
    "submit": {"unit_head"}, "resubmit": {"unit_head"}, "start_tpi_review": {"tpi_evaluator", "tpi_lead"},
    "return_to_unit": {"tpi_evaluator", "tpi_lead"}, "conclude_tpi": {"tpi_lead"}, "propose": {"tpi_lead"},
    "start_desk": {"tpn_evaluator"}, "start_field": {"tpn_evaluator"}, "decide": {"national_manager"},
}
PATH = [("submit", Status.DRAFT, Status.SUBMITTED), ("start_tpi_review", Status.SUBMITTED, Status.TPI_REVIEW),
        ("return_to_unit", Status.TPI_REVIEW, Status.RETURNED), ("resubmit", Status.RETURNED, Status.TPI_REVIEW),
        ("conclude_tpi", Status.TPI_REVIEW, Status.TPI_DONE), ("propose", Status.TPI_DONE, Status.PROPOSED),
        ("start_desk", Status.PROPOSED, Status.TPN_DESK), ("start_field", Status.TPN_DESK, Status.TPN_FIELD),
        ("decide", Status.TPN_FIELD, Status.DECIDED)]


def test_the_path_through_every_status():
    for name, source, target in PATH:
        transition = TRANSITIONS[name]
        assert source in transition.sources and transition.target == target
        role = sorted(EXPECTED_ROLES[name])[0]
        assert check_transition(name, Facts(source, frozenset({role}), **EVERYTHING_MET)).allowed


@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_the_right_roles_take_each_step(name, role):
    source = next(iter(TRANSITIONS[name].sources))
    outcome = check_transition(name, Facts(source, frozenset({role}), **EVERYTHING_MET))
    assert outcome.allowed is (role in EXPECTED_ROLES[name])
    if not outcome.allowed:
        assert outcome.code == "role"


@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("status", list(Status))
def test_steps_only_from_their_sources(name, status):
    role = sorted(EXPECTED_ROLES[name])[0]
    outcome = check_transition(name, Facts(status, frozenset({role}), **EVERYTHING_MET))
    transition = TRANSITIONS[name]
    if status in transition.sources:
        assert outcome.allowed
    elif status == transition.target:
        assert outcome.repeat and not outcome.allowed  # a repeated step is harmless
    else:
        assert (outcome.allowed, outcome.code) == (False, "status")


@pytest.mark.parametrize(
    ("name", "status", "missing", "code"),
    [
        ("submit", Status.DRAFT, dict(complete_layers=frozenset()), "incomplete"),
        ("resubmit", Status.RETURNED, dict(complete_layers=frozenset({Layer.TPI})), "incomplete"),
        ("submit", Status.DRAFT, dict(within_deadline=False), "deadline"),
        ("return_to_unit", Status.TPI_REVIEW, dict(open_fix_requests=0), "no_fix_requests"),
        ("conclude_tpi", Status.TPI_REVIEW, dict(effective_complete=False), "incomplete"),
        ("propose", Status.TPI_DONE, dict(tpi_eligible=False), "not_eligible"),
        ("propose", Status.TPI_DONE, dict(prerequisites_met=False), "prerequisites"),
        ("propose", Status.TPI_DONE, dict(within_deadline=False), "deadline"),
        ("start_field", Status.TPN_DESK, dict(effective_complete=False), "incomplete"),
    ],
)
def test_preconditions(name, status, missing, code):
    role = sorted(EXPECTED_ROLES[name])[0]
    outcome = check_transition(name, Facts(status, frozenset({role}), **(EVERYTHING_MET | missing)))
    assert (outcome.allowed, outcome.code) == (False, code)
    # no deadline set for the year → no window to miss
    if code == "deadline":
        assert check_transition(name, Facts(status, frozenset({role}), **(EVERYTHING_MET | {"within_deadline": None}))).allowed


def test_one_editable_layer_per_status():
    assert EDITABLE_LAYER == {Status.DRAFT: Layer.MANDIRI, Status.RETURNED: Layer.MANDIRI, Status.TPI_REVIEW: Layer.TPI,
                              Status.TPN_DESK: Layer.TPN_DESK, Status.TPN_FIELD: Layer.TPN_LAPANGAN}
    for status in Status:
        editable = [layer for layer in Layer if is_editable(status, layer)]
        assert len(editable) <= 1
    assert not any(is_editable(Status.DECIDED, layer) for layer in Layer)


def test_available_transitions():
    assert [t.name for t in available_transitions(Status.TPI_REVIEW, {"tpi_lead"})] == ["return_to_unit", "conclude_tpi"]
    assert [t.name for t in available_transitions(Status.TPI_REVIEW, {"tpi_evaluator"})] == ["return_to_unit"]
    assert available_transitions(Status.DRAFT, {"manager"}) == []
    assert check_transition("nope", Facts(Status.DRAFT, frozenset({"admin"}))).code == "unknown_transition"


def test_unconfirmed_carried_answers_hold_back_the_unit_submission():
    from zi_assess.domain.workflow import Facts, Layer, Status, check_transition

    facts = Facts(status=Status.DRAFT, roles=frozenset({"unit_head"}), complete_layers=frozenset({Layer.MANDIRI}),
                  unconfirmed_carried=3)
    outcome = check_transition("submit", facts)
    assert (outcome.allowed, outcome.code, outcome.detail) == (False, "unconfirmed_carried", "3")
    assert check_transition("submit", Facts(status=Status.DRAFT, roles=frozenset({"unit_head"}),
                                            complete_layers=frozenset({Layer.MANDIRI}))).allowed
