"""Authorization in one place: ``authorize(user, action, obj)`` and the query-scoping helpers.

Roles are scoped: unit roles act on one unit, instansi roles on the units of one instansi,
national roles everywhere — but the national team (TPN) sees an assessment only once it has
been proposed. Managers only read. Only the layer of the current workflow step can be written,
and only by that layer's roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, false, or_, select

from zi_assess.domain.workflow import EDITABLE_LAYER, LAYER_ROLES, PROPOSED_OR_LATER, TRANSITIONS, Layer, Status
from zi_assess.models import Assessment, Evidence, Instansi, Role, Unit, User
from zi_assess.models.users import INSTANSI_ROLES, UNIT_ROLES

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
    "users.manage",
    *(f"transition.{name}" for name in TRANSITIONS),
)
READERS = frozenset({Role.MANAGER, Role.NATIONAL_MANAGER, Role.ADMIN})
REVIEWER_LAYERS = {Layer.TPI, Layer.TPN_DESK, Layer.TPN_LAPANGAN}


class PermissionDenied(Exception):
    """The user may not do this. ``hide`` asks the web layer to answer 404 rather than 403."""

    def __init__(self, action: str, reason: str, *, hide: bool = False) -> None:
        super().__init__(f"{action}: {reason}")
        self.action = action
        self.reason = reason
        self.hide = hide


def scoped_roles(user: User, unit: Unit) -> frozenset[str]:
    """The roles ``user`` holds over ``unit`` (unit, instansi and national roles)."""
    held = set()
    for assignment in user.roles:
        role = assignment.role
        if role in UNIT_ROLES:
            if assignment.unit_id == unit.id:
                held.add(role.value)
        elif role in INSTANSI_ROLES:
            if assignment.instansi_id == unit.instansi_id:
                held.add(role.value)
        else:
            held.add(role.value)
    return frozenset(held)


def assessment_roles(user: User, assessment: Assessment) -> frozenset[str]:
    """Scoped roles that count for this assessment now (TPN roles only once it is proposed)."""
    roles = scoped_roles(user, assessment.unit)
    if assessment.status not in PROPOSED_OR_LATER:
        roles -= {Role.TPN_EVALUATOR.value, Role.NATIONAL_MANAGER.value}
    return roles


def can_view(user: User, assessment: Assessment) -> bool:
    return bool(assessment_roles(user, assessment))


def editable_layer(user: User, assessment: Assessment) -> Layer | None:
    """The layer this user may write now, if any."""
    layer = EDITABLE_LAYER.get(Status(assessment.status))
    if layer is None or not assessment_roles(user, assessment) & LAYER_ROLES[layer]:
        return None
    return layer


def authorize(user: User | None, action: str, obj: object = None, *, layer: Layer | None = None) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may do ``action`` on ``obj``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(action, "not signed in")
    if action == "users.manage":
        if not user.has_role(Role.ADMIN):
            raise PermissionDenied(action, "admin only")
        return
    if action == "recap.view":
        _authorize_recap(user, obj)
        return
    if action == "assessment.create" or action == "prerequisite.edit":
        _authorize_unit_management(user, action, obj)
        return
    if isinstance(obj, Evidence):
        obj = obj_assessment(obj)
    if not isinstance(obj, Assessment):
        raise PermissionDenied(action, "nothing to act on")
    if not can_view(user, obj):
        # Another unit's (or a not yet proposed) assessment does not exist for this user.
        raise PermissionDenied(action, "outside your scope", hide=True)
    if action in ("assessment.view", "evidence.download"):
        return
    roles = assessment_roles(user, obj)
    if action in ("answer.edit", "evidence.add"):
        writable = editable_layer(user, obj)
        if writable is None or (layer is not None and layer != writable):
            raise PermissionDenied(action, "this layer is locked or not yours")
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


def allowed(user: User | None, action: str, obj: object = None, *, layer: Layer | None = None) -> bool:
    """:func:`authorize` as a yes/no (to list what a user may choose, or show a button)."""
    try:
        authorize(user, action, obj, layer=layer)
    except PermissionDenied:
        return False
    return True


def _authorize_unit_management(user: User, action: str, obj: object) -> None:
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


#: roles that may read the recap of the instansi they hold the role in (national roles read every one)
RECAP_ROLES = frozenset({Role.MANAGER, Role.TPI_LEAD, Role.TPI_EVALUATOR})


def _authorize_recap(user: User, obj: object) -> None:
    if user.has_role(Role.NATIONAL_MANAGER, Role.ADMIN):
        return
    if isinstance(obj, Instansi) and any(a.role in RECAP_ROLES and a.instansi_id == obj.id for a in user.roles):
        return
    raise PermissionDenied("recap.view", "not your instansi", hide=isinstance(obj, Instansi))


@dataclass(frozen=True)
class Scope:
    """What a user can see, as ids: used to build WHERE clauses."""

    everything: bool
    proposed_only_everywhere: bool
    unit_ids: frozenset[int]
    instansi_ids: frozenset[int]


def scope_of(user: User) -> Scope:
    roles = {a.role for a in user.roles}
    return Scope(
        everything=Role.ADMIN in roles,
        proposed_only_everywhere=bool(roles & {Role.TPN_EVALUATOR, Role.NATIONAL_MANAGER}),
        unit_ids=frozenset(a.unit_id for a in user.roles if a.role in UNIT_ROLES and a.unit_id),
        instansi_ids=frozenset(a.instansi_id for a in user.roles if a.role in INSTANSI_ROLES and a.instansi_id),
    )


def visible_assessments(user: User, query: Select | None = None) -> Select:
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
    return query.where(or_(*clauses) if clauses else false())


def visible_units(user: User, query: Select | None = None) -> Select:
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
