"""Recaps across units: one SQL query over the stored current scores.

Every page, PDF and export that lists units with their totals, areas and verdicts reads
:func:`recap_rows`. The scores themselves come from the domain engine; they are stored per
assessment by :func:`zi_assess.assessments.scores.refresh_current_scores` on every change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from zi_assess.assessments.scores import EFFECTIVE
from zi_assess.authz import visible_assessments
from zi_assess.domain import load_criteria
from zi_assess.domain.scoring import NodeScore
from zi_assess.extensions import db
from zi_assess.models import Assessment, CurrentScore, Instansi, Unit, User

SORT_KEYS = ("total", "unit", "instansi", "status", "pengungkit", "hasil", *(f"area_{i}" for i in range(1, 7)))


@dataclass(frozen=True)
class RecapRow:
    assessment_id: int
    year: int
    target: str
    status: str
    unit_id: int
    unit_code: str
    unit_name: str
    instansi_id: int
    instansi_name: str
    #: None when nothing is answered yet
    complete: bool | None
    total: float | None
    pengungkit: float | None
    pemenuhan: float | None
    reform: float | None
    hasil: float | None
    areas: tuple[float | None, ...]
    wbk_passed: bool | None
    wbbm_passed: bool | None

    criteria_id: str

    @property
    def area_persen(self) -> tuple[float | None, ...]:
        """Each area's nilai as a percentage of its bobot in the assessment's criteria."""
        areas = load_criteria(self.criteria_id).areas
        return tuple(None if nilai is None else NodeScore(area.bobot, nilai).persen
                     for area, nilai in zip(areas, self.areas, strict=True))


def recap_rows(
    user: User,
    *,
    instansi_id: int | None = None,
    year: int | None = None,
    status: str | None = None,
    search: str | None = None,
    sort: str = "total",
    descending: bool = True,
    limit: int | None = None,
) -> list[RecapRow]:
    """Units the user may see, with the effective score of their assessment (one query)."""
    score = CurrentScore
    query = (
        select(
            Assessment.id, Assessment.year, Assessment.target_predicate, Assessment.status,
            Unit.id, Unit.code, Unit.name, Instansi.id, Instansi.name,
            score.complete, score.total, score.pengungkit, score.pemenuhan, score.reform, score.hasil,
            score.area_1, score.area_2, score.area_3, score.area_4, score.area_5, score.area_6,
            score.wbk_passed, score.wbbm_passed, Assessment.criteria_id,
        )
        .select_from(Assessment)
    )
    query = visible_assessments(user, query)
    query = query.join(Instansi, Instansi.id == Unit.instansi_id).outerjoin(
        score, and_(score.assessment_id == Assessment.id, score.layer == EFFECTIVE)
    )
    if instansi_id is not None:
        query = query.where(Unit.instansi_id == instansi_id)
    if year is not None:
        query = query.where(Assessment.year == year)
    if status:
        query = query.where(Assessment.status == status)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(Unit.name.ilike(pattern), Unit.code.ilike(pattern), Instansi.name.ilike(pattern)))
    column = {
        "total": score.total, "unit": Unit.name, "instansi": Instansi.name, "status": Assessment.status,
        "pengungkit": score.pengungkit, "hasil": score.hasil,
        **{f"area_{i}": getattr(score, f"area_{i}") for i in range(1, 7)},
    }.get(sort, score.total)
    ordered = column.desc() if descending else column.asc()
    query = query.order_by(ordered.nulls_last(), Unit.name)
    if limit:
        query = query.limit(limit)
    return [
        RecapRow(
            assessment_id=r[0], year=r[1], target=r[2].value if hasattr(r[2], "value") else str(r[2]),
            status=r[3].value if hasattr(r[3], "value") else str(r[3]), unit_id=r[4], unit_code=r[5],
            unit_name=r[6], instansi_id=r[7], instansi_name=r[8], complete=r[9], total=r[10],
            pengungkit=r[11], pemenuhan=r[12], reform=r[13], hasil=r[14], areas=tuple(r[15:21]),
            wbk_passed=r[21], wbbm_passed=r[22], criteria_id=r[23],
        )
        for r in db.session.execute(query)
    ]
