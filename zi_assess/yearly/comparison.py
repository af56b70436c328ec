"""Two years of a unit side by side: per page (area, hasil) and per indicator, plus the unit's
totals over every year. With the same criteria pages are matched by id and indicators compared
too. With different criteria versions (52/2014 against 90/2021) the comparison stays at area
level and says so: areas are matched by name (the same name, or one name the start of the other:
"Penataan Sistem Manajemen SDM" ~ "… SDM Aparatur"), the hasil pages with each other, and an area
found in one year only is listed as such; as the weights differ, the change is read in percent of
each year's bobot."""

from __future__ import annotations

from dataclasses import dataclass

from zi_assess.answer_text import answer_text
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.assessments.scores import compute_scores, page_node
from zi_assess.domain.criteria import HASIL_PAGE, Criteria, match_pages
from zi_assess.labels import page_label


@dataclass(frozen=True)
class PageRow:
    """One page of either year (``page`` None: an area of the earlier year only)."""

    page: str | None
    label: str
    bobot: float | None
    before: float | None
    now: float | None
    #: the earlier year's bobot (differs from ``bobot`` when the criteria differ)
    before_bobot: float | None = None
    #: the earlier year's name of the page, when it differs from ``label``
    before_label: str = ""

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.now is None else self.now - self.before

    @property
    def before_persen(self) -> float | None:
        return _persen(self.before, self.before_bobot)

    @property
    def now_persen(self) -> float | None:
        return _persen(self.now, self.bobot)

    @property
    def delta_persen(self) -> float | None:
        """The change in percentage points of each year's bobot (for different weights)."""
        before, now = self.before_persen, self.now_persen
        return None if before is None or now is None else now - before


def _persen(nilai: float | None, bobot: float | None) -> float | None:
    return None if nilai is None or not bobot else nilai / bobot * 100


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
    matches = {page: page for page in criteria.page_ids} if same else match_pages(criteria, old_criteria)
    pages = []
    for page in criteria.page_ids:
        old_page = matches.get(page)
        old = old_sheet.upper_nilai.get(page_node(old_criteria, old_page)) if old_page is not None else None
        label, old_label = page_label(criteria, page), page_label(old_criteria, old_page) if old_page else ""
        now_nilai = new_sheet.upper_nilai.get(page_node(criteria, page))
        pages.append(PageRow(page, label, _bobot(criteria, page), old, now_nilai,
                             _bobot(old_criteria, old_page) if old_page else None,
                             old_label if old_label != label else ""))
    for old_page in old_criteria.page_ids:
        if old_page not in matches.values():  # an area the earlier year's criteria had, this year's not
            pages.append(PageRow(None, page_label(old_criteria, old_page), None,
                                 old_sheet.upper_nilai.get(page_node(old_criteria, old_page)), None,
                                 _bobot(old_criteria, old_page)))
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


