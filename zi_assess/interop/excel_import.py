"""Read an LKE workbook into one layer's answers, with a report per row. Writes nothing.

Two layouts are recognised (:func:`read_workbook` tells them apart):

- the PortalRB "Jawaban" sheet (zi-assess's own export): soals found by their id in column A;
- the Lampiran III "LKE ZI" sheet units pass around (:mod:`zi_assess.interop.lampiran_import`).

Tolerant of what real files contain: answers in any case (``ya``, `` b ``), rows moved by an
inserted or deleted row, numbers typed as text (read, with a warning: Excel does not count them),
a "jumlah yang harus melaporkan" total typed instead of computed. Honest about it: every row that
was read differently from what it says, or not read, gets a finding. Errors (an unknown answer, a
wrong type, a total that disagrees with its parts, a row missing, a file of another unit) block
the whole import; warnings do not. Blank cells never delete a stored answer or note.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import Any

import openpyxl
from flask_babel import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from zi_assess.domain import AnswerError, Criteria
from zi_assess.domain.workflow import Layer
from zi_assess.interop.excel_export import INFO_SHEET, LKE_SHEET, info_values
from zi_assess.interop.import_report import (
    EvidenceLink,
    Finding,
    ImportReport,
    ParsedAnswer,
    Slot,
    as_int,
    collect,
    read_answer,
    read_links,
    read_note,
    shown,
)
from zi_assess.interop.layout import EXTRA_LAYER_COLUMNS, SHEET, Layout, SoalCell
from zi_assess.interop.lke_check import check_lke
from zi_assess.interop.upload import UploadRejected, check_xlsx
from zi_assess.messages import LAYER_NAMES, answer_message

__all__ = ["EvidenceLink", "Expected", "Finding", "ImportReport", "ParsedAnswer", "read_workbook"]

MAX_ROWS = 5000
_COLUMN_PAIR = re.compile(r"^([A-Z]{1,2})/([A-Z]{1,2})$")


@dataclass(frozen=True)
class Expected:
    """What the file must belong to (read from its Info sheet, when it has one)."""

    unit_code: str
    year: int
    criteria_id: str


def open_workbook(data: bytes, max_bytes: int, *, data_only: bool = False) -> Any:
    """Check the bytes, then open them; :class:`UploadRejected` for anything that is not an xlsx.

    ``data_only``: cells hold the values Excel last computed instead of their formulas.
    """
    check_xlsx(data, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
            return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise UploadRejected("corrupt") from None


def find_sheet(wb: Any, name: str) -> Worksheet | None:
    """The sheet named ``name``, ignoring case and stray spaces."""
    wanted = " ".join(name.split()).lower()
    for ws in wb.worksheets:
        if " ".join(ws.title.split()).lower() == wanted:
            return ws  # type: ignore[no-any-return]
    return None


def layer_columns(info: dict[str, Any] | None, first: SoalCell, layer: Layer) -> tuple[str, str]:
    """The (answer, note) columns ``layer`` is read from.

    K/L for the unit; for an evaluator, what the file's Info sheet says (R/S for TPN desk in
    today's export). Files exported before every layer had its columns name one evaluator layer
    ("evaluator_layer") and hold it in N/Q: any evaluator layer is read from there.
    """
    if layer == Layer.MANDIRI:
        return first.columns(layer)
    if info is not None:
        code = info.get(f"columns_{layer.value}")
        match = _COLUMN_PAIR.match(code.strip()) if isinstance(code, str) else None
        known = {(first.answer_tpi, first.note_tpi), *EXTRA_LAYER_COLUMNS.values()}
        if match and (match.group(1), match.group(2)) in known:
            return match.group(1), match.group(2)
        if code is None and not any(str(k).startswith("columns_") for k in info) and info.get("evaluator_layer"):
            return first.answer_tpi, first.note_tpi
    return first.columns(layer)


def _soal_rows(ws: Worksheet, layout: Layout) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for (value,), row in zip(ws.iter_rows(min_col=1, max_col=1, max_row=min(ws.max_row, MAX_ROWS),
                                          values_only=True), range(1, MAX_ROWS + 1), strict=False):
        soal_id = as_int(value)
        if soal_id is not None and soal_id in layout.by_soal:
            found.setdefault(soal_id, []).append(row)
    return found


def _locate(found: dict[int, list[int]], layout: Layout, report: ImportReport) -> dict[int, int]:
    """Soal id → row, found by column A; the official row is only the expectation."""
    rows = {}
    for cell in layout.cells:
        places = found.get(cell.soal_id)
        if not places:
            report.add("error", "missing_row", _("Baris soal %(soal)d (%(ind)s) tidak ditemukan di lembar Jawaban.",
                                                 soal=cell.soal_id, ind=cell.indicator.id),
                       soal_id=cell.soal_id, indicator_id=cell.indicator.id)
        elif len(places) > 1:
            report.add("error", "duplicate_row", _("Soal %(soal)d muncul di lebih dari satu baris (%(rows)s).",
                                                   soal=cell.soal_id, rows=", ".join(map(str, places))),
                       row=places[0], col="A", soal_id=cell.soal_id, indicator_id=cell.indicator.id)
        else:
            rows[cell.soal_id] = places[0]
    _report_shifts(layout, rows, report)
    return rows


def _report_shifts(layout: Layout, rows: dict[int, int], report: ImportReport) -> None:
    """One warning per run of soals moved by the same number of rows (an inserted row, say)."""
    runs: list[tuple[int, list[SoalCell]]] = []
    for cell in layout.cells:
        if cell.soal_id not in rows:
            continue
        offset = rows[cell.soal_id] - cell.row
        if runs and runs[-1][0] == offset:
            runs[-1][1].append(cell)
        else:
            runs.append((offset, [cell]))
    for offset, cells in runs:
        if offset:
            where = dict(first=cells[0].soal_id, last=cells[-1].soal_id, n=abs(offset))
            message = _("Soal %(first)d–%(last)d berada %(n)d baris di bawah posisi resmi (misalnya ada baris yang "
                        "disisipkan); dibaca berdasarkan ID soal di kolom A.", **where) if offset > 0 else _(
                        "Soal %(first)d–%(last)d berada %(n)d baris di atas posisi resmi (misalnya ada baris yang "
                        "dihapus); dibaca berdasarkan ID soal di kolom A.", **where)
            report.add("warning", "moved_rows", message, row=rows[cells[0].soal_id], col="A",
                       soal_id=cells[0].soal_id, indicator_id=cells[0].indicator.id)


def _check_totals(ws: Worksheet, layout: Layout, rows: dict[int, int], report: ImportReport) -> None:
    """The LHKPN/LHKASN "harus melaporkan" rows: a formula, blank, or a number equal to its parts."""
    for total in layout.totals:
        first = layout.indicator_cells(total.indicator.id)[0]
        if first.soal_id not in rows:
            continue
        row = rows[first.soal_id] - (first.row - total.row)
        target = ws[f"{report.answer_col}{row}"]
        if target.data_type == "f" or target.value is None or shown(target.value).strip() == "":
            continue
        answer = report.answers.get(total.indicator.id)
        counts = answer.value if answer is not None and isinstance(answer.value, dict) else {}
        check_typed_total(total.indicator, target.value, counts, report, row=row, col=report.answer_col)


def check_typed_total(indicator: Any, typed_raw: Any, counts: dict[str, int], report: ImportReport, *, row: int,
                      col: str) -> None:
    """A typed "jumlah yang harus melaporkan" (decision D4: always the sum of its groups)."""
    formula = indicator.formula
    assert formula is not None
    typed = as_int(typed_raw)
    where = {"row": row, "col": col, "indicator_id": indicator.id}
    if typed is None:
        report.add("warning", "total_ignored", _("Isi '%(v)s' pada baris jumlah diabaikan (jumlah dihitung dari "
                                                 "rinciannya).", v=shown(typed_raw)[:30]), **where)
    elif all(k in counts for k in formula.denominator) and typed != sum(counts[k] for k in formula.denominator):
        report.add("error", "total_mismatch", _(
            "Jumlah yang harus melaporkan diketik %(typed)d, tetapi rinciannya berjumlah %(sum)d.",
            typed=typed, sum=sum(counts[k] for k in formula.denominator)), **where)
    else:
        report.add("warning", "typed_total", _(
            "Jumlah yang harus melaporkan diketik (%(typed)d), bukan rumus; zi-assess selalu menjumlahkan "
            "rinciannya.", typed=typed), **where)


def _check_info(info: dict[str, Any] | None, expected: Expected | None, layer: Layer, report: ImportReport) -> None:
    if info is None or expected is None:
        return
    where = {"sheet": INFO_SHEET}
    if info.get("unit_code") not in (None, "", expected.unit_code):
        report.add("error", "other_unit", _("Berkas ini milik unit %(code)s, bukan %(expected)s.",
                                            code=info["unit_code"], expected=expected.unit_code), **where)
    if as_int(info.get("year")) not in (None, expected.year):
        report.add("error", "other_year", _("Berkas ini untuk tahun %(year)s, bukan %(expected)d.",
                                            year=info["year"], expected=expected.year), **where)
    if info.get("criteria_id") not in (None, "", expected.criteria_id):
        report.add("error", "other_criteria", _("Berkas ini memakai versi kriteria %(c)s, bukan %(expected)s.",
                                                c=info["criteria_id"], expected=expected.criteria_id), **where)
    if any(str(code).startswith("columns_") for code in info):
        return  # every layer has its own columns: nothing was read from another layer's
    column_layer = info.get("unit_layer" if layer == Layer.MANDIRI else "evaluator_layer")
    if column_layer not in (None, "", layer.value):
        report.add("warning", "other_layer", _(
            "Kolom yang dibaca berisi lapis %(found)s saat diekspor; jawabannya diimpor ke lapis %(layer)s.",
            found=LAYER_NAMES.get(column_layer, column_layer), layer=LAYER_NAMES[layer.value]), **where)


def _read_portalrb(wb: Any, ws: Worksheet, found: dict[int, list[int]], criteria: Criteria, layout: Layout,
                   layer: Layer, expected: Expected | None) -> ImportReport:
    info_sheet = find_sheet(wb, INFO_SHEET)
    info = info_values(info_sheet) if info_sheet is not None else None
    answer_col, note_col = layer_columns(info, layout.cells[0], layer)
    report = ImportReport(layer, sheet=ws.title, layout="portalrb", answer_col=answer_col, note_col=note_col)
    rows = _locate(found, layout, report)
    per_indicator: dict[str, list[tuple[Slot, Any, str]]] = {}
    for cell in layout.cells:
        row = rows.get(cell.soal_id)
        if row is None:
            continue
        slot = Slot(cell.indicator, cell.input_key, cell.soal_id, row, answer_col, note_col)
        answer = ws[f"{answer_col}{row}"]
        if answer.data_type == "f":
            report.add("error", "formula_answer", _("Sel jawaban berisi rumus (%(f)s); ketik jawabannya langsung.",
                                                    f=str(answer.value)[:60]), slot, col=answer_col)
            value = None
        else:
            value = read_answer(slot, answer.value, report)
        note = read_note(ws[f"{note_col}{row}"].value, slot, report)
        if layer == Layer.MANDIRI:  # column M: the unit's evidence
            read_links(ws[f"{cell.evidence_unit}{row}"].value, cell.indicator.id, "", report, row=row,
                       col=cell.evidence_unit)
        report.rows[cell.soal_id] = (row, f"{answer_col}{row}", shown(answer.value), shown(value))
        per_indicator.setdefault(cell.indicator.id, []).append((slot, value, note))
    for ind_id, parts in per_indicator.items():
        try:
            collect(criteria.indicators[ind_id], parts, report)
        except AnswerError as exc:
            report.add("error", "invalid", answer_message(exc.indicator, exc.code), parts[0][0])
    _check_totals(ws, layout, rows, report)
    _check_info(info, expected, layer, report)
    shifted = any(rows.get(c.soal_id, c.row) != c.row for c in layout.cells)
    check_lke(find_sheet(wb, LKE_SHEET), criteria, layout, layer, shifted, report)
    return report


def read_workbook(data: bytes, criteria: Criteria, layout: Layout, layer: Layer, *, max_bytes: int,
                  expected: Expected | None = None) -> ImportReport:
    """Parse and validate a workbook for ``layer``, whichever of the two layouts it has. Raises
    :class:`UploadRejected` for a file that is not an LKE workbook at all; everything else is a
    finding in the report."""
    from zi_assess.interop.lampiran_import import find_lampiran_sheet, read_lampiran

    wb = open_workbook(data, max_bytes)
    ws = find_sheet(wb, SHEET)
    found = _soal_rows(ws, layout) if ws is not None else {}
    if ws is not None and len(found) >= 0.9 * len(layout.cells):
        report = _read_portalrb(wb, ws, found, criteria, layout, layer, expected)
    else:
        sheet = find_lampiran_sheet(wb)
        if sheet is None:
            raise UploadRejected("layout")
        cached = open_workbook(data, max_bytes, data_only=True)
        report = read_lampiran(wb, cached, sheet, criteria, layer)
    report.sort()
    return report
