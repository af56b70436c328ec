"""Checks of the workbook's "LKE" sheet during an import: formulas typed over or edited."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from openpyxl.worksheet.worksheet import Worksheet

from zi_assess.domain import Criteria, score
from zi_assess.domain.workflow import Layer
from zi_assess.interop.layout import Layout
from zi_assess.interop.lke_formulas import FIRST_ROW, GROUPS, build_lke

if TYPE_CHECKING:
    from zi_assess.interop.excel_import import ImportReport

MAX_ROWS = 5000
#: a typed value in place of a formula may differ from the engine by display rounding only
TYPED_TOLERANCE = 0.005


def _norm_formula(text: str) -> str:
    return re.sub(r"\s+|\$", "", text).upper().replace("FALSE()", "FALSE").replace("TRUE()", "TRUE")


def check_lke(ws: Worksheet | None, criteria: Criteria, layout: Layout, layer: Layer, shifted: bool,
              report: ImportReport) -> None:
    """Formulas of the LKE sheet typed over (or edited): reported, never used (the engine recomputes).

    A value typed over a nilai formula is compared with what the file's own answers give (engine):
    equal up to display rounding is a warning, different is an error — the file shows a score its
    answers do not support. Edited formulas are compared as text only when no row was moved.
    """
    if ws is None:
        return
    expected = build_lke(criteria, layout)
    columns = GROUPS[layer.value]
    found: dict[str, int] = {}
    for (code,), row in zip(ws.iter_rows(min_row=FIRST_ROW, max_col=1, max_row=min(ws.max_row, MAX_ROWS),
                                         values_only=True), range(FIRST_ROW, MAX_ROWS), strict=False):
        if isinstance(code, str) and code.strip():
            found.setdefault(code.strip().replace(" · ", ":"), row)
    sheet = None
    if not report.errors:
        sheet = score(criteria, {k: a.value for k, a in report.answers.items() if a.value is not None})
    for lke_row in expected.rows:
        row = found.get(lke_row.code) if lke_row.code else None
        if row is None:
            continue
        for col in columns:
            formula = lke_row.formulas.get(col)
            if formula is None:
                continue
            actual = ws[f"{col}{row}"]
            if actual.data_type == "f":
                if not shifted and row == lke_row.row and _norm_formula(str(actual.value)) != _norm_formula(formula):
                    report.add("warning", "formula_changed", _(
                        "Rumus LKE!%(cell)s (%(code)s) berbeda dari templat; zi-assess menghitung ulang nilainya.",
                        cell=f"{col}{row}", code=lke_row.code), row=row, col=col, indicator_id=lke_row.code,
                        sheet=ws.title)
                continue
            if actual.value is None:
                continue
            typed = actual.value if isinstance(actual.value, (int, float)) else None
            engine = _engine_value(sheet, lke_row.code, lke_row.kind) if col == columns[1] else None
            if typed is not None and engine is not None and abs(typed - engine) > TYPED_TOLERANCE:
                report.add("error", "typed_value_mismatch", _(
                    "Rumus LKE!%(cell)s (%(code)s) ditimpa dengan %(typed)s, padahal jawabannya menghasilkan "
                    "%(engine)s. Kembalikan rumusnya atau ekspor ulang berkas.", cell=f"{col}{row}",
                    code=lke_row.code, typed=f"{typed:.4g}", engine=f"{engine:.4g}"), row=row, col=col,
                    indicator_id=lke_row.code, sheet=ws.title)
            else:
                report.add("warning", "formula_typed_over", _(
                    "Rumus LKE!%(cell)s (%(code)s) ditimpa dengan nilai ketikan; nilai itu diabaikan dan dihitung "
                    "ulang dari jawaban.", cell=f"{col}{row}", code=lke_row.code), row=row, col=col,
                    indicator_id=lke_row.code, sheet=ws.title)


def _engine_value(sheet: Any, code: str, kind: str) -> float | None:
    if sheet is None:
        return None
    if kind == "indicator":
        return sheet.values.get(code)  # type: ignore[no-any-return]
    node = sheet.nodes.get(code)
    return node.nilai if node is not None else None
