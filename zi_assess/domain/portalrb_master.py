"""Reading a PortalRB "master soal" JSON: the LKE tree of one evaluation year, with its soal ids and
the Excel row and columns of every answer in the official "Jawaban" sheet.

Only the keys zi-assess uses are validated (an external format may grow); errors name the node
(``soal 12.excel_baris: …``). Pure: used by the criteria importer and by the Excel layout.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zi_assess.domain.criteria import Criteria
from zi_assess.domain.loader import CRITERIA_ROOT

COLUMN_KEYS = ("jawaban_unit", "catatan_unit", "bukti_dukung_unit", "jawaban_tpi", "catatan_tpi")
_COLUMN = re.compile(r"^[A-Z]{1,3}$")
_NUMBERING = re.compile(r"^\s*(?:[A-Z]|[IVX]+|\d+|[a-z]|[ivx]+)\.\s*")
SURVEY_JENIS = re.compile(r"^0\s*-\s*(\d+(?:\.\d+)?)$")


class PortalRbError(ValueError):
    """The master soal file cannot be turned into criteria; ``where`` names the node or key."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.problem = message
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class MasterSoal:
    """One soal of the master list, with the cells of its answer in the "Jawaban" sheet."""

    id: int
    text: str
    kriteria: str
    jenis: str
    bobot: float
    #: (key, label, multiplier) in display order; empty for counts and surveys
    skema: tuple[tuple[str, str, float], ...]
    sheet: str
    row: int
    #: jawaban_unit, catatan_unit, bukti_dukung_unit, jawaban_tpi, catatan_tpi → column letter
    columns: dict[str, str]

    @property
    def kind(self) -> str:
        """``choice``, ``count`` or ``survey``."""
        if self.jenis.strip().lower() == "jumlah":
            return "count"
        if SURVEY_JENIS.match(self.jenis.strip()):
            return "survey"
        return "choice"


@dataclass(frozen=True)
class MasterNode:
    """A komponen, sub_komponen, area_perubahan or sub_area."""

    id: int
    name: str
    level: str
    bobot: float
    children: tuple[MasterNode, ...]
    soals: tuple[MasterSoal, ...]

    @property
    def label(self) -> str:
        return f"{self.level} {self.name!r} (id {self.id})"

    def all_soals(self) -> list[MasterSoal]:
        """Its own soals, then those of its children, in order."""
        out = list(self.soals)
        for child in self.children:
            out.extend(child.all_soals())
        return out

    def walk(self) -> Iterator[MasterNode]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class MasterList:
    tahun: int
    generated_at: str
    roots: tuple[MasterNode, ...]

    @property
    def soals(self) -> dict[int, MasterSoal]:
        return {s.id: s for root in self.roots for node in root.walk() for s in node.soals}


def _text(value: str) -> str:
    return value.replace("\r\n", "\n")


def strip_numbering(name: str) -> str:
    """``"1. MANAJEMEN PERUBAHAN"`` → ``"MANAJEMEN PERUBAHAN"``; ``"ii. Komitmen"`` → ``"Komitmen"``."""
    return _NUMBERING.sub("", name, count=1).strip()


def _get(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise PortalRbError(where, f"missing key {key!r}")
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise PortalRbError(f"{where}.{key}", f"unexpected value {value!r}")
    return value


def _number(obj: dict[str, Any], key: str, where: str) -> float:
    value = float(_get(obj, key, (int, float), where))
    if not math.isfinite(value) or value < 0:
        raise PortalRbError(f"{where}.{key}", f"expected a non-negative number, got {value!r}")
    return value


def _soal(raw: Any, where: str) -> MasterSoal:
    if not isinstance(raw, dict):
        raise PortalRbError(where, "expected an object")
    soal_id = _get(raw, "id", int, where)
    where = f"soal {soal_id}"
    skema = []
    for i, item in enumerate(_get(raw, "skema_penilaian", list, where)):
        if not isinstance(item, dict):
            raise PortalRbError(f"{where}.skema_penilaian[{i}]", "expected an object")
        path = f"{where}.skema_penilaian[{i}]"
        skema.append((_get(item, "key", str, path), _text(_get(item, "label", str, path)),
                      _number(item, "multiplier", path)))
    columns = {}
    for key in COLUMN_KEYS:
        letter = _get(raw, f"excel_kolom_{key}", str, where).strip().upper()
        if not _COLUMN.match(letter):
            raise PortalRbError(f"{where}.excel_kolom_{key}", f"not a column letter: {letter!r}")
        columns[key] = letter
    row = _get(raw, "excel_baris", int, where)
    if row < 2:
        raise PortalRbError(f"{where}.excel_baris", "rows start at 2 (row 1 holds the column headers)")
    return MasterSoal(
        id=soal_id, text=_text(_get(raw, "teks_pertanyaan", str, where)),
        kriteria=_text(_get(raw, "kriteria_nilai", str, where)), jenis=_get(raw, "jenis_jawaban", str, where),
        bobot=_number(raw, "bobot_maksimal", where), skema=tuple(skema),
        sheet=_get(raw, "excel_sheet", str, where), row=row, columns=columns,
    )


def _node(raw: Any, where: str) -> MasterNode:
    if not isinstance(raw, dict):
        raise PortalRbError(where, "expected an object")
    node_id = _get(raw, "id", int, where)
    where = f"{raw.get('level', 'node')} {node_id}"
    return MasterNode(
        id=node_id, name=_get(raw, "nama", str, where), level=_get(raw, "level", str, where),
        bobot=_number(raw, "bobot_maksimal", where),
        children=tuple(_node(c, f"{where}.children[{i}]") for i, c in enumerate(raw.get("children") or [])),
        soals=tuple(_soal(s, f"{where}.soals[{i}]") for i, s in enumerate(raw.get("soals") or [])),
    )


def parse_master(data: Any) -> MasterList:
    """Validate the parts of a master soal document that zi-assess uses (other keys are ignored)."""
    if not isinstance(data, dict):
        raise PortalRbError("", "expected a JSON object with 'tahun' and 'data'")
    tahun = _get(data, "tahun", int, "")
    roots = tuple(_node(item, f"data[{i}]") for i, item in enumerate(_get(data, "data", list, "")))
    master = MasterList(tahun, str(data.get("generated_at") or ""), roots)
    seen: dict[int, int] = {}
    for root in roots:
        for node in root.walk():
            for soal in node.soals:
                if soal.id in seen:
                    raise PortalRbError(f"soal {soal.id}", "soal id used twice")
                seen[soal.id] = soal.row
    rows = sorted(seen.values())
    if len(set(rows)) != len(rows):
        raise PortalRbError("excel_baris", "two soals share one row of the Jawaban sheet")
    total = data.get("total_soal")
    if isinstance(total, int) and total != len(seen):
        raise PortalRbError("total_soal", f"says {total} but the tree holds {len(seen)} soals")
    return master


def load_master(path: str | Path) -> MasterList:
    """Read and validate a master soal file."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PortalRbError(str(path), f"cannot read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PortalRbError(str(path), f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    return parse_master(data)


def master_path_of(criteria: Criteria) -> Path | None:
    """The master soal file a criteria version names (beside its folder, else under ``criteria/``)."""
    if not criteria.portalrb_master_soal:
        return None
    for base in (Path(criteria.source_dir).parent, CRITERIA_ROOT):
        path = base / criteria.portalrb_master_soal
        if path.is_file():
            return path
    return None
