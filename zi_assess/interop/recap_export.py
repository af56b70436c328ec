"""The recap for managers as CSV and XLSX: one row per unit, from :func:`zi_assess.recap.recap_rows`.

Numbers are the app's: rounded half-up to two decimals as every page shows them (decision D6),
with the total once more at full precision in a column of its own; the CSV writes a dot by
default, or a decimal comma (and ``;`` between fields, as a spreadsheet set to Indonesian expects)
when asked. Text cells that a spreadsheet would run as a formula (``=``, ``+``,
``-``, ``@``, tab, CR at the start) are neutralised in the CSV and written as text in the XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from zi_assess.domain.display import format_plain, round_half_up
from zi_assess.interop import xlsx_lite
from zi_assess.interop.excel_export import set_text
from zi_assess.messages import STATUS_NAMES
from zi_assess.recap import RecapRow, RecapShape, shape_of
from zi_assess.recap_years import YearPair
from zi_assess.reports.context_recap_years import pair_note
from zi_assess.result_cache import cached

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers(shape: RecapShape) -> list[str]:
    """Fixed columns, then the criteria's: components with their aspects, areas, predicates."""
    return [
        _("Instansi"), _("Kode unit"), _("Unit"), _("Tahun"), _("Predikat tujuan"), _("Status"), _("Keputusan"),
        _("Lengkap"), _("Nilai total"), _("Nilai total (presisi penuh)"),
        *(c.label for c in shape.nodes), *(c.label for c in shape.areas),
        *(c.label for c in shape.predicates), _("Predikat dicabut"),
    ]


class _Words:
    """The words of one export, translated once (not once per cell: a national recap has thousands of rows)."""

    def __init__(self) -> None:
        self.verdict = {None: "", True: _("memenuhi"), False: _("belum memenuhi")}
        self.complete = {None: "", True: _("ya"), False: _("tidak")}
        self.status = {key: str(name) for key, name in STATUS_NAMES.items()}
        self.outcomes: dict[tuple[Any, ...], str] = {}

    def outcome(self, row: RecapRow) -> str:
        key = (row.criteria_id, row.target, row.tpi_eligible, row.decision_granted)
        if key not in self.outcomes:
            self.outcomes[key] = row.outcome
        return self.outcomes[key]


def _row(row: RecapRow, shape: RecapShape, words: _Words) -> list[Any]:
    return [
        row.instansi_name, row.unit_code, row.unit_name, row.year, row.target,
        words.status.get(row.status, row.status), words.outcome(row), words.complete[row.complete],
        _rounded(row.total), _Raw(row.total) if row.total is not None else None,
        *(_rounded(row.nilai(c.key)) for c in (*shape.nodes, *shape.areas)),
        *(words.verdict[row.passed(c.key)] for c in shape.predicates), row.revoked,
    ]


class _Raw(float):
    """A figure at full precision (the one column that is not rounded)."""


def _rounded(value: float | None) -> float | None:
    """As the app shows it: normalised to 15 significant digits, rounded half-up to two decimals."""
    return None if value is None else float(round_half_up(value, 2))


