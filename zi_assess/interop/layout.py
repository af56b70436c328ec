"""Where every answer of a criteria version sits in the official "Jawaban" sheet.

The PortalRB master list of the criteria version (its ``portalrb.master_soal``) gives each soal's
row and its columns: K/L/M the unit's answer, note and evidence, N/Q the internal evaluator's
answer and note. The national team's layers, which PortalRB's sheet has no place for, sit beside
them in columns of their own (:data:`EXTRA_LAYER_COLUMNS`: R/S TPN desk, T/U TPN lapangan).
The rows in between hold headings (komponen, aspect, area, sub-area and the %
rows that have no soal of their own) and, for LHKPN/LHKASN, the "jumlah yang harus melaporkan"
total of the groups (decision D4: never typed, always the sum).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from zi_assess.domain import Criteria, load_criteria
from zi_assess.domain.criteria import Indicator
from zi_assess.domain.portalrb_master import MasterList, MasterNode, load_master, master_path_of
from zi_assess.domain.workflow import Layer

SHEET = "Jawaban"
#: (answer, note) columns of the layers PortalRB's sheet does not hold
EXTRA_LAYER_COLUMNS: dict[Layer, tuple[str, str]] = {Layer.TPN_DESK: ("R", "S"), Layer.TPN_LAPANGAN: ("T", "U")}


class LayoutError(ValueError):
    """The criteria version has no PortalRB Excel layout (or it does not cover every soal)."""


@dataclass(frozen=True)
class SoalCell:
    """One answer row: a choice/survey indicator, or one count input of a % indicator."""

    soal_id: int
    row: int
    indicator: Indicator
    input_key: str | None
    answer_unit: str
    note_unit: str
    evidence_unit: str
    answer_tpi: str
    note_tpi: str

    def columns(self, layer: Layer) -> tuple[str, str]:
        """The (answer, note) columns of ``layer``: K/L the unit's, N/Q TPI's, R/S and T/U the TPN's."""
        if layer == Layer.MANDIRI:
            return self.answer_unit, self.note_unit
        if layer == Layer.TPI:
            return self.answer_tpi, self.note_tpi
        return EXTRA_LAYER_COLUMNS[layer]

    @property
    def label(self) -> str:
        if self.input_key is None:
            return self.indicator.question
        return next(i.label for i in self.indicator.inputs if i.key == self.input_key)


@dataclass(frozen=True)
class Heading:
    row: int
    code: str
    text: str
    level: str


@dataclass(frozen=True)
class TotalRow:
    """The "harus melaporkan" row of a % indicator whose denominator adds several groups."""

    row: int
    indicator: Indicator
    #: rows of the groups it adds up
    part_rows: tuple[int, ...]


@dataclass(frozen=True)
class Layout:
    criteria_id: str
    tahun: int | None
    cells: tuple[SoalCell, ...]
    headings: tuple[Heading, ...]
    totals: tuple[TotalRow, ...]
    by_soal: dict[int, SoalCell] = field(repr=False, default_factory=dict)

    def indicator_cells(self, indicator_id: str) -> list[SoalCell]:
        return [c for c in self.cells if c.indicator.id == indicator_id]


def _soal_owners(criteria: Criteria) -> dict[int, tuple[Indicator, str | None]]:
    owners: dict[int, tuple[Indicator, str | None]] = {}
    for ind in criteria.indicators.values():
        if ind.inputs:
            for inp in ind.inputs:
                if inp.soal_id is not None:
                    owners[inp.soal_id] = (ind, inp.key)
        elif ind.soal_id is not None:
            owners[ind.soal_id] = (ind, None)
    return owners


@lru_cache(maxsize=8)
def layout_for(criteria_id: str) -> Layout:
    """The Jawaban layout of a criteria version; LayoutError when it has none."""
    criteria = load_criteria(criteria_id)
    path = master_path_of(criteria)
    if path is None:
        raise LayoutError(f"{criteria.id}: no PortalRB master soal list, so no official Excel layout")
    return build_layout(criteria, load_master(path))


def build_layout(criteria: Criteria, master: MasterList) -> Layout:
    owners = _soal_owners(criteria)
    soals = master.soals
    if set(owners) != set(soals):
        missing = sorted(set(owners) ^ set(soals))[:5]
        raise LayoutError(f"{criteria.id}: soal ids of the criteria and the master list differ ({missing} …)")
    cells = []
    extra = {col for pair in EXTRA_LAYER_COLUMNS.values() for col in pair}
    for soal_id, soal in sorted(soals.items(), key=lambda item: item[1].row):
        ind, key = owners[soal_id]
        cols = soal.columns
        if extra & set(cols.values()):
            raise LayoutError(f"{criteria.id}: soal {soal_id} uses a column kept for the TPN layers ({cols})")
        cells.append(SoalCell(soal_id, soal.row, ind, key, cols["jawaban_unit"], cols["catatan_unit"],
                              cols["bukti_dukung_unit"], cols["jawaban_tpi"], cols["catatan_tpi"]))
    by_soal = {c.soal_id: c for c in cells}
    occupied = {c.row for c in cells}
    headings: list[Heading] = []
    totals: list[TotalRow] = []

    def claim(row: int) -> bool:
        if row < 2 or row in occupied:
            return False
        occupied.add(row)
        return True

    # % indicators: a heading row above their inputs (and above the groups' total, if any)
    extra_rows: dict[int, list[int]] = {}
    for ind in criteria.indicators.values():
        if not ind.inputs or ind.formula is None:
            continue
        rows = {inp.key: by_soal[inp.soal_id].row for inp in ind.inputs if inp.soal_id in by_soal}
        first = min(rows.values())
        top = first
        if len(ind.formula.denominator) > 1 and claim(first - 1):
            totals.append(TotalRow(first - 1, ind, tuple(rows[k] for k in ind.formula.denominator)))
            top = first - 1
        if claim(top - 1):
            headings.append(Heading(top - 1, ind.id, ind.question, "indicator"))
            top -= 1
        extra_rows.setdefault(first, []).append(top)

    def place(node: MasterNode) -> int | None:
        """Put the node's heading right above its first row; return the block's first row."""
        firsts = [min([s.row, *extra_rows.get(s.row, [])]) for s in node.soals]
        firsts += [r for r in (place(child) for child in node.children) if r is not None]
        if not firsts:
            return None
        first = min(firsts)
        if claim(first - 1):
            headings.append(Heading(first - 1, "", node.name, node.level))
            return first - 1
        return first

    for root in master.roots:
        place(root)
    headings.sort(key=lambda h: h.row)
    return Layout(criteria.id, master.tahun, tuple(cells), tuple(headings), tuple(totals), by_soal)
