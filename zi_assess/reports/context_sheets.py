"""Plain context for the LKE sheet and the recap (see :mod:`zi_assess.reports.context`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup

from zi_assess.answer_text import answer_text
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.assessments.scores import EFFECTIVE, area_rule, compute_scores
from zi_assess.domain import Criteria, Indicator, ScoreSheet, load_criteria, score, verdicts
from zi_assess.domain.criteria import AspectArea
from zi_assess.domain.workflow import Layer
from zi_assess.messages import layer_short
from zi_assess.models import Answer
from zi_assess.recap import RecapRow, RecapShape
from zi_assess.reports import charts
from zi_assess.reports.context import (
    Fmt,
    Header,
    ReportData,
    assessment_header,
    local_today,
    origin,
    status_label,
)

#: a recap draws one bar per unit up to this many units, then a histogram of totals
RECAP_BARS_MAX = 40


@dataclass(frozen=True)
class LkeRow:
    """One row of the official LKE columns; ``level`` says which tree level it is."""

    level: str
    code: str
    label: str
    bobot: str = ""
    #: "" when it says what the options say (:func:`same_text`): printed once, as the options
    explanation: str = ""
    options: tuple[str, ...] = ()
    answer: str = ""
    nilai: str = ""
    persen: str = ""
    note: str = ""
    source: str = ""
    #: the counts of a % indicator: (label, count)
    inputs: tuple[tuple[str, str], ...] = ()
    #: the options are bare keys (Ya, Tidak): printed on one line
    short_options: bool = False


@dataclass(frozen=True)
class LkeContext:
    header: Header
    rows: tuple[LkeRow, ...]
    total: str
    total_bobot: str
    answered: str
    verdict: str


def same_text(explanation: str, options: Sequence[str]) -> bool:
    """Whether an indicator's explanation says what its options say, letter case and spacing aside
    (84 of the 113 indicators of 90/2021: "a. Jika …  b. Jika …" against "A. Jika …", "B. Jika …")."""
    def words(text: str) -> list[str]:
        return text.casefold().split()

    return words(explanation) == words(" ".join(options))


def _options(indicator: Indicator) -> tuple[str, ...]:
    if indicator.kind == "percent":
        return (indicator.formula.text,) if indicator.formula else ()
    if indicator.kind == "survey" and indicator.scale.unit == "%":
        return (_("Persentase 0–%(max)s %%", max=f"{indicator.scale.maximum:g}"),)
    if indicator.kind == "survey":
        return (_("Nilai survei 0–%(max)s", max=f"{indicator.scale.maximum:g}"),)
    return tuple(o.key if o.text == o.key else f"{o.key}. {o.text}" for o in indicator.options)


def _indicator_row(
    bundle: AssessmentBundle, indicator: Indicator, sheet: ScoreSheet, answer: tuple[Layer, Answer] | None, fmt: Fmt,
    show_source: bool,
) -> LkeRow:
    value = answer[1].value if answer else None
    fraction = sheet.values.get(indicator.id)
    source, note = "", ""
    if answer:
        first_layer, first = origin(bundle, *answer)
        note = answer[1].note or first.note
        if show_source or first_layer != answer[0]:
            source = layer_short(first_layer.value)
    options = _options(indicator)
    counts = value if isinstance(value, dict) else {}
    return LkeRow(
        "indicator", indicator.id, indicator.question, fmt.num(indicator.bobot),
        "" if same_text(indicator.explanation, options) else indicator.explanation.strip(),
        options, answer_text(indicator, value, fmt.locale), fmt.num(sheet.indicator_nilai(indicator.id)),
        fmt.pct(fraction * 100 if fraction is not None else None), note, source,
        inputs=tuple((item.label, fmt.count(counts.get(item.key))) for item in indicator.inputs),
        short_options=indicator.kind == "choice" and all(o.text == o.key for o in indicator.options),
    )


def lke_context(data: ReportData, layer_key: str, *, draft: bool, locale: str) -> LkeContext:
    """Every row from component to indicator, with the answers of one layer or the effective ones."""
    fmt = Fmt(locale)
    bundle, criteria = data.bundle, data.criteria
    scores = compute_scores(bundle)
    if layer_key == EFFECTIVE:
        answers = dict(bundle.effective)
        sheet = scores.effective
    else:
        layer = Layer(layer_key)
        answers = {ind: (layer, a) for ind, a in bundle.layer_answers(layer).items() if a.value is not None}
        sheet = scores.layers.get(layer) or score(criteria, {}, area_rule=area_rule())  # nobody answered yet
    show_source = layer_key == EFFECTIVE
    nodes = sheet.nodes

    def node(level: str, code: str, node_id: str, label: str) -> LkeRow:
        n = nodes[node_id]
        return LkeRow(level, code, label, fmt.num(n.bobot), nilai=fmt.num(n.nilai), persen=fmt.pct(n.persen))

    rows: list[LkeRow] = []
    aspects = {a.id: a for a in criteria.aspects}
    # without aspects (52/2014) the pengungkit's parts are the areas, each with its one aspect-area
    areas = {a.id: a for a in criteria.areas} if not criteria.has_aspects else {}
    groups = {g.id: g for g in criteria.hasil_groups}

    def aspect_area_rows(aa: AspectArea) -> None:
        rows.append(node("aspect_area", aa.id, aa.id, aa.name))
        for sub in aa.sub_areas:
            rows.append(node("sub_area", sub.id, sub.id, sub.name))
            for ind in sub.indicators:
                rows.append(_indicator_row(bundle, ind, sheet, answers.get(ind.id), fmt, show_source))

    for letter, component in zip("ABCDEFGHIJ", criteria.components, strict=False):
        # a component's parts are aspects (down to the indicators through their aspect-areas), areas
        # (a version without aspects) or hasil groups
        rows.append(node("component", letter, component.id, component.name))
        for part in component.parts:
            if part in aspects:
                rows.append(node("aspect", part, part, aspects[part].name))
                for aa in aspects[part].aspect_areas:
                    aspect_area_rows(aa)
            elif part in areas:
                for aa in areas[part].aspect_areas:
                    aspect_area_rows(aa)
            else:
                rows.append(node("aspect", part, part, groups[part].name))
                for ind in groups[part].indicators:
                    rows.append(_indicator_row(bundle, ind, sheet, answers.get(ind.id), fmt, show_source))
    target = bundle.assessment.target_predicate
    verdict = verdicts(sheet)[target]
    answered = len(criteria.indicators) - len(sheet.missing)
    return LkeContext(
        header=assessment_header(data, "lke", layer_key, draft=draft, locale=locale),
        rows=tuple(rows),
        total=fmt.num(sheet.total),
        total_bobot=fmt.num(criteria.total_bobot, 0),
        answered=_("%(n)s dari %(total)s indikator dijawab", n=answered, total=len(criteria.indicators)),
        verdict=(_("Memenuhi ambang batas %(name)s", name=verdict.name) if verdict.passed
                 else _("Belum memenuhi ambang batas %(name)s (%(n)s aturan)", name=verdict.name,
                        n=len(verdict.failures))),
    )


# -- recap -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerdictCell:
    """One predicate of one unit in a recap: the word printed and whether it passed."""

    word: str
    passed: bool | None


@dataclass(frozen=True)
class RecapLine:
    assessment_id: int
    unit_name: str
    unit_code: str
    instansi_name: str
    year: str
    target: str
    status: str
    total: str
    #: one per RecapShape.nodes (components and their aspects), areas and predicates, in order
    nodes: tuple[str, ...]
    areas: tuple[str, ...]
    verdicts: tuple[VerdictCell, ...]
    complete: bool | None
    #: the TPN decision or the TPI conclusion in words ("" while nothing is decided)
    outcome: str = ""
    #: "dicabut 2028" when the predicate granted (or monitored) was revoked
    revoked: str = ""


@dataclass(frozen=True)
class RecapContext:
    header: Header
    scope: str
    filters: str
    lines: tuple[RecapLine, ...]
    chart: Markup
    units: int
    #: per predicate of the shape: (name, units whose score rules are met)
    passed: tuple[tuple[str, int], ...]
    average: str
    shape: RecapShape
    national: bool
    #: the page of lines shown, of how many (the PDF: all lines, page 1 of 1)
    page: int = 1
    pages: int = 1


def _verdict_word(passed: bool | None, complete: bool | None) -> str:
    if passed is None:
        return "–"
    word = _("Memenuhi") if passed else _("Belum")
    return word if complete else f"{word}*"


def totals_chart(rows: Sequence[RecapRow], fmt: Fmt, criteria: Criteria | None = None) -> Markup:
    """Unit totals against every predicate's minimum total (from the criteria): bars, or a histogram."""
    criteria = criteria or load_criteria()
    minimums = [(p, dict(p.minimums)["total"]) for p in criteria.predicates.values() if "total" in dict(p.minimums)]
    lines_at = [charts.Line(value, f"{p.id} {fmt.num(value, 0)}") for p, value in minimums]
    title = _("Nilai total per unit, dengan batas %(lines)s",
              lines=", ".join(f"{p.name} ({fmt.num(value, 0)})" for p, value in minimums))
    if len(rows) <= RECAP_BARS_MAX:
        several_years = len({r.year for r in rows}) > 1  # a unit may then appear once per year: name the year
        return charts.bar_chart(
            [charts.Bar(f"{r.unit_code} · {r.unit_name}" + (f" ({r.year})" if several_years else ""), r.total,
                        fmt.num(r.total)) for r in rows],
            title=title, lines=lines_at, scale_max=criteria.total_bobot)
    return charts.histogram([r.total for r in rows if r.total is not None], title=title, lines=lines_at,
                            count_label=_("jumlah unit per rentang nilai total"), scale_max=criteria.total_bobot)


