"""The only code that writes instansi, units, users, role assignments and yearly records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from zi_assess.audit import Actor, record
from zi_assess.auth import tokens
from zi_assess.auth.operations import find_user
from zi_assess.auth.passwords import check_password_policy, hash_password, password_problems
from zi_assess.authz import SystemPrincipal, authorize, is_admin
from zi_assess.domain.prerequisites import load_prerequisites
from zi_assess.extensions import db
from zi_assess.models import (
    Assessment,
    DraftAccess,
    Instansi,
    InstansiKind,
    PrerequisiteRecord,
    ReviewAssignment,
    Role,
    RoleAssignment,
    Unit,
    UnitType,
    User,
)
from zi_assess.models.base import utcnow
from zi_assess.models.org import KABKOTA_KINDS, KL_KINDS
from zi_assess.models.users import INSTANSI_ROLES, UNIT_ROLES, new_session_token


class InvalidInput(ValueError):
    """Bad input for an org operation; ``code`` is stable for translation."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


#: the password hash of an account that has not set its password yet (argon2 never matches it)
NO_PASSWORD = "!invited"


def _clean(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput("too_long", value[:40])
    return value or None


def create_user(actor: Actor, email: str, name: str, password: str | None, *, locale: str = "id",
                policy: bool = True) -> User:
    """A new account; without a password it can only be entered through an invitation. The
    password policy applies (``policy=False``: only the demo loader, whose accounts share one
    published password)."""
    authorize(actor.user, "users.manage")
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or " " in email:
        raise InvalidInput("email", email)
    if find_user(email) is not None:
        raise InvalidInput("email_taken", email)
    if password is not None:
        codes = password_problems(password, email=email, name=name) if policy else []
        if codes:
            messages = check_password_policy(password, email=email, name=name)
            raise InvalidInput(f"password_{codes[0]}", " ".join(messages))
    user = User(email=email, name=(_clean(name, 160) or email), locale=locale if locale in ("id", "en") else "id",
                password_hash=hash_password(password) if password is not None else NO_PASSWORD)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", after={"email": email, "name": user.name})
    return user


def update_user(actor: Actor, user: User, name: str) -> None:
    authorize(actor.user, "users.manage", user)
    before = user.name
    user.name = _clean(name, 160) or user.email
    if user.name != before:
        record(actor, "user.update", before={"name": before}, after={"name": user.name},
               detail={"user": user.email})


def invite_user(actor: Actor, user: User) -> str:
    """A new invitation token for ``user`` (older ones end); the caller e-mails the link."""
    authorize(actor.user, "users.manage", user)
    if not user.is_active:
        raise InvalidInput("user_inactive", user.email)
    token = tokens.issue(user, "invite")
    record(actor, "user.invite", detail={"user": user.email})
    return token


def accept_invitation(token: str, password: str, ip: str | None = None) -> User:
    """Set the password of an invited account with its single-use token (then the token is spent)."""
    invited = tokens.peek(token, "invite")  # the policy refuses the invited person's name or e-mail too
    problems = check_password_policy(password, email=invited.email if invited else None,
                                     name=invited.name if invited else None)
    if problems:
        raise InvalidInput("password_policy", " ".join(problems))
    user = tokens.consume(token, "invite")
    if user is None:
        raise InvalidInput("token")
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    record(Actor(user, ip), "user.invite_accepted", detail={"user": user.email})
    return user


def _active_admin_ids() -> set[int]:
    return set(db.session.scalars(
        select(User.id).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.ADMIN, User.is_active.is_(True))
    ))


def _keep_an_admin(user: User) -> None:
    """Refuse a change that would leave no active admin."""
    if is_admin(user) and user.is_active and _active_admin_ids() <= {user.id}:
        raise InvalidInput("last_admin", user.email)


def set_active(actor: Actor, user: User, active: bool) -> None:
    """Deactivating also ends every session of the user (the session token changes)."""
    authorize(actor.user, "users.manage", user)
    if not active:
        if actor.user_id == user.id:
            raise InvalidInput("self_deactivate")
        _keep_an_admin(user)
    if user.is_active == active:
        return
    user.is_active = active
    user.session_token = new_session_token()
    record(actor, "user.activate" if active else "user.deactivate", detail={"user": user.email})


def set_locale(actor: Actor, user: User, locale: str) -> None:
    authorize(actor.user, "profile.edit", user)
    if locale in ("id", "en") and user.locale != locale:
        user.locale = locale
        record(actor, "user.locale", detail={"locale": locale})


def _scope_detail(assignment: RoleAssignment) -> dict[str, Any]:
    return {"user": assignment.user.email, "role": assignment.role.value,
            "unit": assignment.unit.code if assignment.unit else None,
            "instansi": assignment.instansi.name if assignment.instansi else None}


