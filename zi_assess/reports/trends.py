"""Figures over the evaluation years: a unit's totals, an instansi's counts and average total.

Every trend chart of the app (the unit's comparison page, the LHE's year-over-year section, the
instansi recap) is drawn by :func:`zi_assess.reports.charts.year_bars`, through the functions here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from zi_assess.domain import load_criteria
from zi_assess.domain.display import format_num
from zi_assess.extensions import db
from zi_assess.labels import predicate_name
from zi_assess.models import Assessment, CurrentScore
from zi_assess.recap_years import YearFigures
from zi_assess.reports import charts


@dataclass(frozen=True)
class YearTotal:
    assessment_id: int
    year: int
    criteria_id: str
    total: float | None
    #: nilai of the criteria's summary nodes (components, aspects, areas); None: not scored
    nodes: Mapping[str, float] | None = None


def unit_years(unit_id: int) -> list[YearTotal]:
    """Every assessment of the unit with its stored effective scores, oldest first (one query)."""
    rows = db.session.execute(
        select(Assessment.id, Assessment.year, Assessment.criteria_id, CurrentScore.total, CurrentScore.nodes)
        .outerjoin(CurrentScore, (CurrentScore.assessment_id == Assessment.id) & (CurrentScore.layer == "effective"))
        .where(Assessment.unit_id == unit_id).order_by(Assessment.year)
    ).all()
    return [YearTotal(*row) for row in rows]


def trend_chart(points: Sequence[tuple[int, float | None]], criteria_id: str, locale: str, title: str) -> Markup:
    """A total per year (a unit's, or an instansi's average) against each predicate's minimum total."""
    criteria = load_criteria(criteria_id)
    lines = [charts.Line(dict(p.minimums)["total"], f"{p.id} {format_num(dict(p.minimums)['total'], locale, 0)}")
             for p in criteria.predicates.values() if "total" in dict(p.minimums)]
    series = charts.Series(_("Nilai total"), [total for _year, total in points],
                           [format_num(total, locale) for _year, total in points])
    return charts.year_bars([str(year) for year, _total in points], [series], title=title, lines=lines,
                            scale_max=criteria.total_bobot)


@dataclass(frozen=True)
class InstansiTrend:
    """What the recap of one instansi shows of its years: two charts and their figures as a table."""

    years: tuple[str, ...]
    #: (label, one printed figure per year)
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    counts_chart: Markup
    total_chart: Markup


def instansi_trend(figures: Sequence[YearFigures], criteria_id: str, locale: str, scope: str) -> InstansiTrend | None:
    """Units assessed, proposed and granted per year, and the average total (None: no year yet)."""
    if not figures:
        return None
    criteria = load_criteria(criteria_id)
    years = tuple(str(f.year) for f in figures)
    codes = [code for code in criteria.predicates if any(f.granted.get(code) for f in figures)] or list(
        criteria.predicates)

    def count(label: str, values: list[int]) -> charts.Series:
        return charts.Series(label, values, [format_num(v, locale, 0) for v in values])

    counts = [count(_("Unit dinilai"), [f.assessed for f in figures]),
              count(_("Diusulkan ke TPN"), [f.proposed for f in figures])]
    counts += [count(_("Predikat %(name)s diberikan", name=predicate_name(criteria, code)),
                     [f.granted.get(code, 0) for f in figures]) for code in codes]
    average = [(f.year, f.average) for f in figures]
    rows = tuple((s.label, tuple(s.texts)) for s in counts)
    rows += ((_("Rata-rata nilai total"), tuple(format_num(a, locale) for _y, a in average)),)
    return InstansiTrend(
        years, rows,
        charts.year_bars(years, counts, title=_("Jumlah unit %(scope)s per tahun evaluasi", scope=scope)),
        trend_chart(average, criteria_id, locale, _("Rata-rata nilai total %(scope)s per tahun", scope=scope)),
    )
