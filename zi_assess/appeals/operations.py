"""The only code that writes a sanggah. The caller (request or command) commits.

Rules: a sanggah is filed after the TPN decision, inside the evaluation year's ``sanggah`` window
(national or the instansi's own; no window set means none is open), once per assessment; the TPN
answers each indicator while it is open; the national manager decides once and that is final.
Every refusal is a :class:`SanggahRefused` with a stable code, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from zi_assess.assessments.grants import grant
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.assessments.operations import bump_revision, get_bundle, within_deadline
from zi_assess.assessments.scores import area_rule
from zi_assess.audit import Actor, record
from zi_assess.authz import authorize
from zi_assess.clock import local_date
from zi_assess.domain import AnswerError, score, verdict
from zi_assess.domain.answer_values import normalize_answer
from zi_assess.domain.scoring import ScoreSheet
from zi_assess.domain.verdict import Verdict
from zi_assess.evidence.operations import is_web_link
from zi_assess.extensions import db
from zi_assess.models import Appeal, AppealItem
from zi_assess.models.base import utcnow

#: the deadline step whose window a sanggah must be filed in
WINDOW_STEP = "sanggah"
MAX_REASON = 4000


class SanggahRefused(ValueError):
    """``code``: window, second, final, empty, indicator, reason, link, answer."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code} {detail}".strip())
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ItemInput:
    indicator_id: str
    reason: str
    evidence_urls: tuple[str, ...] = ()


def appeal_of(assessment_id: int) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.assessment_id == assessment_id))


def window_open(bundle: AssessmentBundle, today: date | None = None) -> bool:
    return within_deadline(WINDOW_STEP, bundle.assessment, today or local_date()) is True


def file_appeal(actor: Actor, assessment_id: int, summary: str, items: list[ItemInput],
                today: date | None = None) -> Appeal:
    bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "sanggah.file", bundle.assessment)
    if appeal_of(assessment_id) is not None:
        raise SanggahRefused("second")
    if not window_open(bundle, today):
        raise SanggahRefused("window")
    if not items:
        raise SanggahRefused("empty")
    seen: set[str] = set()
    for item in items:
        if item.indicator_id not in bundle.criteria.indicators or item.indicator_id in seen:
            raise SanggahRefused("indicator", item.indicator_id)
        seen.add(item.indicator_id)
        if not item.reason.strip() or len(item.reason) > MAX_REASON:
            raise SanggahRefused("reason", item.indicator_id)
        bad = next((u for u in item.evidence_urls if not is_web_link(u)), None)
        if bad is not None:
            raise SanggahRefused("link", item.indicator_id)
    appeal = Appeal(assessment_id=assessment_id, summary=summary.strip(), filed_by_id=actor.user_id)
    appeal.items = [AppealItem(indicator_id=i.indicator_id, reason=i.reason.strip(),
                               evidence_urls=list(i.evidence_urls)) for i in items]
    db.session.add(appeal)
    db.session.flush()
    record(actor, "sanggah.file", assessment_id=assessment_id,
           after={"indicators": [i.indicator_id for i in items], "summary": appeal.summary})
    bump_revision(assessment_id)
    return appeal


def _open_appeal(actor: Actor, assessment_id: int, action: str) -> tuple[AssessmentBundle, Appeal]:
    bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, action, bundle.assessment)
    appeal = appeal_of(assessment_id)
    if appeal is None:
        raise SanggahRefused("none")
    if appeal.status != "filed":
        raise SanggahRefused("final")
    return bundle, appeal


def respond(actor: Actor, assessment_id: int, item_id: int, response: str, answer: Any) -> AppealItem:
    """The TPN's answer to one appealed indicator (``answer`` None: the decided answer stands)."""
    bundle, appeal = _open_appeal(actor, assessment_id, "sanggah.respond")
    item = next((i for i in appeal.items if i.id == item_id), None)
    if item is None:
        raise SanggahRefused("indicator", str(item_id))
    if not response.strip():
        raise SanggahRefused("reason", item.indicator_id)
    if answer is not None:
        try:
            answer = normalize_answer(bundle.criteria.indicators[item.indicator_id], answer)
        except AnswerError as exc:
            raise SanggahRefused("answer", exc.indicator) from None
    before = {"response": item.response, "answer": item.answer}
    item.response, item.answer = response.strip(), answer
    item.responded_by_id, item.responded_at = actor.user_id, utcnow()
    record(actor, "sanggah.respond", assessment_id=assessment_id, indicator_id=item.indicator_id,
           before=before, after={"response": item.response, "answer": answer})
    bump_revision(assessment_id)
    return item


def decide(actor: Actor, assessment_id: int, granted: bool, note: str, today: date | None = None) -> Appeal:
    """The final decision on the sanggah: granting it grants the target predicate."""
    bundle, appeal = _open_appeal(actor, assessment_id, "sanggah.decide")
    appeal.status, appeal.granted = "decided", granted
    appeal.decision_note, appeal.decided_by_id, appeal.decided_at = note.strip(), actor.user_id, utcnow()
    assessment = bundle.assessment
    before = {"decision_granted": assessment.decision_granted}
    if granted and not assessment.decision_granted:
        assessment.decision_granted = True
        grant(actor, assessment, today)
    record(actor, "sanggah.decide", assessment_id=assessment_id, before=before,
           after={"granted": granted, "note": appeal.decision_note})
    bump_revision(assessment_id)
    return appeal


@dataclass(frozen=True)
class SanggahScores:
    """The decided LKE, and the same with the TPN's sanggah answers in place."""

    before: ScoreSheet
    after: ScoreSheet
    verdict_before: Verdict
    verdict_after: Verdict


def sanggah_scores(bundle: AssessmentBundle, appeal: Appeal) -> SanggahScores:
    rule = area_rule()
    answers = bundle.effective_values()
    changed = answers | {i.indicator_id: i.answer for i in appeal.items if i.answer is not None}
    before, after = score(bundle.criteria, answers, area_rule=rule), score(bundle.criteria, changed, area_rule=rule)
    target = bundle.assessment.target_predicate
    return SanggahScores(before, after, verdict(before, target, area_rule=rule), verdict(after, target, area_rule=rule))
