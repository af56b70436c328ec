"""Plain context for the Laporan Hasil Evaluasi (see :mod:`zi_assess.reports.context`).

The LHE reports the LKE as it stood after its evaluating layer: the effective answers (every
layer), or the answers merged up to one layer (the TPI's internal LHE). Verdicts, minimums and
shortfalls are the domain engine's; this module only arranges and words them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import gettext as _
from markupsafe import Markup

from zi_assess import labels
from zi_assess.answer_text import answer_text
from zi_assess.assessments.operations import prerequisite_results
from zi_assess.assessments.scores import area_rule
from zi_assess.domain import Criteria, ScoreSheet, Verdict, score, verdicts
from zi_assess.domain.criteria import HASIL_PAGE
from zi_assess.domain.gap import Step, improvement_steps, steps_for_rule
from zi_assess.domain.prerequisites import PrerequisiteResult
from zi_assess.domain.workflow import LAYERS, Layer
from zi_assess.messages import layer_label, layer_short
from zi_assess.models import Assessment
from zi_assess.reports import charts
from zi_assess.reports.context import (
    Fmt,
    Header,
    ReportData,
    area_name,
    assessment_header,
    best_text,
    evaluators,
    local_today,
    origin,
    rule_label,
    sheet_of,
)

#: the comparison lists this many indicators with the largest change between layers
LARGEST_DIFFERENCES = 10


@dataclass(frozen=True)
class MinimumCell:
    """A predicate's minimum for one summary row ("" when it has none) and whether it is met."""

    text: str = ""
    ok: bool | None = None


@dataclass(frozen=True)
class SummaryRow:
    level: str
    label: str
    bobot: str
    nilai: str
    persen: str
    #: one per predicate of the criteria, in the criteria's order (LheContext.predicates)
    minimums: tuple[MinimumCell, ...] = ()


@dataclass(frozen=True)
class CheckLine:
    label: str
    actual: str
    required: str
    shortfall: str


@dataclass(frozen=True)
class PrereqLine:
    label: str
    actual: str
    required: str
    state: str
    ok: bool
    waived: bool


@dataclass(frozen=True)
class VerdictBlock:
    predicate: str
    name: str
    passed: bool
    eligible: bool
    is_target: bool
    headline: str
    failures: tuple[CheckLine, ...]
    prerequisites: tuple[PrereqLine, ...]


@dataclass(frozen=True)
class NoteLine:
    source: str
    text: str
    fix: bool = False


@dataclass(frozen=True)
class Finding:
    code: str
    question: str
    answer: str
    best: str
    nilai: str
    bobot: str
    source: str
    notes: tuple[NoteLine, ...]


@dataclass(frozen=True)
class FindingGroup:
    code: str
    #: "Area 1 Manajemen Perubahan", or the hasil page's name
    title: str
    nilai: str
    persen: str
    findings: tuple[Finding, ...]
    indicators: int


@dataclass(frozen=True)
class DiffLine:
    code: str
    question: str
    answers: tuple[str, ...]
    delta: str


@dataclass(frozen=True)
class Comparison:
    layers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...], str], ...]
    diffs: tuple[DiffLine, ...]


@dataclass(frozen=True)
class LheContext:
    header: Header
    evaluators: tuple[str, ...]
    #: (code, name) of every predicate of the criteria: the summary's minimum columns
    predicates: tuple[tuple[str, str], ...]
    summary: tuple[SummaryRow, ...]
    verdicts: tuple[VerdictBlock, ...]
    chart: Markup
    #: what the chart's dashed lines are: "60 % untuk Menuju WBK, 75 % untuk Menuju WBBM"
    chart_lines: str
    findings: tuple[FindingGroup, ...]
    finding_count: int
    comparison: Comparison | None
    recorded: tuple[tuple[str, str], ...]
    recommendations: tuple[str, ...]
    signers: tuple[str, ...]
    signer_role: str
    signed_on: str
    complete: bool
    missing: int


