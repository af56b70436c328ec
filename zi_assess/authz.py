"""Authorization in one place: ``authorize(principal, action, obj)`` and the query-scoping helpers.

Roles are scoped: unit roles act on one unit, instansi roles on the units of one instansi,
national roles everywhere — but the national team (TPN) sees an assessment only once it has
been proposed. Managers only read. Only the layer of the current workflow step can be written,
and only by that layer's roles.

Pages, templates (``can(action, obj)``), operations, the CLI and the API all ask this module;
nothing else decides who may do what. zi-assess acting on its own (a CLI command, the demo
loader, a migration) is a :class:`SystemPrincipal`, held to its own explicit rule
(:data:`SYSTEM_ACTIONS`) and named as such in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.sql.elements import False_

from zi_assess.domain.workflow import EDITABLE_LAYER, LAYER_ROLES, PROPOSED_OR_LATER, TRANSITIONS, Layer, Status
from zi_assess.models import Assessment, Evidence, ExportJob, Instansi, RenderJob, Role, RoleAssignment, Unit, User
from zi_assess.models.users import INSTANSI_ROLES, UNIT_ROLES

if TYPE_CHECKING:
    from zi_assess.models import ApiKey

#: every action the permission-matrix test enumerates
ACTIONS = (
    "assessment.view",
    "assessment.create",
    "answer.edit",
    "evidence.add",
    "evidence.download",
    "comment.add",
    "prerequisite.edit",
    "recap.view",
    "recap.national",
    "export.lhe",
    "export.follow",
    "render.follow",
    "review.queue",
    "users.manage",
    "org.national",
    "draft.open",
    "api_keys.manage",
    "profile.edit",
    "action_plan.view",
    "action_plan.edit",
    "sanggah.file",
    "sanggah.respond",
    "sanggah.decide",
    "predicate.revoke",
    "history.accesses",
    "audit.network",
    *(f"transition.{name}" for name in TRANSITIONS),
)
REVIEWER_LAYERS = {Layer.TPI, Layer.TPN_DESK, Layer.TPN_LAPANGAN}
#: roles that read every instansi's recap and export every instansi's reports
NATIONAL_READERS = frozenset({Role.NATIONAL_MANAGER, Role.ADMIN})
#: roles that read the recap of the instansi they hold the role in
RECAP_ROLES = frozenset({Role.MANAGER, Role.TPI_LEAD, Role.TPI_EVALUATOR})
#: roles that export the LHE of every unit of the instansi they hold the role in
EXPORT_ROLES = frozenset({Role.MANAGER, Role.TPI_LEAD})
#: roles that open an assessment for a unit: admin anywhere, the TPI lead in their instansi, a unit head for their unit
CREATOR_ROLES = frozenset({Role.ADMIN, Role.TPI_LEAD, Role.UNIT_HEAD})
#: roles that see who downloaded or exported an assessment's data (its history's access rows)
ACCESS_LOG_ROLES = frozenset({Role.UNIT_HEAD, Role.TPI_LEAD, Role.MANAGER, Role.NATIONAL_MANAGER, Role.ADMIN})
#: what zi-assess itself may do (CLI, demo, migrations): set up the organisation and read everything.
#: Answers, evidence, comments and workflow steps always need a person holding a role.
SYSTEM_ACTIONS = frozenset({
    "assessment.view", "evidence.download", "prerequisite.edit", "recap.view", "recap.national", "users.manage",
    "history.accesses",
    "org.national",
})
#: instansi roles that count on the instansi's assessments (an instansi admin manages units and
#: accounts: like the national admin, it never scores and does not read the units' drafts)
ASSESSMENT_INSTANSI_ROLES = INSTANSI_ROLES - {Role.INSTANSI_ADMIN}


class PermissionDenied(Exception):
    """The user may not do this. ``hide`` asks the web layer to answer 404 rather than 403."""

    def __init__(self, action: str, reason: str, *, hide: bool = False) -> None:
        super().__init__(f"{action}: {reason}")
        self.action = action
        self.reason = reason
        self.hide = hide


@dataclass(frozen=True)
class SystemPrincipal:
    """zi-assess acting on its own — ``name`` says where from ("cli", "demo", "migration").

    It holds no role and no account (``id`` is None); :func:`authorize` lets it do exactly
    :data:`SYSTEM_ACTIONS`, and audit events name it ``system:<name>``.
    """

    name: str
    id: None = None
    is_active: bool = True
    is_authenticated: bool = True
    roles: tuple[()] = ()

    @property
    def audit_name(self) -> str:
        return f"system:{self.name}"

    def has_role(self, *_roles: str) -> bool:
        return False


#: whoever acts: a signed-in user, zi-assess itself, or nobody
Principal = User | SystemPrincipal


def scoped_roles(user: Principal, unit: Unit) -> frozenset[str]:
    """The roles ``user`` holds over ``unit`` (unit, instansi and national roles)."""
    held = set()
    for assignment in user.roles:
        role = assignment.role
        if role in UNIT_ROLES:
            if assignment.unit_id == unit.id:
                held.add(role.value)
        elif role in INSTANSI_ROLES:
            if role in ASSESSMENT_INSTANSI_ROLES and assignment.instansi_id == unit.instansi_id:
                held.add(role.value)
        else:
            held.add(role.value)
    return frozenset(held)


def assessment_roles(user: Principal, assessment: Assessment) -> frozenset[str]:
    """Scoped roles that count for this assessment now (TPN roles only once it is proposed; the
    admin's role before that only with a logged reason, see :func:`opened_drafts`)."""
    roles = scoped_roles(user, assessment.unit)
    if assessment.status not in PROPOSED_OR_LATER:
        roles -= {Role.TPN_EVALUATOR.value, Role.NATIONAL_MANAGER.value}
        if Role.ADMIN.value in roles and assessment.id not in opened_drafts(user):
            roles -= {Role.ADMIN.value}
    return roles


def opened_drafts(user: Principal) -> frozenset[int]:
    """Assessments not yet proposed that this admin opened with a logged reason (still valid)."""
    if isinstance(user, SystemPrincipal) or not user.has_role(Role.ADMIN) or user.id is None:
        return frozenset()
    from zi_assess.extensions import db
    from zi_assess.models import DraftAccess
    from zi_assess.models.base import utcnow

    return frozenset(db.session.scalars(select(DraftAccess.assessment_id).where(
        DraftAccess.user_id == user.id, DraftAccess.expires_at > utcnow())))


def can_view(user: Principal, assessment: Assessment) -> bool:
    return isinstance(user, SystemPrincipal) or bool(assessment_roles(user, assessment))


def editable_layer(user: Principal, assessment: Assessment) -> Layer | None:
    """The layer this user may write now, if any."""
    layer = EDITABLE_LAYER.get(Status(assessment.status))
    if layer is None or not assessment_roles(user, assessment) & LAYER_ROLES[layer]:
        return None
    return layer


def authorize(user: Principal | None, action: str, obj: object = None, *, layer: Layer | None = None) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may do ``action`` on ``obj``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(action, "not signed in")
    if isinstance(user, SystemPrincipal):
        if action not in SYSTEM_ACTIONS:
            raise PermissionDenied(action, f"{user.audit_name} may not do this; a person with a role must")
        return
    rule = _USER_RULES.get(action)
    if rule is not None:
        rule(user, action, obj)
        return
    _authorize_on_assessment(user, action, obj, layer)


def allowed(user: Principal | None, action: str, obj: object = None, *, layer: Layer | None = None) -> bool:
    """:func:`authorize` as a yes/no (to list what a user may choose, or show a link or button)."""
    try:
        authorize(user, action, obj, layer=layer)
    except PermissionDenied:
        return False
    return True


def _authorize_on_assessment(user: User, action: str, obj: object, layer: Layer | None) -> None:
    if isinstance(obj, Evidence):
        obj = obj_assessment(obj)
    if not isinstance(obj, Assessment):
        raise PermissionDenied(action, "nothing to act on")
    if not can_view(user, obj):
        # Another unit's (or a not yet proposed) assessment does not exist for this user.
        raise PermissionDenied(action, "outside your scope", hide=True)
    if action in ("assessment.view", "evidence.download", "action_plan.view"):
        return
    roles = assessment_roles(user, obj)
    if action.startswith("sanggah."):
        # after the TPN decision: the unit head files, the TPN answers, the national manager decides
        needed = {"sanggah.file": Role.UNIT_HEAD, "sanggah.respond": Role.TPN_EVALUATOR,
                  "sanggah.decide": Role.NATIONAL_MANAGER}.get(action)
        if needed is None or Status(obj.status) != Status.DECIDED or needed.value not in roles:
            raise PermissionDenied(action, "not your step of the sanggah")
        return
    if action == "action_plan.edit":
        # the unit's own plan between and during evaluations: its staff write it, everyone else reads
        if not roles & {r.value for r in UNIT_ROLES}:
            raise PermissionDenied(action, "only the unit's own staff plan its actions")
        return
    if action in ("answer.edit", "evidence.add"):
        writable = editable_layer(user, obj)
        if writable is None or (layer is not None and layer != writable):
            raise PermissionDenied(action, "this layer is locked or not yours")
        return
    if action == "history.accesses":
        if not roles & {role.value for role in ACCESS_LOG_ROLES}:
            raise PermissionDenied(action, "your role does not see downloads and exports")
        return
    if action == "comment.add":
        writable = editable_layer(user, obj)
        if writable not in REVIEWER_LAYERS:
            raise PermissionDenied(action, "only assessors comment, during their review")
        return
    if action.startswith("transition."):
        transition = TRANSITIONS.get(action.removeprefix("transition."))
        if transition is None or not roles & transition.roles:
            raise PermissionDenied(action, "your role cannot take this step")
        return
    raise PermissionDenied(action, "unknown action")


def obj_assessment(evidence: Evidence) -> Assessment:
    from zi_assess.extensions import db

    assessment = db.session.get(Assessment, evidence.assessment_id)
    assert assessment is not None
    return assessment


# -- organisation: accounts, units, prerequisites ----------------------------------------------


def _authorize_admin(user: User, action: str, _obj: object) -> None:
    if not user.has_role(Role.ADMIN):
        raise PermissionDenied(action, "admin only")


def is_admin(user: Principal) -> bool:
    """Whether ``user`` holds the (national) admin role — e.g. to keep at least one active admin."""
    return not isinstance(user, SystemPrincipal) and user.has_role(Role.ADMIN)


def administered_instansi_ids(user: Principal) -> frozenset[int] | None:
    """The instansi whose units and accounts ``user`` manages: None for every instansi (admin,
    zi-assess itself), else the instansi of their instansi-admin roles (maybe none)."""
    if isinstance(user, SystemPrincipal) or user.has_role(Role.ADMIN):
        return None
    return frozenset(a.instansi_id for a in user.roles if a.role == Role.INSTANSI_ADMIN and a.instansi_id)


def _org_instansi_ids(obj: object) -> frozenset[int] | None:
    """The instansi an organisation target belongs to; None when it reaches beyond instansi
    (a national role, an account holding one)."""
    if isinstance(obj, Instansi):
        return frozenset({obj.id})
    if isinstance(obj, Unit):
        return frozenset({obj.instansi_id})
    if isinstance(obj, User):
        ids: set[int] = set()
        for assignment in obj.roles:
            if assignment.role in INSTANSI_ROLES and assignment.instansi_id is not None:
                ids.add(assignment.instansi_id)
            elif assignment.role in UNIT_ROLES and assignment.unit is not None:
                ids.add(assignment.unit.instansi_id)
            else:
                return None
        return frozenset(ids)
    if isinstance(obj, RoleAssignment):
        if obj.role in INSTANSI_ROLES and obj.instansi_id is not None:
            return frozenset({obj.instansi_id})
        if obj.role in UNIT_ROLES and obj.unit is not None:
            return frozenset({obj.unit.instansi_id})
        return None
    return None


def _authorize_org(user: User, action: str, obj: object) -> None:
    """``users.manage``: the admin everywhere; an instansi admin on their instansi, its units, the
    accounts whose roles are all inside it (a new account without roles too) and role assignments
    inside it. ``obj`` None: whether the user manages anything at all (the admin nav section)."""
    ids = administered_instansi_ids(user)
    if ids is None:
        return
    if obj is None:
        if ids:
            return
        raise PermissionDenied(action, "admin only")
    target = _org_instansi_ids(obj)
    if target is not None and target <= ids and (target or isinstance(obj, User)):
        return
    raise PermissionDenied(action, "not your instansi", hide=isinstance(obj, Instansi | Unit | User))


def _authorize_profile(user: User, action: str, obj: object) -> None:
    if not isinstance(obj, User) or obj.id != user.id:
        raise PermissionDenied(action, "only your own account")


def _authorize_unit_management(user: User, action: str, obj: object) -> None:
    """Open an assessment / record prerequisites: for a unit, an instansi, or (None) for any unit at all."""
    if obj is None and action == "assessment.create":
        if _first_id(creatable_units(user)) is None:
            raise PermissionDenied(action, "no unit to open an assessment for")
        return
    unit = obj if isinstance(obj, Unit) else None
    instansi = obj if isinstance(obj, Instansi) else None
    if user.has_role(Role.ADMIN):
        return
    for assignment in user.roles:
        if assignment.role == Role.TPI_LEAD and (
            (unit is not None and assignment.instansi_id == unit.instansi_id)
            or (instansi is not None and assignment.instansi_id == instansi.id)
        ):
            return
        if assignment.role == Role.UNIT_HEAD and unit is not None and assignment.unit_id == unit.id:
            return
    raise PermissionDenied(action, "not your unit or instansi", hide=unit is not None or instansi is not None)


def creatable_units(user: Principal) -> Select[Any]:
    """Units ``user`` may open an assessment for (the list :func:`_authorize_unit_management` allows)."""
    query = select(Unit)
    if isinstance(user, SystemPrincipal):
        return query.where(false())
    if user.has_role(Role.ADMIN):
        return query
    leads = {a.instansi_id for a in user.roles if a.role == Role.TPI_LEAD and a.instansi_id}
    heads = {a.unit_id for a in user.roles if a.role == Role.UNIT_HEAD and a.unit_id}
    clauses = [Unit.instansi_id.in_(leads)] if leads else []
    if heads:
        clauses.append(Unit.id.in_(heads))
    return query.where(or_(*clauses) if clauses else false())


# -- recaps and bulk exports: per instansi ------------------------------------------------------


def instansi_reach(user: Principal, action: str) -> tuple[bool, frozenset[int]]:
    """(every instansi?, the instansi ids) where ``user`` may do a per-instansi action."""
    if isinstance(user, SystemPrincipal):
        return action in SYSTEM_ACTIONS, frozenset()
    if user.has_role(*NATIONAL_READERS):
        return True, frozenset()
    roles = RECAP_ROLES if action == "recap.view" else EXPORT_ROLES
    return False, frozenset(a.instansi_id for a in user.roles if a.role in roles and a.instansi_id is not None)


def _authorize_per_instansi(user: User, action: str, obj: object) -> None:
    """``recap.view`` / ``export.lhe`` of one instansi, or (obj None) of at least one."""
    everywhere, ids = instansi_reach(user, action)
    if everywhere:
        return
    if isinstance(obj, Instansi):
        if obj.id in ids:
            return
        raise PermissionDenied(action, "not your instansi", hide=True)
    if obj is None and ids:
        return
    raise PermissionDenied(action, "no instansi of yours")


def _authorize_national_recap(user: User, action: str, _obj: object) -> None:
    if not instansi_reach(user, "recap.view")[0]:
        raise PermissionDenied(action, "national readers only")


def instansi_for(user: Principal, action: str) -> Select[Any]:
    """The instansi where ``user`` may do ``action`` (``recap.view`` or ``export.lhe``), by name."""
    everywhere, ids = instansi_reach(user, action)
    query = select(Instansi).order_by(Instansi.name)
    return query if everywhere else query.where(Instansi.id.in_(ids) if ids else false())


def _authorize_export_follow(user: User, action: str, obj: object) -> None:
    """A bulk export is followed by the one who started it (and by admins)."""
    if not isinstance(obj, ExportJob) or (obj.created_by_id != user.id and not user.has_role(Role.ADMIN)):
        raise PermissionDenied(action, "not your export", hide=True)


def _authorize_render_follow(user: User, action: str, obj: object) -> None:
    """A report's rendering is followed by whoever may read the report: a recap by the reader it
    was rendered for, an assessment's report by those who see the assessment."""
    if not isinstance(obj, RenderJob):
        raise PermissionDenied(action, "not a rendering", hide=True)
    if obj.assessment_id is None:
        if obj.requested_by_id != user.id:
            raise PermissionDenied(action, "not your recap", hide=True)
        return
    from zi_assess.extensions import db

    assessment = db.session.get(Assessment, obj.assessment_id)
    if assessment is None:
        raise PermissionDenied(action, "no such assessment", hide=True)
    authorize(user, "assessment.view", assessment)


#: roles with the managers' queue (every assessment they read)
MANAGER_QUEUE_ROLES = frozenset({Role.MANAGER.value, Role.NATIONAL_MANAGER.value})


def _authorize_review_queue(user: User, action: str, obj: object) -> None:
    """The work queue of a review layer (obj: a :class:`Layer`) for the roles that write that layer;
    obj ``"manager"``: the managers' queue."""
    if obj == "manager":
        if not user.role_names & MANAGER_QUEUE_ROLES:
            raise PermissionDenied(action, "managers only")
        return
    if not isinstance(obj, Layer) or obj not in REVIEWER_LAYERS or not user.role_names & LAYER_ROLES[obj]:
        raise PermissionDenied(action, "not a reviewer of this layer")


def _authorize_revoke(user: User, action: str, obj: object) -> None:
    """Revoking a predicate (obj: the unit) is the national manager's decision."""
    if not isinstance(obj, Unit) or not user.has_role(Role.NATIONAL_MANAGER):
        raise PermissionDenied(action, "only the national manager revokes a predicate")


_USER_RULES = {
    "users.manage": _authorize_org,
    "org.national": _authorize_admin,
    "draft.open": _authorize_admin,
    "api_keys.manage": _authorize_admin,
    #: the network details of audit rows (IP address, user agent): admins only
    "audit.network": _authorize_admin,
    "profile.edit": _authorize_profile,
    "assessment.create": _authorize_unit_management,
    "prerequisite.edit": _authorize_unit_management,
    "recap.view": _authorize_per_instansi,
    "export.lhe": _authorize_per_instansi,
    "recap.national": _authorize_national_recap,
    "export.follow": _authorize_export_follow,
    "render.follow": _authorize_render_follow,
    "review.queue": _authorize_review_queue,
    "predicate.revoke": _authorize_revoke,
}


# -- accounts: who must sign in with a second factor --------------------------------------------

#: roles that must use a second factor (TOTP): everyone who reads or judges many units' data
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.TPI_EVALUATOR, Role.TPI_LEAD, Role.TPN_EVALUATOR,
                                 Role.MANAGER, Role.NATIONAL_MANAGER})


