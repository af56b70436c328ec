"""The only code that writes assessments, answers, comments and workflow steps.

Every function takes the acting :class:`~zi_assess.audit.Actor`, checks permission itself,
records what it changed in the audit trail and flushes; the caller (a view or a CLI command)
owns the transaction and commits. Nothing typed is lost: a stale save raises
:class:`StaleAnswer` with both versions instead of overwriting, and an illegal step raises
:class:`WorkflowRefused` having changed nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, null, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from zi_assess.assessments.grants import grant
from zi_assess.assessments.loading import AnswerRow, AssessmentBundle, load_bundle
from zi_assess.assessments.scores import EFFECTIVE, compute_scores, refresh_current_scores
from zi_assess.audit import Actor, record
from zi_assess.authz import PermissionDenied, assessment_roles, authorize, editable_layer
from zi_assess.clock import local_date
from zi_assess.domain import AnswerError, Criteria, load_criteria
from zi_assess.domain.contract import ScoreResult, result_to_dict
from zi_assess.domain.loader import criteria_hash
from zi_assess.domain.prerequisites import check_prerequisites, load_prerequisites
from zi_assess.domain.scoring import normalize_answer
from zi_assess.domain.workflow import (
    PROPOSED_OR_LATER,
    TRANSITIONS,
    Facts,
    Layer,
    Status,
    check_transition,
    previous_layer,
)
from zi_assess.extensions import db, savepoint
from zi_assess.messages import note_max_chars
from zi_assess.models import (
    Answer,
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


class NotFound(Exception):
    """The object does not exist (or, for this user, must look as if it did not)."""


class WorkflowRefused(Exception):
    """A workflow step is not allowed now; ``code`` says why (see domain.workflow.check_transition)."""

    def __init__(self, transition: str, code: str, detail: str = "") -> None:
        super().__init__(f"{transition}: {code} {detail}".strip())
        self.transition = transition
        self.code = code
        self.detail = detail


class ReasonRequired(Exception):
    """Answers of a layer that was already submitted once change only with a reason; nothing was written."""

    def __init__(self, layer: Layer) -> None:
        super().__init__(f"{layer.value}: a reason is required to change answers after submission")
        self.layer = layer


#: longest reason kept with a late change
REASON_MAX = 1000


def layer_was_submitted(assessment_id: int, layer: Layer) -> bool:
    """Whether ``layer`` was locked (submitted) at least once: changing it again needs a reason."""
    return db.session.scalar(select(ScoreSnapshot.id).where(
        ScoreSnapshot.assessment_id == assessment_id, ScoreSnapshot.layer == layer.value).limit(1)) is not None


@dataclass(frozen=True)
class AnswerInput:
    """One indicator as typed in a form: the value, the note and the version the user saw."""

    indicator_id: str
    value: Any
    note: str = ""
    #: version of the stored answer when the form was rendered (None: there was none)
    seen_version: int | None = None
    #: :func:`answer_fingerprint` of the answer the form showed: with it, a stale save conflicts
    #: only on a field (answer or note) both sides changed; without it, on any change
    base: str | None = None


def answer_fingerprint(value: Any, note: str | None) -> str:
    """A short fingerprint of an answer's value and of its note ("<value>:<note>"), carried by the
    area form so a save can tell which fields the user changed and which someone else did."""
    def digest(data: Any) -> str:
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]

    return f"{digest(value)}:{digest((note or '').strip())}"


def _merge(item: AnswerInput, value: Any, note: str, row: Any) -> tuple[Any, str] | None:
    """Three-way merge of a stale save against the stored row; None when a field changed on both sides."""
    assert item.base is not None
    base_value, _sep, base_note = item.base.partition(":")
    theirs_value, theirs_note = (row.value, row.note) if row is not None else (None, "")
    mine = answer_fingerprint(value, note).split(":")
    theirs = answer_fingerprint(theirs_value, theirs_note).split(":")
    merged = []
    for mine_fp, theirs_fp, base_fp, mine_v, theirs_v in ((mine[0], theirs[0], base_value, value, theirs_value),
                                                          (mine[1], theirs[1], base_note, note, theirs_note)):
        if mine_fp != base_fp and theirs_fp != base_fp and mine_fp != theirs_fp:
            return None
        merged.append(mine_v if mine_fp != base_fp else theirs_v)
    return merged[0], merged[1]


@dataclass(frozen=True)
class ConflictItem:
    indicator_id: str
    yours_value: Any
    yours_note: str
    theirs_value: Any
    theirs_note: str
    theirs_version: int | None
    theirs_author_id: int | None


class StaleAnswer(Exception):
    """Someone saved these indicators after the form was opened; nothing was written."""

    def __init__(self, items: list[ConflictItem]) -> None:
        super().__init__(", ".join(i.indicator_id for i in items))
        self.items = items


def page_area(indicator_id: str, criteria: Criteria) -> str:
    """The page an indicator is shown on (its area's id, or "H" for hasil; see Criteria.page_ids)."""
    return criteria.page_of(indicator_id)


def bump_revision(assessment_id: int, areas: Iterable[str] | None = None) -> None:
    """Mark the assessment as changed — as a whole, and the area pages given (default: all) —
    so pages cached for an older revision are no longer used (see assessments.page_cache)."""
    db.session.execute(
        update(Assessment).where(Assessment.id == assessment_id).values(revision=Assessment.revision + 1)
        .execution_options(synchronize_session=False)
    )
    query = update(AreaRevision).where(AreaRevision.assessment_id == assessment_id)
    if areas is not None:
        query = query.where(AreaRevision.area.in_(sorted(set(areas))))
    db.session.execute(query.values(revision=AreaRevision.revision + 1).execution_options(synchronize_session=False))


def get_assessment(actor: Actor, assessment_id: int, action: str = "assessment.view") -> Assessment:
    """One assessment row (with unit and instansi), authorized — without its answers."""
    return get_area_assessment(actor, assessment_id, None, action)[0]


def get_area_assessment(actor: Actor, assessment_id: int, area: str | None,
                        action: str = "assessment.view") -> tuple[Assessment, int | None]:
    """:func:`get_assessment` and, in the same query, the revision of one of its area pages
    (None without one: assessments older than area revisions)."""
    revision = select(AreaRevision.revision).where(
        AreaRevision.assessment_id == Assessment.id, AreaRevision.area == area).scalar_subquery()
    row = db.session.execute(
        select(Assessment, revision if area is not None else null())
        .options(joinedload(Assessment.unit).joinedload(Unit.instansi))
        .where(Assessment.id == assessment_id)
    ).one_or_none()
    if row is None:
        raise NotFound(assessment_id)
    authorize(actor.user, action, row[0])
    return row[0], row[1]


def get_bundle(actor: Actor, assessment_id: int, action: str = "assessment.view") -> AssessmentBundle:
    """Load an assessment the actor may act on; unknown and hidden ones are both NotFound."""
    bundle = load_bundle(assessment_id)
    if bundle is None:
        raise NotFound(assessment_id)
    authorize(actor.user, action, bundle.assessment)
    return bundle


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


# -- answers ----------------------------------------------------------------------------------


def save_answers(
    actor: Actor, assessment_id: int, layer: Layer, items: Iterable[AnswerInput], *,
    bundle: AssessmentBundle | None = None, reason: str | None = None,
) -> list[AnswerRow]:
    """Save several indicators of one layer at once (an area form). All or nothing; returns the rows written.

    ``bundle``: the assessment as this request already loaded it (saves loading it again).
    ``reason``: why answers change after the layer was submitted once (required then, raising
    :class:`ReasonRequired`; kept in each change's audit row).
    Raises AnswerError for an invalid value, StaleAnswer when any indicator changed since the
    form was opened (nothing is written), PermissionDenied when the layer is not writable.
    """
    if bundle is None or bundle.assessment.id != assessment_id:
        bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "answer.edit", bundle.assessment, layer=layer)
    criteria = bundle.criteria
    current = bundle.layer_answers(layer)
    normalized = []
    for item in items:
        indicator = criteria.indicators.get(item.indicator_id)
        if indicator is None:
            raise AnswerError(item.indicator_id, "unknown_indicator", "unknown indicator id")
        note = (item.note or "").strip()
        if len(note) > note_max_chars():
            raise AnswerError(item.indicator_id, "note_too_long", f"note longer than {note_max_chars()} characters")
        normalized.append((item, normalize_answer(indicator, item.value), note))

    conflicts = []
    merged_items = []
    for item, value, note in normalized:
        row = current.get(item.indicator_id)
        stale = (row is None and item.seen_version is not None) or (
            row is not None and row.version != item.seen_version
        )
        if stale and not (row is not None and row.value == value and row.note == note):
            merged = _merge(item, value, note, row) if item.base else None
            if merged is None:
                conflicts.append(_conflict(item, value, note, row))
                continue
            value, note = merged  # only fields one side changed: both sides' changes are kept
        merged_items.append((item, value, note))
    if conflicts:
        raise StaleAnswer(conflicts)
    normalized = merged_items

    changing = [(item, value, note) for item, value, note in normalized
                if (row := current.get(item.indicator_id)) is None or row.value != value or row.note != note]
    if not changing:
        return []
    reason = (reason or "").strip()[:REASON_MAX] or None
    if reason is None and layer_was_submitted(assessment_id, layer):
        raise ReasonRequired(layer)
    # Each stored row is updated only at the version this request read (no second read first): a
    # row someone saved since matches nothing. One UPDATE alone changes nothing when it misses;
    # several, or a new row (whose INSERT may meet a concurrent one), are undone together.
    alone = len(changing) == 1 and current.get(changing[0][0].indicator_id) is not None
    written: list[AnswerRow | Answer] = []
    try:
        with nullcontext() if alone else savepoint():
            for item, value, note in changing:
                written.append(_write_answer(actor, assessment_id, layer, item.indicator_id, value, note,
                                             current.get(item.indicator_id), reason))
            db.session.flush()  # the new rows, in one INSERT
    except (_Overtaken, IntegrityError):
        # Another save won the race between our read and our write; nothing of ours was kept.
        fresh = load_bundle(assessment_id)
        theirs = fresh.layer_answers(layer) if fresh else {}
        lost = [(item, value, note) for item, value, note in changing
                if getattr(theirs.get(item.indicator_id), "version", None)
                != getattr(current.get(item.indicator_id), "version", None)]
        raise StaleAnswer([_conflict(item, value, note, theirs.get(item.indicator_id))
                           for item, value, note in lost or changing]) from None
    saved = [row if isinstance(row, AnswerRow) else AnswerRow(
        row.id, row.indicator_id, layer, row.value, row.note, None, row.author_id, row.version, row.updated_at)
        for row in written]
    bump_revision(assessment_id, {page_area(row.indicator_id, criteria) for row in saved})
    # The bundle now holds what was just written and scores the new state: only this layer's
    # sums and the effective LKE's are computed again.
    rows = dict(bundle.layer_answers(layer))
    rows.update((row.indicator_id, row) for row in saved)
    bundle.answers[layer] = rows
    bundle.__dict__.pop("effective", None)
    refresh_current_scores(bundle, [layer])
    return saved