def _csv_number(value: float, decimal_comma: bool) -> str:
    text = repr(float(value)) if isinstance(value, _Raw) else format_plain(value, 2)
    return text.replace(".", ",") if decimal_comma else text


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Sequence[RecapRow], shape: RecapShape | None = None, *, decimal_comma: bool = False) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads the accents right), comma-separated; with
    ``decimal_comma``, numbers as ``95,63`` and fields separated by ``;``.
    ``shape``: the criteria's columns (default: those of the rows' criteria versions)."""
    shape = shape or shape_of(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", delimiter=";" if decimal_comma else ",")
    writer.writerow([_safe(name) for name in headers(shape)])
    words = _Words()
    for row in rows:
        writer.writerow(["" if v is None else (_csv_number(v, decimal_comma) if isinstance(v, float) else _safe(v))
                         for v in _row(row, shape, words)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[RecapRow], title: str, shape: RecapShape | None = None) -> bytes:
    """The CSV's columns as a worksheet (numbers shown with two decimals, text kept as text),
    written row by row as SpreadsheetML (:mod:`zi_assess.interop.xlsx_lite`): a national recap has
    thousands of rows, and a cell object per value cost more than the rest of the request."""
    shape = shape or shape_of(rows)
    names = headers(shape)
    widths = [28, 12, 32, 7, 10, 22, 30, 9, 11, 20, *([11] * (len(shape.nodes) + len(shape.areas))),
              *([15] * len(shape.predicates))]
    words = _Words()

    def cells(row: RecapRow) -> list[xlsx_lite.Cell]:
        return [(value, xlsx_lite.TWO_DECIMALS if isinstance(value, float) and not isinstance(value, _Raw)
                 else xlsx_lite.PLAIN) for value in _row(row, shape, words)]

    lines = [[(name, xlsx_lite.HEADER) for name in names]] + [cells(row) for row in rows]
    return xlsx_lite.worksheet(title[:200], _("Rekap")[:31], lines, columns=len(names), row_count=len(rows) + 1,
                               widths=widths, freeze="D2", creator="zi-assess")


def export_bytes(kind: str, key: Hashable, build: Callable[[], tuple[bytes, int]]) -> tuple[bytes, int]:
    """A recap file and the number of rows it holds, built once per data revision, ``key`` (the
    reader's scope, the instansi, the filters, the options) and language, then served from the
    result cache."""
    return cached(f"recap-{kind}", (key, str(get_locale())), build, size=lambda kept: len(kept[0]) + 64)


# -- two years side by side (issue 16) ------------------------------------------------------------


def comparison_headers(before_year: int, now_year: int) -> list[str]:
    return [_("Instansi"), _("Kode unit"), _("Unit"), _("Nilai total %(year)s", year=before_year),
            _("Nilai total %(year)s", year=now_year), _("Perubahan"), _("Keterangan")]


def _comparison_row(pair: YearPair, before_year: int, now_year: int) -> list[Any]:
    before = pair.before.total if pair.before else None
    now = pair.now.total if pair.now else None
    return [pair.instansi_name, pair.unit_code, pair.unit_name, _rounded(before), _rounded(now),
            _rounded(pair.change), pair_note(pair, before_year, now_year)]


def comparison_csv(pairs: Sequence[YearPair], before_year: int, now_year: int, *,
                   decimal_comma: bool = False) -> bytes:
    """Per unit the total of both years and the change (the CSV of a recap comparing two years)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", delimiter=";" if decimal_comma else ",")
    writer.writerow([_safe(name) for name in comparison_headers(before_year, now_year)])
    for pair in pairs:
        writer.writerow(["" if v is None else (_csv_number(v, decimal_comma) if isinstance(v, float) else _safe(v))
                         for v in _comparison_row(pair, before_year, now_year)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def add_comparison_sheet(data: bytes, pairs: Sequence[YearPair], before_year: int, now_year: int) -> bytes:
    """The recap workbook with a second sheet comparing the two years per unit."""
    from openpyxl import load_workbook  # only here: the recap worksheet itself is written by xlsx_lite
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = load_workbook(io.BytesIO(data))
    ws = wb.create_sheet(_("Perbandingan %(a)s-%(b)s", a=before_year, b=now_year)[:31])
    for col, name in enumerate(comparison_headers(before_year, now_year), start=1):
        cell = ws.cell(row=1, column=col)
        set_text(cell, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B5D46")
    for r, pair in enumerate(pairs, start=2):
        for col, value in enumerate(_comparison_row(pair, before_year, now_year), start=1):
            cell = ws.cell(row=r, column=col)
            if isinstance(value, str):
                set_text(cell, value)
            elif value is not None:
                cell.value = value
                cell.number_format = "+0.00;-0.00;0.00" if col == 6 else "0.00"
    for col, width in enumerate([28, 12, 32, 14, 14, 12, 22], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "D2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
