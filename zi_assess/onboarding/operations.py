"""The only code that writes an onboarding plan: all of it in the caller's transaction, or nothing."""

from __future__ import annotations

from sqlalchemy import select

from zi_assess.audit import Actor, record
from zi_assess.authz import authorize
from zi_assess.extensions import db
from zi_assess.models import Instansi, Unit, User
from zi_assess.onboarding.reading import Plan
from zi_assess.org import operations as org


def apply_plan(actor: Actor, plan: Plan) -> list[tuple[User, str]]:
    """Create and change what ``plan`` says (it must have no errors); returns (new user, invitation
    token) pairs for the caller to e-mail once the transaction is committed."""
    authorize(actor.user, "org.national")
    if not plan.ok:
        raise org.InvalidInput("plan_errors", str(len(plan.errors)))
    instansi: dict[str, Instansi] = {i.name.lower(): i for i in db.session.scalars(select(Instansi))}
    for item in plan.instansi:
        if item.action == "create":
            instansi[item.name.lower()] = org.create_instansi(actor, item.name, item.kind, provinsi=item.provinsi,
                                                              kabkota=item.kabkota)
        elif item.action == "update" and item.existing is not None:
            org.update_instansi(actor, item.existing, item.existing.name, item.kind, provinsi=item.provinsi,
                                kabkota=item.kabkota)

    def unit_of(instansi_name: str, code: str) -> Unit | None:
        owner = instansi[instansi_name.lower()]
        return db.session.scalar(select(Unit).where(Unit.instansi_id == owner.id, Unit.code == code))

    for item in plan.units:  # first every unit, then the parents (a parent may come later in the file)
        if item.action == "create":
            org.create_unit(actor, instansi[item.instansi.lower()], item.name, item.code, unit_type=item.unit_type,
                            head_name=item.head_name)
    for item in plan.units:
        if item.action == "same":
            continue
        unit = unit_of(item.instansi, item.code)
        assert unit is not None
        parent = unit_of(item.instansi, item.parent_code) if item.parent_code else None
        org.update_unit(actor, unit, item.name, item.code, unit_type=item.unit_type, parent=parent,
                        head_name=item.head_name)
    invitations: list[tuple[User, str]] = []
    users: dict[str, User] = {}
    for item in plan.roles:
        user = users.get(item.email) or db.session.scalar(select(User).where(User.email == item.email))
        if user is None:
            user = org.create_user(actor, item.email, item.name, None, locale=item.locale)
            invitations.append((user, org.invite_user(actor, user)))
        users[item.email] = user
        if item.new_role:
            unit = unit_of(item.instansi, item.unit_code) if item.instansi and item.unit_code else None
            scope = instansi[item.instansi.lower()] if item.instansi and unit is None else None
            org.assign_role(actor, user, item.role, unit=unit, instansi=scope)
    record(actor, "onboarding.import", detail={"file": plan.filename, **plan.counts()})
    return invitations