class _Overtaken(Exception):
    """A stored answer changed after this request read it (the UPDATE at the version read matched nothing)."""


def _write_answer(actor: Actor, assessment_id: int, layer: Layer, indicator_id: str, value: Any, note: str,
                  seen: AnswerRow | None, reason: str | None = None) -> AnswerRow | Answer:
    """Add one answer (flushed by the caller), or update it at the version ``seen`` (raising
    _Overtaken when someone saved it since), with its audit event; the row as written."""
    written: AnswerRow | Answer
    if seen is None:
        written = Answer(assessment_id=assessment_id, indicator_id=indicator_id, layer=layer, value=value,
                         note=note, author_id=actor.user_id)
        db.session.add(written)
    else:
        # ORM-enabled: an Answer this session already holds gets the new values too ("fetch" reads
        # them from RETURNING); carried_from_id: a carried-over answer the unit saved is confirmed
        now = utcnow()
        version = db.session.execute(
            update(Answer).where(Answer.id == seen.id, Answer.version == seen.version)
            .values(value=value, note=note, author_id=actor.user_id, prefilled_from=None, carried_from_id=None,
                    updated_at=now, version=Answer.version + 1)
            .returning(Answer.version).execution_options(synchronize_session="fetch")
        ).scalar()
        if version is None:
            raise _Overtaken(indicator_id)
        written = AnswerRow(seen.id, indicator_id, layer, value, note, None, actor.user_id, version, now)
    before = {"value": seen.value, "note": seen.note} if seen is not None else None
    action = "answer.change" if before is None or before["value"] != value else "answer.note"
    record(actor, action, assessment_id=assessment_id, indicator_id=indicator_id, layer=layer.value,
           before=before, after={"value": value, "note": note},
           detail={"reason": reason} if reason is not None else None)
    return written