def second_factor_required(user: Principal, *, everyone: bool = False) -> bool:
    """Whether ``user`` must sign in with a second factor: the roles above, or every account
    when ``everyone`` (``ZI_MFA_REQUIRED_ALL``). Unit staff may choose it."""
    if isinstance(user, SystemPrincipal):
        return False
    return everyone or user.has_role(*SECOND_FACTOR_ROLES)


# -- the PortalRB API: a key reads its own instansi ----------------------------------------------


def api_key_units(key: ApiKey, query: Select[Any] | None = None) -> Select[Any]:
    """``query`` (default: all units) restricted to the units an API key may read: its instansi's."""
    query = query if query is not None else select(Unit)
    return query.where(Unit.instansi_id == key.instansi_id)


# -- query scoping ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a user can see, as ids: used to build WHERE clauses."""

    everything: bool
    proposed_only_everywhere: bool
    unit_ids: frozenset[int]
    instansi_ids: frozenset[int]
    #: assessments opened with a logged reason (admins)
    assessment_ids: frozenset[int] = frozenset()


def scope_of(user: Principal) -> Scope:
    roles = {a.role for a in user.roles}
    return Scope(
        everything=isinstance(user, SystemPrincipal),
        proposed_only_everywhere=bool(roles & {Role.TPN_EVALUATOR, Role.NATIONAL_MANAGER, Role.ADMIN}),
        unit_ids=frozenset(a.unit_id for a in user.roles if a.role in UNIT_ROLES and a.unit_id),
        instansi_ids=frozenset(a.instansi_id for a in user.roles
                               if a.role in ASSESSMENT_INSTANSI_ROLES and a.instansi_id),
        assessment_ids=opened_drafts(user),
    )


