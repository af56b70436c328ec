"""The only database writes of the interop package: imports, API keys, and the audit of exports
and API calls. Like every operations module it takes an Actor, authorizes, records and flushes;
the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from zi_assess.assessments.loading import AnswerRow, AssessmentBundle
from zi_assess.assessments.operations import AnswerInput, NotFound, get_bundle, save_answers
from zi_assess.audit import Actor, record
from zi_assess.authz import authorize
from zi_assess.domain.workflow import Layer
from zi_assess.evidence import operations as evidence_ops
from zi_assess.extensions import db
from zi_assess.interop.import_report import ImportReport
from zi_assess.models import Answer, ApiKey, Evidence, Instansi
from zi_assess.models.base import as_utc, utcnow

KEY_PREFIX = "zik"


class ImportRefused(Exception):
    """The report has errors: nothing may be imported."""


@dataclass(frozen=True)
class Change:
    """What confirming the import does to one indicator."""

    indicator_id: str
    #: "new", "changed", "note" or "same"
    kind: str
    before: Any
    after: Any
    before_note: str
    after_note: str


def _merged(report: ImportReport, current: dict[str, Answer]) -> list[tuple[str, Any, str]]:
    """The file's answers over the stored ones: a blank answer or note keeps what is stored."""
    out = []
    for ind_id, parsed in report.answers.items():
        row = current.get(ind_id)
        stored = row.value if row else None
        if isinstance(parsed.value, dict) and isinstance(stored, dict):
            value: Any = {**stored, **parsed.value}  # a blank count cell keeps the stored count
        else:
            value = parsed.value if parsed.value is not None else stored
        note = parsed.note or (row.note if row else "")
        out.append((ind_id, value, note))
    return out


def import_changes(bundle: AssessmentBundle, layer: Layer, report: ImportReport) -> list[Change]:
    """Per indicator of the file: new, changed, only the note changed, or the same (read-only)."""
    current = bundle.layer_answers(layer)
    changes = []
    for ind_id, value, note in _merged(report, current):
        row = current.get(ind_id)
        before, before_note = (row.value, row.note) if row else (None, "")
        if row is None:
            kind = "new"
        elif before != value:
            kind = "changed"
        elif before_note != note:
            kind = "note"
        else:
            kind = "same"
        changes.append(Change(ind_id, kind, before, value, before_note, note))
    return changes


@dataclass(frozen=True)
class LinkChange:
    """What confirming the import does with one evidence link of the file."""

    url: str
    title: str
    indicator_ids: tuple[str, ...]
    #: the evidence it is attached to ("attach"), or None for a new link evidence ("new")
    evidence_id: int | None = None

    @property
    def kind(self) -> str:
        return "new" if self.evidence_id is None else "attach"


def evidence_changes(bundle: AssessmentBundle, layer: Layer, report: ImportReport) -> list[LinkChange]:
    """The file's evidence links not yet in the layer (read-only): a link already there, or one of
    zi-assess's own download links, is only attached to the indicators it still lacks."""
    if not report.links:
        return []
    existing = list(db.session.scalars(select(Evidence).where(
        Evidence.assessment_id == bundle.assessment.id, Evidence.removed_at.is_(None)).order_by(Evidence.id)))
    by_url = {e.url: e for e in existing if e.url and e.layer == layer}
    by_id = {e.id: e for e in existing}
    grouped: dict[str, tuple[str, list[str]]] = {}
    for link in report.links:
        title, indicators = grouped.setdefault(link.url, (link.title, []))
        if link.indicator_id not in indicators:
            indicators.append(link.indicator_id)
    changes = []
    for url, (title, indicators) in grouped.items():
        own = next((link.own_file_id for link in report.links if link.url == url), None)
        target = (by_id.get(own) if own is not None else None) or by_url.get(url)
        if target is None:
            changes.append(LinkChange(url, title, tuple(indicators)))
            continue
        linked = {link.indicator_id for link in target.links}
        missing = tuple(i for i in indicators if i not in linked)
        if missing:
            changes.append(LinkChange(url, title, missing, target.id))
    return changes


def seen_versions(bundle: AssessmentBundle, layer: Layer) -> dict[str, int | None]:
    current = bundle.layer_answers(layer)
    return {ind: row.version for ind, row in current.items()}


@dataclass(frozen=True)
class ImportResult:
    answers: list[AnswerRow]
    links: list[LinkChange]

    @property
    def changed(self) -> bool:
        return bool(self.answers or self.links)


