"""Users and their role assignments (each role has a scope: a unit, an instansi, or national)."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zi_assess.models.base import Base, utcnow
from zi_assess.models.org import Instansi, Unit, _enum


class Role(StrEnum):
    UNIT_OPERATOR = "unit_operator"  # fills the LKE of its unit
    UNIT_HEAD = "unit_head"  # also submits it
    TPI_EVALUATOR = "tpi_evaluator"  # internal team of the instansi
    TPI_LEAD = "tpi_lead"  # concludes and proposes
    MANAGER = "manager"  # reads every unit of its instansi
    INSTANSI_ADMIN = "instansi_admin"  # units and accounts of its instansi
    TPN_EVALUATOR = "tpn_evaluator"  # national team: desk and field
    NATIONAL_MANAGER = "national_manager"  # reads everything proposed; decides
    ADMIN = "admin"  # accounts, instansi and units


UNIT_ROLES = frozenset({Role.UNIT_OPERATOR, Role.UNIT_HEAD})
INSTANSI_ROLES = frozenset({Role.TPI_EVALUATOR, Role.TPI_LEAD, Role.MANAGER, Role.INSTANSI_ADMIN})
NATIONAL_ROLES = frozenset({Role.TPN_EVALUATOR, Role.NATIONAL_MANAGER, Role.ADMIN})


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="id")
    #: part of the login cookie; rotated at logout and deactivation so copied cookies stop working
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: second factor (TOTP, RFC 6238): the base32 secret once confirmed, the one being enrolled,
    #: when it was confirmed, and the last time step used (a code works once)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_enabled_at is not None

    def has_role(self, *roles: str) -> bool:
        return any(a.role in roles for a in self.roles)

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(a.role.value for a in self.roles)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleAssignment(Base):
    """A role with its scope: unit roles need a unit, instansi roles an instansi, others neither."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "unit_id", "instansi_id", name="user_role_scope"),
        CheckConstraint(
            "(role IN ('unit_operator', 'unit_head') AND unit_id IS NOT NULL AND instansi_id IS NULL)"
            " OR (role IN ('tpi_evaluator', 'tpi_lead', 'manager', 'instansi_admin')"
            " AND instansi_id IS NOT NULL AND unit_id IS NULL)"
            " OR (role IN ('tpn_evaluator', 'national_manager', 'admin') AND unit_id IS NULL AND instansi_id IS NULL)",
            name="scope_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))

    user: Mapped[User] = relationship(back_populates="roles")
    # loaded on use: every request loads the user's assignments, and authorization needs only the ids
    unit: Mapped[Unit | None] = relationship()
    instansi: Mapped[Instansi | None] = relationship()

    def __repr__(self) -> str:
        return f"<RoleAssignment {self.role} unit={self.unit_id} instansi={self.instansi_id}>"


class ReviewAssignment(Base):
    """An assessor (TPI or TPN evaluator) assigned to the assessments of one unit, or of every unit
    of one instansi: their queue's "assigned to me" and the notice that a review layer opened
    follow it. Without any assignment over a unit, every assessor of the layer is told."""

    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("user_id", "unit_id", "instansi_id", name="one_assignment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    instansi: Mapped[Instansi | None] = relationship(foreign_keys=[instansi_id])
