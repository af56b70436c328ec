"""The permission matrix: every role × action × own/other scope, at the status where the action applies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from zi_assess.authz import (
    ACTIONS,
    SYSTEM_ACTIONS,
    PermissionDenied,
    SystemPrincipal,
    allowed,
    authorize,
    can_view,
    creatable_units,
    instansi_for,
    visible_assessments,
    visible_units,
)
from zi_assess.domain.workflow import TRANSITIONS, Layer, Status
from zi_assess.extensions import db
from zi_assess.models import Assessment, ExportJob, Predicate, RenderJob

ROLES = ("operator", "head", "tpi", "tpi_lead", "manager", "tpn", "national", "admin")
UNIT_SIDE = {"operator", "head"}
TPI_SIDE = {"tpi", "tpi_lead"}
INSTANSI_READERS = {"tpi", "tpi_lead", "manager"}

# action → (status to test at, roles allowed on their own unit/instansi, roles allowed on another's)
MATRIX: dict[str, tuple[Status | None, set[str], set[str]]] = {
    # the admin reads an assessment before it is proposed only with a logged reason (tests/org)
    "assessment.view": (Status.DRAFT, UNIT_SIDE | INSTANSI_READERS, set()),
    "assessment.view@proposed": (Status.PROPOSED, set(ROLES), {"tpn", "national", "admin"}),
    "evidence.download": (Status.SUBMITTED, UNIT_SIDE | INSTANSI_READERS, set()),
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
    "recap.national": (None, {"national", "admin"}, {"national", "admin"}),
    "export.lhe": (None, {"tpi_lead", "manager", "national", "admin"}, {"national", "admin"}),
    # own: a job the manager started; other: one another instansi's TPI lead started
    "export.follow": (None, {"manager", "admin"}, {"admin"}),
    # an assessment report's rendering: whoever sees the assessment (own unit, or another instansi's)
    "render.follow": (Status.DRAFT, UNIT_SIDE | INSTANSI_READERS, set()),
    # a recap's rendering: only the reader it was rendered for (own: the manager's; other: another's)
    "render.follow@recap": (None, {"manager"}, set()),
    # own: the TPI review queue; other: the TPN one
    "review.queue": (None, TPI_SIDE, {"tpn"}),
    "users.manage": (None, {"admin"}, {"admin"}),
    "org.national": (None, {"admin"}, {"admin"}),
    "draft.open": (None, {"admin"}, {"admin"}),
    "api_keys.manage": (None, {"admin"}, {"admin"}),
    "audit.network": (None, {"admin"}, {"admin"}),
    # own: the user's own account; other: somebody else's
    "profile.edit": (None, set(ROLES), set()),
    # admins read a unit's drafts only through a logged reason (org: draft access)
    "action_plan.view": (Status.DRAFT, UNIT_SIDE | INSTANSI_READERS, set()),
    "action_plan.view@decided": (Status.DECIDED, set(ROLES), {"tpn", "national", "admin"}),
    "action_plan.edit": (Status.DRAFT, UNIT_SIDE, set()),
    "action_plan.edit@decided": (Status.DECIDED, UNIT_SIDE, set()),
    "sanggah.file": (Status.DECIDED, {"head"}, set()),
    "sanggah.file@proposed": (Status.PROPOSED, set(), set()),
    "sanggah.respond": (Status.DECIDED, {"tpn"}, {"tpn"}),
    "sanggah.decide": (Status.DECIDED, {"national"}, {"national"}),
    "predicate.revoke": (None, {"national"}, {"national"}),
    # who downloaded or exported an assessment's data
    "history.accesses": (Status.SUBMITTED, {"head", "tpi_lead", "manager"}, set()),
    "history.accesses@proposed": (Status.PROPOSED, {"head", "tpi_lead", "manager", "national", "admin"},
                                  {"national", "admin"}),
}
for name, spec in TRANSITIONS.items():
    held = {"unit_head": "head", "tpi_evaluator": "tpi", "tpi_lead": "tpi_lead", "tpn_evaluator": "tpn",
            "national_manager": "national"}
    takers = {held[r] for r in spec.roles}
    source = next(iter(sorted(spec.sources)))
    national_step = source in (Status.PROPOSED, Status.TPN_DESK, Status.TPN_FIELD)
    MATRIX[f"transition.{name}"] = (source, takers, takers if national_step else set())


def test_matrix_covers_every_action():
    assert {key.split("@")[0] for key in MATRIX} == set(ACTIONS)


@pytest.mark.parametrize("scope", ["own", "other"])
@pytest.mark.parametrize("key", sorted(MATRIX))
def test_permission_matrix(team, key, scope):
    status, own_allowed, other_allowed = MATRIX[key]
    action = key.split("@")[0]
    unit = team.unit if scope == "own" else team.other_unit
    if action in ("assessment.create", "prerequisite.edit", "predicate.revoke"):
        target = unit
    elif action in ("recap.view", "export.lhe"):
        target = unit.instansi
    elif action in ("users.manage", "org.national", "draft.open", "api_keys.manage", "recap.national",
                    "audit.network"):
        target = None
    elif action == "export.follow":
        starter = team.manager if scope == "own" else team.other_tpi_lead
        target = ExportJob(id=f"job-{scope}", kind="lhe", created_by_id=starter.id, instansi_id=unit.instansi_id,
                           year=2026, locale="id", backend="pool", status="queued", total=0)
        db.session.add(target)
        db.session.flush()
    elif key == "render.follow@recap":
        reader = team.manager if scope == "own" else team.other_tpi_lead
        target = RenderJob(id=f"render-{scope}", key=f"recap:{scope}", kind="recap", locale="id",
                           requested_by_id=reader.id, url="/rekap.pdf")
    elif action == "render.follow":
        assessment = Assessment(unit=unit, year=2026, target_predicate=Predicate.WBK,
                                criteria_id="permenpanrb-90-2021", status=status)
        db.session.add(assessment)
        db.session.flush()
        target = RenderJob(id=f"render-{scope}", key=f"lhe:{scope}", kind="lhe", locale="id",
                           assessment_id=assessment.id, layer="effective", url="/")
    elif action == "review.queue":
        target = Layer.TPI if scope == "own" else Layer.TPN_DESK
    elif action == "profile.edit":
        target = None  # the user's own account (own) or another's (other), set per role below
    else:
        target = Assessment(unit=unit, year=2026, target_predicate=Predicate.WBK, criteria_id="permenpanrb-90-2021",
                            status=status)
        db.session.add(target)
        db.session.flush()
    expected = own_allowed if scope == "own" else other_allowed
    for role in ROLES:
        user = getattr(team, role)
        if action == "profile.edit":
            target = user if scope == "own" else team.other_head
        try:
            authorize(user, action, target)
            outcome = True
        except PermissionDenied as exc:
            outcome = False
            if isinstance(target, Assessment):
                # what the user cannot see answers 404, what they see but may not do answers 403
                assert exc.hide is (not can_view(user, target)), (role, key, scope)
        assert outcome is (role in expected), (role, key, scope)


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
    assert visible(team.admin) == {other_proposed}  # drafts only with a logged reason (tests/org)
    assert set(db.session.scalars(visible_units(team.head))) == {team.unit}
    assert set(db.session.scalars(visible_units(team.manager))) == {team.unit}
    assert set(db.session.scalars(visible_units(team.national))) == {team.unit, team.other_unit}


def test_per_instansi_actions_without_an_instansi_ask_for_at_least_one(team, make_instansi, make_user):
    """The nav and the recap/export pages ask "may this user recap or export anything at all?"."""
    assert {r for r in ROLES if allowed(getattr(team, r), "recap.view")} == INSTANSI_READERS | {"national", "admin"}
    assert {r for r in ROLES if allowed(getattr(team, r), "export.lhe")} == {"tpi_lead", "manager", "national",
                                                                            "admin"}
    names = {r: [i.name for i in db.session.scalars(instansi_for(getattr(team, r), "recap.view"))] for r in ROLES}
    assert names["manager"] == names["tpi"] == ["Kementerian Uji"] and names["operator"] == []
    assert names["national"] == names["admin"] == ["Kementerian Uji", "Pemkot Lain"]
    assert [i.name for i in db.session.scalars(instansi_for(team.tpi, "export.lhe"))] == []


def test_opening_an_assessment_needs_a_unit_to_open_it_for(team, make_instansi, make_user):
    assert {r for r in ROLES if allowed(getattr(team, r), "assessment.create")} == {"head", "tpi_lead", "admin"}
    assert set(db.session.scalars(creatable_units(team.tpi_lead))) == {team.unit}
    assert set(db.session.scalars(creatable_units(team.head))) == {team.unit}
    assert set(db.session.scalars(creatable_units(team.admin))) == {team.unit, team.other_unit}
    lead_without_units = make_user("tpi_lead", make_instansi("Instansi tanpa unit"))
    assert not allowed(lead_without_units, "assessment.create")  # the "new assessment" page would be empty


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_system_principal_has_its_own_explicit_rule(team, action):
    """zi-assess itself (CLI, demo, migrations) sets up the organisation and reads; it never answers,
    comments or takes a workflow step, which always need a person with a role."""
    system = SystemPrincipal("cli")
    assessment = Assessment(unit=team.unit, year=2026, target_predicate=Predicate.WBK,
                            criteria_id="permenpanrb-90-2021", status=Status.TPI_REVIEW)
    db.session.add(assessment)
    db.session.flush()
    targets = {"assessment.create": team.unit, "prerequisite.edit": team.unit, "recap.view": team.instansi,
               "export.lhe": team.instansi, "review.queue": Layer.TPI, "profile.edit": team.admin}
    assert allowed(system, action, targets.get(action, assessment)) is (action in SYSTEM_ACTIONS)
    assert not any(a.startswith(("transition.", "answer.", "comment.", "evidence.add")) for a in SYSTEM_ACTIONS)
    assert set(db.session.scalars(visible_assessments(system))) == {assessment}
