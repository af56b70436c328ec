"""The recap for managers as CSV and XLSX: one row per unit, from :func:`zi_assess.recap.recap_rows`.

Numbers keep full precision with a dot (decision D6: CSV and JSON are for machines); the XLSX
shows them with two decimals. Text cells that a spreadsheet would run as a formula (``=``, ``+``,
``-``, ``@``, tab, CR at the start) are neutralised in the CSV and written as text in the XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from zi_assess.interop.excel_export import set_text
from zi_assess.messages import STATUS_NAMES
from zi_assess.recap import RecapRow, RecapShape, shape_of

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers(shape: RecapShape) -> list[str]:
    """Fixed columns, then the criteria's: components with their aspects, areas, predicates."""
    return [
        _("Instansi"), _("Kode unit"), _("Unit"), _("Tahun"), _("Predikat tujuan"), _("Status"), _("Keputusan"),
        _("Lengkap"),
        _("Nilai total"), *(c.label for c in shape.nodes), *(c.label for c in shape.areas),
        *(c.label for c in shape.predicates),
    ]


def _verdict(passed: bool | None) -> str:
    if passed is None:
        return ""
    return _("memenuhi") if passed else _("belum memenuhi")


def _row(row: RecapRow, shape: RecapShape) -> list[Any]:
    complete = "" if row.complete is None else (_("ya") if row.complete else _("tidak"))
    return [
        row.instansi_name, row.unit_code, row.unit_name, row.year, row.target,
        str(STATUS_NAMES.get(row.status, row.status)), row.outcome, complete,
        row.total, *(row.nilai(c.key) for c in (*shape.nodes, *shape.areas)),
        *(_verdict(row.passed(c.key)) for c in shape.predicates),
    ]


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Sequence[RecapRow], shape: RecapShape | None = None) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads the accents right), comma-separated.
    ``shape``: the criteria's columns (default: those of the rows' criteria versions)."""
    shape = shape or shape_of(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe(name) for name in headers(shape)])
    for row in rows:
        writer.writerow(["" if v is None else (repr(v) if isinstance(v, float) else _safe(v))
                         for v in _row(row, shape)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[RecapRow], title: str, shape: RecapShape | None = None) -> bytes:
    """The CSV's columns as a worksheet (numbers shown with two decimals, text kept as text)."""
    shape = shape or shape_of(rows)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Rekap")[:31]
    names = headers(shape)
    for col, name in enumerate(names, start=1):
        cell = ws.cell(row=1, column=col)
        set_text(cell, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B5D46")
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(_row(row, shape), start=1):
            cell = ws.cell(row=r, column=col)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
                if isinstance(value, float):
                    cell.number_format = "0.00"
    widths = [28, 12, 32, 7, 10, 22, 30, 9, *([11] * (1 + len(shape.nodes) + len(shape.areas))),
              *([15] * len(shape.predicates))]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{max(len(rows) + 1, 1)}"
    wb.properties.creator = "zi-assess"
    wb.properties.title = title[:200]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
