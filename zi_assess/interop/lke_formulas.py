"""The "LKE" sheet: every value of the criteria tree as a live Excel formula over the "Jawaban" sheet.

The formulas restate the engine's rules (decisions D3–D7, D9) so the workbook keeps working in
Excel and LibreOffice; they are never used to score inside zi-assess (the engine does that) — a
test recalculates the file with LibreOffice and compares every cell with the engine.

- choice answer → VLOOKUP of the trimmed, upper-cased answer in the "Skala" sheet;
- survey score → score ÷ maximum × bobot (hasil indicators carry their own bobot);
- % indicator → its counts per D4: (Σ numerator − Σ minus) ÷ Σ denominator, clamped to [0, 1],
  with the zero-denominator rule; unanswered while a count is missing;
- sub-area → AVERAGE of its answered indicators × bobot (0 when none is answered);
- everything above → SUM.

One column group (answer, nilai, %) per layer — each over that layer's own columns of the
Jawaban sheet — and one for the effective LKE (D9): per indicator, the answer of the latest layer
that answered it (for a % indicator: the latest layer with any count, all its counts together).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from zi_assess.domain import Criteria
from zi_assess.domain.criteria import Indicator
from zi_assess.domain.workflow import LAYERS, Layer
from zi_assess.interop.layout import Layout

FIRST_ROW = 6
CODE, TEXT, BOBOT = "A", "B", "C"
EFFECTIVE = "effective"
#: per column group (a layer's value, or "effective"): its answer, nilai and % columns
GROUPS: dict[str, tuple[str, str, str]] = {
    Layer.MANDIRI.value: ("D", "E", "F"), Layer.TPI.value: ("G", "H", "I"),
    Layer.TPN_DESK.value: ("J", "K", "L"), Layer.TPN_LAPANGAN.value: ("M", "N", "O"),
    EFFECTIVE: ("P", "Q", "R"),
}
LAST_COLUMN = "R"


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


def _latest(refs: list[str], answered: str, value: str) -> str:
    """Nested IFs: the first of ``refs`` (latest layer first) whose ``answered`` test holds."""
    out = '""'
    for ref in reversed(refs):
        out = f"IF({answered.format(ref=ref)},{value.format(ref=ref)},{out})"
    return out


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

    def ref(self, layer: Layer, indicator_id: str, key: str | None = None) -> str:
        cell = self.cells[(indicator_id, key)]
        return f"Jawaban!{cell.columns(layer)[0]}{cell.row}"

    def latest_first(self, indicator_id: str, key: str | None = None) -> list[str]:
        return [self.ref(layer, indicator_id, key) for layer in reversed(LAYERS)]

    def node(self, row: LkeRow, nilai: Mapping[str, str]) -> None:
        for group, (_ans, val, pct) in GROUPS.items():
            row.formulas[val] = nilai[group]
            row.formulas[pct] = f'=IF(OR({BOBOT}{row.row}=0,{val}{row.row}=""),"",{val}{row.row}/{BOBOT}{row.row}*100)'

    def sum_of(self, row: LkeRow, parts: list[LkeRow]) -> None:
        self.node(row, {group: f"=SUM({','.join(f'{cols[1]}{p.row}' for p in parts)})"
                        for group, cols in GROUPS.items()})

    def lookup(self, ind: Indicator, ref: str, factor: str = "") -> str:
        return f'=IF(TRIM({ref})="","",VLOOKUP(UPPER(TRIM({ref})),{self.ranges[ind.scale.id]},3,FALSE){factor})'

    def answer_refs(self, ind: Indicator, row: LkeRow) -> dict[str, str]:
        """Per group, the cell holding the indicator's answer: the layer's Jawaban cell, or for the
        effective group this row's own answer cell (filled with the latest layer's answer)."""
        refs = {layer.value: self.ref(layer, ind.id) for layer in LAYERS}
        ans = GROUPS[EFFECTIVE][0]
        if ind.kind == "survey":
            row.formulas[ans] = "=" + _latest(self.latest_first(ind.id), '{ref}<>""', "{ref}")
        else:
            row.formulas[ans] = "=" + _latest(self.latest_first(ind.id), 'TRIM({ref})<>""', "TRIM({ref})")
        refs[EFFECTIVE] = f"{ans}{row.row}"
        for layer in LAYERS:
            ref = refs[layer.value]
            blank = f'{ref}=""' if ind.kind == "survey" else f'TRIM({ref})=""'
            row.formulas[GROUPS[layer.value][0]] = f'=IF({blank},"",{ref})'
        return refs

    def indicator(self, ind: Indicator) -> list[LkeRow]:
        """The indicator's row and, for a % indicator, its count rows; returns the rows."""
        row = self.add(ind.id, "indicator", ind.question)
        rows = [row]
        if ind.kind == "choice":
            refs = self.answer_refs(ind, row)
            for group, (_ans, val, _pct) in GROUPS.items():
                row.formulas[val] = self.lookup(ind, refs[group])
        for _group, (_ans, val, pct) in GROUPS.items():
            row.formulas[pct] = f'=IF({val}{row.row}="","",{val}{row.row}*100)'
        if ind.kind != "percent":
            return rows
        assert ind.formula is not None
        total = self.totals.get(ind.id)
        harus = self.add(f"{ind.id}:harus", "harus", "Jumlah yang harus melaporkan") if total is not None else None
        if harus is not None:
            rows.append(harus)
        counts: dict[str, LkeRow] = {}
        for inp in ind.inputs:
            counts[inp.key] = self.add(f"{ind.id}:{inp.key}", "input", inp.label)
            rows.append(counts[inp.key])
        everything = {layer: [self.ref(layer, ind.id, i.key) for i in ind.inputs] for layer in LAYERS}
        for inp in ind.inputs:
            count = counts[inp.key]
            for layer in LAYERS:
                ref = self.ref(layer, ind.id, inp.key)
                count.formulas[GROUPS[layer.value][0]] = f'=IF({ref}="","",{ref})'
            # the effective counts all come from one layer: the latest with any count of this indicator
            latest = '""'
            for layer in LAYERS:
                ref = self.ref(layer, ind.id, inp.key)
                latest = f'IF(COUNT({",".join(everything[layer])})>0,IF({ref}="","",{ref}),{latest})'
            count.formulas[GROUPS[EFFECTIVE][0]] = "=" + latest
        for ans, val, _pct in GROUPS.values():
            refs = {key: f"{ans}{count.row}" for key, count in counts.items()}
            row.formulas[val] = self.percent(ind, refs)
            if harus is not None:
                parts = [refs[key] for key in ind.formula.denominator]
                harus.formulas[ans] = f'=IF(COUNT({",".join(parts)})<{len(parts)},"",{"+".join(parts)})'
        return rows

    def percent(self, ind: Indicator, refs: Mapping[str, str]) -> str:
        """The D4 ratio over the cells holding each count (``refs``: input key → cell)."""
        formula = ind.formula
        assert formula is not None
        num = "+".join(refs[k] for k in formula.numerator)
        if formula.minus:
            num += "-" + "-".join(refs[k] for k in formula.minus)
        den = "+".join(refs[k] for k in formula.denominator)
        zero = formula.when_denominator_zero
        zero_text = f"IF(({num})=0,{zero[0]:g},{zero[1]:g})" if isinstance(zero, tuple) else f"{zero:g}"
        ratio = f"IF(({den})=0,{zero_text},MAX(0,MIN(1,({num})/({den}))))"
        every = [refs[i.key] for i in ind.inputs]
        return f'=IF(COUNT({",".join(every)})<{len(every)},"",{ratio})'

    def hasil_indicator(self, ind: Indicator) -> LkeRow:
        row = self.add(ind.id, "hasil_indicator", ind.question, ind.bobot)
        refs = self.answer_refs(ind, row)
        nilai = {}
        for group in GROUPS:
            ref = refs[group]
            if ind.kind == "survey":
                nilai[group] = f'=IF({ref}="","",{ref}/{ind.scale.maximum:g}*{BOBOT}{row.row})'
            else:
                nilai[group] = self.lookup(ind, ref, f"*{BOBOT}{row.row}")
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
                    for group, (_ans, val, _pct) in GROUPS.items():
                        span = f"{val}{first}:{val}{last}"
                        means[group] = f"=IF(COUNT({span})=0,0,AVERAGE({span}))*{BOBOT}{sub_row.row}"
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
