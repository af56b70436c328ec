"""Reading an onboarding workbook into a plan, row by row, with a finding for every problem.

One table, the same in .xlsx (first sheet, or the sheet "Onboarding") and .csv (comma or
semicolon, UTF-8): each row is an instansi, a unit or an account with one role
(``jenis_baris``). The plan says what importing would create or change; rows already in the
database as they are change nothing, so importing the same file twice does nothing the second
time. Reads the database, writes nothing (:mod:`zi_assess.onboarding.operations` writes).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from zi_assess.extensions import db
from zi_assess.interop.import_report import Finding
from zi_assess.models import Instansi, InstansiKind, Role, Unit, UnitType, User
from zi_assess.models.users import INSTANSI_ROLES, UNIT_ROLES
from zi_assess.org.operations import place_problem

SHEET = "Onboarding"
COLUMNS = ("jenis_baris", "instansi", "jenis_instansi", "provinsi", "kabupaten_kota", "kode_unit", "nama_unit",
           "jenis_unit", "kode_induk", "kepala_unit", "surel", "nama", "bahasa", "peran")
ROW_KINDS = ("instansi", "unit", "pengguna")
MAX_ROWS = 5000


@dataclass
class InstansiPlan:
    row: int
    name: str
    kind: InstansiKind
    provinsi: str | None
    kabkota: str | None
    existing: Instansi | None = None
    action: str = "create"  # "create", "update" or "same"


@dataclass
class UnitPlan:
    row: int
    instansi: str
    code: str
    name: str
    unit_type: UnitType
    parent_code: str | None
    head_name: str | None
    existing: Unit | None = None
    action: str = "create"


@dataclass
class RolePlan:
    row: int
    email: str
    name: str
    locale: str
    role: Role
    instansi: str | None
    unit_code: str | None
    new_user: bool = True
    new_role: bool = True


@dataclass
class Plan:
    filename: str
    instansi: list[InstansiPlan] = field(default_factory=list)
    units: list[UnitPlan] = field(default_factory=list)
    roles: list[RolePlan] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, code: str, message: str) -> None:
        self.findings.append(Finding("error", code, message, row=row))

    @property
    def new_users(self) -> list[str]:
        return sorted({r.email for r in self.roles if r.new_user})

    def counts(self) -> dict[str, int]:
        return {
            "instansi_create": sum(1 for p in self.instansi if p.action == "create"),
            "instansi_update": sum(1 for p in self.instansi if p.action == "update"),
            "unit_create": sum(1 for p in self.units if p.action == "create"),
            "unit_update": sum(1 for p in self.units if p.action == "update"),
            "user_create": len(self.new_users),
            "role_create": sum(1 for r in self.roles if r.new_role),
        }

    @property
    def changes(self) -> int:
        return sum(self.counts().values())


class NotReadable(ValueError):
    """The file is not an onboarding table at all (wrong type, no header row)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def read_table(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) of every non-empty row below the header."""
    if filename.lower().endswith(".csv"):
        rows = _csv_rows(data)
    else:
        rows = _xlsx_rows(data)
    if not rows:
        raise NotReadable("header")
    header = [str(h or "").strip().lower().replace(" ", "_").replace("/", "_") for h in rows[0]]
    if "jenis_baris" not in header:
        raise NotReadable("header")
    table = []
    for number, values in enumerate(rows[1:], start=2):
        cells = {name: _text(values[i]) if i < len(values) else "" for i, name in enumerate(header) if name}
        if any(cells.values()):
            table.append((number, cells))
    if len(table) > MAX_ROWS:
        raise NotReadable("too_many")
    return table


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _csv_rows(data: bytes) -> list[list[Any]]:
    if b"\x00" in data[:4096]:
        raise NotReadable("not_csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotReadable("encoding") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    from zi_assess.interop.upload import UploadRejected, check_xlsx

    try:
        check_xlsx(data, len(data) + 1)
    except UploadRejected as exc:
        raise NotReadable(exc.code) from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (openpyxl raises many kinds on a broken file)
        raise NotReadable("corrupt") from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def _choice(plan: Plan, row: int, column: str, value: str, allowed: dict[str, Any]) -> Any:
    key = value.strip().lower()
    if key in allowed:
        return allowed[key]
    plan.error(row, f"bad_{column}", _("Kolom %(col)s: \"%(value)s\" bukan salah satu dari %(allowed)s.",
                                      col=column, value=value, allowed=", ".join(sorted(allowed))))
    return None


def build_plan(table: list[tuple[int, dict[str, str]]], filename: str) -> Plan:
    """Check every row against the file and the database; nothing is written."""
    plan = Plan(filename)
    instansi_by_name = {i.name.lower(): i for i in db.session.scalars(select(Instansi))}
    file_instansi: dict[str, InstansiPlan] = {}
    file_units: dict[tuple[str, str], UnitPlan] = {}
    for row, cells in table:
        kind = cells.get("jenis_baris", "").lower()
        if kind not in ROW_KINDS:
            plan.error(row, "row_kind", _("Kolom jenis_baris harus instansi, unit atau pengguna."))
        elif kind == "instansi":
            _plan_instansi(plan, row, cells, instansi_by_name, file_instansi)
    for row, cells in table:
        if cells.get("jenis_baris", "").lower() == "unit":
            _plan_unit(plan, row, cells, instansi_by_name, file_instansi, file_units)
    for unit_plan in plan.units:  # parents may come later in the file
        if unit_plan.parent_code and (unit_plan.instansi.lower(), unit_plan.parent_code) not in file_units and \
                _db_unit(instansi_by_name.get(unit_plan.instansi.lower()), unit_plan.parent_code) is None:
            plan.error(unit_plan.row, "parent", _("Unit induk %(code)s tidak ada di instansi %(name)s.",
                                                  code=unit_plan.parent_code, name=unit_plan.instansi))
    for row, cells in table:
        if cells.get("jenis_baris", "").lower() == "pengguna":
            _plan_role(plan, row, cells, instansi_by_name, file_instansi, file_units)
    plan.findings.sort(key=lambda f: (f.row or 0, f.code))
    return plan


def _plan_instansi(plan: Plan, row: int, cells: dict[str, str], by_name: dict[str, Instansi],
                   seen: dict[str, InstansiPlan]) -> None:
    name = cells.get("instansi", "")
    if not name or len(name) > 200:
        plan.error(row, "instansi_name", _("Isi nama instansi (paling banyak 200 karakter)."))
        return
    if name.lower() in seen:
        plan.error(row, "duplicate", _("Instansi %(name)s sudah ada di baris %(row)s.", name=name,
                                       row=seen[name.lower()].row))
        return
    kind = _choice(plan, row, "jenis_instansi", cells.get("jenis_instansi", ""), {k.value: k for k in InstansiKind})
    if kind is None:
        return
    provinsi, kabkota = cells.get("provinsi") or None, cells.get("kabupaten_kota") or None
    problem = place_problem(kind, provinsi, kabkota)
    if problem:
        from zi_assess.messages import org_message

        plan.error(row, problem, org_message(problem))
        return
    item = InstansiPlan(row, name, kind, provinsi, kabkota, existing=by_name.get(name.lower()))
    if item.existing is not None:
        same = (item.existing.kind, item.existing.provinsi, item.existing.kabkota) == (kind, provinsi, kabkota)
        item.action = "same" if same else "update"
    seen[name.lower()] = item
    plan.instansi.append(item)


def _db_unit(instansi: Instansi | None, code: str) -> Unit | None:
    if instansi is None:
        return None
    return db.session.scalar(select(Unit).where(Unit.instansi_id == instansi.id, Unit.code == code))


def _plan_unit(plan: Plan, row: int, cells: dict[str, str], by_name: dict[str, Instansi],
               file_instansi: dict[str, InstansiPlan], seen: dict[tuple[str, str], UnitPlan]) -> None:
    inst, code, name = cells.get("instansi", ""), cells.get("kode_unit", ""), cells.get("nama_unit", "")
    if inst.lower() not in by_name and inst.lower() not in file_instansi:
        plan.error(row, "instansi_unknown", _("Instansi \"%(name)s\" tidak ada di berkas maupun di zi-assess.",
                                              name=inst))
        return
    if not code or len(code) > 40 or not name or len(name) > 200:
        plan.error(row, "unit_fields", _("Isi kode_unit (≤ 40 karakter) dan nama_unit (≤ 200 karakter)."))
        return
    if (inst.lower(), code) in seen:
        plan.error(row, "duplicate", _("Unit %(code)s sudah ada di baris %(row)s.", code=code,
                                       row=seen[(inst.lower(), code)].row))
        return
    unit_type = _choice(plan, row, "jenis_unit", cells.get("jenis_unit") or "umum", {t.value: t for t in UnitType})
    if unit_type is None:
        return
    parent = cells.get("kode_induk") or None
    if parent == code:
        plan.error(row, "parent_cycle", _("Unit tidak dapat menjadi induk dirinya sendiri."))
        return
    head = cells.get("kepala_unit") or None
    inst_name = file_instansi[inst.lower()].name if inst.lower() in file_instansi else by_name[inst.lower()].name
    item = UnitPlan(row, inst_name, code, name, unit_type, parent, head,
                    existing=_db_unit(by_name.get(inst.lower()), code))
    if item.existing is not None:
        current_parent = item.existing.parent.code if item.existing.parent else None
        same = (item.existing.name, item.existing.unit_type, current_parent, item.existing.head_name) == (
            name, unit_type, parent, head)
        item.action = "same" if same else "update"
    seen[(inst.lower(), code)] = item
    plan.units.append(item)


def _plan_role(plan: Plan, row: int, cells: dict[str, str], by_name: dict[str, Instansi],
               file_instansi: dict[str, InstansiPlan], file_units: dict[tuple[str, str], UnitPlan]) -> None:
    try:
        email = validate_email(cells.get("surel", ""), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        plan.error(row, "email", _("Alamat surel \"%(email)s\" tidak sah.", email=cells.get("surel", "")))
        return
    name = cells.get("nama", "")
    if len(name) > 160:
        plan.error(row, "name", _("Nama paling banyak 160 karakter."))
        return
    locale = _choice(plan, row, "bahasa", cells.get("bahasa") or "id", {"id": "id", "en": "en"})
    role = _choice(plan, row, "peran", cells.get("peran", ""), {r.value: r for r in Role})
    if locale is None or role is None:
        return
    inst, code = cells.get("instansi") or None, cells.get("kode_unit") or None
    if role in UNIT_ROLES and not (inst and code):
        plan.error(row, "scope", _("Peran %(role)s perlu instansi dan kode_unit.", role=role.value))
        return
    if role in INSTANSI_ROLES and (not inst or code):
        plan.error(row, "scope", _("Peran %(role)s perlu instansi dan kode_unit kosong.", role=role.value))
        return
    if role not in UNIT_ROLES | INSTANSI_ROLES and (inst or code):
        plan.error(row, "scope", _("Peran %(role)s bersifat nasional: kosongkan instansi dan kode_unit.",
                                   role=role.value))
        return
    if inst and inst.lower() not in by_name and inst.lower() not in file_instansi:
        plan.error(row, "instansi_unknown", _("Instansi \"%(name)s\" tidak ada di berkas maupun di zi-assess.",
                                              name=inst))
        return
    if inst and code and (inst.lower(), code) not in file_units and _db_unit(by_name.get(inst.lower()), code) is None:
        plan.error(row, "unit_unknown", _("Unit %(code)s tidak ada di instansi %(name)s.", code=code, name=inst))
        return
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None and not name and email not in {r.email for r in plan.roles}:
        plan.error(row, "name", _("Isi nama untuk akun baru %(email)s.", email=email))
        return
    new_role = True
    if user is not None:
        for a in user.roles:
            unit_code = a.unit.code if a.unit else None
            inst_name = (a.instansi.name if a.instansi else (a.unit.instansi.name if a.unit else None))
            if a.role == role and unit_code == code and (inst_name or "").lower() == (inst or "").lower():
                new_role = False
    if any((r.email, r.role, (r.instansi or "").lower(), r.unit_code) == (email, role, (inst or "").lower(), code)
           for r in plan.roles):
        plan.error(row, "duplicate", _("Peran yang sama untuk %(email)s sudah ada di baris lain.", email=email))
        return
    plan.roles.append(RolePlan(row, email, name, locale, role, inst, code, new_user=user is None, new_role=new_role))