def apply_import(actor: Actor, assessment_id: int, layer: Layer, report: ImportReport, *, filename: str,
                 sha256: str, versions: dict[str, int | None]) -> ImportResult:
    """Write a validated report into ``layer`` through :func:`save_answers` (audit, versions, scores),
    and its evidence links through the evidence operations.

    ``versions`` are those the user saw on the report page: an answer changed since raises
    StaleAnswer and writes nothing. Unchanged answers and links already there are skipped, so
    importing the same file again changes nothing (and records nothing).
    """
    bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "answer.edit", bundle.assessment, layer=layer)
    if report.errors or report.layer != layer:
        raise ImportRefused(len(report.errors))
    items = [AnswerInput(ind_id, value, note, versions.get(ind_id))
             for ind_id, value, note in _merged(report, bundle.layer_answers(layer))]
    # the file is the reason for a change after submission (its name and hash are audited below)
    saved = save_answers(actor, assessment_id, layer, items, bundle=bundle,
                         reason=f"import: {filename[:200]}") if items else []
    links = evidence_changes(bundle, layer, report)
    for change in links:
        if change.evidence_id is None:
            evidence_ops.add_link(actor, assessment_id, change.indicator_ids, change.url, change.title)
        else:
            for indicator_id in change.indicator_ids:
                evidence_ops.attach(actor, change.evidence_id, indicator_id)
    if saved or links:
        record(actor, "answer.import", assessment_id=assessment_id, layer=layer.value, detail={
            "file": filename[:200], "sha256": sha256, "changed": sorted(a.indicator_id for a in saved),
            "evidence": [change.url[:300] for change in links[:100]], "warnings": len(report.warnings),
            "layout": report.layout,
        })
        db.session.flush()
    return ImportResult(saved, links)


def record_export(actor: Actor, kind: str, *, assessment_id: int | None = None, detail: Any = None) -> None:
    """Downloads of LKE workbooks and recaps are accesses to sensitive data: audited."""
    record(actor, f"export.{kind}", assessment_id=assessment_id, detail=detail)


# -- API keys ----------------------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(actor: Actor, instansi_id: int, name: str) -> tuple[ApiKey, str]:
    """A new key for an instansi; the plain key is returned once and never stored."""
    authorize(actor.user, "api_keys.manage")
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None:
        raise NotFound(instansi_id)
    name = " ".join((name or "").split())[:120]
    if not name:
        raise ValueError("empty name")
    prefix = secrets.token_hex(4)
    while db.session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is not None:
        prefix = secrets.token_hex(4)
    plain = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(instansi_id=instansi.id, name=name, prefix=prefix, secret_hash=_hash(plain),
                 created_by_id=actor.user_id)
    db.session.add(key)
    db.session.flush()
    record(actor, "api_key.create", after={"key": prefix, "instansi": instansi.id, "name": name})
    return key, plain


def revoke_api_key(actor: Actor, key_id: int) -> ApiKey:
    """Revoke a key now (repeating it changes nothing)."""
    authorize(actor.user, "api_keys.manage")
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        record(actor, "api_key.revoke", before={"key": key.prefix, "instansi": key.instansi_id})
        db.session.flush()
    return key


def key_prefix(presented: str) -> str | None:
    """The display prefix of a presented key (``zik_<prefix>_<secret>``), or None if malformed."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 8 or not parts[2]:
        return None
    return parts[1]


def find_api_key(presented: str) -> ApiKey | None:
    """The active key matching the presented Bearer token (constant-time comparison of hashes)."""
    prefix = key_prefix(presented)
    if prefix is None:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, _hash(presented)):
        return None
    return key


#: a key's "last used" is shown to the minute (the audit trail holds every call): written at most
#: once a minute, so a client's concurrent calls do not queue on the key's row
KEY_USE_RESOLUTION = timedelta(minutes=1)


def touch_api_key(key: ApiKey) -> None:
    now = utcnow()
    if key.last_used_at is None or now - as_utc(key.last_used_at) >= KEY_USE_RESOLUTION:
        key.last_used_at = now


def record_api_call(ip: str | None, key_label: str, *, status: int, code: str | None, path: str,
                    instansi_id: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """Every API call, allowed or refused, in the audit trail (the rate limit counts these too)."""
    action = "api.call" if status < 400 else "api.refused"
    record(Actor(None, ip), action, actor_email=key_label, detail={
        "path": path[:300], "status": status, "code": code, "instansi": instansi_id, **(detail or {}),
    })