def visible_assessments(user: Principal, query: Select[Any] | None = None) -> Select[Any]:
    """``query`` (default: all assessments) restricted to what ``user`` may see."""
    query = query if query is not None else select(Assessment)
    query = query.join(Unit, Unit.id == Assessment.unit_id)
    scope = scope_of(user)
    if scope.everything:
        return query
    clauses = []
    if scope.unit_ids:
        clauses.append(Assessment.unit_id.in_(scope.unit_ids))
    if scope.instansi_ids:
        clauses.append(Unit.instansi_id.in_(scope.instansi_ids))
    if scope.proposed_only_everywhere:
        clauses.append(Assessment.status.in_([s.value for s in PROPOSED_OR_LATER]))
    if scope.assessment_ids:
        clauses.append(Assessment.id.in_(scope.assessment_ids))
    return query.where(or_(*clauses) if clauses else false())


def visible_units(user: Principal, query: Select[Any] | None = None) -> Select[Any]:
    """Units the user works on or reads (national roles: all units)."""
    query = query if query is not None else select(Unit)
    scope = scope_of(user)
    if scope.everything or scope.proposed_only_everywhere:
        return query
    clauses = []
    if scope.unit_ids:
        clauses.append(Unit.id.in_(scope.unit_ids))
    if scope.instansi_ids:
        clauses.append(Unit.instansi_id.in_(scope.instansi_ids))
    return query.where(or_(*clauses) if clauses else false())


def own_unit_ids(user: Principal) -> frozenset[int]:
    """The units a user works in (their unit roles), for "your assessments" lists."""
    return scope_of(user).unit_ids


def _first_id(units: Select[Any]) -> int | None:
    from zi_assess.extensions import db

    if any(isinstance(c, False_) for c in units._where_criteria):  # nobody's units (TPN, managers): no need to ask
        return None
    return db.session.scalar(units.with_only_columns(Unit.id).limit(1))
