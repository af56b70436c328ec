"""The only code that writes evidence records: files, links, and their attachment to indicators."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO
from urllib.parse import urlsplit

from flask import current_app

from zi_assess.assessments.operations import NotFound, bump_revision, get_bundle
from zi_assess.audit import Actor, record
from zi_assess.authz import authorize, editable_layer
from zi_assess.evidence.storage import EvidenceRejected, clean_filename, store
from zi_assess.extensions import db
from zi_assess.models import Evidence, EvidenceBlob, EvidenceLink
from zi_assess.models.base import utcnow
from zi_assess.screening import screen_upload
from zi_assess.sniffing import FileRejected
from zi_assess.storage import evidence_key


def _checked_indicators(criteria_indicators: Iterable[str], indicator_ids: Iterable[str]) -> list[str]:
    known = set(criteria_indicators)
    chosen = list(dict.fromkeys(i for i in indicator_ids if i))
    if not chosen:
        raise EvidenceRejected("no_indicator")
    unknown = [i for i in chosen if i not in known]
    if unknown:
        raise EvidenceRejected("unknown_indicator", unknown[0])
    return chosen


def add_file(actor: Actor, assessment_id: int, indicator_ids: Iterable[str], stream: BinaryIO, filename: str,
             title: str = "") -> Evidence:
    """Store an uploaded file (once per content) and attach it to the indicators."""
    bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "evidence.add", bundle.assessment)
    chosen = _checked_indicators(bundle.criteria.indicators, indicator_ids)
    cfg = current_app.config
    try:
        flags = screen_upload(stream, filename, int(cfg["UPLOAD_MAX_BYTES"]))
    except FileRejected as exc:
        raise EvidenceRejected(exc.code, exc.detail) from None
    # The blob is written first; if this transaction does not commit, no row names it and the
    # sweep removes it after the grace period (never here: another request may share the content).
    stored = store(stream, filename, int(cfg["UPLOAD_MAX_BYTES"]))
    if db.session.get(EvidenceBlob, stored.sha256) is None:
        db.session.add(EvidenceBlob(sha256=stored.sha256, size=stored.size, content_type=stored.content_type))
    name = clean_filename(filename, stored.kind)
    evidence = Evidence(assessment_id=assessment_id, layer=editable_layer(actor.user, bundle.assessment),
                        blob_sha256=stored.sha256, filename=name, title=(title or "").strip()[:200] or name,
                        uploaded_by_id=actor.user_id)
    evidence.links = [EvidenceLink(indicator_id=i) for i in chosen]
    db.session.add(evidence)
    db.session.flush()
    record(actor, "evidence.add", assessment_id=assessment_id, layer=evidence.layer.value,
           after={"evidence": evidence.id, "file": name, "sha256": stored.sha256, "size": stored.size,
                  "indicators": chosen, **({"flags": flags} if flags else {})})
    bump_revision(assessment_id)  # every area page lists the evidence that can be attached
    return evidence


def is_web_link(url: str) -> bool:
    """An http(s) address with a host and no credentials, at most 2,000 characters: what evidence links may be."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.username and len(url) <= 2000


def add_link(actor: Actor, assessment_id: int, indicator_ids: Iterable[str], url: str, title: str = "") -> Evidence:
    """Attach an http(s) link (e.g. a shared-drive folder) as evidence."""
    bundle = get_bundle(actor, assessment_id)
    authorize(actor.user, "evidence.add", bundle.assessment)
    chosen = _checked_indicators(bundle.criteria.indicators, indicator_ids)
    url = (url or "").strip()
    if not is_web_link(url):
        raise EvidenceRejected("bad_url")
    parts = urlsplit(url)
    evidence = Evidence(assessment_id=assessment_id, layer=editable_layer(actor.user, bundle.assessment), url=url,
                        title=(title or "").strip()[:200] or parts.hostname, uploaded_by_id=actor.user_id)
    evidence.links = [EvidenceLink(indicator_id=i) for i in chosen]
    db.session.add(evidence)
    db.session.flush()
    record(actor, "evidence.add", assessment_id=assessment_id, layer=evidence.layer.value,
           after={"evidence": evidence.id, "url": url, "indicators": chosen})
    bump_revision(assessment_id)  # every area page lists the evidence that can be attached
    return evidence


def _own_evidence(actor: Actor, evidence_id: int) -> tuple[Evidence, object]:
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.removed_at is not None:
        raise NotFound(evidence_id)
    bundle = get_bundle(actor, evidence.assessment_id)
    authorize(actor.user, "evidence.add", bundle.assessment)
    return evidence, bundle


def attach(actor: Actor, evidence_id: int, indicator_id: str) -> None:
    """Attach existing evidence to one more indicator (one file can support several)."""
    evidence, bundle = _own_evidence(actor, evidence_id)
    (indicator_id,) = _checked_indicators(bundle.criteria.indicators, [indicator_id])  # type: ignore[attr-defined]
    if any(link.indicator_id == indicator_id for link in evidence.links):
        return
    evidence.links.append(EvidenceLink(indicator_id=indicator_id))
    record(actor, "evidence.link", assessment_id=evidence.assessment_id, indicator_id=indicator_id,
           after={"evidence": evidence.id})
    # the evidence list and the attach choices of every area page show it
    bump_revision(evidence.assessment_id)


def detach(actor: Actor, evidence_id: int, indicator_id: str) -> None:
    """Take evidence off one indicator; evidence on no indicator is removed from the list."""
    evidence, _bundle = _own_evidence(actor, evidence_id)
    evidence.links = [link for link in evidence.links if link.indicator_id != indicator_id]
    record(actor, "evidence.unlink", assessment_id=evidence.assessment_id, indicator_id=indicator_id,
           before={"evidence": evidence.id})
    if not evidence.links:
        evidence.removed_at = utcnow()
        record(actor, "evidence.remove", assessment_id=evidence.assessment_id, before={"evidence": evidence.id})
    bump_revision(evidence.assessment_id)


def evidence_for_download(actor: Actor, evidence_id: int) -> tuple[Evidence, str]:
    """The record and its key in the store, if the actor may read the assessment it belongs to."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.blob_sha256 is None:
        raise NotFound(evidence_id)
    get_bundle(actor, evidence.assessment_id, "evidence.download")
    return evidence, evidence_key(evidence.blob_sha256)


def record_download(actor: Actor, evidence: Evidence) -> None:
    """Reading evidence is access to the unit's data: audited (listed in the assessment's history)."""
    record(actor, "evidence.download", assessment_id=evidence.assessment_id,
           detail={"evidence": evidence.id, "file": (evidence.filename or "")[:200]})
