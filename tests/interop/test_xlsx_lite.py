"""The hand-written worksheet reads back in openpyxl as written: text stays text (markup, a leading
'=', control characters dropped), figures stay numbers with their format, the header styled,
panes frozen, the auto-filter over every row."""

from __future__ import annotations

import io

import openpyxl

from zi_assess.interop import xlsx_lite


def test_a_worksheet_reads_back_as_written():
    rows = [
        [("Unit", xlsx_lite.HEADER), ("Nilai", xlsx_lite.HEADER), ("Tahun", xlsx_lite.HEADER)],
        [("=1+1 <b>&amp;</b>\x01", xlsx_lite.PLAIN), (91.904, xlsx_lite.TWO_DECIMALS), (2026, xlsx_lite.PLAIN)],
        [(None, xlsx_lite.PLAIN), (0.1 + 0.2, xlsx_lite.PLAIN), (None, xlsx_lite.TWO_DECIMALS)],
    ]
    data = xlsx_lite.worksheet("Rekap <uji>", "Rekap 'A'", rows, columns=3, row_count=3, widths=[20, 9, 7],
                               freeze="B2", creator="zi-assess")
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.active
    assert ws.title == "Rekap 'A'" and book.properties.title == "Rekap <uji>"
    assert ws["A2"].value == "=1+1 <b>&amp;</b>" and ws["A2"].data_type == "s"
    assert ws["B2"].value == 91.904 and ws["B2"].number_format == "0.00"
    assert ws["C2"].value == 2026 and ws["B3"].value == 0.1 + 0.2 and ws["B3"].number_format == "General"
    assert ws["A3"].value is None and ws["C3"].value is None
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "000B5D46" and not ws["A2"].font.b
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:C3" and ws.column_dimensions["A"].width == 20
