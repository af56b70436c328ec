"""Read the Lampiran III workbook units pass around ("form kuesioner", sheet "LKE ZI").

Indicators are found by :mod:`zi_assess.interop.lampiran` (place in the hierarchy, confirmed by
question text). Per placed row: the answer in K (choice, survey score 0–4 with decimal comma, or
for a % indicator the counts of its ``Jumlah`` rows), the note in O, evidence in P (description)
and Q (link). The file's own formulas (column L, the values Excel last computed) are compared
with the engine: where they differ the report names the row and the regulation wins. Only the
"LKE ZI" sheet is read; summary sheets (``Utama``, ``Ctt Eval``) are ignored.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from zi_assess.domain import AnswerError, Criteria, score
from zi_assess.domain.display import format_num
from zi_assess.domain.workflow import Layer
from zi_assess.i18n import current_locale
from zi_assess.interop.excel_import import check_typed_total, find_sheet
from zi_assess.interop.import_report import (
    ImportReport,
    Slot,
    collect,
    read_answer,
    read_links,
    read_note,
    shown,
)
from zi_assess.interop.lampiran import MAX_ROWS, Placed, Structure, norm_text, read_row, walk
from zi_assess.interop.upload import UploadRejected
from zi_assess.messages import answer_message

LAMPIRAN_SHEET = "LKE ZI"
ANSWER, VALUE, NOTE, DESCRIPTION, LINK = "K", "L", "O", "P", "Q"
_COLUMNS = {col: i for i, col in enumerate("ABCDEFGHIJKLMNOPQ")}
#: the file's value may differ from the engine's by less than display rounding
TOLERANCE = 0.005


def find_lampiran_sheet(wb: Any) -> str | None:
    """The title of the workbook's Lampiran III sheet ("LKE ZI", or any sheet whose hierarchy starts
    with "A. PENGUNGKIT"), or None."""
    named = find_sheet(wb, LAMPIRAN_SHEET)
    if named is not None:
        return str(named.title)
    for ws in wb.worksheets:
        for number, values in enumerate(ws.iter_rows(min_row=1, max_row=min(ws.max_row, 60), max_col=11,
                                                     values_only=True), start=1):
            row = read_row(number, tuple(values) + (None,) * (11 - len(values)))
            if row.level == 0 and row.marker == "a" and "pengungkit" in norm_text(row.text):
                return str(ws.title)
    return None


class _Sheet:
    """The sheet's cells twice: as typed (formulas) and as Excel last computed them."""

    def __init__(self, ws: Any, cached_ws: Any) -> None:
        last = min(ws.max_row, MAX_ROWS)
        self.cells = list(ws.iter_rows(min_row=1, max_row=last, max_col=17))
        self.values = list(cached_ws.iter_rows(min_row=1, max_row=last, max_col=17, values_only=True))

    def cell(self, row: int, col: str) -> Any:
        cells = self.cells[row - 1]
        return cells[_COLUMNS[col]] if _COLUMNS[col] < len(cells) else None

    def typed(self, row: int, col: str) -> Any:
        cell = self.cell(row, col)
        return None if cell is None else cell.value

    def is_formula(self, row: int, col: str) -> bool:
        cell = self.cell(row, col)
        return cell is not None and cell.data_type == "f"

    def computed(self, row: int, col: str) -> Any:
        values = self.values[row - 1] if row - 1 < len(self.values) else ()
        return values[_COLUMNS[col]] if _COLUMNS[col] < len(values) else None


