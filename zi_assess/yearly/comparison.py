"""Two years of a unit side by side: per page (area, hasil) and per indicator, plus the unit's
totals over every year. Pages are matched by id; indicators only when both years use the same
criteria (otherwise the comparison stays at area level and says so)."""

from __future__ import annotations

from dataclasses import dataclass

from zi_assess.answer_text import answer_text
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.assessments.scores import compute_scores, page_node
from zi_assess.domain.criteria import HASIL_PAGE, Criteria
from zi_assess.labels import page_label


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
