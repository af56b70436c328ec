"""What the administration pages list: instansi, units and accounts an administrator manages,
searched and split into pages (reads only; writing is :mod:`zi_assess.org.operations`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, func, or_, select

from zi_assess.authz import Principal, administered_instansi_ids
from zi_assess.extensions import db
from zi_assess.models import Assessment, Instansi, RoleAssignment, Unit, User

PER_PAGE = 25


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    pages: int
    total: int


def paged(query: Select[Any], number: int, per_page: int = PER_PAGE) -> Page:
    """One page of ``query`` (numbers start at 1; out of range: the nearest page)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    items = list(db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)))
    return Page(items, number, pages, total)


def _like(q: str) -> str:
    escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def managed_instansi(user: Principal, q: str = "") -> Select[Any]:
    query = select(Instansi).order_by(Instansi.name)
    ids = administered_instansi_ids(user)
    if ids is not None:
        query = query.where(Instansi.id.in_(ids) if ids else false())
    if q.strip():
        pattern = _like(q)
        query = query.where(or_(func.lower(Instansi.name).like(pattern, escape="\\"),
                                func.lower(Instansi.provinsi).like(pattern, escape="\\"),
                                func.lower(Instansi.kabkota).like(pattern, escape="\\")))
    return query


def units_of(instansi: Instansi, q: str = "") -> Select[Any]:
    query = select(Unit).where(Unit.instansi_id == instansi.id).order_by(Unit.code)
    if q.strip():
        pattern = _like(q)
        query = query.where(or_(func.lower(Unit.name).like(pattern, escape="\\"),
                                func.lower(Unit.code).like(pattern, escape="\\")))
    return query


def managed_users(user: Principal, q: str = "") -> Select[Any]:
    """Accounts ``user`` manages: every account for the admin; for an instansi admin those holding a
    role in their instansi or its units."""
    query = select(User).order_by(User.name, User.email)
    ids = administered_instansi_ids(user)
    if ids is not None:
        in_scope = (select(RoleAssignment.user_id).outerjoin(Unit, Unit.id == RoleAssignment.unit_id)
                    .where(or_(RoleAssignment.instansi_id.in_(ids), Unit.instansi_id.in_(ids))))
        query = query.where(User.id.in_(in_scope) if ids else false())
    if q.strip():
        pattern = _like(q)
        query = query.where(or_(func.lower(User.name).like(pattern, escape="\\"),
                                func.lower(User.email).like(pattern, escape="\\")))
    return query


def scope_choices(user: Principal) -> list[tuple[str, str]]:
    """Every scope a role can be given in by ``user``: "" (national), "i:<id>" instansi, "u:<id>" units."""
    choices: list[tuple[str, str]] = []
    for instansi in db.session.scalars(managed_instansi(user)):
        choices.append((f"i:{instansi.id}", instansi.name))
        choices.extend((f"u:{u.id}", f"— {u.code} {u.name}") for u in instansi.units)
    return choices


def assessments_of(unit: Unit) -> list[Assessment]:
    """A unit's assessments, newest year first (for the admin's unit page: year and status only)."""
    return list(db.session.scalars(select(Assessment).where(Assessment.unit_id == unit.id)
                                   .order_by(Assessment.year.desc(), Assessment.id.desc())))