def recap_context(
    rows: Sequence[RecapRow], *, scope: str, filters: str, shape: RecapShape, locale: str, national: bool,
    shown: Sequence[RecapRow] | None = None, page: int = 1, pages: int = 1,
) -> RecapContext:
    """One line per unit (total, components, areas, verdicts: the columns of ``shape``) and a chart of the totals.
    ``shown``: the lines of one page (default: every row); counts, average and chart cover ``rows``."""
    fmt = Fmt(locale)
    lines = tuple(
        RecapLine(
            r.assessment_id, r.unit_name, r.unit_code, r.instansi_name, str(r.year), r.target,
            status_label(r.status), fmt.num(r.total),
            tuple(fmt.num(r.nilai(c.key)) for c in shape.nodes), tuple(fmt.num(r.nilai(c.key)) for c in shape.areas),
            tuple(VerdictCell(_verdict_word(r.passed(c.key), r.complete), r.passed(c.key)) for c in shape.predicates),
            r.complete, r.outcome, r.revoked,
        )
        for r in (rows if shown is None else shown)
    )
    totals = [r.total for r in rows if r.total is not None]
    header = Header(
        kind="recap", kind_label=_("Rekapitulasi Hasil Evaluasi"), title=_("Rekapitulasi Hasil Evaluasi — %(scope)s",
                                                                          scope=scope),
        unit_name=scope, unit_code="", instansi_name=scope, year="", target="", status="", layer="", draft=False,
        generated=local_today(), criteria_id="", criteria_title="", locale=locale, page_label=_("Halaman"),
        of_label=_("dari"),
    )
    average = sum(totals) / len(totals) if totals else None
    return RecapContext(
        header=header, scope=scope, filters=filters, lines=lines, chart=totals_chart(rows, fmt, shape.primary),
        units=len(rows), passed=tuple((c.label, sum(1 for r in rows if r.passed(c.key))) for c in shape.predicates),
        average=fmt.num(average), shape=shape, national=national, page=page, pages=pages,
    )
