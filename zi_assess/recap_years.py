"""A recap across evaluation years: an instansi's trend, two years side by side (issue 16).

Like :mod:`zi_assess.recap`, every figure is read from the stored current scores, and the results
are reused until the data change (:mod:`zi_assess.result_cache`), keyed by the reader's scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from zi_assess.assessments.scores import EFFECTIVE
from zi_assess.authz import visible_assessments
from zi_assess.domain.workflow import PROPOSED_OR_LATER
from zi_assess.extensions import db
from zi_assess.models import Assessment, CurrentScore, Unit, User
from zi_assess.recap import RecapRow, recap_rows, scope_key
from zi_assess.result_cache import cached


@dataclass(frozen=True)
class YearFigures:
    """One evaluation year of a recap's units: how many were assessed, proposed, granted."""

    year: int
    assessed: int
    proposed: int
    #: target predicate code → units granted it that year
    granted: Mapping[str, int]
    #: the average effective total of the scored units (None: none scored)
    average: float | None


def recap_years(user: User, *, instansi_id: int | None = None) -> list[YearFigures]:
    """Per evaluation year (oldest first), the figures of the assessments the user may see (one query)."""
    return list(cached("recap-years", (scope_key(user), instansi_id), lambda: _recap_years(user, instansi_id)))


def _recap_years(user: User, instansi_id: int | None) -> list[YearFigures]:
    proposed = case((Assessment.status.in_([s.value for s in PROPOSED_OR_LATER]), 1), else_=0)
    granted = case((Assessment.decision_granted.is_(True), 1), else_=0)
    query = visible_assessments(user, select(
        Assessment.year, Assessment.target_predicate, func.count(Assessment.id), func.sum(proposed),
        func.sum(granted), func.sum(CurrentScore.total), func.count(CurrentScore.total),
    ).select_from(Assessment)).outerjoin(
        CurrentScore, and_(CurrentScore.assessment_id == Assessment.id, CurrentScore.layer == EFFECTIVE))
    if instansi_id is not None:
        query = query.where(Unit.instansi_id == instansi_id)
    query = query.group_by(Assessment.year, Assessment.target_predicate).order_by(Assessment.year)
    years: dict[int, list[Any]] = {}
    for year, target, count, n_proposed, n_granted, total_sum, scored in db.session.execute(query):
        entry = years.setdefault(year, [0, 0, {}, 0.0, 0])
        entry[0] += count
        entry[1] += int(n_proposed or 0)
        code = str(getattr(target, "value", target))
        entry[2][code] = entry[2].get(code, 0) + int(n_granted or 0)
        entry[3] += float(total_sum or 0.0)
        entry[4] += scored
    return [YearFigures(year, e[0], e[1], e[2], e[3] / e[4] if e[4] else None) for year, e in years.items()]


def recap_year_list(user: User, *, instansi_id: int | None = None) -> list[int]:
    """The evaluation years with assessments the user may see, newest first."""
    return list(cached("recap-year-list", (scope_key(user), instansi_id), lambda: _recap_year_list(user, instansi_id)))


def _recap_year_list(user: User, instansi_id: int | None) -> list[int]:
    query = visible_assessments(user, select(Assessment.year).distinct().select_from(Assessment))
    if instansi_id is not None:
        query = query.where(Unit.instansi_id == instansi_id)
    return sorted(db.session.scalars(query), reverse=True)


@dataclass(frozen=True)
class YearPair:
    """One unit in two evaluation years; ``before`` or ``now`` is None when it was not assessed then."""

    unit_id: int
    unit_code: str
    unit_name: str
    instansi_name: str
    before: RecapRow | None
    now: RecapRow | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.now is None or self.before.total is None or self.now.total is None:
            return None
        return self.now.total - self.before.total


def recap_year_pairs(user: User, before_year: int, now_year: int, *,
                     known: Mapping[int, list[RecapRow]] | None = None, **filters: Any) -> list[YearPair]:
    """The units of either year, each with its recap row of both (a query per year not ``known``).
    ``filters``: those of :func:`recap_rows` (instansi, status, search, sort, keys) — they apply to
    both years; the order is that of ``now_year``'s rows, then the units of ``before_year`` only.
    ``known``: a year's rows read already under the same filters."""
    known = known or {}
    now_rows = known[now_year] if now_year in known else recap_rows(user, year=now_year, **filters)
    before_rows = known[before_year] if before_year in known else recap_rows(user, year=before_year, **filters)
    earlier = {row.unit_id: row for row in before_rows}
    pairs = [YearPair(r.unit_id, r.unit_code, r.unit_name, r.instansi_name, earlier.get(r.unit_id), r)
             for r in now_rows]
    seen = {r.unit_id for r in now_rows}
    pairs.extend(YearPair(r.unit_id, r.unit_code, r.unit_name, r.instansi_name, r, None)
                 for r in before_rows if r.unit_id not in seen)
    return pairs