def assign_role(actor: Actor, user: User, role: Role, *, unit: Unit | None = None,
                instansi: Instansi | None = None) -> RoleAssignment:
    """Give ``user`` a role in its scope: unit roles a unit, instansi roles an instansi, others none."""
    if role in UNIT_ROLES and (unit is None or instansi is not None):
        raise InvalidInput("scope", f"{role.value} needs a unit")
    if role in INSTANSI_ROLES and (instansi is None or unit is not None):
        raise InvalidInput("scope", f"{role.value} needs an instansi")
    if role not in UNIT_ROLES | INSTANSI_ROLES and (unit is not None or instansi is not None):
        raise InvalidInput("scope", f"{role.value} is national")
    authorize(actor.user, "users.manage", user)
    if role in UNIT_ROLES | INSTANSI_ROLES:
        authorize(actor.user, "users.manage", unit if unit is not None else instansi)
    else:
        authorize(actor.user, "org.national")
    for existing in user.roles:
        if existing.role == role and existing.unit_id == (unit.id if unit else None) and existing.instansi_id == (
            instansi.id if instansi else None
        ):
            return existing
    assignment = RoleAssignment(user=user, role=role, unit=unit, instansi=instansi)
    db.session.add(assignment)
    db.session.flush()
    record(actor, "role.assign", detail=_scope_detail(assignment))
    return assignment


#: roles that review a layer and may be assigned to units: TPI evaluators (their instansi), TPN (anywhere)
REVIEWER_ROLES = frozenset({Role.TPI_EVALUATOR, Role.TPI_LEAD, Role.TPN_EVALUATOR})


def assign_review(actor: Actor, user: User, *, unit: Unit | None = None,
                  instansi: Instansi | None = None) -> ReviewAssignment:
    """Assign an assessor to the assessments of one unit or of every unit of an instansi."""
    if (unit is None) == (instansi is None):
        raise InvalidInput("scope", "a unit or an instansi")
    authorize(actor.user, "users.manage", user)
    authorize(actor.user, "users.manage", unit if unit is not None else instansi)
    target_instansi = unit.instansi_id if unit is not None else instansi.id  # type: ignore[union-attr]
    held = {a.role for a in user.roles if a.role == Role.TPN_EVALUATOR or a.instansi_id == target_instansi}
    if not held & REVIEWER_ROLES:
        raise InvalidInput("not_reviewer", user.email)
    target = (unit.id if unit else None, instansi.id if instansi else None)
    for existing in db.session.scalars(select(ReviewAssignment).where(ReviewAssignment.user_id == user.id)):
        if (existing.unit_id, existing.instansi_id) == target:
            return existing
    assignment = ReviewAssignment(user_id=user.id, unit_id=unit.id if unit else None,
                                  instansi_id=instansi.id if instansi else None, created_by_id=actor.user_id)
    db.session.add(assignment)
    db.session.flush()
    record(actor, "review.assign", detail={"user": user.email, "unit": unit.code if unit else None,
                                           "instansi": instansi.name if instansi else None})
    return assignment


def unassign_review(actor: Actor, assignment: ReviewAssignment) -> None:
    user = db.session.get(User, assignment.user_id)
    authorize(actor.user, "users.manage", user)
    record(actor, "review.unassign", detail={"user": user.email if user else None, "unit": assignment.unit_id,
                                             "instansi": assignment.instansi_id})
    db.session.delete(assignment)
    db.session.flush()


def revoke_role(actor: Actor, assignment: RoleAssignment) -> None:
    """Take a role away; nobody takes away their own admin role, and the last admin stays."""
    user = assignment.user
    authorize(actor.user, "users.manage", user)
    if assignment.role in UNIT_ROLES | INSTANSI_ROLES:
        authorize(actor.user, "users.manage", assignment)
    else:
        authorize(actor.user, "org.national")
    if assignment.role == Role.ADMIN:
        if actor.user_id == user.id:
            raise InvalidInput("own_admin")
        if sum(1 for a in user.roles if a.role == Role.ADMIN) == 1:
            _keep_an_admin(user)
    record(actor, "role.revoke", detail=_scope_detail(assignment))
    user.roles.remove(assignment)
    db.session.flush()


def place_problem(kind: InstansiKind, provinsi: str | None, kabkota: str | None, *,
                  complete: bool = True) -> str | None:
    """What is wrong with an instansi's place (a code), or None. A kabupaten/kota belongs only to a
    pemkab or pemkot; ``complete`` also asks a pemda for its province and a pemkab/pemkot for its
    kabupaten/kota (the pages do; older records and scripts may lack them)."""
    if kind not in KABKOTA_KINDS and kabkota:
        return "kabkota_not_allowed"
    if complete and kind not in KL_KINDS and not provinsi:
        return "provinsi_required"
    if complete and kind in KABKOTA_KINDS and not kabkota:
        return "kabkota_required"
    return None


