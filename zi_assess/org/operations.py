"""The only code that writes instansi, units, users, role assignments and yearly records."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from zi_assess.audit import Actor, record
from zi_assess.auth.operations import find_user
from zi_assess.auth.passwords import check_password_policy, hash_password, password_problems
from zi_assess.authz import authorize
from zi_assess.domain.prerequisites import load_prerequisites
from zi_assess.extensions import db
from zi_assess.models import (
    Deadline,
    Instansi,
    InstansiKind,
    PrerequisiteRecord,
    Role,
    RoleAssignment,
    Unit,
    UnitType,
    User,
)
from zi_assess.models.users import INSTANSI_ROLES, UNIT_ROLES, new_session_token


class InvalidInput(ValueError):
    """Bad input for an org operation; ``code`` is stable for translation."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def create_user(actor: Actor, email: str, name: str, password: str, *, locale: str = "id",
                policy: bool = True) -> User:
    """A new account. The password policy applies (``policy=False``: only the demo loader, whose
    accounts share one published password)."""
    authorize(actor.user, "users.manage")
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidInput("email", email)
    if find_user(email) is not None:
        raise InvalidInput("email_taken", email)
    codes = password_problems(password, email=email, name=name) if policy else []
    if codes:
        raise InvalidInput(f"password_{codes[0]}", " ".join(check_password_policy(password, email=email, name=name)))
    user = User(email=email, name=name.strip() or email, password_hash=hash_password(password), locale=locale)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", after={"email": email, "name": user.name})
    return user


def assign_role(actor: Actor, user: User, role: Role, *, unit: Unit | None = None,
                instansi: Instansi | None = None) -> RoleAssignment:
    authorize(actor.user, "users.manage")
    if role in UNIT_ROLES and (unit is None or instansi is not None):
        raise InvalidInput("scope", f"{role.value} needs a unit")
    if role in INSTANSI_ROLES and (instansi is None or unit is not None):
        raise InvalidInput("scope", f"{role.value} needs an instansi")
    if role not in UNIT_ROLES | INSTANSI_ROLES and (unit is not None or instansi is not None):
        raise InvalidInput("scope", f"{role.value} is national")
    for existing in user.roles:
        if existing.role == role and existing.unit_id == (unit.id if unit else None) and existing.instansi_id == (
            instansi.id if instansi else None
        ):
            return existing
    assignment = RoleAssignment(user=user, role=role, unit=unit, instansi=instansi)
    db.session.add(assignment)
    db.session.flush()
    record(actor, "role.assign", detail={"user": user.email, "role": role.value,
                                         "unit": unit.code if unit else None,
                                         "instansi": instansi.name if instansi else None})
    return assignment


def set_active(actor: Actor, user: User, active: bool) -> None:
    """Deactivating also ends every session of the user (the session token changes)."""
    authorize(actor.user, "users.manage")
    user.is_active = active
    user.session_token = new_session_token()
    record(actor, "user.activate" if active else "user.deactivate", detail={"user": user.email})


def set_locale(actor: Actor, user: User, locale: str) -> None:
    authorize(actor.user, "profile.edit", user)
    if locale in ("id", "en") and user.locale != locale:
        user.locale = locale
        record(actor, "user.locale", detail={"locale": locale})


def create_instansi(actor: Actor, name: str, kind: InstansiKind) -> Instansi:
    authorize(actor.user, "users.manage")
    instansi = Instansi(name=name.strip(), kind=kind)
    db.session.add(instansi)
    db.session.flush()
    record(actor, "instansi.create", after={"name": instansi.name, "kind": kind.value})
    return instansi


def create_unit(actor: Actor, instansi: Instansi, name: str, code: str, *, unit_type: UnitType = UnitType.UMUM,
                parent: Unit | None = None) -> Unit:
    authorize(actor.user, "users.manage")
    unit = Unit(instansi=instansi, name=name.strip(), code=code.strip(), unit_type=unit_type, parent=parent)
    db.session.add(unit)
    db.session.flush()
    record(actor, "unit.create", after={"name": unit.name, "code": unit.code, "instansi": instansi.name,
                                        "type": unit_type.value})
    return unit


def record_prerequisites(actor: Actor, year: int, values: dict[str, Any], *, unit: Unit | None = None,
                         instansi: Instansi | None = None, rules_id: str = "permenpanrb-5-2024") -> PrerequisiteRecord:
    """Store (merge) recorded Tabel 5 values for a unit or an instansi; unknown keys are refused."""
    target = unit if unit is not None else instansi
    assert target is not None
    authorize(actor.user, "prerequisite.edit", target)
    rules = {r.id: r for r in load_prerequisites(rules_id).rules}
    level = "unit" if unit is not None else "instansi"
    for key in values:
        if key not in rules or rules[key].level != level:
            raise InvalidInput("prerequisite_key", key)
    scope_key = f"{level}:{target.id}:{year}"
    row = db.session.scalar(select(PrerequisiteRecord).where(PrerequisiteRecord.scope_key == scope_key))
    before = dict(row.values) if row is not None else {}
    if row is None:
        row = PrerequisiteRecord(scope_key=scope_key, year=year, unit_id=unit.id if unit else None,
                                 instansi_id=instansi.id if instansi else None, rules_id=rules_id, values={})
        db.session.add(row)
    row.values = {**before, **values}
    row.updated_by_id = actor.user_id
    record(actor, "prerequisite.change", before=before, after=row.values, detail={"scope": scope_key})
    return row


def set_deadline(actor: Actor, step: str, year: int, closes_on: date, *, opens_on: date | None = None,
                 instansi: Instansi | None = None) -> Deadline:
    if step not in ("submit", "propose"):
        raise InvalidInput("deadline_step", step)
    if opens_on and opens_on > closes_on:
        raise InvalidInput("deadline_order")
    authorize(actor.user, "users.manage")
    scope_key = Deadline.key(step, year, instansi.id if instansi else None)
    row = db.session.scalar(select(Deadline).where(Deadline.scope_key == scope_key))
    if row is None:
        row = Deadline(scope_key=scope_key, step=step, year=year, instansi_id=instansi.id if instansi else None,
                       closes_on=closes_on)
        db.session.add(row)
    row.opens_on, row.closes_on = opens_on, closes_on
    record(actor, "deadline.set", detail={"scope": scope_key, "opens_on": str(opens_on) if opens_on else None,
                                          "closes_on": str(closes_on)})
    return row
