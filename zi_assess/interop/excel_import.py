"""Read an LKE workbook into one layer's answers, with a report per row. Writes nothing.

Tolerant of what real files contain: answers in any case (``ya``, `` b ``), rows moved by an
inserted or deleted row (soals are found by their PortalRB id in column A), numbers typed as
text, a "jumlah yang harus melaporkan" total typed instead of computed. Honest about it: every
row that was read differently from what it says, or not read, gets a finding. Errors (an unknown
answer, a wrong type, a total that disagrees with its parts, a row missing, a file of another
unit) block the whole import; warnings do not. Blank cells never delete a stored answer or note.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from flask_babel import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from zi_assess.domain import AnswerError, Criteria
from zi_assess.domain.criteria import Indicator
from zi_assess.domain.scoring import count_value, normalize_answer, normalize_choice, percent_value, survey_value
from zi_assess.domain.workflow import Layer
from zi_assess.interop.excel_export import INFO_SHEET, LKE_SHEET, info_values
from zi_assess.interop.layout import SHEET, Layout, SoalCell
from zi_assess.interop.lke_check import check_lke
from zi_assess.interop.upload import UploadRejected, check_xlsx
from zi_assess.messages import LAYER_NAMES, answer_message

MAX_ROWS = 5000
MAX_NOTE = 10_000
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


@dataclass(frozen=True)
class Finding:
    severity: str  # "error", "warning" or "info"
    code: str
    message: str
    row: int | None = None
    cell: str | None = None
    soal_id: int | None = None
    indicator_id: str | None = None


@dataclass
class ParsedAnswer:
    indicator_id: str
    value: Any
    note: str


@dataclass
class ImportReport:
    layer: Layer
    answers: dict[str, ParsedAnswer] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: every soal row read: soal id → (row, cell, raw value shown, value read)
    rows: dict[int, tuple[int, str, str, str]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, severity: str, code: str, message: str, cell: SoalCell | None = None, *, row: int | None = None,
            col: str | None = None, indicator_id: str | None = None) -> None:
        self.findings.append(Finding(
            severity, code, message, row, f"{col}{row}" if col and row else None,
            cell.soal_id if cell else None, indicator_id or (cell.indicator.id if cell else None),
        ))


@dataclass(frozen=True)
class Expected:
    """What the file must belong to (read from its Info sheet, when it has one)."""

    unit_code: str
    year: int
    criteria_id: str


def columns_for(cell: SoalCell, layer: Layer) -> tuple[str, str]:
    """The (answer, note) columns a layer is read from: K/L for the unit, N/Q for an evaluator."""
    if layer == Layer.MANDIRI:
        return cell.answer_unit, cell.note_unit
    return cell.answer_tpi, cell.note_tpi


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def open_workbook(data: bytes, max_bytes: int) -> Any:
    """Check the bytes, then open them; :class:`UploadRejected` for anything that is not an LKE xlsx."""
    check_xlsx(data, max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read
            return openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise UploadRejected("corrupt") from None


def _sheet(wb: Any, name: str) -> Worksheet | None:
    for ws in wb.worksheets:
        if ws.title.strip().lower() == name.lower():
            return ws  # type: ignore[no-any-return]
    return None


def _locate(ws: Worksheet, layout: Layout, report: ImportReport) -> dict[int, int]:
    """Soal id → row, found by column A; the official row is only the expectation."""
    found: dict[int, list[int]] = {}
    for (value,), row in zip(ws.iter_rows(min_col=1, max_col=1, max_row=min(ws.max_row, MAX_ROWS),
                                          values_only=True), range(1, MAX_ROWS + 1), strict=False):
        soal_id = _as_int(value)
        if soal_id is not None and soal_id in layout.by_soal:
            found.setdefault(soal_id, []).append(row)
    if len(found) < 0.9 * len(layout.cells):
        raise UploadRejected("layout")
    rows = {}
    for cell in layout.cells:
        places = found.get(cell.soal_id)
        if not places:
            report.add("error", "missing_row", _("Baris soal %(soal)d (%(ind)s) tidak ditemukan di lembar Jawaban.",
                                                 soal=cell.soal_id, ind=cell.indicator.id), cell)
        elif len(places) > 1:
            report.add("error", "duplicate_row", _("Soal %(soal)d muncul di lebih dari satu baris (%(rows)s).",
                                                   soal=cell.soal_id, rows=", ".join(map(str, places))),
                       cell, row=places[0], col="A")
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
            report.add("warning", "moved_rows", message, cells[0], row=rows[cells[0].soal_id], col="A")


def _read_value(cell: SoalCell, raw: Any, is_formula: bool, report: ImportReport, row: int, col: str) -> Any:
    """One answer cell → its normalised value (None: blank or refused, with a finding)."""
    ind = cell.indicator
    if is_formula:
        report.add("error", "formula_answer", _("Sel jawaban berisi rumus (%(f)s); ketik jawabannya langsung.",
                                                f=str(raw)[:60]), cell, row=row, col=col)
        return None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        if cell.input_key is not None:
            # text counts must be plain digits: "1.000" is a thousand to one reader and one to another
            number = _as_int(raw)
            return count_value(ind.id, cell.input_key, raw if number is None else number)
        if ind.kind == "survey":
            if isinstance(raw, str) and _NUMBER.match(raw.strip()):
                report.add("info", "text_number", _("Angka ditulis sebagai teks; dibaca sebagai %(v)s.",
                                                    v=raw.strip().replace(",", ".")), cell, row=row, col=col)
                raw = float(raw.strip().replace(",", "."))
            return survey_value(ind, raw)
        key = normalize_choice(ind, raw)
        if key != raw:
            report.add("info", "normalised", _("'%(raw)s' dibaca sebagai '%(key)s'.", raw=raw, key=key),
                       cell, row=row, col=col)
        return key
    except AnswerError as exc:
        code = "unknown_answer" if exc.code == "invalid_option" else "wrong_type"
        if ind.kind == "choice" and cell.input_key is None:
            message = _("'%(raw)s' bukan pilihan jawaban soal ini (%(keys)s).", raw=_shown(raw)[:40],
                        keys=", ".join(ind.scale.keys))
        elif cell.input_key is not None:
            message = _("'%(raw)s' bukan jumlah yang sah: isi bilangan bulat 0 atau lebih, tanpa pemisah ribuan.",
                        raw=_shown(raw)[:40])
        else:
            message = _("'%(raw)s' bukan nilai survei yang sah (0–%(max)s).", raw=_shown(raw)[:40],
                        max=f"{ind.scale.maximum:g}")
        report.add("error", code, message, cell, row=row, col=col)
        return None


def _read_note(raw: Any, cell: SoalCell, report: ImportReport, row: int, col: str) -> str:
    if raw is None:
        return ""
    text = str(raw).strip()
    if len(text) > MAX_NOTE:
        report.add("error", "note_too_long", _("Catatan lebih dari %(n)d karakter.", n=MAX_NOTE), cell, row=row,
                   col=col)
        return ""
    return text


def _collect(ind: Indicator, parts: list[tuple[SoalCell, Any, str]], report: ImportReport) -> None:
    """One indicator's cells (one, or one per count input) → its answer and note."""
    refused = {f.soal_id for f in report.findings if f.severity == "error"}
    errored = any(c.soal_id in refused for c, _v, _n in parts)  # already reported: no second finding
    notes = list(dict.fromkeys(note for _c, _v, note in parts if note))
    note = "\n".join(notes)
    if ind.kind != "percent":
        value = parts[0][1]
    else:
        counts = {c.input_key: v for c, v, _n in parts if v is not None and c.input_key}
        value = counts or None
        if counts and len(counts) < len(ind.inputs) and not errored:
            report.add("warning", "partial_counts", _(
                "Jumlah belum lengkap (%(n)d dari %(total)d); indikator tetap dianggap belum dijawab.",
                n=len(counts), total=len(ind.inputs)), parts[0][0], row=report.rows[parts[0][0].soal_id][0],
                col=columns_for(parts[0][0], report.layer)[0])
        if counts and len(counts) == len(ind.inputs) and ind.formula is not None:
            _value, over = percent_value(ind.id, ind.formula, counts)
            if over:
                report.add("warning", "numerator_above", _(
                    "Pembilang melebihi penyebut; nilai dibatasi 100 % (keputusan D4)."), parts[0][0],
                    row=report.rows[parts[0][0].soal_id][0], col=columns_for(parts[0][0], report.layer)[0])
    if value is None and not errored:
        first = parts[0][0]
        report.add("warning", "missing_answer", _("Belum dijawab; jawaban yang tersimpan (jika ada) tidak diubah."),
                   first, row=report.rows.get(first.soal_id, (None,))[0], col=columns_for(first, report.layer)[0])
    if value is None and not note:
        return
    report.answers[ind.id] = ParsedAnswer(ind.id, normalize_answer(ind, value) if value is not None else None, note)


