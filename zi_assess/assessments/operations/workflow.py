"""Opening an assessment, review comments and workflow steps (deadlines, quotas, prerequisites)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from zi_assess.assessments.grants import grant
from zi_assess.assessments.loading import AssessmentBundle, load_bundle
from zi_assess.assessments.operations.answers import prefill_layer
from zi_assess.assessments.operations.lookup import bump_revision, get_bundle, page_area
from zi_assess.assessments.scores import EFFECTIVE, compute_scores, refresh_current_scores
from zi_assess.audit import Actor, record
from zi_assess.authz import PermissionDenied, assessment_roles, authorize, editable_layer
from zi_assess.clock import local_date
from zi_assess.domain import AnswerError, load_criteria
from zi_assess.domain.contract import ScoreResult, result_to_dict
from zi_assess.domain.loader import criteria_hash
from zi_assess.domain.prerequisites import check_prerequisites, load_prerequisites
from zi_assess.domain.workflow import (
    PROPOSED_OR_LATER,
    TRANSITIONS,
    Facts,
    Layer,
    Status,
    check_transition,
)
from zi_assess.extensions import db, savepoint
from zi_assess.models import (
    AreaRevision,
    Assessment,
    Deadline,
    PrerequisiteRecord,
    ProposalQuota,
    ReviewComment,
    ScoreSnapshot,
    StatusChange,
    Unit,
)
from zi_assess.models.base import utcnow

#: called with the assessment id when a workflow step locks a layer (before the caller commits);
#: the reports package adds itself (it builds on assessments, not the other way round)
LAYER_LOCKED: list[Callable[[int], None]] = []


class WorkflowRefused(Exception):
    """A workflow step is not allowed now; ``code`` says why (see domain.workflow.check_transition)."""

    def __init__(self, transition: str, code: str, detail: str = "") -> None:
        super().__init__(f"{transition}: {code} {detail}".strip())
        self.transition = transition
        self.code = code
        self.detail = detail


# -- creating ---------------------------------------------------------------------------------


def create_assessment(
    actor: Actor, unit: Unit, year: int, target: str, criteria_id: str | None = None
) -> Assessment:
    """Open a unit's LKE for a year toward ``target`` (a predicate code of the criteria); the
    criteria version is frozen now. WorkflowRefused "predicate" when the criteria have no such
    predicate, "exists" when the unit already has an assessment that year."""
    authorize(actor.user, "assessment.create", unit)
    criteria = load_criteria(criteria_id or current_app.config["CRITERIA"])
    target = str(target)
    if target not in criteria.predicates:
        raise WorkflowRefused("create", "predicate", target)
    assessment = Assessment(
        unit=unit, year=year, target_predicate=target, criteria_id=criteria.id,
        criteria_hash=criteria_hash(criteria.id), status=Status.DRAFT,
        created_by_id=actor.user_id,
    )
    try:
        with savepoint():
            db.session.add(assessment)
            db.session.flush()
    except IntegrityError:
        raise WorkflowRefused("create", "exists", f"{unit.code} {year}") from None
    db.session.add_all(AreaRevision(assessment_id=assessment.id, area=page, revision=1) for page in criteria.page_ids)
    record(actor, "assessment.create", assessment_id=assessment.id,
           after={"unit": unit.code, "year": year, "target": target, "criteria": criteria.id})
    return assessment


# -- review comments ---------------------------------------------------------------------------


def add_comment(actor: Actor, assessment_id: int, indicator_id: str, body: str, *, needs_fix: bool,
                bundle: AssessmentBundle | None = None) -> ReviewComment:
    """A review note on one indicator (``needs_fix``: the unit must act on it before resubmitting).
    ``bundle``: the assessment as this request already loaded it, as in :func:`save_answers`."""
    if bundle is None or bundle.assessment.id != assessment_id:
        bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "comment.add", bundle.assessment)
    if indicator_id not in bundle.criteria.indicators:
        raise AnswerError(indicator_id, "unknown_indicator", "unknown indicator id")
    body = body.strip()
    if not body:
        raise ValueError("empty comment")
    layer = editable_layer(actor.user, bundle.assessment)
    assert layer is not None and actor.user is not None
    comment = ReviewComment(assessment_id=assessment_id, indicator_id=indicator_id, layer=layer,
                            author_id=actor.user.id, body=body, needs_fix=needs_fix)
    db.session.add(comment)
    record(actor, "comment.add", assessment_id=assessment_id, indicator_id=indicator_id, layer=layer.value,
           after={"body": body, "needs_fix": needs_fix})
    bump_revision(assessment_id, [page_area(indicator_id, bundle.criteria)])
    db.session.flush()
    return comment


def open_fix_requests(assessment_id: int) -> list[ReviewComment]:
    return list(db.session.scalars(
        select(ReviewComment).where(ReviewComment.assessment_id == assessment_id, ReviewComment.needs_fix.is_(True),
                                    ReviewComment.resolved_at.is_(None)).order_by(ReviewComment.id)
    ))


# -- workflow ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    assessment: Assessment
    changed: bool


def transition(
    actor: Actor,
    assessment_id: int,
    name: str,
    *,
    seen_status_version: int | None = None,
    note: str = "",
    eligible: bool | None = None,
    recommendation: str | None = None,
    granted: bool | None = None,
    prefill: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> StepResult:
    """Take one workflow step. Repeating a step already taken changes nothing (``changed`` False).

    Deadlines and the date a predicate is granted are judged on ``today``, by default the date
    at ``now`` (default: the current time) in ``ZI_TIMEZONE``.
    """
    today = today or local_date(now)
    bundle = get_bundle(actor, assessment_id)
    assessment = bundle.assessment
    assert actor.user is not None
    try:
        authorize(actor.user, f"transition.{name}", assessment)
    except PermissionDenied:
        if TRANSITIONS.get(name) and Status(assessment.status) == TRANSITIONS[name].target:
            return StepResult(assessment, False)  # a double click after the step was taken
        raise
    spec = TRANSITIONS[name]
    scores = compute_scores(bundle)
    facts = Facts(
        status=Status(assessment.status),
        roles=assessment_roles(actor.user, assessment),
        complete_layers=frozenset(layer for layer, sheet in scores.layers.items() if sheet.complete),
        effective_complete=scores.effective.complete,
        open_fix_requests=len(open_fix_requests(assessment_id)) if name == "return_to_unit" else 0,
        tpi_eligible=assessment.tpi_eligible,
        prerequisites_met=prerequisites_met(assessment) if name == "propose" else False,
        within_deadline=within_deadline(spec.deadline, assessment, today) if spec.deadline else None,
        unconfirmed_carried=len(bundle.unconfirmed_carried()) if spec.needs_complete == Layer.MANDIRI else 0,
        monitoring=assessment.kind == "monitoring",
        within_quota=within_quota(assessment) if "quota" in spec.requires else None,
    )
    if name == "conclude_tpi" and eligible is None:
        raise WorkflowRefused(name, "missing_conclusion")
    if name == "decide" and granted is None:
        raise WorkflowRefused(name, "missing_decision")
    outcome = check_transition(name, facts)
    if outcome.repeat:
        return StepResult(assessment, False)
    if not outcome.allowed:
        raise WorkflowRefused(name, outcome.code, outcome.detail)

    # Compare-and-set: only the status (and version) the actor saw moves on; a concurrent or
    # repeated request finds it already moved and changes nothing.
    version = assessment.status_version if seen_status_version is None else seen_status_version
    moved = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment_id, Assessment.status == facts.status, Assessment.status_version == version)
        .values(status=spec.target, status_version=Assessment.status_version + 1, status_changed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(assessment)
    if moved != 1:
        if Status(assessment.status) == spec.target:
            return StepResult(assessment, False)
        raise WorkflowRefused(name, "stale", assessment.status)

    bump_revision(assessment_id)  # every page shows the status (what is editable, by whom)
    if name == "conclude_tpi":
        assessment.tpi_eligible = eligible
        assessment.tpi_recommendation = (recommendation or "").strip()
    if name == "decide":
        assessment.decision_granted = granted
        assessment.decision_note = note.strip()
        if granted:
            grant(actor, assessment, today)
    if name == "resubmit":
        for comment in open_fix_requests(assessment_id):
            comment.resolved_at = utcnow()
    if spec.locks is not None:
        _snapshot(actor, bundle, scores, spec.locks, name)
        for listener in LAYER_LOCKED:  # reports: render what this step made final, once it commits
            listener(assessment_id)
    if spec.opens is not None and prefill:
        prefill_layer(actor, bundle, spec.opens)
    db.session.add(StatusChange(assessment_id=assessment_id, transition=name, from_status=facts.status,
                                to_status=spec.target, actor_id=actor.user.id, note=note.strip()))
    record(actor, "transition", assessment_id=assessment_id, before={"status": facts.status.value},
           after={"status": spec.target.value}, detail={
               "transition": name, "note": note.strip() or None, "eligible": eligible, "granted": granted})
    db.session.flush()
    if spec.opens is not None and prefill:
        refresh_current_scores(load_bundle(assessment_id) or bundle)
    from zi_assess.notifications.recipients import on_transition

    on_transition(actor.user, assessment, name, note=note.strip(),
                  returned=open_fix_requests(assessment_id) if name == "return_to_unit" else None)
    return StepResult(assessment, True)


def _snapshot(actor: Actor, bundle: AssessmentBundle, scores: Any, layer: Layer, name: str) -> None:
    for key, sheet in ((layer.value, scores.layers.get(layer)), (EFFECTIVE, scores.effective)):
        if sheet is None:
            continue
        result = result_to_dict(ScoreResult(bundle.assessment.id, sheet))
        db.session.add(ScoreSnapshot(assessment_id=bundle.assessment.id, layer=key, transition=name,
                                     criteria_id=sheet.criteria.id, total=sheet.total, result=result))


def within_deadline(step: str, assessment: Assessment, today: date | None = None) -> bool | None:
    """Whether today lies in the step's window for the year (instansi window first, then national).

    The window's dates are calendar days in ``ZI_TIMEZONE``: it closes at the end of its last day there.
    """
    today = today or local_date()
    keys = Deadline.keys_for(step, assessment.year, assessment.unit.instansi_id)
    for key in keys:
        window = db.session.scalar(select(Deadline).where(Deadline.scope_key == key))
        if window is not None:
            return (window.opens_on is None or window.opens_on <= today) and today <= window.closes_on
    return None


def within_quota(assessment: Assessment) -> bool | None:
    """Whether the instansi may propose one more unit this year (None: no quota set for the year)."""
    quota = db.session.scalar(select(ProposalQuota).where(ProposalQuota.year == assessment.year,
                                                          ProposalQuota.instansi_id == assessment.unit.instansi_id))
    if quota is None:
        return None
    proposed = db.session.scalar(
        select(func.count()).select_from(Assessment).join(Unit, Unit.id == Assessment.unit_id)
        .where(Unit.instansi_id == quota.instansi_id, Assessment.year == quota.year, Assessment.id != assessment.id,
               Assessment.status.in_([s.value for s in PROPOSED_OR_LATER]))
    ) or 0
    return proposed < quota.max_units


def prerequisite_values(assessment: Assessment) -> dict[str, Any]:
    """The recorded prerequisite values: the instansi's, overridden by the unit's own (one query)."""
    unit = assessment.unit
    keys = (f"instansi:{unit.instansi_id}:{assessment.year}", f"unit:{unit.id}:{assessment.year}")
    rows = {r.scope_key: r.values for r in db.session.scalars(
        select(PrerequisiteRecord).where(PrerequisiteRecord.scope_key.in_(keys)))}
    values: dict[str, Any] = {}
    for key in keys:
        values.update(rows.get(key) or {})
    return values


def prerequisite_results(assessment: Assessment, predicates: Iterable[str] | None = None) -> dict[str, Any]:
    """Tabel 5 outcome per predicate (default: every predicate of the criteria)."""
    unit = assessment.unit
    rules = load_prerequisites(current_app.config["PREREQUISITES"])
    criteria = load_criteria(assessment.criteria_id)
    values = prerequisite_values(assessment)
    held = unit.current_predicate or None
    return {
        predicate: check_prerequisites(
            rules, predicate, values, instansi_kind=unit.instansi.kind.value, unit_type=unit.unit_type.value,
            current_predicate=held, requires_predicate=criteria.predicates[predicate].requires_predicate,
        )
        for predicate in (criteria.predicates if predicates is None else predicates)
    }


def prerequisite_result(assessment: Assessment) -> Any:
    """Tabel 5 outcome of the assessment's target predicate (what submission and proposal check)."""
    target = assessment.target_predicate
    return prerequisite_results(assessment, [target])[target]


def prerequisites_met(assessment: Assessment) -> bool:
    return bool(prerequisite_result(assessment).passed)
