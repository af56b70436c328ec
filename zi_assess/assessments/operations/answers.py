"""Saving a layer's answers: versions and field-level conflicts, the late-change reason, the audit
row of each change, the revisions and the re-scored sums (only the saved layer's and the effective LKE's)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from zi_assess.assessments.loading import AnswerRow, AssessmentBundle, load_bundle
from zi_assess.assessments.operations.lookup import bump_revision, get_bundle, page_area
from zi_assess.assessments.scores import refresh_current_scores
from zi_assess.audit import Actor, record
from zi_assess.authz import authorize
from zi_assess.domain import AnswerError
from zi_assess.domain.scoring import normalize_answer
from zi_assess.domain.workflow import (
    Layer,
    previous_layer,
)
from zi_assess.extensions import db, savepoint
from zi_assess.messages import note_max_chars
from zi_assess.models import (
    Answer,
    ScoreSnapshot,
)
from zi_assess.models.base import utcnow


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
