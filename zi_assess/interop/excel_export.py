"""An assessment as the official LKE workbook (openpyxl).

Sheets: "Jawaban" (every soal at the row and columns of the PortalRB master list: K/L/M the
unit's answer, note and evidence, N/Q TPI's answer and note; the TPN desk and field answers and
notes beside them in R/S and T/U), "LKE" (live formulas per layer and for the effective LKE, see
:mod:`zi_assess.interop.lke_formulas`), "Skala" (answer values the formulas look up) and "Info"
(which assessment the file holds and which columns hold which layer, read back by the import).

Text typed by users is always written as text, never as a formula (no formula injection).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from zi_assess.domain import Criteria
from zi_assess.domain.criteria import Indicator
from zi_assess.domain.workflow import LAYERS, Layer
from zi_assess.interop.layout import SHEET, Layout
from zi_assess.interop.lke_formulas import EFFECTIVE, FIRST_ROW, GROUPS, LAST_COLUMN, build_lke

HEADER_FILL = PatternFill("solid", fgColor="0B5D46")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADING_FILL = PatternFill("solid", fgColor="E3F1EC")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
TOTAL_FILL = PatternFill("solid", fgColor="F3E3C3")
BOLD = Font(bold=True)
MUTED = Font(italic=True, color="5B6675")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
MIDDLE = Alignment(vertical="center")
NUMBER = "0.00"
INFO_SHEET, LKE_SHEET, SKALA_SHEET, SANGGAH_SHEET = "Info", "LKE", "Skala", "Sanggah"


@dataclass(frozen=True)
class LayerAnswers:
    """One layer's answers as stored (indicator id → value / note / evidence text)."""

    layer: str
    label: str
    values: Mapping[str, Any] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    evidence: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SanggahSheet:
    """The sanggah as the "Sanggah" sheet shows it: facts (label, value) above one row per indicator."""

    facts: tuple[tuple[str, Any], ...]
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class ExportData:
    criteria: Criteria
    layout: Layout
    assessment_id: int
    instansi: str
    unit_code: str
    unit_name: str
    year: int
    target: str
    status: str
    #: every layer's answers by layer value ("mandiri", "tpi", "tpn_desk", "tpn_lapangan")
    layers: Mapping[str, LayerAnswers]
    exported_at: datetime
    exported_by: str
    #: translated sheet texts (column headers, info labels), keyed by stable codes
    texts: Mapping[str, str] = field(default_factory=dict)
    #: the unit's sanggah, when one was filed (its own sheet)
    sanggah: SanggahSheet | None = None

    @property
    def unit(self) -> LayerAnswers:
        return self.layers[Layer.MANDIRI.value]

    def layer(self, layer: Layer) -> LayerAnswers:
        return self.layers.get(layer.value) or LayerAnswers(layer.value, layer.value)


def column_codes(layout: Layout) -> dict[str, str]:
    """Info codes naming the (answer/note) columns of every layer, e.g. ``columns_tpn_desk`` → "R/S"."""
    first = layout.cells[0]
    return {f"columns_{layer.value}": "/".join(first.columns(layer)) for layer in LAYERS}


