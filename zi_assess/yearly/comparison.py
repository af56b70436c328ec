"""Two years of a unit side by side: per page (area, hasil) and per indicator, plus the unit's
totals over every year. Pages are matched by id; indicators only when both years use the same
criteria (otherwise the comparison stays at area level and says so)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import select

from zi_assess.answer_text import answer_text
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.assessments.scores import compute_scores, page_node
from zi_assess.domain import load_criteria
from zi_assess.domain.criteria import HASIL_PAGE, Criteria
from zi_assess.domain.display import format_num
from zi_assess.extensions import db
from zi_assess.labels import page_label
from zi_assess.models import Assessment, CurrentScore
from zi_assess.reports import charts


@dataclass(frozen=True)
class PageRow:
    page: str
    label: str
    bobot: float
    before: float | None
    now: float | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.now is None else self.now - self.before


@dataclass(frozen=True)
class IndicatorRow:
    indicator_id: str
    question: str
    page: str
    before: str
    now: str
    changed: bool


@dataclass(frozen=True)
class Comparison:
    before_year: int
    now_year: int
    same_criteria: bool
    before_total: float
    now_total: float
    pages: list[PageRow]
    indicators: list[IndicatorRow]


def _bobot(criteria: Criteria, page: str) -> float:
    return criteria.component("hasil").bobot if page == HASIL_PAGE else criteria.area(page).bobot


def compare(now: AssessmentBundle, before: AssessmentBundle, locale: str) -> Comparison:
    new_sheet = compute_scores(now).effective
    old_sheet = compute_scores(before).effective
    criteria, old_criteria = now.criteria, before.criteria
    same = criteria.id == old_criteria.id
    pages = []
    for page in criteria.page_ids:
        node = page_node(criteria, page)
        old = old_sheet.upper_nilai.get(node) if page in old_criteria.page_ids else None
        pages.append(PageRow(page, page_label(criteria, page), _bobot(criteria, page), old,
                             new_sheet.upper_nilai.get(node)))
    indicators = []
    if same:
        new_values, old_values = now.effective_values(), before.effective_values()
        for indicator_id, indicator in criteria.indicators.items():
            a, b = old_values.get(indicator_id), new_values.get(indicator_id)
            indicators.append(IndicatorRow(indicator_id, indicator.question, criteria.page_of(indicator_id),
                                           answer_text(indicator, a, locale), answer_text(indicator, b, locale),
                                           a != b))
    return Comparison(before.assessment.year, now.assessment.year, same, old_sheet.total, new_sheet.total, pages,
                      indicators)


@dataclass(frozen=True)
class YearTotal:
    assessment_id: int
    year: int
    criteria_id: str
    total: float | None


def unit_years(unit_id: int) -> list[YearTotal]:
    """Every assessment of the unit with its stored effective total, oldest first."""
    rows = db.session.execute(
        select(Assessment.id, Assessment.year, Assessment.criteria_id, CurrentScore.total)
        .outerjoin(CurrentScore, (CurrentScore.assessment_id == Assessment.id) & (CurrentScore.layer == "effective"))
        .where(Assessment.unit_id == unit_id).order_by(Assessment.year)
    ).all()
    return [YearTotal(*row) for row in rows]


def trend_chart(years: list[YearTotal], criteria_id: str, locale: str, title: str) -> Markup:
    """The unit's total per year against each predicate's minimum total."""
    criteria = load_criteria(criteria_id)
    lines = [charts.Line(dict(p.minimums)["total"], f"{p.id} {format_num(dict(p.minimums)['total'], locale, 0)}")
             for p in criteria.predicates.values() if "total" in dict(p.minimums)]
    bars = [charts.Bar(str(y.year), y.total, format_num(y.total, locale)) for y in years]
    return charts.bar_chart(bars, title=title, lines=lines, scale_max=criteria.total_bobot, label_chars=8)