def _summary(criteria: Criteria, sheet: ScoreSheet, verdict_map: dict[str, Verdict], fmt: Fmt) -> list[SummaryRow]:
    """Total, each component with its aspects (the areas after the aspects they span), hasil rows:
    with every predicate's minimum where it has one."""
    minimums = {p: {c.node: c for c in v.checks} for p, v in verdict_map.items()}
    nodes = sheet.nodes

    def row(level: str, label: str, node_id: str) -> SummaryRow:
        n = nodes[node_id]
        cells = []
        for predicate in criteria.predicates:
            check = minimums.get(predicate, {}).get(node_id)
            cells.append(MinimumCell(fmt.minimum(check.required), check.passed) if check else MinimumCell())
        return SummaryRow(level, label, fmt.num(n.bobot), fmt.num(n.nilai), fmt.pct(n.persen), tuple(cells))

    aspects = {a.id for a in criteria.aspects}
    area_ids = {a.id for a in criteria.areas}
    groups = {g.id: g for g in criteria.hasil_groups}
    rows = [row("total", labels.node_label(criteria, "total"), "total")]
    areas_shown = False
    for component in criteria.components:
        rows.append(row("component", labels.node_label(criteria, component.id), component.id))
        own_aspects = [part for part in component.parts if part in aspects]
        rows.extend(row("aspect", labels.node_name(criteria, part), part) for part in own_aspects)
        # the areas follow the component holding them: through its aspects, or as its own parts (52/2014)
        if (own_aspects or area_ids & set(component.parts)) and not areas_shown:
            areas_shown = True
            for area in criteria.areas:
                rows.append(row("area", labels.area_label(area), area.id))
                if sheet.area_rule == "per_aspect":
                    rows.extend(row("aspect_area", f"{aa.id} {aa.name.title()}", aa.id) for aa in area.aspect_areas)
        for part in component.parts:
            if part in groups:
                rows.append(row("hasil", f"{part} {groups[part].name}", part))
                rows.extend(row("hasil_indicator", f"{ind.id} {ind.question}", ind.id)
                            for ind in groups[part].indicators)
    return rows


def _prereq_lines(result: PrerequisiteResult | None, fmt: Fmt) -> tuple[PrereqLine, ...]:
    if result is None:
        return ()
    states = {"pass": _("terpenuhi"), "fail": _("tidak terpenuhi"), "missing": _("belum dicatat")}
    return tuple(
        PrereqLine(c.label, fmt.count(c.actual), fmt.count(c.required), states[c.status], c.status == "pass", c.waived)
        for c in result.checks
    )


def _verdict_blocks(criteria: Criteria, verdict_map: dict[str, Verdict], target: str, fmt: Fmt) -> list[VerdictBlock]:
    blocks = []
    for pred, v in verdict_map.items():
        failures = tuple(CheckLine(rule_label(criteria, c), fmt.num(c.actual), fmt.minimum(c.required),
                                   fmt.minimum(c.shortfall)) for c in v.failures)
        if v.passed:
            headline = _("Memenuhi seluruh ambang batas nilai %(name)s.", name=v.name)
        else:
            headline = _("Belum memenuhi %(n)s ambang batas nilai %(name)s.", n=len(failures), name=v.name)
        if v.passed and not v.eligible:
            headline += " " + _("Prasyarat belum seluruhnya terpenuhi.")
        blocks.append(VerdictBlock(pred, v.name, v.passed, v.eligible, pred == target, headline, failures,
                                   _prereq_lines(v.prerequisites, fmt)))
    return blocks


def _findings(data: ReportData, sheet: ScoreSheet, upto: Layer | None, fmt: Fmt) -> list[FindingGroup]:
    """Per area (then hasil), indicators below the best answer, with every note made on them."""
    criteria, bundle = data.criteria, data.bundle
    answers = bundle.merged(upto)
    layers = LAYERS if upto is None else LAYERS[: LAYERS.index(upto) + 1]
    keys = {layer.value for layer in layers}
    comments: dict[str, list[NoteLine]] = {}
    for c in data.comments:
        if c.layer in keys:
            source = f"{layer_short(c.layer)} — {c.author}" + (f" ({_('perlu perbaikan')})" if c.needs_fix else "")
            comments.setdefault(c.indicator_id, []).append(NoteLine(source, c.body, c.needs_fix))

    def finding(ind_id: str) -> Finding | None:
        value = sheet.values.get(ind_id)
        if value is not None and value >= 1.0:
            return None
        ind = criteria.indicators[ind_id]
        notes = []
        for layer in layers:
            answer = bundle.layer_answers(layer).get(ind_id)
            if answer is not None and answer.note.strip():
                author = data.author_names.get(answer.author_id or 0, "")
                notes.append(NoteLine(f"{layer_short(layer.value)}" + (f" — {author}" if author else ""),
                                      answer.note.strip()))
        notes.extend(comments.get(ind_id, ()))
        if len(notes) > 1 and bundle.layer_answers(Layer.MANDIRI).get(ind_id) is not None:
            # The assessors' notes are the findings; the unit's own justification is kept only
            # where no assessor wrote anything on the indicator.
            unit_note = bundle.layer_answers(Layer.MANDIRI)[ind_id].note.strip()
            if unit_note and notes[0].text == unit_note:
                notes = notes[1:]
        chosen = answers.get(ind_id)
        return Finding(
            ind_id, ind.question,
            answer_text(ind, chosen[1].value, fmt.locale) if chosen else _("belum dijawab"), best_text(ind, fmt),
            fmt.num(sheet.indicator_nilai(ind_id) or 0.0), fmt.num(ind.bobot),
            layer_short(origin(bundle, *chosen)[0].value) if chosen else "", tuple(notes),
        )

    groups = []
    for area in criteria.areas:
        inds = criteria.area_indicators(area.id)
        found = tuple(f for f in (finding(i.id) for i in inds) if f)
        node = sheet.areas[area.id]
        groups.append(FindingGroup(area.id, labels.area_label(area), fmt.num(node.nilai), fmt.pct(node.persen),
                                   found, len(inds)))
    hasil = criteria.page_indicators(HASIL_PAGE)
    found = tuple(f for f in (finding(i.id) for i in hasil) if f)
    node = sheet.nodes["hasil"]
    groups.append(FindingGroup(HASIL_PAGE, labels.page_name(criteria, HASIL_PAGE), fmt.num(node.nilai),
                               fmt.pct(node.persen), found, len(hasil)))
    return groups


