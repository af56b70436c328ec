"""The history of an assessment, read from its audit rows and told as sentences in the reader's
language ("Budi mengubah jawaban P5.i.b dari A menjadi B"), with times in ZI_TIMEZONE.

Filters: who (an account id), what (a :data:`KINDS` key), when (from/to, calendar days in
ZI_TIMEZONE) and which indicator. IP addresses and user agents are given only to readers
allowed ``audit.network`` (admins); the view decides, this module only carries them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from zi_assess.answer_text import answer_text
from zi_assess.clock import to_local, zone
from zi_assess.domain import Criteria
from zi_assess.extensions import db
from zi_assess.labels import outcome_label
from zi_assess.messages import LAYER_NAMES, STEP_NAMES
from zi_assess.models import AuditEvent, User

#: what a reader filters on → the audit actions it covers
KINDS: dict[str, tuple[str, ...]] = {
    "answer": ("answer.change", "answer.prefill", "answer.import"),
    "note": ("answer.note",),
    "evidence": ("evidence.add", "evidence.link", "evidence.unlink", "evidence.remove"),
    "comment": ("comment.add",),
    "workflow": ("assessment.create", "transition", "predicate.grant", "predicate.monitor", "predicate.revoke"),
    "sanggah": ("sanggah.file", "sanggah.respond", "sanggah.decide"),
    "report": ("report.store", "report.download", "report.repair", "export.lke_xlsx", "evidence.download",
               "action_plan.download"),
}
#: actions that read the assessment's data rather than change it: listed only to the roles allowed
#: ``history.accesses`` (authz)
ACCESS_ACTIONS = ("report.download", "evidence.download", "export.lke_xlsx", "action_plan.download")
KIND_NAMES = {
    "answer": _l("Jawaban"),
    "note": _l("Catatan"),
    "evidence": _l("Data dukung"),
    "comment": _l("Catatan penilai"),
    "workflow": _l("Langkah alur kerja"),
    "sanggah": _l("Sanggah"),
    "report": _l("Laporan dan ekspor"),
}
SHOWN_ACTIONS = tuple(action for actions in KINDS.values() for action in actions)
LIMIT = 500


@dataclass(frozen=True)
class HistoryFilters:
    who: int | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None
    indicator: str | None = None
    #: list downloads and exports too (``history.accesses``)
    accesses: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    sentence: str
    #: a longer text that goes with the sentence (a note, a comment, a workflow note)
    text: str
    indicator_id: str | None
    kind: str
    ip: str | None
    user_agent: str | None


def _kind_of(action: str) -> str:
    return next((kind for kind, actions in KINDS.items() if action in actions), "report")


def _bounds(day: date, end: bool) -> datetime:
    """A calendar day in ZI_TIMEZONE → its first instant (or the next day's) in UTC."""
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min, tzinfo=zone())
    return moment.astimezone(UTC)


def history_query(assessment_id: int, filters: HistoryFilters) -> Select[Any]:
    query = (select(AuditEvent, User.name).outerjoin(User, User.id == AuditEvent.actor_id)
             .where(AuditEvent.assessment_id == assessment_id))
    actions = KINDS.get(filters.kind or "", SHOWN_ACTIONS)
    if not filters.accesses:
        actions = tuple(a for a in actions if a not in ACCESS_ACTIONS)
    query = query.where(AuditEvent.action.in_(actions))
    if filters.who is not None:
        query = query.where(AuditEvent.actor_id == filters.who)
    if filters.since is not None:
        query = query.where(AuditEvent.at >= _bounds(filters.since, end=False))
    if filters.until is not None:
        query = query.where(AuditEvent.at < _bounds(filters.until, end=True))
    if filters.indicator:
        query = query.where(AuditEvent.indicator_id == filters.indicator)
    return query.order_by(AuditEvent.id.desc()).limit(LIMIT)


def people(assessment_id: int) -> list[tuple[int, str]]:
    """Everyone who appears in the assessment's history (the "who" filter's choices)."""
    rows = db.session.execute(
        select(User.id, User.name).join(AuditEvent, AuditEvent.actor_id == User.id)
        .where(AuditEvent.assessment_id == assessment_id, AuditEvent.action.in_(SHOWN_ACTIONS))
        .distinct().order_by(User.name)
    ).all()
    return [(user_id, name) for user_id, name in rows]


def history(assessment_id: int, criteria: Criteria, target: str, filters: HistoryFilters,
            locale: str) -> list[HistoryEntry]:
    """The assessment's history, newest first (at most :data:`LIMIT` rows)."""
    out = []
    for event, name in db.session.execute(history_query(assessment_id, filters)):
        who = name or _who_without_account(event.actor_email)
        sentence, text = _sentence(event, who, criteria, target, locale)
        out.append(HistoryEntry(to_local(event.at), who, sentence, text, event.indicator_id, _kind_of(event.action),
                                event.ip, getattr(event, "user_agent", None)))
    return out


def _who_without_account(email: str | None) -> str:
    if email and email.startswith("system:"):
        return _("zi-assess (sistem)")
    return email or _("tidak diketahui")


def _answer(criteria: Criteria, indicator_id: str | None, value: Any, locale: str) -> str:
    indicator = criteria.indicators.get(indicator_id or "")
    if value is None:
        return _("kosong")
    return answer_text(indicator, value, locale) if indicator is not None else str(value)


def _layer(key: str | None) -> str:
    return str(LAYER_NAMES.get(key or "", key or ""))


