"""The queue query: a constant number of SQL statements however many rows there are (one count,
one page of rows with unit, instansi, current score and deadline joined in, one marker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, case, cast, exists, false, func, or_, select
from sqlalchemy.orm import aliased

from zi_assess.authz import visible_assessments
from zi_assess.domain.workflow import Status
from zi_assess.extensions import db
from zi_assess.models import (
    Answer,
    Assessment,
    CurrentScore,
    Deadline,
    Instansi,
    QueueSeen,
    ReviewAssignment,
    StatusChange,
    Unit,
    User,
)
from zi_assess.models.base import as_utc, utcnow

#: queue → the statuses it holds (None: every status the user sees)
QUEUE_STATUSES: dict[str, tuple[Status, ...] | None] = {
    "tpi": (Status.SUBMITTED, Status.TPI_REVIEW, Status.RETURNED, Status.TPI_DONE),
    "tpn": (Status.PROPOSED, Status.TPN_DESK, Status.TPN_FIELD),
    "manager": None,
}
#: the step whose deadline counts in each status
SUBMIT_STATUSES = (Status.DRAFT,)
PROPOSE_STATUSES = (Status.SUBMITTED, Status.TPI_REVIEW, Status.RETURNED, Status.TPI_DONE)
SORTS = ("deadline", "age", "unit", "score", "changed")
PAGE_SIZE = 25


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: str = ""
    instansi_id: int | None = None
    target: str = ""
    deadline: str = ""  # "", "overdue", "week"
    mine: bool = False
    sort: str = "deadline"
    page: int = 1


@dataclass(frozen=True)
class Row:
    assessment: Assessment
    unit: Unit
    instansi: Instansi
    total: float | None
    complete: bool | None
    passed: bool | None
    closes_on: date | None
    days_left: int | None
    days_in_status: int
    changed: bool


def _deadline_columns() -> tuple[Any, Any, Any]:
    """The deadline of the step each assessment waits for: its instansi's, else the national one."""
    step = case((Assessment.status.in_([s.value for s in SUBMIT_STATUSES]), "submit"),
                (Assessment.status.in_([s.value for s in PROPOSE_STATUSES]), "propose"), else_="none")
    year = cast(Assessment.year, String)
    own, national = aliased(Deadline), aliased(Deadline)
    own_key = step + ":" + year + ":" + cast(Unit.instansi_id, String)
    national_key = step + ":" + year + ":national"
    return own, national, (own_key, national_key)


def build(user: User, queue: str, f: Filters, today: date) -> Any:
    """The filtered, sorted query of a queue (rows: Assessment, Unit, Instansi, score, deadline)."""
    score = aliased(CurrentScore)
    own, national, (own_key, national_key) = _deadline_columns()
    closes = func.coalesce(own.closes_on, national.closes_on).label("closes_on")
    query = visible_assessments(user, select(Assessment, Unit, Instansi, score.total, score.complete,
                                             score.verdicts, score.updated_at, closes))
    query = (query.join(Instansi, Instansi.id == Unit.instansi_id)
             .outerjoin(score, and_(score.assessment_id == Assessment.id, score.layer == "effective"))
             .outerjoin(own, own.scope_key == own_key).outerjoin(national, national.scope_key == national_key))
    statuses = QUEUE_STATUSES[queue]
    if statuses is not None:
        query = query.where(Assessment.status.in_([s.value for s in statuses]))
    if f.status:
        query = query.where(Assessment.status == f.status) if f.status in {s.value for s in Status} \
            else query.where(false())
    if f.instansi_id is not None:
        query = query.where(Unit.instansi_id == f.instansi_id)
    if f.target:
        query = query.where(Assessment.target_predicate == f.target)
    if f.q.strip():
        like = f"%{f.q.strip().lower()}%"
        query = query.where(or_(func.lower(Unit.name).like(like), func.lower(Unit.code).like(like),
                                func.lower(Instansi.name).like(like)))
    if f.deadline == "overdue":
        query = query.where(closes < today)
    elif f.deadline == "week":
        query = query.where(closes >= today, closes <= date.fromordinal(today.toordinal() + 7))
    if f.mine:
        query = query.where(or_(
            exists().where(Answer.assessment_id == Assessment.id, Answer.author_id == user.id),
            exists().where(StatusChange.assessment_id == Assessment.id, StatusChange.actor_id == user.id,
                           StatusChange.transition.in_(["start_tpi_review", "start_desk", "start_field"])),
            exists().where(ReviewAssignment.user_id == user.id,
                           or_(ReviewAssignment.unit_id == Assessment.unit_id,
                               ReviewAssignment.instansi_id == Unit.instansi_id))))
    changed_at = case((score.updated_at > Assessment.status_changed_at, score.updated_at),
                      else_=Assessment.status_changed_at)
    order = {
        "deadline": (closes.is_(None), closes, Assessment.status_changed_at),
        "age": (Assessment.status_changed_at,),
        "unit": (Unit.name,),
        "score": (score.total.is_(None), score.total.desc()),
        "changed": (changed_at.desc(),),
    }[f.sort if f.sort in SORTS else "deadline"]
    return query.order_by(*order, Assessment.id)


def page(user: User, queue: str, f: Filters, today: date) -> tuple[list[Row], int]:
    """One page of rows and the number of rows in all pages."""
    query = build(user, queue, f, today)
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    seen = last_seen(user, queue)
    now = utcnow()
    rows = []
    for a, unit, instansi, total, complete, verdicts, updated_at, closes_on in db.session.execute(
            query.limit(PAGE_SIZE).offset((max(1, f.page) - 1) * PAGE_SIZE)):
        changed_at = max([as_utc(a.status_changed_at)] + ([as_utc(updated_at)] if updated_at else []))
        rows.append(Row(a, unit, instansi, total, complete,
                        (verdicts or {}).get(a.target_predicate) if verdicts is not None else None,
                        closes_on, (closes_on - today).days if closes_on else None,
                        (now - as_utc(a.status_changed_at)).days, seen is not None and changed_at > seen))
    return rows, count


def last_seen(user: User, queue: str) -> datetime | None:
    row = db.session.get(QueueSeen, (user.id, queue))
    return as_utc(row.seen_at) if row is not None else None