def _is_error(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("#")


def _answer(sheet: _Sheet, slot: Slot, report: ImportReport) -> tuple[Any, Any]:
    """(raw shown, value read) of one answer cell; a formula counts by the value it last computed."""
    raw = sheet.typed(slot.row, ANSWER)
    if sheet.is_formula(slot.row, ANSWER):
        computed = sheet.computed(slot.row, ANSWER)
        if computed is None or _is_error(computed):
            report.add("error", "formula_answer", _(
                "%(cell)s berisi rumus (%(f)s) tanpa nilai terhitung; ketik jawabannya langsung.",
                cell=report.cell_name(ANSWER, slot.row), f=shown(raw)[:60]), slot, col=ANSWER)
            return raw, None
        report.add("warning", "formula_answer_read", _(
            "%(cell)s berisi rumus (%(f)s); nilai terhitungnya (%(v)s) yang dibaca.",
            cell=report.cell_name(ANSWER, slot.row), f=shown(raw)[:60], v=shown(computed)[:20]), slot, col=ANSWER)
        raw = computed
    return raw, read_answer(slot, raw, report)


def _evidence(sheet: _Sheet, indicator_id: str, row: int, report: ImportReport) -> None:
    description = shown(sheet.typed(row, DESCRIPTION)).strip()
    link = sheet.typed(row, LINK)
    before = len(report.links)
    read_links(link, indicator_id, description, report, row=row, col=LINK)
    if "http" in description.lower():
        read_links(description, indicator_id, "", report, row=row, col=DESCRIPTION)
    if description and len(report.links) == before and not shown(link).strip():
        report.add("warning", "evidence_without_link", _(
            "Data dukung '%(text)s' tidak memiliki tautan (kolom Q), sehingga tidak diimpor; unggah berkasnya atau "
            "tautkan di halaman indikator.", text=description[:60]), row=row, col=DESCRIPTION,
            indicator_id=indicator_id)


def _read_placed(sheet: _Sheet, placed: Placed, report: ImportReport) -> None:
    ind = placed.indicator
    row = placed.row
    if ind.kind != "percent":
        slot = Slot(ind, None, ind.soal_id, row, ANSWER, NOTE)
        raw, value = _answer(sheet, slot, report)
        if ind.soal_id is not None:
            report.rows[ind.soal_id] = (row, f"{ANSWER}{row}", shown(raw), shown(value))
        _evidence(sheet, ind.id, row, report)
        parts = [(slot, value, read_note(sheet.typed(row, NOTE), slot, report))]
    else:
        head = Slot(ind, None, None, row, ANSWER, NOTE)
        typed = sheet.typed(row, ANSWER)
        if not sheet.is_formula(row, ANSWER) and shown(typed).strip():
            report.add("warning", "typed_percent", _(
                "Persentase diketik (%(v)s); zi-assess menghitungnya dari baris-baris jumlah di bawahnya "
                "(keputusan D4).", v=shown(typed)[:20]), head, col=ANSWER)
        _evidence(sheet, ind.id, row, report)
        parts = [(head, None, read_note(sheet.typed(row, NOTE), head, report))]
        soal_ids = {inp.key: inp.soal_id for inp in ind.inputs}
        for count in sorted((c for c in placed.counts if c.key), key=lambda c: [i.key for i in ind.inputs].index(
                c.key or "")):
            slot = Slot(ind, count.key, soal_ids[count.key or ""], count.row, ANSWER, NOTE)
            raw, value = _answer(sheet, slot, report)
            if slot.soal_id is not None:
                report.rows[slot.soal_id] = (count.row, f"{ANSWER}{count.row}", shown(raw), shown(value))
            _evidence(sheet, ind.id, count.row, report)
            parts.append((slot, value, read_note(sheet.typed(count.row, NOTE), slot, report)))
    try:
        collect(ind, parts, report)
    except AnswerError as exc:
        report.add("error", "invalid", answer_message(exc.indicator, exc.code), parts[0][0])


def _check_total(sheet: _Sheet, placed: Placed, report: ImportReport) -> None:
    """The "Jumlah yang harus melaporkan" row: typed (compared with its parts) or a formula (its
    last computed value compared with the parts' sum)."""
    ind = placed.indicator
    assert ind.formula is not None
    answer = report.answers.get(ind.id)
    counts = answer.value if answer is not None and isinstance(answer.value, dict) else {}
    for count in placed.counts:
        if not count.total:
            continue
        typed = sheet.typed(count.row, ANSWER)
        if not sheet.is_formula(count.row, ANSWER):
            if shown(typed).strip():
                check_typed_total(ind, typed, counts, report, row=count.row, col=ANSWER)
            continue
        computed = sheet.computed(count.row, ANSWER)
        parts = [counts.get(k) for k in ind.formula.denominator]
        if isinstance(computed, (int, float)) and None not in parts and abs(computed - sum(parts)) > TOLERANCE:
            report.add("warning", "file_formula_differs", _differs(f"{computed:g}", f"{sum(parts)}"),
                       row=count.row, col=ANSWER, indicator_id=ind.id)


def _differs(file_value: str, engine_value: str) -> str:
    return _("Rumus berkas menghasilkan %(file)s, menurut peraturan %(engine)s; zi-assess memakai nilai menurut "
             "peraturan.", file=file_value, engine=engine_value)


def _children(criteria: Criteria) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"total": ["pengungkit", "hasil"], "pengungkit": [a.id for a in criteria.aspects],
                                 "hasil": [g.id for g in criteria.hasil_groups]}
    for aspect in criteria.aspects:
        out[aspect.id] = [aa.id for aa in aspect.aspect_areas]
        for aa in aspect.aspect_areas:
            out[aa.id] = [s.id for s in aa.sub_areas]
            for sub in aa.sub_areas:
                out[sub.id] = [i.id for i in sub.indicators]
    for group in criteria.hasil_groups:
        out[group.id] = [i.id for i in group.indicators]
    return out