def _check_place(kind: InstansiKind, provinsi: str | None, kabkota: str | None) -> None:
    problem = place_problem(kind, provinsi, kabkota, complete=False)
    if problem:
        raise InvalidInput(problem)


def _instansi_state(instansi: Instansi) -> dict[str, Any]:
    return {"name": instansi.name, "kind": instansi.kind.value, "provinsi": instansi.provinsi,
            "kabkota": instansi.kabkota, "active": instansi.is_active}


def create_instansi(actor: Actor, name: str, kind: InstansiKind, *, provinsi: str | None = None,
                    kabkota: str | None = None) -> Instansi:
    authorize(actor.user, "org.national")
    kind = InstansiKind(kind)
    clean_name = _clean(name, 200)
    if clean_name is None:
        raise InvalidInput("name_required")
    provinsi, kabkota = _clean(provinsi, 100), _clean(kabkota, 100)
    _check_place(kind, provinsi, kabkota)
    if db.session.scalar(select(Instansi.id).where(Instansi.name == clean_name)) is not None:
        raise InvalidInput("instansi_taken", clean_name)
    instansi = Instansi(name=clean_name, kind=kind, provinsi=provinsi, kabkota=kabkota, is_active=True)
    db.session.add(instansi)
    db.session.flush()
    record(actor, "instansi.create", after=_instansi_state(instansi))
    return instansi


def update_instansi(actor: Actor, instansi: Instansi, name: str, kind: InstansiKind, *,
                    provinsi: str | None = None, kabkota: str | None = None) -> None:
    authorize(actor.user, "users.manage", instansi)
    clean_name = _clean(name, 200)
    if clean_name is None:
        raise InvalidInput("name_required")
    provinsi, kabkota = _clean(provinsi, 100), _clean(kabkota, 100)
    _check_place(kind, provinsi, kabkota)
    if kind != instansi.kind or clean_name != instansi.name:
        authorize(actor.user, "org.national")  # what an instansi is, is set nationally
    taken = db.session.scalar(select(Instansi.id).where(Instansi.name == clean_name, Instansi.id != instansi.id))
    if taken is not None:
        raise InvalidInput("instansi_taken", clean_name)
    before = _instansi_state(instansi)
    instansi.name, instansi.kind, instansi.provinsi, instansi.kabkota = clean_name, kind, provinsi, kabkota
    if _instansi_state(instansi) != before:
        record(actor, "instansi.update", before=before, after=_instansi_state(instansi))


def set_instansi_active(actor: Actor, instansi: Instansi, active: bool) -> None:
    authorize(actor.user, "org.national")
    if instansi.is_active != active:
        instansi.is_active = active
        record(actor, "instansi.activate" if active else "instansi.deactivate", detail={"instansi": instansi.name})


def _unit_state(unit: Unit) -> dict[str, Any]:
    return {"name": unit.name, "code": unit.code, "type": unit.unit_type.value, "instansi": unit.instansi.name,
            "parent": unit.parent.code if unit.parent else None, "head": unit.head_name, "active": unit.is_active}


def _check_unit(instansi: Instansi, unit: Unit | None, name: str | None, code: str | None,
                parent: Unit | None) -> None:
    if name is None:
        raise InvalidInput("name_required")
    if code is None:
        raise InvalidInput("code_required")
    query = select(Unit.id).where(Unit.instansi_id == instansi.id, Unit.code == code)
    if unit is not None:
        query = query.where(Unit.id != unit.id)
    if db.session.scalar(query) is not None:
        raise InvalidInput("code_taken", code)
    if parent is not None:
        if parent.instansi_id != instansi.id:
            raise InvalidInput("parent_instansi")
        ancestor: Unit | None = parent
        while ancestor is not None:
            if unit is not None and ancestor.id == unit.id:
                raise InvalidInput("parent_cycle")
            ancestor = ancestor.parent


def create_unit(actor: Actor, instansi: Instansi, name: str, code: str, *, unit_type: UnitType = UnitType.UMUM,
                parent: Unit | None = None, head_name: str | None = None) -> Unit:
    authorize(actor.user, "users.manage", instansi)
    unit_type = UnitType(unit_type)
    clean_name, clean_code = _clean(name, 200), _clean(code, 40)
    _check_unit(instansi, None, clean_name, clean_code, parent)
    unit = Unit(instansi=instansi, name=clean_name, code=clean_code, unit_type=unit_type, parent=parent,
                head_name=_clean(head_name, 160), is_active=True)
    db.session.add(unit)
    db.session.flush()
    record(actor, "unit.create", after=_unit_state(unit))
    return unit