def clean_text(value: str) -> str:
    """Text as a cell can hold it (XML forbids most control characters)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def set_text(cell: Cell, value: str) -> None:
    """Write user text as text even when it starts with '=', '+', '-' or '@'."""
    cell.value = clean_text(value)
    cell.data_type = "s"


def _answer_cell(cell: Cell, indicator: Indicator, value: Any, key: str | None) -> None:
    if value is None:
        return
    if key is not None:
        count = value.get(key) if isinstance(value, Mapping) else None
        if count is not None:
            cell.value = int(count)
    elif indicator.kind == "survey":
        cell.value = float(value)
    else:
        set_text(cell, str(value))


def _jenis(indicator: Indicator, key: str | None) -> tuple[str, str]:
    if key is not None:
        return "Jumlah", "≥ 0"
    if indicator.kind == "survey":
        return indicator.scale.label, f"0 – {indicator.scale.maximum:g}"
    return indicator.scale.label, " / ".join(indicator.scale.keys)


def _jawaban(wb: Workbook, data: ExportData) -> None:
    ws = wb.active
    ws.title = SHEET
    t = data.texts
    first = data.layout.cells[0]
    headers = {
        "A": t.get("soal_id", "ID soal"), "B": t.get("code", "Kode"), "C": t.get("text", "Uraian"),
        "D": t.get("jenis", "Jenis jawaban"), "E": t.get("choices", "Pilihan jawaban"),
        first.evidence_unit: f"{t.get('evidence', 'Bukti dukung')} {data.unit.label}",
    }
    widths = {"A": 8, "B": 11, "C": 70, "D": 13, "E": 14, "F": 2, "G": 2, "H": 2, "I": 2, "J": 2, "O": 2, "P": 2,
              first.evidence_unit: 40}
    for layer in LAYERS:
        answer_col, note_col = first.columns(layer)
        label = data.layer(layer).label
        headers |= {answer_col: f"{t.get('answer', 'Jawaban')} {label}",
                    note_col: f"{t.get('note', 'Catatan')} {label}"}
        widths |= {answer_col: 14, note_col: 40}
    for col, text in headers.items():
        cell = ws[f"{col}1"]
        set_text(cell, text)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, WRAP
    ws.row_dimensions[1].height = 32
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "D2"

    for heading in data.layout.headings:
        set_text(ws[f"B{heading.row}"], heading.code)
        set_text(ws[f"C{heading.row}"], heading.text)
        for col in "ABC":
            ws[f"{col}{heading.row}"].font = BOLD if heading.level != "indicator" else Font(bold=True, italic=True)
            ws[f"{col}{heading.row}"].fill = HEADING_FILL
        ws[f"C{heading.row}"].alignment = WRAP

    validations: dict[str, DataValidation] = {}

    def validate(kind: str, ref: str, indicator: Indicator) -> None:
        dv = validations.get(kind)
        if dv is None:
            if kind == "count":
                dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            elif kind == "survey":
                dv = DataValidation(type="decimal", operator="between", formula1="0",
                                    formula2=f"{indicator.scale.maximum:g}", allow_blank=True)
            else:
                dv = DataValidation(type="list", formula1='"' + ",".join(indicator.scale.keys) + '"',
                                    allow_blank=True)
            dv.errorStyle = "warning"
            dv.error = t.get("invalid", "Jawaban tidak sesuai jenis soal ini.")
            validations[kind] = dv
            ws.add_data_validation(dv)
        dv.add(ref)

    for cell in data.layout.cells:
        ind, key, r = cell.indicator, cell.input_key, cell.row
        ws[f"A{r}"] = cell.soal_id
        set_text(ws[f"B{r}"], ind.id)
        set_text(ws[f"C{r}"], cell.label)
        jenis, choices = _jenis(ind, key)
        set_text(ws[f"D{r}"], jenis)
        set_text(ws[f"E{r}"], choices)
        ws[f"C{r}"].alignment = WRAP
        for col in "ABDE":
            ws[f"{col}{r}"].alignment = TOP
        for layer in LAYERS:
            answers = data.layer(layer)
            answer_col, note_col = cell.columns(layer)
            _answer_cell(ws[f"{answer_col}{r}"], ind, answers.values.get(ind.id), key)
            ws[f"{answer_col}{r}"].fill = INPUT_FILL
            ws[f"{answer_col}{r}"].alignment = TOP
            if answers.notes.get(ind.id):
                set_text(ws[f"{note_col}{r}"], answers.notes[ind.id])
            ws[f"{note_col}{r}"].alignment = WRAP
            kind = "count" if key else ("survey" if ind.kind == "survey" else f"choice:{ind.scale.id}")
            validate(kind, f"{answer_col}{r}", ind)
        if data.unit.evidence.get(ind.id):
            set_text(ws[f"{cell.evidence_unit}{r}"], data.unit.evidence[ind.id])
        ws[f"{cell.evidence_unit}{r}"].alignment = WRAP

    for total in data.layout.totals:
        r = total.row
        set_text(ws[f"B{r}"], total.indicator.id)
        set_text(ws[f"C{r}"], t.get("harus", "Jumlah yang harus melaporkan (dihitung)"))
        cells = data.layout.indicator_cells(total.indicator.id)
        for layer in LAYERS:
            col = cells[0].columns(layer)[0]
            parts = [f"{col}{row}" for row in total.part_rows]
            ws[f"{col}{r}"] = f'=IF(COUNT({",".join(parts)})<{len(parts)},"",{"+".join(parts)})'
            ws[f"{col}{r}"].font = MUTED
        for col in "BC":
            ws[f"{col}{r}"].font = MUTED


def _lke(wb: Workbook, data: ExportData) -> None:
    ws = wb.create_sheet(LKE_SHEET)
    t = data.texts
    sheet = build_lke(data.criteria, data.layout)
    set_text(ws["A1"], t.get("lke_title", "Lembar Kerja Evaluasi Zona Integritas"))
    ws["A1"].font = Font(bold=True, size=13)
    set_text(ws["A2"], f"{data.unit_name} ({data.unit_code}) — {data.instansi} — {data.year}")
    set_text(ws["A3"], t.get("lke_note", "Nilai dihitung ulang oleh rumus dari lembar Jawaban."))
    ws["A3"].font = MUTED
    for r in (1, 2, 3):
        ws.merge_cells(f"A{r}:{LAST_COLUMN}{r}")
    headers = {"A": t.get("code", "Kode"), "B": t.get("lke_text", "Penilaian"), "C": t.get("bobot", "Bobot")}
    for group, (ans, val, pct) in GROUPS.items():
        label = t.get("effective", EFFECTIVE) if group == EFFECTIVE else data.layer(Layer(group)).label
        headers |= {ans: f"{t.get('answer', 'Jawaban')} {label}", val: f"{t.get('nilai', 'Nilai')} {label}",
                    pct: f"% {label}"}
        for col, width in ((ans, 11), (val, 10), (pct, 9)):
            ws.column_dimensions[col].width = width
    for col, text in headers.items():
        cell = ws[f"{col}{FIRST_ROW - 1}"]
        set_text(cell, text)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, WRAP
    ws.row_dimensions[FIRST_ROW - 1].height = 48  # two or three lines: Nilai TPN lapangan
    for col, width in {"A": 24, "B": 60, "C": 8}.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"D{FIRST_ROW}"
    strong = {"total", "component", "aspect", "aspect_area", "hasil_group", "heading", "area"}
    answer_columns = {cols[0] for cols in GROUPS.values()}
    columns = [chr(c) for c in range(ord("A"), ord(LAST_COLUMN) + 1)]
    for row in sheet.rows:
        r = row.row
        if row.code:
            set_text(ws[f"A{r}"], row.code.replace(":", " · ") if row.kind in ("input", "harus") else row.code)
        set_text(ws[f"B{r}"], row.text)
        ws[f"B{r}"].alignment = Alignment(wrap_text=True, vertical="center", indent=2 if row.kind == "input" else 0)
        if row.bobot is not None:
            ws[f"C{r}"] = row.bobot
            ws[f"C{r}"].number_format = "0.00##"
        for col, formula in row.formulas.items():
            ws[f"{col}{r}"] = formula
            ws[f"{col}{r}"].number_format = "General" if col in answer_columns else NUMBER
        font = BOLD if row.kind in strong or row.kind == "sub_area" else (MUTED if row.kind in ("input", "harus")
                                                                         else None)
        for col in columns:
            if col != "B":
                ws[f"{col}{r}"].alignment = MIDDLE
        for col in columns:
            if font is not None:
                ws[f"{col}{r}"].font = font
            if row.kind in ("total", "component"):
                ws[f"{col}{r}"].fill = TOTAL_FILL
            elif row.kind in ("aspect", "heading", "hasil_group"):
                ws[f"{col}{r}"].fill = HEADING_FILL

    skala = wb.create_sheet(SKALA_SHEET)
    for col, text in zip("ABCD", (t.get("skala_key", "Kunci"), t.get("answer", "Jawaban"),
                                  t.get("nilai", "Nilai"), t.get("scale", "Skala")), strict=True):
        set_text(skala[f"{col}1"], text)
        skala[f"{col}1"].fill, skala[f"{col}1"].font = HEADER_FILL, HEADER_FONT
    for i, (upper, key, value, label) in enumerate(sheet.skala, start=2):
        set_text(skala[f"A{i}"], upper)
        set_text(skala[f"B{i}"], key)
        skala[f"C{i}"] = value
        set_text(skala[f"D{i}"], label)


def _info(wb: Workbook, data: ExportData) -> None:
    ws = wb.create_sheet(INFO_SHEET)
    t = data.texts
    rows = [
        ("assessment_id", t.get("info_assessment", "Penilaian"), data.assessment_id),
        ("unit_code", t.get("info_unit_code", "Kode unit"), data.unit_code),
        ("unit_name", t.get("info_unit", "Unit"), data.unit_name),
        ("instansi", t.get("info_instansi", "Instansi"), data.instansi),
        ("year", t.get("info_year", "Tahun"), data.year),
        ("target", t.get("info_target", "Predikat tujuan"), data.target),
        ("status", t.get("info_status", "Status"), data.status),
        ("criteria_id", t.get("info_criteria", "Versi kriteria"), data.criteria.id),
        ("unit_layer", t.get("info_unit_layer", "Lapis kolom K/L/M"), Layer.MANDIRI.value),
        ("evaluator_layer", t.get("info_evaluator_layer", "Lapis kolom N/Q"), Layer.TPI.value),
        *((code, f"{t.get('info_columns', 'Kolom jawaban/catatan')} {data.layer(Layer(code[8:])).label}", value)
          for code, value in column_codes(data.layout).items()),
        ("exported_at", t.get("info_exported_at", "Diekspor"), data.exported_at.strftime("%Y-%m-%d %H:%M %Z")),
        ("exported_by", t.get("info_exported_by", "Diekspor oleh"), data.exported_by),
    ]
    for i, (code, label, value) in enumerate(rows, start=1):
        set_text(ws[f"A{i}"], code)
        set_text(ws[f"B{i}"], label)
        if isinstance(value, int):
            ws[f"C{i}"] = value
        else:
            set_text(ws[f"C{i}"], str(value))
        ws[f"B{i}"].font = BOLD
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 50


def _put(cell: Cell, value: Any) -> None:
    """A number as a number, anything else as text (never a formula)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
        cell.number_format = NUMBER if isinstance(value, float) else "0"
    else:
        set_text(cell, "" if value is None else str(value))


