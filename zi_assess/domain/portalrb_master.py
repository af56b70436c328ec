"""Reading a PortalRB "master soal" JSON: the LKE tree of one evaluation year, with its soal ids and
the Excel row and columns of every answer in the official "Jawaban" sheet.

Only the keys zi-assess uses are validated (an external format may grow: read with the strict
:class:`~zi_assess.domain.jsondata.JsonNode`, without refusing unknown keys); errors name the node
(``soal 12.excel_baris: …``). Pure: used by the criteria importer and by the Excel layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zi_assess.domain.criteria import Criteria
from zi_assess.domain.jsondata import JsonNode
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


def _master_error(_file: str, path: str, message: str) -> PortalRbError:
    return PortalRbError(path, message)


def _node_of(raw: Any, where: str) -> JsonNode:
    return JsonNode(raw, "", where, error=_master_error)


def _amount(node: JsonNode, key: str) -> float:
    """A weight or multiplier: a finite number, never negative."""
    value = node.number(key)
    if value < 0:
        raise node.error(key, f"expected a non-negative number, got {value!r}")
    return value


def _soal(raw: Any, where: str) -> MasterSoal:
    node = _node_of(raw, where)
    soal_id = node.integer("id")
    node = _node_of(raw, f"soal {soal_id}")
    skema = []
    for item, path in node.each("skema_penilaian"):
        option = node.child(item, path)
        skema.append((option.text("key", allow_empty=True), _text(option.text("label", allow_empty=True)),
                      _amount(option, "multiplier")))
    columns = {}
    for key in COLUMN_KEYS:
        letter = node.text(f"excel_kolom_{key}", allow_empty=True).strip().upper()
        if not _COLUMN.match(letter):
            raise node.error(f"excel_kolom_{key}", f"not a column letter: {letter!r}")
        columns[key] = letter
    row = node.integer("excel_baris")
    if row < 2:
        raise node.error("excel_baris", "rows start at 2 (row 1 holds the column headers)")
    return MasterSoal(
        id=soal_id, text=_text(node.text("teks_pertanyaan", allow_empty=True)),
        kriteria=_text(node.text("kriteria_nilai", allow_empty=True)),
        jenis=node.text("jenis_jawaban", allow_empty=True), bobot=_amount(node, "bobot_maksimal"),
        skema=tuple(skema), sheet=node.text("excel_sheet", allow_empty=True), row=row, columns=columns,
    )


def _node(raw: Any, where: str) -> MasterNode:
    node = _node_of(raw, where)
    node_id = node.integer("id")
    node = _node_of(raw, f"{raw.get('level', 'node')} {node_id}")
    return MasterNode(
        id=node_id, name=node.text("nama", allow_empty=True), level=node.text("level", allow_empty=True),
        bobot=_amount(node, "bobot_maksimal"),
        children=tuple(_node(c, path) for c, path in node.each("children", required=False)),
        soals=tuple(_soal(s, path) for s, path in node.each("soals", required=False)),
    )


def parse_master(data: Any) -> MasterList:
    """Validate the parts of a master soal document that zi-assess uses (other keys are ignored)."""
    if not isinstance(data, dict):
        raise PortalRbError("", "expected a JSON object with 'tahun' and 'data'")
    doc = _node_of(data, "")
    tahun = doc.integer("tahun")
    roots = tuple(_node(item, path) for item, path in doc.each("data"))
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