def update_unit(actor: Actor, unit: Unit, name: str, code: str, *, unit_type: UnitType,
                parent: Unit | None = None, head_name: str | None = None) -> None:
    authorize(actor.user, "users.manage", unit)
    unit_type = UnitType(unit_type)
    clean_name, clean_code = _clean(name, 200), _clean(code, 40)
    _check_unit(unit.instansi, unit, clean_name, clean_code, parent)
    before = _unit_state(unit)
    unit.name, unit.code, unit.unit_type = clean_name or unit.name, clean_code or unit.code, unit_type
    unit.parent, unit.head_name = parent, _clean(head_name, 160)
    if _unit_state(unit) != before:
        record(actor, "unit.update", before=before, after=_unit_state(unit))


def set_unit_active(actor: Actor, unit: Unit, active: bool) -> None:
    authorize(actor.user, "users.manage", unit)
    if unit.is_active != active:
        unit.is_active = active
        record(actor, "unit.activate" if active else "unit.deactivate", detail={"unit": unit.code,
                                                                                "instansi": unit.instansi.name})


#: how long a logged reason opens an assessment before it is proposed
DRAFT_ACCESS_HOURS = 4


def open_draft(actor: Actor, assessment: Assessment, reason: str) -> DraftAccess:
    """An admin reads an assessment before it is proposed only with a reason, logged (and audited)."""
    authorize(actor.user, "draft.open")
    clean = " ".join((reason or "").split())
    if len(clean) < 10:
        raise InvalidInput("reason_required")
    if len(clean) > 500:
        raise InvalidInput("too_long", clean[:40])
    assert actor.user_id is not None
    now = utcnow()
    access = DraftAccess(user_id=actor.user_id, assessment_id=assessment.id, reason=clean, granted_at=now,
                         expires_at=now + timedelta(hours=DRAFT_ACCESS_HOURS))
    db.session.add(access)
    record(actor, "assessment.draft_access", assessment_id=assessment.id,
           detail={"reason": clean, "status": str(assessment.status), "hours": DRAFT_ACCESS_HOURS})
    return access


def record_prerequisites(actor: Actor, year: int, values: dict[str, Any], *, unit: Unit | None = None,
                         instansi: Instansi | None = None, rules_id: str = "permenpanrb-5-2024",
                         evidence: dict[str, str | None] | None = None) -> PrerequisiteRecord:
    """Store (merge) recorded Tabel 5 values for a unit or an instansi; unknown keys are refused.

    Each value keeps who entered it and when, and its evidence link (``evidence``: rule id → URL).
    A value of None removes the recorded value.
    """
    target = unit if unit is not None else instansi
    assert target is not None
    authorize(actor.user, "prerequisite.edit", target)
    rules = {r.id: r for r in load_prerequisites(rules_id).rules}
    level = "unit" if unit is not None else "instansi"
    for key in [*values, *(evidence or {})]:
        if key not in rules or rules[key].level != level:
            raise InvalidInput("prerequisite_key", key)
    for url in (evidence or {}).values():
        if url and (len(url) > 2000 or not url.lower().startswith(("http://", "https://"))):
            raise InvalidInput("bad_url", url[:40])
    scope_key = f"{level}:{target.id}:{year}"
    row = db.session.scalar(select(PrerequisiteRecord).where(PrerequisiteRecord.scope_key == scope_key))
    before = dict(row.values) if row is not None else {}
    if row is None:
        row = PrerequisiteRecord(scope_key=scope_key, year=year, unit_id=unit.id if unit else None,
                                 instansi_id=instansi.id if instansi else None, rules_id=rules_id, values={})
        db.session.add(row)
    merged = {**before, **values}
    sources = dict(row.sources or {})
    who = actor.user.audit_name if isinstance(actor.user, SystemPrincipal) else getattr(actor.user, "name", None)
    for key in {*values, *(evidence or {})}:
        old_url = (sources.get(key) or {}).get("url")
        url = (evidence or {}).get(key, old_url) or None
        if before.get(key) != merged.get(key) or url != old_url:
            sources[key] = {"url": url, "by": actor.user_id, "by_name": who, "at": utcnow().isoformat()}
    row.values = {k: v for k, v in merged.items() if v is not None and v != ""}
    row.sources = sources
    row.updated_by_id = actor.user_id
    record(actor, "prerequisite.change", before=before, after=row.values, detail={"scope": scope_key})
    return row