def _sentence(event: AuditEvent, who: str, criteria: Criteria, target: str, locale: str) -> tuple[str, str]:
    """(the sentence, a longer text shown under it: with the reason of a change after submission)."""
    sentence, text = _plain_sentence(event, who, criteria, target, locale)
    reason = event.detail.get("reason") if isinstance(event.detail, dict) else None
    if reason and event.action in ("answer.change", "answer.note"):
        line = _("Alasan perubahan setelah diajukan: %(reason)s", reason=reason)
        text = f"{text}\n{line}" if text else line
    return sentence, text


def _plain_sentence(event: AuditEvent, who: str, criteria: Criteria, target: str, locale: str) -> tuple[str, str]:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    detail = event.detail if isinstance(event.detail, dict) else {}
    ind = event.indicator_id or ""
    layer = _layer(event.layer)
    action = event.action
    if action == "answer.change":
        new = _answer(criteria, ind, after.get("value"), locale)
        note = after.get("note") or ""
        text = note if (before.get("note") or "") != note else ""
        if event.before is None:
            return _("%(who)s mengisi jawaban %(ind)s (lapis %(layer)s): %(new)s",
                     who=who, ind=ind, layer=layer, new=new), text
        old = _answer(criteria, ind, before.get("value"), locale)
        return _("%(who)s mengubah jawaban %(ind)s (lapis %(layer)s) dari %(old)s menjadi %(new)s",
                 who=who, ind=ind, layer=layer, old=old, new=new), text
    if action == "answer.note":
        return _("%(who)s mengubah catatan %(ind)s (lapis %(layer)s)", who=who, ind=ind, layer=layer), \
            after.get("note") or ""
    if action == "answer.prefill":
        return _("%(who)s menyalin %(n)s jawaban dari lapis %(source)s ke lapis %(layer)s", who=who,
                 n=detail.get("copied", 0), source=_layer(detail.get("from")), layer=layer), ""
    if action == "answer.import":
        return _("%(who)s mengimpor jawaban lapis %(layer)s dari berkas Excel", who=who, layer=layer), ""
    if action == "comment.add":
        if after.get("needs_fix"):
            return _("%(who)s meminta unit memperbaiki %(ind)s", who=who, ind=ind), after.get("body") or ""
        return _("%(who)s memberi catatan penilai pada %(ind)s", who=who, ind=ind), after.get("body") or ""
    if action == "evidence.add":
        inds = ", ".join(after.get("indicators") or []) or "–"
        what = after.get("file") or after.get("url") or ""
        return _("%(who)s menambahkan data dukung %(what)s pada %(inds)s", who=who, what=what, inds=inds), ""
    if action == "evidence.link":
        return _("%(who)s melampirkan data dukung pada %(ind)s", who=who, ind=ind), ""
    if action == "evidence.unlink":
        return _("%(who)s melepas data dukung dari %(ind)s", who=who, ind=ind), ""
    if action == "evidence.remove":
        return _("%(who)s menghapus data dukung yang tidak terpakai lagi", who=who), ""
    if action == "assessment.create":
        return _("%(who)s membuka penilaian", who=who), ""
    if action == "transition":
        step = str(STEP_NAMES.get(detail.get("transition", ""), detail.get("transition", "")))
        sentence = _("%(who)s: %(step)s", who=who, step=step)
        outcome = outcome_label(criteria, target, tpi_eligible=detail.get("eligible"),
                                decision_granted=detail.get("granted"))
        if outcome:
            sentence = f"{sentence} — {outcome}"
        return sentence, detail.get("note") or ""
    if action.startswith(("sanggah.", "predicate.")):
        return _appeal_sentence(action, who, before, after, ind, criteria, locale)
    if action == "evidence.download":
        return _("%(who)s mengunduh data dukung", who=who), ""
    if action.startswith(("report.", "export.", "action_plan.")):
        return _("%(who)s mengunduh atau menyimpan laporan", who=who), ""
    return _("%(who)s mengubah penilaian", who=who), ""


def _appeal_sentence(action: str, who: str, before: dict[str, Any], after: dict[str, Any], ind: str,
                     criteria: Criteria, locale: str) -> tuple[str, str]:
    """A sanggah step or a predicate's grant, monitoring or revocation."""
    if action == "sanggah.file":
        inds = ", ".join(after.get("indicators") or []) or "–"
        return _("%(who)s mengajukan sanggah atas indikator %(inds)s", who=who, inds=inds), after.get("summary") or ""
    if action == "sanggah.respond":
        if after.get("answer") is None:
            return _("%(who)s menanggapi sanggah %(ind)s; jawaban tetap", who=who, ind=ind), after.get("response") or ""
        new = _answer(criteria, ind, after.get("answer"), locale)
        return _("%(who)s menanggapi sanggah %(ind)s dengan jawaban sanggah %(new)s", who=who, ind=ind, new=new), \
            after.get("response") or ""
    if action == "sanggah.decide":
        if after.get("granted"):
            return _("%(who)s memutuskan sanggah (final): sanggah diterima", who=who), after.get("note") or ""
        return _("%(who)s memutuskan sanggah (final): sanggah ditolak", who=who), after.get("note") or ""
    pred = after.get("predicate") or ""
    if action == "predicate.grant":
        return _("%(who)s: unit %(unit)s memperoleh predikat %(pred)s", who=who, unit=after.get("unit") or "",
                 pred=pred), ""
    if action == "predicate.monitor":
        return _("%(who)s membuka pemantauan predikat %(pred)s tahun %(year)s", who=who, pred=pred,
                 year=after.get("year") or ""), ""
    return _("%(who)s mencabut predikat %(pred)s unit %(unit)s", who=who, pred=pred, unit=after.get("unit") or ""), \
        after.get("reason") or ""
