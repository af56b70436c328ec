"""The "LKE" sheet: every value of the criteria tree as a live Excel formula over the "Jawaban" sheet.

The formulas restate the engine's rules (decisions D3–D7) so the workbook keeps working in Excel
and LibreOffice; they are never used to score inside zi-assess (the engine does that) — a test
recalculates the file with LibreOffice and compares every cell with the engine.

- choice answer → VLOOKUP of the trimmed, upper-cased answer in the "Skala" sheet;
- survey score → score ÷ maximum × bobot (hasil indicators carry their own bobot);
- % indicator → its counts per D4: (Σ numerator − Σ minus) ÷ Σ denominator, clamped to [0, 1],
  with the zero-denominator rule; unanswered while a count is missing;
- sub-area → AVERAGE of its answered indicators × bobot (0 when none is answered);
- everything above → SUM.

Two column groups are computed side by side: the unit's answers (Jawaban column K) and the
evaluator's (column N).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zi_assess.domain import Criteria
from zi_assess.domain.criteria import Indicator
from zi_assess.interop.layout import Layout

FIRST_ROW = 6
CODE, TEXT, BOBOT = "A", "B", "C"
#: per source: (answer column in the Jawaban sheet's SoalCell attribute, LKE answer/nilai/% columns)
SOURCES = {"unit": ("answer_unit", ("D", "E", "F")), "evaluator": ("answer_tpi", ("G", "H", "I"))}


@dataclass
class LkeRow:
    row: int
    code: str
    #: total, component, aspect, aspect_area, sub_area, indicator, hasil_group, hasil_indicator,
    #: input, harus, heading, area
    kind: str
    text: str
    bobot: float | None = None
    formulas: dict[str, str] = field(default_factory=dict)


@dataclass
class LkeSheet:
    rows: list[LkeRow]
    #: the Skala sheet: (KEY, key, value, scale label)
    skala: list[tuple[str, str, float, str]]

    def row_of(self, code: str) -> LkeRow:
        return next(r for r in self.rows if r.code == code)


def _skala(criteria: Criteria) -> tuple[list[tuple[str, str, float, str]], dict[str, str]]:
    rows: list[tuple[str, str, float, str]] = []
    ranges = {}
    for scale in criteria.scales.values():
        if scale.kind != "choice":
            continue
        start = len(rows) + 2  # row 1 holds the headers
        rows.extend((key.upper(), key, value, scale.label) for key, value in scale.values)
        ranges[scale.id] = f"Skala!$A${start}:$C${len(rows) + 1}"
    return rows, ranges


class _Builder:
    def __init__(self, criteria: Criteria, layout: Layout) -> None:
        self.criteria = criteria
        self.layout = layout
        self.rows: list[LkeRow] = []
        self.skala, self.ranges = _skala(criteria)
        self.cells = {(c.indicator.id, c.input_key): c for c in layout.cells}
        self.totals = {t.indicator.id: t for t in layout.totals}

    def add(self, code: str, kind: str, text: str, bobot: float | None = None) -> LkeRow:
        row = LkeRow(FIRST_ROW + len(self.rows), code, kind, text, bobot)
        self.rows.append(row)
        return row

    def ref(self, source: str, indicator_id: str, key: str | None = None) -> str:
        attr = SOURCES[source][0]
        cell = self.cells[(indicator_id, key)]
        return f"Jawaban!{getattr(cell, attr)}{cell.row}"

    def node(self, row: LkeRow, nilai: dict[str, str]) -> None:
        for source, (_attr, (_ans, val, pct)) in SOURCES.items():
            row.formulas[val] = nilai[source]
            row.formulas[pct] = f'=IF(OR({BOBOT}{row.row}=0,{val}{row.row}=""),"",{val}{row.row}/{BOBOT}{row.row}*100)'

    def sum_of(self, row: LkeRow, parts: list[LkeRow]) -> None:
        self.node(row, {source: f"=SUM({','.join(f'{cols[1]}{p.row}' for p in parts)})"
                        for source, (_a, cols) in SOURCES.items()})

    def choice(self, ind: Indicator, source: str, factor: str = "") -> str:
        ref = self.ref(source, ind.id)
        lookup = f"VLOOKUP(UPPER(TRIM({ref})),{self.ranges[ind.scale.id]},3,FALSE)"
        return f'=IF(TRIM({ref})="","",{lookup}{factor})'

    def indicator(self, ind: Indicator) -> list[LkeRow]:
        """The indicator's row and, for a % indicator, its count rows; returns the rows."""
        row = self.add(ind.id, "indicator", ind.question)
        rows = [row]
        for source, (_attr, (ans, val, pct)) in SOURCES.items():
            if ind.kind == "choice":
                ref = self.ref(source, ind.id)
                row.formulas[ans] = f'=IF(TRIM({ref})="","",{ref})'
                row.formulas[val] = self.choice(ind, source)
            elif ind.kind == "percent":
                row.formulas[val] = self.percent(ind, source)
            row.formulas[pct] = f'=IF({val}{row.row}="","",{val}{row.row}*100)'
        if ind.kind != "percent":
            return rows
        total = self.totals.get(ind.id)
        if total is not None:
            harus = self.add(f"{ind.id}:harus", "harus", "Jumlah yang harus melaporkan")
            assert ind.formula is not None
            for source, (_attr, (ans, _val, _pct)) in SOURCES.items():
                parts = [self.ref(source, ind.id, key) for key in ind.formula.denominator]
                harus.formulas[ans] = f'=IF(COUNT({",".join(parts)})<{len(parts)},"",{"+".join(parts)})'
            rows.append(harus)
        for inp in ind.inputs:
            count = self.add(f"{ind.id}:{inp.key}", "input", inp.label)
            for source, (_attr, (ans, _val, _pct)) in SOURCES.items():
                ref = self.ref(source, ind.id, inp.key)
                count.formulas[ans] = f'=IF({ref}="","",{ref})'
            rows.append(count)
        return rows

    def percent(self, ind: Indicator, source: str) -> str:
        formula = ind.formula
        assert formula is not None
        refs = [self.ref(source, ind.id, inp.key) for inp in ind.inputs]
        num = "+".join(self.ref(source, ind.id, k) for k in formula.numerator)
        if formula.minus:
            num += "-" + "-".join(self.ref(source, ind.id, k) for k in formula.minus)
        den = "+".join(self.ref(source, ind.id, k) for k in formula.denominator)
        zero = formula.when_denominator_zero
        zero_text = f"IF(({num})=0,{zero[0]:g},{zero[1]:g})" if isinstance(zero, tuple) else f"{zero:g}"
        ratio = f"IF(({den})=0,{zero_text},MAX(0,MIN(1,({num})/({den}))))"
        return f'=IF(COUNT({",".join(refs)})<{len(refs)},"",{ratio})'

    def hasil_indicator(self, ind: Indicator) -> LkeRow:
        row = self.add(ind.id, "hasil_indicator", ind.question, ind.bobot)
        nilai = {}
        for source, (_attr, (ans, _val, _pct)) in SOURCES.items():
            ref = self.ref(source, ind.id)
            if ind.kind == "survey":
                row.formulas[ans] = f'=IF({ref}="","",{ref})'
                nilai[source] = f'=IF({ref}="","",{ref}/{ind.scale.maximum:g}*{BOBOT}{row.row})'
            else:
                row.formulas[ans] = f'=IF(TRIM({ref})="","",{ref})'
                nilai[source] = self.choice(ind, source, f"*{BOBOT}{row.row}")
        self.node(row, nilai)
        return row

    def build(self) -> LkeSheet:
        criteria = self.criteria
        total = self.add("total", "total", "NILAI TOTAL", criteria.total_bobot)
        components = {c.id: c for c in criteria.components}
        pengungkit = self.add("pengungkit", "component", components["pengungkit"].name.upper(),
                              components["pengungkit"].bobot)
        aspect_rows, aa_rows = [], {}
        for aspect in criteria.aspects:
            aspect_row = self.add(aspect.id, "aspect", aspect.name.upper(), aspect.bobot)
            aspect_rows.append(aspect_row)
            children = []
            for aa in aspect.aspect_areas:
                aa_row = self.add(aa.id, "aspect_area", aa.name, aa.bobot)
                aa_rows[aa.id] = aa_row
                children.append(aa_row)
                subs = []
                for sub in aa.sub_areas:
                    sub_row = self.add(sub.id, "sub_area", sub.name, sub.bobot)
                    subs.append(sub_row)
                    members = [r for ind in sub.indicators for r in self.indicator(ind)]
                    first, last = members[0].row, members[-1].row
                    means = {}
                    for source, (_a, (_ans, val, _pct)) in SOURCES.items():
                        span = f"{val}{first}:{val}{last}"
                        means[source] = f"=IF(COUNT({span})=0,0,AVERAGE({span}))*{BOBOT}{sub_row.row}"
                    self.node(sub_row, means)
                self.sum_of(aa_row, subs)
            self.sum_of(aspect_row, children)
        self.sum_of(pengungkit, aspect_rows)
        hasil = self.add("hasil", "component", components["hasil"].name.upper(), components["hasil"].bobot)
        group_rows = []
        for group in criteria.hasil_groups:
            group_row = self.add(group.id, "hasil_group", group.name, group.bobot)
            group_rows.append(group_row)
            self.sum_of(group_row, [self.hasil_indicator(ind) for ind in group.indicators])
        self.sum_of(hasil, group_rows)
        self.sum_of(total, [pengungkit, hasil])
        self.add("", "blank", "")
        self.add("", "heading", "AREA PENGUNGKIT (PEMENUHAN + REFORM)")
        for area in criteria.areas:
            area_row = self.add(area.id, "area", f"{area.id}. {area.name}", area.bobot)
            self.sum_of(area_row, [aa_rows[aa.id] for aa in area.aspect_areas])
        return LkeSheet(self.rows, self.skala)


def build_lke(criteria: Criteria, layout: Layout) -> LkeSheet:
    """Rows and formulas of the LKE sheet (row numbers are fixed: FIRST_ROW onward)."""
    return _Builder(criteria, layout).build()