def save_answer(
    actor: Actor, assessment_id: int, layer: Layer, indicator_id: str, value: Any, note: str = "",
    seen_version: int | None = None,
) -> AnswerRow | None:
    """Save one indicator (see :func:`save_answers`)."""
    saved = save_answers(actor, assessment_id, layer, [AnswerInput(indicator_id, value, note, seen_version)])
    return saved[0] if saved else None


def _conflict(item: AnswerInput, value: Any, note: str, row: Any) -> ConflictItem:
    return ConflictItem(
        item.indicator_id, value, note,
        row.value if row else None, row.note if row else "", row.version if row else None,
        row.author_id if row else None,
    )


def prefill_layer(actor: Actor, bundle: AssessmentBundle, layer: Layer) -> int:
    """Copy the effective answers so far into ``layer`` where it has none, marked as copied."""
    source = previous_layer(layer)
    assert source is not None
    existing = bundle.layer_answers(layer)
    copied = 0
    for indicator_id, (from_layer, answer) in bundle.effective.items():
        if indicator_id in existing:
            continue
        db.session.add(Answer(assessment_id=bundle.assessment.id, indicator_id=indicator_id, layer=layer,
                              value=answer.value, note="", prefilled_from=from_layer, author_id=actor.user_id))
        copied += 1
    record(actor, "answer.prefill", assessment_id=bundle.assessment.id, layer=layer.value,
           detail={"copied": copied, "from": source.value})
    bump_revision(bundle.assessment.id)
    return copied


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
