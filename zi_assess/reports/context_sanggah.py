"""Plain context for the LHE's sanggah section (``templates/reports/_sanggah.html``).

Shown in the effective LHE when the unit filed a sanggah: per appealed indicator the unit's
reason and links, the TPN's response and the answer it now gives, the indicator's nilai after
the TPN decision and with the sanggah answer; the totals and the target predicate's verdict in
both (the separate sanggah layer of :func:`zi_assess.appeals.operations.sanggah_scores`); the
decision and its date. Nothing here changes what the rest of the LHE reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import format_date
from flask_babel import gettext as _

from zi_assess import labels
from zi_assess.answer_text import answer_text
from zi_assess.assessments.scores import EFFECTIVE
from zi_assess.clock import to_local
from zi_assess.domain.workflow import Layer
from zi_assess.messages import sanggah_state
from zi_assess.reports.context import Fmt, ReportData

if TYPE_CHECKING:  # declared on first use: an LKE never loads an appeal
    from zi_assess.models import Appeal


@dataclass(frozen=True)
class SanggahLine:
    code: str
    question: str
    reason: str
    links: tuple[str, ...]
    #: the answer after the TPN decision, and the TPN's sanggah answer ("" while not answered)
    decided: str
    answer: str
    response: str
    nilai_before: str
    nilai_after: str
    changed: bool


@dataclass(frozen=True)
class SanggahContext:
    filed_on: str
    summary: str
    #: "Menunggu putusan", "Sanggah diterima", "Sanggah ditolak"
    state: str
    decided: bool
    granted: bool | None
    decided_on: str
    decision_note: str
    lines: tuple[SanggahLine, ...]
    #: (label, after the TPN decision, with the sanggah answers, change) for the total and components
    scores: tuple[tuple[str, str, str, str], ...]
    target: str
    verdict_before: bool
    verdict_after: bool


def _day(moment: datetime | None) -> str:
    return format_date(to_local(moment), "long") if moment is not None else ""


def sanggah_context(data: ReportData, upto: Layer | None, locale: str,
                    appeal: Appeal | None = None) -> SanggahContext | None:
    """The section's values, or None: no sanggah, or an LHE of one layer (only the effective LHE,
    the one after the TPN decision, reports the sanggah)."""
    if upto is not None:
        return None
    from zi_assess.appeals.operations import appeal_of, sanggah_scores  # an LHE's (not an LKE's)

    appeal = appeal or appeal_of(data.bundle.assessment.id)
    if appeal is None:
        return None
    fmt = Fmt(locale)
    criteria, bundle = data.criteria, data.bundle
    scores = sanggah_scores(bundle, appeal)
    before, after = scores.before, scores.after
    values = bundle.effective_values()
    lines = []
    for item in appeal.items:
        indicator = criteria.indicators[item.indicator_id]
        old, new = before.indicator_nilai(item.indicator_id) or 0.0, after.indicator_nilai(item.indicator_id) or 0.0
        decided = values.get(item.indicator_id)
        lines.append(SanggahLine(
            item.indicator_id, indicator.question, item.reason, tuple(item.evidence_urls or ()),
            answer_text(indicator, decided, locale) if decided is not None else _("belum dijawab"),
            answer_text(indicator, item.answer, locale) if item.answer is not None
            else (_("tetap") if item.response else ""),
            item.response or "", fmt.num(old), fmt.num(new), abs(new - old) > 1e-9))
    rows = [("total", labels.node_label(criteria, "total"))]
    rows += [(c.id, labels.node_label(criteria, c.id)) for c in criteria.components]
    table = tuple((label, fmt.num(before.upper_nilai[node]), fmt.num(after.upper_nilai[node]),
                   fmt.signed(after.upper_nilai[node] - before.upper_nilai[node])) for node, label in rows)
    decided_ = appeal.status == "decided"
    state = sanggah_state(appeal.status, appeal.granted)
    return SanggahContext(
        filed_on=_day(appeal.filed_at), summary=appeal.summary or "", state=state, decided=decided_,
        granted=appeal.granted, decided_on=_day(appeal.decided_at) if decided_ else "",
        decision_note=appeal.decision_note or "", lines=tuple(lines), scores=table,
        target=scores.verdict_before.name, verdict_before=scores.verdict_before.passed,
        verdict_after=scores.verdict_after.passed,
    )


#: where the effective LHE of an assessment with a decided sanggah is stored: apart from the one
#: stored at the TPN decision (same locking step), which does not show the sanggah
STORED_LAYER = "sanggah"


def stored_as(assessment_id: int, kind: str, layer_key: str, lock: int | None) -> tuple[int | None, str]:
    """(the lock, the stored layer) of a report: the effective LHE is a draft while a sanggah is open
    and, once the sanggah is decided (final), is stored under :data:`STORED_LAYER`."""
    if kind != "lhe" or layer_key != EFFECTIVE or lock is None:
        return lock, layer_key
    from zi_assess.appeals.operations import appeal_of  # an LKE's process never needs it

    appeal = appeal_of(assessment_id)
    if appeal is None:
        return lock, layer_key
    return (lock, STORED_LAYER) if appeal.status == "decided" else (None, layer_key)