def _number(value: float, other: float) -> str:
    """A value as the report prints it: two decimals, four when two would hide the difference."""
    locale = current_locale()
    shown_value = format_num(value, locale, 2)
    return format_num(value, locale, 4) if shown_value == format_num(other, locale, 2) else shown_value


def _compare_formulas(sheet: _Sheet, structure: Structure, criteria: Criteria, report: ImportReport) -> None:
    """Column L as the file last computed it vs the engine on the file's answers (regulation wins).

    A difference is reported where it starts: a node whose parts already differ inherits their
    difference and is not repeated, except the grand total.
    """
    engine = score(criteria, {k: a.value for k, a in report.answers.items() if a.value is not None})
    rows: list[tuple[int, str, float]] = []
    for placed in structure.placed:
        ind = placed.indicator
        if ind.id in engine.values:  # a hasil row shows its nilai, an indicator of a sub-area its value
            node = engine.nodes.get(ind.id)
            rows.append((placed.row, ind.id, node.nilai if node is not None else engine.values[ind.id]))
    rows += [(row, node, engine.nodes[node].nilai) for row, node in structure.nodes if node in engine.nodes]
    differs: dict[str, tuple[int, Any, float]] = {}
    for row, code, expected in rows:
        found = sheet.computed(row, VALUE)
        if isinstance(found, bool) or found is None or found == "":
            continue
        if (isinstance(found, (int, float)) and abs(found - expected) > TOLERANCE) or _is_error(found):
            differs.setdefault(code, (row, found, expected))
    children = _children(criteria)
    for code, (row, found, expected) in differs.items():
        if code != "total" and any(child in differs for child in children.get(code, ())):
            continue
        file_value = _number(found, expected) if isinstance(found, (int, float)) else str(found)
        engine_value = _number(expected, found if isinstance(found, (int, float)) else expected)
        report.add("warning", "file_formula_differs", _differs(file_value, engine_value), row=row, col=VALUE,
                   indicator_id=code)


def read_lampiran(wb: Any, cached: Any, sheet_name: str, criteria: Criteria, layer: Layer) -> ImportReport:
    """Parse and validate the Lampiran III sheet ``sheet_name`` for ``layer`` (nothing is written)."""
    ws = wb[sheet_name]
    report = ImportReport(layer, sheet=ws.title, layout="lampiran", answer_col=ANSWER, note_col=NOTE)
    sheet = _Sheet(ws, cached[sheet_name])
    rows = [read_row(number, tuple(c.value for c in cells[:11]))
            for number, cells in enumerate(sheet.cells, start=1)]
    structure = walk(rows, criteria, report)
    if not structure.placed:  # named "LKE ZI", but no indicator of Lampiran III in it
        raise UploadRejected("layout")
    for placed in structure.placed:
        _read_placed(sheet, placed, report)
    for placed in structure.placed:
        if placed.indicator.kind == "percent":
            _check_total(sheet, placed, report)
    found = {p.indicator.id for p in structure.placed}
    for ind in criteria.indicators.values():
        if ind.id not in found:
            report.add("warning", "indicator_not_found", _(
                "%(ind)s tidak ditemukan di lembar %(sheet)s (barisnya dihapus?); jawaban yang tersimpan tidak diubah.",
                ind=ind.id, sheet=ws.title), indicator_id=ind.id)
    others = [s.title for s in wb.worksheets if s.title != ws.title]
    if others:
        report.add("info", "other_sheets", _("Hanya lembar %(sheet)s yang dibaca; lembar lain (%(others)s) diabaikan.",
                                             sheet=ws.title, others=", ".join(others)))
    if report.ok:
        _compare_formulas(sheet, structure, criteria, report)
    return report
