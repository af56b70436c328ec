"""Instansi (ministries, agencies, local governments) and their work units."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zi_assess.models.base import Base, utcnow


class InstansiKind(StrEnum):
    KEMENTERIAN = "kementerian"
    LEMBAGA = "lembaga"
    PEMPROV = "pemprov"
    PEMKAB = "pemkab"
    PEMKOT = "pemkot"


#: instansi kinds that are kementerian/lembaga (K/L); the others are pemerintah daerah and lie in a province
KL_KINDS = frozenset({InstansiKind.KEMENTERIAN, InstansiKind.LEMBAGA})
#: instansi kinds that are a kabupaten or kota (their place names one)
KABKOTA_KINDS = frozenset({InstansiKind.PEMKAB, InstansiKind.PEMKOT})


class UnitType(StrEnum):
    """Unit kinds. Which of them are afirmasi types (pemda only) is prerequisite data:
    ``criteria/prasyarat/<id>.json`` (see :meth:`zi_assess.domain.prerequisites.PrerequisiteRules.is_afirmasi`)."""

    UMUM = "umum"
    RSUD = "rsud"
    DUKCAPIL = "dukcapil"
    SAMSAT = "samsat"
    PTSP = "ptsp"
    PENDIDIKAN = "pendidikan"
    KETENAGAKERJAAN = "ketenagakerjaan"


class Predicate(StrEnum):
    """The two predicates of PermenPANRB 90/2021, as PortalRB's API names its categories.

    An assessment's target is one of its criteria's predicates (``thresholds.json``), stored as
    that code: a criteria version may define others. These constants are for the PortalRB API
    and the demo data, which speak of exactly these two.
    """

    WBK = "WBK"
    WBBM = "WBBM"


def _enum(cls: type[StrEnum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class Instansi(Base):
    __tablename__ = "instansi"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[InstansiKind] = mapped_column(_enum(InstansiKind, "instansi_kind"))
    #: the province (pemprov, pemkab, pemkot; optional for K/L: where its seat is)
    provinsi: Mapped[str | None] = mapped_column(String(100))
    #: the kabupaten or kota (pemkab, pemkot)
    kabkota: Mapped[str | None] = mapped_column(String(100))
    #: an inactive instansi keeps its history; its units open no new assessment
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    units: Mapped[list[Unit]] = relationship(back_populates="instansi", order_by="Unit.name")

    def __repr__(self) -> str:
        return f"<Instansi {self.id} {self.name!r}>"


class Unit(Base):
    """A unit kerja building its Zona Integritas."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("instansi_id", "code", name="instansi_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(200))
    #: the instansi's own unit code; also the unit id shown to PortalRB
    code: Mapped[str] = mapped_column(String(40))
    unit_type: Mapped[UnitType] = mapped_column(_enum(UnitType, "unit_type"), default=UnitType.UMUM)
    #: the predicate code the unit holds (a code of the criteria it was granted under)
    current_predicate: Mapped[str | None] = mapped_column(String(24))
    predicate_granted_on: Mapped[date | None]
    predicate_decree: Mapped[str | None] = mapped_column(String(120))
    #: the head of the unit (kepala unit kerja) as named on letters and reports
    head_name: Mapped[str | None] = mapped_column(String(160))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    instansi: Mapped[Instansi] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.code} {self.name!r}>"