def _comparison(data: ReportData, upto: Layer | None, fmt: Fmt) -> Comparison | None:
    """Mandiri vs TPI vs TPN: the LKE as it stood after each layer, and the biggest changes."""
    bundle, criteria = data.bundle, data.criteria
    limit = len(LAYERS) if upto is None else LAYERS.index(upto) + 1
    answered = [layer for layer in bundle.answered_layers() if LAYERS.index(layer) < limit]
    if len(answered) < 2:
        return None
    merged = [bundle.merged(layer) for layer in answered]
    sheets = [sheet_of(criteria, m) for m in merged]
    rows: list[tuple[str, tuple[str, ...], str]] = []
    compared = [("total", labels.node_name(criteria, "total"))]
    compared += [(c.id, labels.node_name(criteria, c.id)) for c in criteria.components]
    compared += [(a.id, labels.area_label(a)) for a in criteria.areas]
    for node_id, label in compared:
        values = [s.upper_nilai[node_id] for s in sheets]
        rows.append((label, tuple(fmt.num(v) for v in values), fmt.signed(values[-1] - values[0])))
    changes = []
    for ind_id in criteria.indicators:
        first, last = sheets[0].indicator_nilai(ind_id), sheets[-1].indicator_nilai(ind_id)
        delta = (last or 0.0) - (first or 0.0)
        if abs(delta) > 1e-9:
            changes.append((abs(delta), ind_id, delta))
    changes.sort(key=lambda c: (-c[0], c[1]))
    diffs = []
    for _size, ind_id, delta in changes[:LARGEST_DIFFERENCES]:
        ind = criteria.indicators[ind_id]
        cells = tuple(answer_text(ind, m[ind_id][1].value, fmt.locale) if ind_id in m else "–" for m in merged)
        diffs.append(DiffLine(ind_id, ind.question, cells, fmt.signed(delta)))
    return Comparison(tuple(layer_short(layer.value) for layer in answered), tuple(rows), tuple(diffs))


def _recommendations(
    criteria: Criteria, sheet: ScoreSheet, steps: list[Step], blocks: list[VerdictBlock],
    verdict_map: dict[str, Verdict], target: str, findings: int, fmt: Fmt,
) -> list[str]:
    out = []
    verdict = verdict_map[target]
    if not sheet.complete:
        out.append(_("Lengkapi %(n)s indikator yang belum dijawab; sampai dijawab, indikator itu tidak ikut dihitung "
                     "dan penilaian belum dapat diajukan.", n=len(sheet.missing)))
    for check in verdict.failures:
        text = _("%(rule)s: naikkan dari %(actual)s menjadi minimal %(required)s (kurang %(gap)s).",
                 rule=rule_label(criteria, check), actual=fmt.num(check.actual),
                 required=fmt.minimum(check.required), gap=fmt.minimum(check.shortfall))
        best = steps_for_rule(steps, check.node)[:3]  # the same ranking as the gap view
        if best:
            text += " " + _("Prioritaskan indikator %(ids)s.", ids=", ".join(s.indicator for s in best))
        out.append(text)
    block = next(b for b in blocks if b.predicate == target)
    for line in block.prerequisites:
        if not line.ok and not line.waived:
            out.append(_("Prasyarat %(label)s: tercatat %(actual)s, dipersyaratkan %(required)s.", label=line.label,
                         actual=line.actual, required=line.required))
    if verdict.passed:
        out.append(_("Nilai memenuhi seluruh ambang batas %(name)s; pertahankan capaian dan tindak lanjuti %(n)s "
                     "temuan di atas.", name=verdict.name, n=findings))
        higher = [v for p, v in verdict_map.items() if p != target and v.passed]
        out.extend(_("Nilai juga memenuhi ambang batas %(name)s.", name=v.name) for v in higher)
    return out


