"""Dashboards per role: a unit's own LKE, the TPI and TPN queues, the managers' recap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from zi_assess.assessments.loading import load_bundle
from zi_assess.assessments.page_cache import PageCache
from zi_assess.assessments.return_loop import FixItem, open_fixes
from zi_assess.assessments.scores import effective_sheet, page_node
from zi_assess.authz import allowed, own_unit_ids, visible_assessments
from zi_assess.domain import verdicts
from zi_assess.domain.workflow import Layer, Status
from zi_assess.extensions import db
from zi_assess.i18n import current_locale
from zi_assess.models import Assessment, Deadline, Instansi, Unit
from zi_assess.models.base import as_utc, utcnow
from zi_assess.predicates import operations as predicate_ops
from zi_assess.recap import known_criteria_ids, reader_key, recap_keys, recap_rows, scope_key, shape_of
from zi_assess.reports.context import Fmt
from zi_assess.reports.context_sheets import totals_chart
from zi_assess.result_cache import cached

bp = Blueprint("dashboard", __name__, url_prefix="/dasbor")

TPI_QUEUE = (Status.SUBMITTED, Status.TPI_REVIEW, Status.RETURNED, Status.TPI_DONE)
TPN_QUEUE = (Status.PROPOSED, Status.TPN_DESK, Status.TPN_FIELD)
#: rows of each queue on the dashboard (oldest first)
QUEUE_ROWS = 25
unit_card_cache = PageCache()


@dataclass(frozen=True)
class UnitCard:
    """What the unit dashboard shows of one assessment (plain values: cached across requests)."""

    assessment_id: int
    unit_name: str
    year: int
    status: str
    target: str
    total: float
    complete: bool
    missing: int
    #: per page of the criteria: (page, answered in mandiri, indicators, persen)
    areas: list[tuple[str, int, int, float]]
    verdicts: dict[str, Any]
    criteria_id: str = ""
    #: when returned to the unit: the indicators to fix, with the assessors' notes
    fixes: tuple[FixItem, ...] = ()
    #: the TPI conclusion and the TPN decision (None: not taken yet), worded by labels.outcome_label
    tpi_eligible: bool | None = None
    decision_granted: bool | None = None


def _unit_cards(unit_ids: set[int]) -> list[UnitCard]:
    rows = db.session.scalars(
        select(Assessment).where(Assessment.unit_id.in_(unit_ids)).order_by(Assessment.year.desc(), Assessment.id)
    ).all()
    cards = []
    for assessment in rows:
        key = ("unit-card", assessment.id, assessment.created_at, assessment.revision)
        card = unit_card_cache.get(key)
        if card is None:
            card = _unit_card(assessment)
            unit_card_cache.put(key, card)
        cards.append(card)
    return cards


def _unit_card(assessment: Assessment) -> UnitCard:
    """One assessment's card (scores from the engine), reused until the assessment changes."""
    bundle = load_bundle(assessment.id, assessment)
    assert bundle is not None
    sheet = effective_sheet(bundle)
    mandiri = bundle.layer_values(Layer.MANDIRI)
    criteria = bundle.criteria
    areas = []
    for page in criteria.page_ids:
        inds = criteria.page_indicators(page)
        node = sheet.upper_nodes[page_node(criteria, page)]
        areas.append((page, sum(1 for i in inds if i.id in mandiri), len(inds), node.persen))
    fixes = tuple(open_fixes(assessment.id, criteria)) if assessment.status == Status.RETURNED else ()
    return UnitCard(assessment.id, assessment.unit.name, assessment.year, assessment.status.value,
                    assessment.target_predicate, sheet.total, sheet.complete, len(sheet.missing), areas,
                    verdicts(sheet), criteria.id, fixes, assessment.tpi_eligible, assessment.decision_granted)


def _submit_deadlines(assessments: list[Assessment]) -> dict[int, date | None]:
    """Each assessment's submission deadline (its instansi's, else the national one), in one query."""
    keys = {a.id: Deadline.keys_for("submit", a.year, a.unit.instansi_id) for a in assessments}
    wanted = {key for pair in keys.values() for key in pair}
    closes = {d.scope_key: d.closes_on for d in db.session.scalars(
        select(Deadline).where(Deadline.scope_key.in_(wanted)))} if wanted else {}
    return {a_id: closes.get(own) or closes.get(national) for a_id, (own, national) in keys.items()}


