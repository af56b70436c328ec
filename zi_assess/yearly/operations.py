"""Carrying last year's answers, notes and evidence into this year's assessment, and confirming them.

Answers are copied into the unit's layer as a marked draft (``Answer.carried_from_id``): the unit
confirms each (or changes it, which confirms it too) before the LKE can be submitted. Evidence is
reused by reference: the new assessment gets its own evidence rows pointing to the same stored
files (content-addressed) and links, so no file is copied. The caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update

from zi_assess.assessments.loading import AssessmentBundle, load_bundle
from zi_assess.assessments.operations import bump_revision, get_bundle
from zi_assess.assessments.scores import refresh_current_scores
from zi_assess.audit import Actor, record
from zi_assess.authz import authorize
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import Answer, Assessment, Evidence, EvidenceLink


class CarryRefused(ValueError):
    """Nothing was copied. ``code``: ``not_earlier`` (not an earlier year of the same unit),
    ``criteria_differ`` (the years use different criteria), ``not_empty`` (this year's LKE has answers)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CarryResult:
    answers: int
    evidence: int


def earlier_assessments(assessment: Assessment) -> list[Assessment]:
    """The unit's assessments of earlier years, newest first."""
    return list(db.session.scalars(
        select(Assessment).where(Assessment.unit_id == assessment.unit_id, Assessment.year < assessment.year)
        .order_by(Assessment.year.desc())
    ))


def carry_check(bundle: AssessmentBundle, previous: AssessmentBundle) -> str | None:
    """Why ``previous`` cannot be carried into ``bundle`` (a :class:`CarryRefused` code), or None."""
    new, old = bundle.assessment, previous.assessment
    if old.unit_id != new.unit_id or old.year >= new.year:
        return "not_earlier"
    if old.criteria_id != new.criteria_id:
        return "criteria_differ"
    if bundle.layer_answers(Layer.MANDIRI):
        return "not_empty"
    return None


def carry_over(actor: Actor, assessment_id: int, previous_id: int) -> CarryResult:
    """Copy the effective answers of ``previous_id`` (the answers that counted last year), the unit's
    notes, and the evidence into this year's unit layer, marked as not yet confirmed."""
    bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "answer.edit", bundle.assessment, layer=Layer.MANDIRI)
    previous = get_bundle(actor, previous_id)
    problem = carry_check(bundle, previous)
    if problem:
        raise CarryRefused(problem)
    notes = {ind: row.note for ind, row in previous.layer_answers(Layer.MANDIRI).items()}
    copied = 0
    for indicator_id, value in previous.effective_values().items():
        db.session.add(Answer(assessment_id=assessment_id, indicator_id=indicator_id, layer=Layer.MANDIRI,
                              value=value, note=notes.get(indicator_id, ""), carried_from_id=previous_id,
                              author_id=actor.user_id))
        copied += 1
    reused = 0
    for old in db.session.scalars(select(Evidence).where(Evidence.assessment_id == previous_id,
                                                         Evidence.removed_at.is_(None)).order_by(Evidence.id)):
        if not old.links:
            continue
        new = Evidence(assessment_id=assessment_id, layer=Layer.MANDIRI, blob_sha256=old.blob_sha256,
                       filename=old.filename, url=old.url, title=old.title, uploaded_by_id=actor.user_id)
        new.links = [EvidenceLink(indicator_id=link.indicator_id) for link in old.links]
        db.session.add(new)
        reused += 1
    db.session.flush()
    record(actor, "answer.carry", assessment_id=assessment_id, layer=Layer.MANDIRI.value,
           detail={"from": previous_id, "year": previous.assessment.year, "copied": copied, "evidence": reused})
    bump_revision(assessment_id)
    fresh = load_bundle(assessment_id)
    assert fresh is not None
    refresh_current_scores(fresh, [Layer.MANDIRI])
    return CarryResult(copied, reused)


def confirm_carried(actor: Actor, assessment_id: int, indicator_ids: Iterable[str]) -> list[str]:
    """The unit confirms carried-over answers as this year's (unchanged); returns those confirmed."""
    bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "answer.edit", bundle.assessment, layer=Layer.MANDIRI)
    pending = set(bundle.unconfirmed_carried())
    chosen = sorted(pending & set(indicator_ids))
    if not chosen:
        return []
    db.session.execute(
        update(Answer).where(Answer.assessment_id == assessment_id, Answer.layer == Layer.MANDIRI,
                             Answer.indicator_id.in_(chosen)).values(carried_from_id=None)
        .execution_options(synchronize_session=False)
    )
    record(actor, "answer.confirm", assessment_id=assessment_id, layer=Layer.MANDIRI.value,
           detail={"indicators": chosen})
    bump_revision(assessment_id, {bundle.criteria.page_of(i) for i in chosen})
    return chosen