def _recorded(assessment: Assessment, upto: Layer | None) -> list[tuple[str, str]]:
    out = []
    after_tpi = upto is None or LAYERS.index(upto) >= LAYERS.index(Layer.TPI)
    if after_tpi and assessment.tpi_eligible is not None:
        conclusion = _("layak diusulkan") if assessment.tpi_eligible else _("belum layak diusulkan")
        text = conclusion + (f". {assessment.tpi_recommendation}" if assessment.tpi_recommendation else "")
        out.append((_("Kesimpulan dan rekomendasi TPI"), text))
    if upto is None and assessment.decision_granted is not None:
        decision = _("predikat diberikan") if assessment.decision_granted else _("predikat tidak diberikan")
        out.append((_("Keputusan TPN"), decision + (f". {assessment.decision_note}" if assessment.decision_note
                                                        else "")))
    return out


def lhe_context(data: ReportData, upto: Layer | None, *, draft: bool, locale: str,
                lock_change: int | None = None) -> LheContext:
    """The LHE of the LKE as it stood after ``upto`` (None: every layer, the effective LKE)."""
    fmt = Fmt(locale)
    criteria, assessment = data.criteria, data.bundle.assessment
    evaluating = upto or (data.bundle.answered_layers() or [Layer.MANDIRI])[-1]
    answers = {ind: a.value for ind, (_layer, a) in data.bundle.merged(upto).items()}
    sheet = score(criteria, answers, area_rule=area_rule())
    steps = improvement_steps(criteria, answers, area_rule=area_rule())
    prereqs = prerequisite_results(assessment)
    verdict_map = verdicts(sheet, prerequisites=prereqs)
    target = assessment.target_predicate
    blocks = _verdict_blocks(criteria, verdict_map, target, fmt)
    groups = _findings(data, sheet, upto, fmt)
    count = sum(len(g.findings) for g in groups)
    names = evaluators(data, evaluating, lock_change)
    # an area_percent of 0: the predicate has no per-area minimum (52/2014), so no line for it
    rules = {p: criteria.predicates[p].area_percent for p in criteria.predicates if criteria.predicates[p].area_percent}
    chart = charts.bar_chart(
        [charts.Bar(f"{a.id} · {area_name(a)}", sheet.areas[a.id].persen, fmt.pct(sheet.areas[a.id].persen))
         for a in criteria.areas],
        title=_("Capaian area pengungkit (% dari bobot) terhadap batas minimal"),
        lines=[charts.Line(pct, f"{criteria.predicates[p].name} {fmt.num(pct, 0)} %") for p, pct in rules.items()],
        pdf_width_mm=180,
    )
    chart_lines = ", ".join(_("%(percent)s %% untuk %(name)s", percent=fmt.num(pct, 0),
                              name=criteria.predicates[p].name) for p, pct in rules.items()) \
        or _("tidak ada pada versi kriteria ini")
    roles = {Layer.MANDIRI: _("Kepala Unit Kerja"), Layer.TPI: _("Tim Penilai Internal"),
             Layer.TPN_DESK: _("Tim Penilai Nasional"), Layer.TPN_LAPANGAN: _("Tim Penilai Nasional")}
    header = assessment_header(data, "lhe", upto.value if upto else "effective", draft=draft, locale=locale)
    if upto is None:  # the effective LHE names the last layer that evaluated
        label = _("%(layer)s (jawaban efektif semua lapis)", layer=layer_label(evaluating.value))
        header = replace(header, layer=label)
    return LheContext(
        header=header, evaluators=tuple(names),
        predicates=tuple((code, rules_.name) for code, rules_ in criteria.predicates.items()),
        summary=tuple(_summary(criteria, sheet, verdict_map, fmt)),
        verdicts=tuple(blocks), chart=chart, chart_lines=chart_lines, findings=tuple(groups), finding_count=count,
        comparison=_comparison(data, upto, fmt), recorded=tuple(_recorded(assessment, upto)),
        recommendations=tuple(_recommendations(criteria, sheet, steps, blocks, verdict_map, target, count, fmt)),
        signers=tuple(names[:4]), signer_role=roles[evaluating], signed_on=local_today(),
        complete=sheet.complete, missing=len(sheet.missing),
    )
