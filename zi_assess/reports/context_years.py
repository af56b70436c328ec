"""The LHE's year-over-year appendix (issue 16): last year vs this year per component, area and
indicator, and the unit's figures over every year. Plain values for
``templates/reports/_year_comparison.html``; None when the unit has no earlier year.

This year's figures are the LHE's own (the LKE as it stood after the reported layer); earlier
years are their effective LKE (every layer, as concluded). Indicators are compared only when
both years use the same criteria version; otherwise the comparison stays at the nodes both share.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from zi_assess import labels
from zi_assess.answer_text import answer_text
from zi_assess.assessments.loading import AssessmentBundle, load_bundle
from zi_assess.assessments.scores import area_rule, compute_scores
from zi_assess.domain import ScoreSheet, score
from zi_assess.domain.criteria import HASIL_PAGE, match_pages
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import Assessment
from zi_assess.reports.context import Fmt
from zi_assess.reports.trends import trend_chart, unit_years


@dataclass(frozen=True)
class YearLine:
    """A node (total, component, area) in both years."""

    level: str
    label: str
    before: str
    now: str
    change: str
    #: "up", "down" or ""
    tone: str


@dataclass(frozen=True)
class IndicatorChange:
    code: str
    question: str
    before: str
    now: str
    change: str
    tone: str


@dataclass(frozen=True)
class PageChanges:
    """One area (or the hasil page): its nilai in both years, the indicators whose answer changed,
    and the codes of those that did not."""

    title: str
    before: str
    now: str
    change: str
    changed: tuple[IndicatorChange, ...]
    unchanged: tuple[str, ...]


@dataclass(frozen=True)
class YearComparison:
    before_year: int
    now_year: int
    same_criteria: bool
    lines: tuple[YearLine, ...]
    pages: tuple[PageChanges, ...]
    changed_count: int
    #: the unit's total per year (one chart for the whole section)
    chart: Markup
    years: tuple[str, ...]
    #: (label, one printed nilai per year): total, components, areas
    trend: tuple[tuple[str, tuple[str, ...]], ...]


def _tone(change: float | None) -> str:
    if change is None or abs(change) < 0.005:
        return ""
    return "up" if change > 0 else "down"


def _difference(before: float | None, now: float | None) -> float | None:
    return None if before is None or now is None else now - before


def previous_assessment(assessment: Assessment) -> int | None:
    """The id of the unit's latest assessment of an earlier year."""
    return db.session.scalar(select(Assessment.id).where(Assessment.unit_id == assessment.unit_id,
                                                         Assessment.year < assessment.year)
                             .order_by(Assessment.year.desc()).limit(1))


def _pages(now: AssessmentBundle, before: AssessmentBundle, now_sheet: ScoreSheet, old_sheet: ScoreSheet,
           now_values: dict[str, object], fmt: Fmt) -> list[PageChanges]:
    criteria = now.criteria
    old_values = before.effective_values()
    pages = []
    for page in (*(a.id for a in criteria.areas), HASIL_PAGE):
        node = "hasil" if page == HASIL_PAGE else page
        title = labels.page_name(criteria, page) if page == HASIL_PAGE else labels.area_label(criteria.area(page))
        changed, unchanged = [], []
        for indicator in criteria.page_indicators(page):
            a, b = old_values.get(indicator.id), now_values.get(indicator.id)
            if a == b:
                unchanged.append(indicator.id)
                continue
            delta = _difference(old_sheet.indicator_nilai(indicator.id) or 0.0,
                                now_sheet.indicator_nilai(indicator.id) or 0.0)
            changed.append(IndicatorChange(indicator.id, indicator.question, answer_text(indicator, a, fmt.locale),
                                           answer_text(indicator, b, fmt.locale), fmt.signed(delta), _tone(delta)))
        old, new = old_sheet.upper_nilai.get(node), now_sheet.upper_nilai.get(node)
        pages.append(PageChanges(title, fmt.num(old), fmt.num(new), fmt.signed(_difference(old, new)),
                                 tuple(changed), tuple(unchanged)))
    return pages


def year_comparison(now: AssessmentBundle, upto: Layer | None, locale: str) -> YearComparison | None:
    """The appendix of the LHE of ``now`` (as it stood after ``upto``; None: effective), or None
    when the unit has no assessment of an earlier year."""
    previous_id = previous_assessment(now.assessment)
    if previous_id is None:
        return None
    before = load_bundle(previous_id)
    assert before is not None
    fmt = Fmt(locale)
    criteria = now.criteria
    now_values = {ind: a.value for ind, (_layer, a) in now.merged(upto).items()}
    now_sheet = score(criteria, now_values, area_rule=area_rule())
    old_sheet = compute_scores(before).effective
    same = criteria.id == before.criteria.id
    nodes = [("total", "total", labels.node_name(criteria, "total"))]
    nodes += [("component", c.id, labels.node_name(criteria, c.id)) for c in criteria.components]
    nodes += [("area", a.id, labels.area_label(a)) for a in criteria.areas]
    # the earlier criteria's area of the same name (versions differ: 52/2014 against 90/2021)
    matched = {} if same else match_pages(criteria, before.criteria)
    lines = []
    for level, node_id, label in nodes:
        old_id = node_id if same or level != "area" else matched.get(node_id)
        old = old_sheet.upper_nilai.get(old_id) if old_id is not None else None
        new = now_sheet.upper_nilai.get(node_id)
        change = _difference(old, new)
        lines.append(YearLine(level, label, fmt.num(old), fmt.num(new), fmt.signed(change), _tone(change)))
    pages = _pages(now, before, now_sheet, old_sheet, now_values, fmt) if same else []
    this_year = now.assessment.year
    history = [y for y in unit_years(now.assessment.unit_id) if y.year <= this_year]
    totals = [(y.year, now_sheet.total if y.year == this_year else y.total) for y in history]

    def nilai(year_nodes: object, node_id: str, year: int) -> str:
        if year == this_year:
            return fmt.num(now_sheet.upper_nilai.get(node_id))
        return fmt.num(year_nodes.get(node_id) if isinstance(year_nodes, dict) else None)

    trend = [(labels.node_name(criteria, "total"), tuple(fmt.num(total) for _year, total in totals))]
    trend += [(label, tuple(nilai(y.nodes, node_id, y.year) for y in history))
              for level, node_id, label in nodes if level != "total"]
    title = _("Nilai total %(unit)s per tahun", unit=now.assessment.unit.name)
    return YearComparison(
        before.assessment.year, this_year, same, tuple(lines), tuple(pages),
        sum(len(p.changed) for p in pages), trend_chart(totals, criteria.id, locale, title),
        tuple(str(y.year) for y in history), tuple(trend),
    )