@dataclass(frozen=True)
class QueueRow:
    """One assessment of a review queue as the dashboard lists it (plain values: cached)."""

    id: int
    unit_name: str
    instansi_name: str
    year: int
    status: str
    status_changed_at: datetime


def _queue_html(name: str, statuses: tuple[Status, ...]) -> Markup:
    """A review queue's card: its oldest :data:`QUEUE_ROWS` with their age in days (counted now,
    not when cached) and how many it holds (the full queue, paged, is /antrean/…: nationally the
    TPN's holds thousands). The rows are reused until the data change, per reader scope; the card
    is rendered once per those rows, their ages, the language and the reader's roles."""
    rows, count = cached("dashboard-queue", (scope_key(current_user), statuses, QUEUE_ROWS),
                         lambda: _queue_rows(statuses, QUEUE_ROWS))
    now = utcnow()
    ages = tuple((now - as_utc(row.status_changed_at)).days for row in rows)
    key = (reader_key(current_user), name, statuses, QUEUE_ROWS, ages, current_locale(), request.script_root)
    return cached("dashboard-queue-card", key, lambda: Markup(render_template(
        "dashboard/_queue.html", name=name, queue=list(zip(rows, ages, strict=True)), count=count)))


def _queue_rows(statuses: tuple[Status, ...], size: int) -> tuple[tuple[QueueRow, ...], int]:
    waiting = Assessment.status.in_([s.value for s in statuses])
    count = db.session.scalar(visible_assessments(current_user, select(func.count(Assessment.id))).where(waiting))
    query = visible_assessments(current_user, select(
        Assessment.id, Unit.name, Instansi.name, Assessment.year, Assessment.status, Assessment.status_changed_at,
    ).select_from(Assessment)).join(Instansi, Instansi.id == Unit.instansi_id).where(waiting).order_by(
        Assessment.status_changed_at, Assessment.id).limit(size)
    rows = tuple(QueueRow(a_id, unit, instansi, year, str(getattr(status, "value", status)), changed)
                 for a_id, unit, instansi, year, status, changed in db.session.execute(query))
    return rows, count or 0


def _recap_fragment() -> Markup:
    """The national (or instansi) ranking: the 200 best with a chart, rendered once per data
    revision, reader scope and language (no form, no CSRF token in it)."""
    key = (reader_key(current_user), current_locale(), request.script_root)
    return cached("dashboard-recap", key, _render_recap)


def _render_recap() -> Markup:
    recap = recap_rows(current_user, limit=200, keys=recap_keys(known_criteria_ids()))
    shape = shape_of(recap)
    chart = totals_chart(recap, Fmt(current_locale()), shape.primary) if recap else None
    return Markup(render_template("dashboard/_recap.html", recap=recap, recap_shape=shape, recap_chart=chart))


@bp.get("/")
@login_required
def index() -> str:
    """What each role works on; which sections show is asked of authz, like every permission."""
    unit_ids = set(own_unit_ids(current_user))
    context: dict[str, Any] = {}
    if unit_ids:
        context["unit_cards"] = _unit_cards(unit_ids)
        context["revoked"] = predicate_ops.revoked_on_of([c.assessment_id for c in context["unit_cards"]])
        context["predicate_history"] = predicate_ops.unit_history(sorted(unit_ids))
        own = list(db.session.scalars(
            select(Assessment).options(joinedload(Assessment.unit)).where(Assessment.unit_id.in_(unit_ids))))
        context["deadlines"] = _submit_deadlines(own)
        context["can_submit"] = {a.id: allowed(current_user, "transition.submit", a)
                                 or allowed(current_user, "transition.resubmit", a) for a in own}
    context["queues_html"] = [_queue_html(name, statuses) for name, layer, statuses in
                              (("tpi", Layer.TPI, TPI_QUEUE), ("tpn", Layer.TPN_DESK, TPN_QUEUE))
                              if allowed(current_user, "review.queue", layer)]
    if allowed(current_user, "recap.view"):
        context["recap_html"] = _recap_fragment()
    return render_template("dashboard/index.html", **context)