def _check_totals(ws: Worksheet, layout: Layout, layer: Layer, rows: dict[int, int], report: ImportReport) -> None:
    """The LHKPN/LHKASN "harus melaporkan" rows: a formula, blank, or a number equal to its parts."""
    for total in layout.totals:
        cells = layout.indicator_cells(total.indicator.id)
        first = cells[0]
        if first.soal_id not in rows:
            continue
        row = rows[first.soal_id] - (first.row - total.row)
        col = columns_for(first, layer)[0]
        target = ws[f"{col}{row}"]
        if target.data_type == "f" or target.value is None or _shown(target.value).strip() == "":
            continue
        typed = _as_int(target.value)
        answer = report.answers.get(total.indicator.id)
        formula = total.indicator.formula
        assert formula is not None
        counts = answer.value if answer is not None and isinstance(answer.value, dict) else {}
        if typed is None:
            report.add("warning", "total_ignored", _("Isi '%(v)s' pada baris jumlah diabaikan (jumlah dihitung dari "
                                                     "rinciannya).", v=_shown(target.value)[:30]),
                       first, row=row, col=col)
        elif all(k in counts for k in formula.denominator) and typed != sum(counts[k] for k in formula.denominator):
            report.add("error", "total_mismatch", _(
                "Jumlah yang harus melaporkan diketik %(typed)d, tetapi rinciannya berjumlah %(sum)d.",
                typed=typed, sum=sum(counts[k] for k in formula.denominator)), first, row=row, col=col)
        else:
            report.add("warning", "typed_total", _(
                "Jumlah yang harus melaporkan diketik (%(typed)d), bukan rumus; zi-assess selalu menjumlahkan "
                "rinciannya.", typed=typed), first, row=row, col=col)


