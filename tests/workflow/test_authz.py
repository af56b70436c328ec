"""The permission matrix: every role × action × own/other scope, at the status where the action applies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from zi_assess.authz import ACTIONS, PermissionDenied, authorize, can_view, visible_assessments, visible_units
from zi_assess.domain.workflow import TRANSITIONS, Status
from zi_assess.extensions import db
from zi_assess.models import Assessment, Predicate

ROLES = ("operator", "head", "tpi", "tpi_lead", "manager", "tpn", "national", "admin")
UNIT_SIDE = {"operator", "head"}
TPI_SIDE = {"tpi", "tpi_lead"}
INSTANSI_READERS = {"tpi", "tpi_lead", "manager"}

# action → (status to test at, roles allowed on their own unit/instansi, roles allowed on another's)
MATRIX: dict[str, tuple[Status | None, set[str], set[str]]] = {
    "assessment.view": (Status.DRAFT, UNIT_SIDE | INSTANSI_READERS | {"admin"}, {"admin"}),
    "assessment.view@proposed": (Status.PROPOSED, set(ROLES), {"tpn", "national", "admin"}),
    "evidence.download": (Status.SUBMITTED, UNIT_SIDE | INSTANSI_READERS | {"admin"}, {"admin"}),
    "answer.edit": (Status.DRAFT, UNIT_SIDE, set()),
    "answer.edit@tpi_review": (Status.TPI_REVIEW, TPI_SIDE, set()),
    "answer.edit@tpn_desk": (Status.TPN_DESK, {"tpn"}, {"tpn"}),
    "answer.edit@tpn_field": (Status.TPN_FIELD, {"tpn"}, {"tpn"}),
    "answer.edit@decided": (Status.DECIDED, set(), set()),
    "evidence.add": (Status.RETURNED, UNIT_SIDE, set()),
    "comment.add": (Status.TPI_REVIEW, TPI_SIDE, set()),
    "comment.add@tpn_desk": (Status.TPN_DESK, {"tpn"}, {"tpn"}),
    "comment.add@draft": (Status.DRAFT, set(), set()),
    "assessment.create": (None, {"head", "tpi_lead", "admin"}, {"admin"}),
    "prerequisite.edit": (None, {"head", "tpi_lead", "admin"}, {"admin"}),
    "recap.view": (None, INSTANSI_READERS | {"national", "admin"}, {"national", "admin"}),
    "users.manage": (None, {"admin"}, {"admin"}),
}
for name, spec in TRANSITIONS.items():
    held = {"unit_head": "head", "tpi_evaluator": "tpi", "tpi_lead": "tpi_lead", "tpn_evaluator": "tpn",
            "national_manager": "national"}
    allowed = {held[r] for r in spec.roles}
    source = next(iter(sorted(spec.sources)))
    national_step = source in (Status.PROPOSED, Status.TPN_DESK, Status.TPN_FIELD)
    MATRIX[f"transition.{name}"] = (source, allowed, allowed if national_step else set())


def test_matrix_covers_every_action():
    assert {key.split("@")[0] for key in MATRIX} == set(ACTIONS)


@pytest.mark.parametrize("scope", ["own", "other"])
@pytest.mark.parametrize("key", sorted(MATRIX))
def test_permission_matrix(team, key, scope):
    status, own_allowed, other_allowed = MATRIX[key]
    action = key.split("@")[0]
    unit = team.unit if scope == "own" else team.other_unit
    if action in ("assessment.create", "prerequisite.edit"):
        target = unit
    elif action == "recap.view":
        target = unit.instansi
    elif action == "users.manage":
        target = None
    else:
        target = Assessment(unit=unit, year=2026, target_predicate=Predicate.WBK, criteria_id="permenpanrb-90-2021",
                            status=status)
        db.session.add(target)
        db.session.flush()
    allowed = own_allowed if scope == "own" else other_allowed
    for role in ROLES:
        user = getattr(team, role)
        try:
            authorize(user, action, target)
            outcome = True
        except PermissionDenied as exc:
            outcome = False
            if isinstance(target, Assessment):
                # what the user cannot see answers 404, what they see but may not do answers 403
                assert exc.hide is (not can_view(user, target)), (role, key, scope)
        assert outcome is (role in allowed), (role, key, scope)


def test_anonymous_and_inactive_users_are_refused(team):
    with pytest.raises(PermissionDenied):
        authorize(None, "assessment.view", None)
    team.head.is_active = False
    with pytest.raises(PermissionDenied):
        authorize(team.head, "assessment.create", team.unit)


def test_query_scoping(team):
    def add(unit, status):
        a = Assessment(unit=unit, year=2026 if status != Status.DECIDED else 2025, target_predicate=Predicate.WBK,
                       criteria_id="permenpanrb-90-2021", status=status)
        db.session.add(a)
        return a

    own_draft = add(team.unit, Status.DRAFT)
    other_proposed = add(team.other_unit, Status.PROPOSED)
    db.session.flush()

    def visible(user):
        return set(db.session.scalars(visible_assessments(user, select(Assessment))))

    assert visible(team.operator) == visible(team.manager) == visible(team.tpi) == {own_draft}
    assert visible(team.other_head) == {other_proposed}
    assert visible(team.tpn) == visible(team.national) == {other_proposed}
    assert visible(team.admin) == {own_draft, other_proposed}
    assert set(db.session.scalars(visible_units(team.head))) == {team.unit}
    assert set(db.session.scalars(visible_units(team.manager))) == {team.unit}
    assert set(db.session.scalars(visible_units(team.national))) == {team.unit, team.other_unit}