def _sanggah(wb: Workbook, sheet: SanggahSheet) -> None:
    ws = wb.create_sheet(SANGGAH_SHEET)
    for i, (label, value) in enumerate(sheet.facts, start=1):
        set_text(ws.cell(i, 1), label)
        ws.cell(i, 1).font = BOLD
        _put(ws.cell(i, 2), value)
    head = len(sheet.facts) + 2
    for col, text in enumerate(sheet.headers, start=1):
        cell = ws.cell(head, col)
        set_text(cell, text)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, WRAP
    for r, row in enumerate(sheet.rows, start=head + 1):
        for col, value in enumerate(row, start=1):
            _put(ws.cell(r, col), value)
            ws.cell(r, col).alignment = WRAP
    for col, width in zip("ABCDEFGHI", (26, 40, 40, 32, 18, 40, 18, 14, 14), strict=False):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(head + 1, 1)


def build_workbook(data: ExportData) -> bytes:
    """The workbook as xlsx bytes. Excel recalculates it on opening (no cached values are stored)."""
    wb = Workbook()
    _jawaban(wb, data)
    _lke(wb, data)
    _info(wb, data)
    if data.sanggah is not None:
        _sanggah(wb, data.sanggah)
    wb.calculation = CalcProperties(fullCalcOnLoad=True)
    wb.properties.creator = "zi-assess"
    wb.properties.title = clean_text(f"LKE {data.unit_code} {data.year}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def info_values(ws: Worksheet) -> dict[str, Any]:
    """The Info sheet's stable codes → values (read back by the import)."""
    out = {}
    for row in ws.iter_rows(min_row=1, max_row=40, max_col=3, values_only=True):
        if isinstance(row[0], str) and row[0]:
            out[row[0].strip()] = row[2]
    return out