def _check_info(wb: Any, expected: Expected | None, layer: Layer, report: ImportReport) -> None:
    ws = _sheet(wb, INFO_SHEET)
    if ws is None or expected is None:
        return
    info = info_values(ws)
    if info.get("unit_code") not in (None, "", expected.unit_code):
        report.add("error", "other_unit", _("Berkas ini milik unit %(code)s, bukan %(expected)s.",
                                            code=info["unit_code"], expected=expected.unit_code))
    if _as_int(info.get("year")) not in (None, expected.year):
        report.add("error", "other_year", _("Berkas ini untuk tahun %(year)s, bukan %(expected)d.",
                                            year=info["year"], expected=expected.year))
    if info.get("criteria_id") not in (None, "", expected.criteria_id):
        report.add("error", "other_criteria", _("Berkas ini memakai versi kriteria %(c)s, bukan %(expected)s.",
                                                c=info["criteria_id"], expected=expected.criteria_id))
    column_layer = info.get("unit_layer" if layer == Layer.MANDIRI else "evaluator_layer")
    if column_layer not in (None, "", layer.value):
        report.add("warning", "other_layer", _(
            "Kolom yang dibaca berisi lapis %(found)s saat diekspor; jawabannya diimpor ke lapis %(layer)s.",
            found=LAYER_NAMES.get(column_layer, column_layer), layer=LAYER_NAMES[layer.value]))


def read_workbook(data: bytes, criteria: Criteria, layout: Layout, layer: Layer, *, max_bytes: int,
                  expected: Expected | None = None) -> ImportReport:
    """Parse and validate a workbook for ``layer``. Raises :class:`UploadRejected` for a file that
    is not an LKE workbook at all; everything else is a finding in the report."""
    wb = open_workbook(data, max_bytes)
    ws = _sheet(wb, SHEET)
    if ws is None:
        raise UploadRejected("layout")
    report = ImportReport(layer)
    rows = _locate(ws, layout, report)
    per_indicator: dict[str, list[tuple[SoalCell, Any, str]]] = {}
    for cell in layout.cells:
        row = rows.get(cell.soal_id)
        if row is None:
            continue
        answer_col, note_col = columns_for(cell, layer)
        answer = ws[f"{answer_col}{row}"]
        value = _read_value(cell, answer.value, answer.data_type == "f", report, row, answer_col)
        note = _read_note(ws[f"{note_col}{row}"].value, cell, report, row, note_col)
        report.rows[cell.soal_id] = (row, f"{answer_col}{row}", _shown(answer.value), _shown(value))
        per_indicator.setdefault(cell.indicator.id, []).append((cell, value, note))
    for ind_id, parts in per_indicator.items():
        try:
            _collect(criteria.indicators[ind_id], parts, report)
        except AnswerError as exc:
            report.add("error", "invalid", answer_message(exc.indicator, exc.code), parts[0][0],
                       row=rows.get(parts[0][0].soal_id))
    _check_totals(ws, layout, layer, rows, report)
    _check_info(wb, expected, layer, report)
    shifted = any(rows.get(c.soal_id, c.row) != c.row for c in layout.cells)
    check_lke(_sheet(wb, LKE_SHEET), criteria, layout, layer, shifted, report)
    order = {"error": 0, "warning": 1, "info": 2}
    report.findings.sort(key=lambda f: (order[f.severity], f.row or 0))
    return report
