"""The return loop, read from the stored rows: what a unit must fix, and what it changed since.

* :func:`open_fixes` — the indicators an assessor asked the unit to fix (open ``needs_fix``
  review comments), with the note, for the "to fix" panel, the area tab markers and the cards.
* :func:`changes_since_return` — after the unit resubmits, what it changed per indicator since
  the last return (answer, note, evidence), read from the audit trail, for the reviewer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from zi_assess.domain import Criteria
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, ReviewComment, StatusChange, User

#: the kinds of change a reviewer is told about, in the order they are listed
CHANGE_KINDS = ("answer", "note", "evidence")


@dataclass(frozen=True)
class FixItem:
    """One open request to fix an indicator."""

    indicator_id: str
    page: str
    question: str
    note: str
    author: str


@dataclass
class ChangedItem:
    """What the unit changed on one indicator since the last return (a subset of CHANGE_KINDS)."""

    indicator_id: str
    page: str
    question: str
    kinds: list[str] = field(default_factory=list)


def open_fixes(assessment_id: int, criteria: Criteria) -> list[FixItem]:
    """Open fix requests in criteria order (several notes on one indicator are each listed)."""
    rows = db.session.execute(
        select(ReviewComment.indicator_id, ReviewComment.body, User.name)
        .join(User, User.id == ReviewComment.author_id)
        .where(ReviewComment.assessment_id == assessment_id, ReviewComment.needs_fix.is_(True),
               ReviewComment.resolved_at.is_(None)).order_by(ReviewComment.id)
    ).all()
    order = {ind_id: n for n, ind_id in enumerate(criteria.indicators)}
    items = [FixItem(ind_id, criteria.page_of(ind_id), criteria.indicators[ind_id].question, body, author)
             for ind_id, body, author in rows if ind_id in criteria.indicators]
    return sorted(items, key=lambda item: order[item.indicator_id])


def fixes_per_page_of(comments: Mapping[str, list[Any]], criteria: Criteria) -> dict[str, int]:
    """:func:`fixes_per_page` from the assessment's comments already read (presenters.comments_by_indicator)."""
    return dict(Counter(criteria.page_of(ind_id) for ind_id, items in comments.items()
                        if ind_id in criteria.indicators and any(c.needs_fix and not c.resolved for c in items)))


def fixes_per_page(items: list[FixItem]) -> dict[str, int]:
    """How many indicators of each page have an open fix request (the area tab markers)."""
    return dict(Counter(page for page, _ind in {(i.page, i.indicator_id) for i in items}))


def last_return_event_id(assessment_id: int) -> int | None:
    """The audit row of the latest return to the unit, or None if the assessment was never returned."""
    if db.session.scalar(select(StatusChange.id).where(
            StatusChange.assessment_id == assessment_id, StatusChange.transition == "return_to_unit").limit(1)) is None:
        return None
    events = db.session.execute(
        select(AuditEvent.id, AuditEvent.detail).where(
            AuditEvent.assessment_id == assessment_id, AuditEvent.action == "transition")
        .order_by(AuditEvent.id.desc())
    ).all()
    return next((event_id for event_id, detail in events
                 if isinstance(detail, dict) and detail.get("transition") == "return_to_unit"), None)


def changes_since_return(assessment_id: int, criteria: Criteria) -> dict[str, ChangedItem]:
    """Per indicator, what the unit's layer changed after the latest return (empty: never returned)."""
    since = last_return_event_id(assessment_id)
    if since is None:
        return {}
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.indicator_id, AuditEvent.layer, AuditEvent.before, AuditEvent.after)
        .where(AuditEvent.assessment_id == assessment_id, AuditEvent.id > since,
               AuditEvent.action.in_(("answer.change", "answer.note", "evidence.add", "evidence.link",
                                      "evidence.unlink")))
        .order_by(AuditEvent.id)
    ).all()
    found: dict[str, set[str]] = {}
    for action, indicator_id, layer, before, after in events:
        if layer not in (None, Layer.MANDIRI.value):
            continue
        if action.startswith("answer."):
            kinds = set()
            old, new = before or {}, after or {}
            if old.get("value") != new.get("value"):
                kinds.add("answer")
            if (old.get("note") or "") != (new.get("note") or ""):
                kinds.add("note")
            targets = [indicator_id]
        else:
            kinds = {"evidence"}
            targets = list((after or {}).get("indicators") or []) if action == "evidence.add" else [indicator_id]
        for target in targets:
            if target in criteria.indicators and kinds:
                found.setdefault(target, set()).update(kinds)
    return {ind_id: ChangedItem(ind_id, criteria.page_of(ind_id), criteria.indicators[ind_id].question,
                                [k for k in CHANGE_KINDS if k in kinds])
            for ind_id in criteria.indicators if (kinds := found.get(ind_id))}
