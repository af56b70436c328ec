"""Who is told about each workflow step (the acting user never is)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from zi_assess.domain.workflow import LAYER_ROLES, TRANSITIONS
from zi_assess.extensions import db
from zi_assess.models import Assessment, ReviewAssignment, ReviewComment, Role, RoleAssignment, User
from zi_assess.models.users import INSTANSI_ROLES, UNIT_ROLES
from zi_assess.notifications import notify

UNIT_STAFF = frozenset({"unit_operator", "unit_head"})
TPI = frozenset({"tpi_evaluator", "tpi_lead"})


def users_with(assessment: Assessment, roles: frozenset[str]) -> list[User]:
    """Active users holding one of ``roles`` over the assessment's unit, in one query."""
    wanted = [Role(r) for r in roles]
    clauses = []
    unit_roles = [r for r in wanted if r in UNIT_ROLES]
    instansi_roles = [r for r in wanted if r in INSTANSI_ROLES]
    national = [r for r in wanted if r not in UNIT_ROLES | INSTANSI_ROLES]
    if unit_roles:
        clauses.append((RoleAssignment.role.in_(unit_roles)) & (RoleAssignment.unit_id == assessment.unit_id))
    if instansi_roles:
        clauses.append((RoleAssignment.role.in_(instansi_roles))
                       & (RoleAssignment.instansi_id == assessment.unit.instansi_id))
    if national:
        clauses.append(RoleAssignment.role.in_(national))
    if not clauses:
        return []
    return list(db.session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
                                   .where(User.is_active.is_(True), or_(*clauses)).distinct().order_by(User.id)))


#: transition → (kind, roles told)
STEP_NOTICES: dict[str, tuple[str, frozenset[str]]] = {
    "submit": ("submitted", TPI),
    "resubmit": ("resubmitted", TPI),
    "return_to_unit": ("returned", UNIT_STAFF),
    "conclude_tpi": ("concluded", UNIT_STAFF | {"manager"}),
    "propose": ("proposed", frozenset({"tpn_evaluator", "national_manager", "unit_head"})),
    "decide": ("decided", UNIT_STAFF | {"tpi_lead", "manager"}),
}


def on_transition(actor_user: User, assessment: Assessment, name: str, *, note: str = "",
                  returned: list[ReviewComment] | None = None) -> None:
    """Notify everyone concerned by a step just taken (called by the workflow operation)."""
    ctx: dict[str, Any] = {"actor": actor_user.name}
    if note:
        ctx["note"] = note
    if name == "return_to_unit":
        ctx["items"] = [{"indicator": c.indicator_id, "note": c.body} for c in returned or []]
    if name == "conclude_tpi":
        ctx["eligible"] = bool(assessment.tpi_eligible)
    if name == "decide":
        ctx["granted"] = bool(assessment.decision_granted)
    if name in STEP_NOTICES:
        kind, roles = STEP_NOTICES[name]
        notify(kind, assessment, [u for u in users_with(assessment, roles) if u.id != actor_user.id], **ctx)
    opens = TRANSITIONS[name].opens if name in TRANSITIONS else None
    if opens is not None and name not in STEP_NOTICES:
        # a review layer opens: its writers have the assessment to work on
        writers = assigned_first(assessment, users_with(assessment, LAYER_ROLES[opens]))
        notify("assigned", assessment, [u for u in writers if u.id != actor_user.id], actor=actor_user.name)


def assigned_first(assessment: Assessment, writers: list[User]) -> list[User]:
    """The writers assigned to the assessment's unit (or its instansi), when any are; else all."""
    ids = [u.id for u in writers]
    if not ids:
        return writers
    assigned = set(db.session.scalars(select(ReviewAssignment.user_id).where(
        ReviewAssignment.user_id.in_(ids),
        or_(ReviewAssignment.unit_id == assessment.unit_id,
            ReviewAssignment.instansi_id == assessment.unit.instansi_id))))
    return [u for u in writers if u.id in assigned] or writers
