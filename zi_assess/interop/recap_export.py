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
from zi_assess.recap import RecapRow

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    return [
        _("Instansi"), _("Kode unit"), _("Unit"), _("Tahun"), _("Predikat tujuan"), _("Status"), _("Lengkap"),
        _("Nilai total"), _("Pengungkit"), _("Pemenuhan"), _("Reform"), _("Hasil"),
        *(_("Area %(n)d", n=n) for n in range(1, 7)), _("Menuju WBK"), _("Menuju WBBM"),
    ]


def _verdict(passed: bool | None) -> str:
    if passed is None:
        return ""
    return _("memenuhi") if passed else _("belum memenuhi")


def _row(row: RecapRow) -> list[Any]:
    complete = "" if row.complete is None else (_("ya") if row.complete else _("tidak"))
    return [
        row.instansi_name, row.unit_code, row.unit_name, row.year, row.target,
        str(STATUS_NAMES.get(row.status, row.status)), complete,
        row.total, row.pengungkit, row.pemenuhan, row.reform, row.hasil, *row.areas,
        _verdict(row.wbk_passed), _verdict(row.wbbm_passed),
    ]


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Sequence[RecapRow]) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads the accents right), comma-separated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows:
        writer.writerow(["" if v is None else (repr(v) if isinstance(v, float) else _safe(v)) for v in _row(row)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[RecapRow], title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Rekap")[:31]
    names = headers()
    for col, name in enumerate(names, start=1):
        cell = ws.cell(row=1, column=col)
        set_text(cell, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B5D46")
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(_row(row), start=1):
            cell = ws.cell(row=r, column=col)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
                if isinstance(value, float):
                    cell.number_format = "0.00"
    widths = [28, 12, 32, 7, 10, 22, 9, *([11] * 11), 15, 15]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{max(len(rows) + 1, 1)}"
    wb.properties.creator = "zi-assess"
    wb.properties.title = title[:200]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
