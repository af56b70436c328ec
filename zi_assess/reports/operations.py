"""The only code of the reports package that writes to the database.

Like every ``operations`` module it takes the acting :class:`~zi_assess.audit.Actor`, checks
permission itself, records audit events and flushes; the caller commits. Export-job steps run
in workers and change nothing but their own job's rows, each with a compare-and-set so that a
job delivered twice, or two workers finishing at once, still produce exactly one ZIP.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from zi_assess.assessments.operations import NotFound, get_assessment  # noqa: F401  (re-exported for documents)
from zi_assess.audit import Actor, record
from zi_assess.authz import allowed, authorize
from zi_assess.extensions import db, savepoint
from zi_assess.models import Assessment, ExportItem, ExportJob, Instansi, RenderJob, StoredReport, Unit, User
from zi_assess.models.base import utcnow


class InvalidExport(ValueError):
    """A bulk export request that cannot be carried out; ``code`` is stable, the view words it."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# -- single reports ---------------------------------------------------------------------------


def store_report(
    actor: Actor, assessment: Assessment, *, kind: str, layer: str, locale: str, lock_change_id: int,
    criteria_id: str, template_version: str, sha256: str, size: int,
) -> StoredReport | None:
    """Index a rendered final report. None when a concurrent request stored the same report first."""
    row = StoredReport(
        assessment_id=assessment.id, kind=kind, layer=layer, locale=locale, lock_change_id=lock_change_id,
        criteria_id=criteria_id, criteria_hash=assessment.criteria_hash, template_version=template_version,
        sha256=sha256, size=size, created_by_id=actor.user_id,
    )
    try:
        with savepoint():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return None  # the unique key caught a concurrent first download; the savepoint undid ours
    record(actor, "report.store", assessment_id=assessment.id, layer=layer,
           after={"kind": kind, "locale": locale, "sha256": sha256, "size": size, "criteria": criteria_id})
    return row


def record_download(actor: Actor, assessment_id: int, *, kind: str, layer: str, draft: bool, stored: bool) -> None:
    """Reading an assessment's report is access to sensitive data: it goes to the audit trail."""
    record(actor, "report.download", assessment_id=assessment_id, layer=layer,
           detail={"kind": kind, "draft": draft, "stored": stored})


# -- renderings off the request path -------------------------------------------------------------


def create_render_job(
    actor: Actor, key: str, *, kind: str, locale: str, url: str, assessment_id: int | None = None,
    layer: str | None = None, params: dict[str, Any] | None = None, request_id: str | None = None,
) -> tuple[RenderJob, bool]:
    """The rendering of ``key``: a new queued one (True), or the one a concurrent request made first."""
    job = RenderJob(id=secrets.token_hex(16), key=key, kind=kind, assessment_id=assessment_id, layer=layer,
                    locale=locale, params=params, requested_by_id=actor.user_id, status="queued", attempts=0,
                    draft=False, url=url[:1000], request_id=request_id)
    try:
        with savepoint():
            db.session.add(job)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(select(RenderJob).where(RenderJob.key == key))
        assert existing is not None
        return existing, False
    return job, True


def requeue_render(actor: Actor, job_id: str, *, stale_before: datetime, request_id: str | None = None) -> bool:
    """Queue a finished, failed or abandoned rendering again; False when another request already did."""
    moved = db.session.execute(
        update(RenderJob).where(RenderJob.id == job_id, or_(
            RenderJob.status.in_(("done", "failed")), RenderJob.requested_at < stale_before))
        .values(status="queued", error=None, requested_at=utcnow(), finished_at=None, attempts=0,
                requested_by_id=actor.user_id, request_id=request_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    return moved == 1


def begin_render(job_id: str) -> RenderJob | None:
    """The rendering to do now, if it is still queued (a second delivery gets None)."""
    moved = db.session.execute(
        update(RenderJob).where(RenderJob.id == job_id, RenderJob.status == "queued")
        .values(status="running", attempts=RenderJob.attempts + 1).execution_options(synchronize_session=False)
    ).rowcount
    return db.session.get(RenderJob, job_id, populate_existing=True) if moved == 1 else None


def finish_render(job_id: str, *, filename: str | None = None, sha256: str | None = None, size: int | None = None,
                  draft: bool = False, error: str | None = None) -> bool:
    """Record a rendering's outcome (only while it runs: a rendering queued again meanwhile wins)."""
    done = db.session.execute(
        update(RenderJob).where(RenderJob.id == job_id, RenderJob.status == "running")
        .values(status="failed" if error else "done", filename=filename, sha256=sha256, size=size, draft=draft,
                error=error, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return done == 1


# -- bulk export --------------------------------------------------------------------------------


def create_export_job(
    actor: Actor, instansi_id: int, year: int, unit_ids: Sequence[int] | None, *, locale: str, backend: str,
) -> ExportJob:
    """One job with one item per selected unit (``unit_ids`` None: every unit of the instansi)."""
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None:
        raise NotFound(instansi_id)
    authorize(actor.user, "export.lhe", instansi)
    query = select(Unit).where(Unit.instansi_id == instansi.id).order_by(Unit.name, Unit.id)
    if unit_ids is not None:
        wanted = set(unit_ids)
        if not wanted:
            raise InvalidExport("no_units")
        query = query.where(Unit.id.in_(wanted))
    units = list(db.session.scalars(query))
    if not units:
        raise InvalidExport("no_units")
    if unit_ids is not None and len(units) != len(set(unit_ids)):
        raise InvalidExport("foreign_units")
    assessments = dict(db.session.execute(
        select(Assessment.unit_id, Assessment.id).where(Assessment.unit_id.in_([u.id for u in units]),
                                                        Assessment.year == year)
    ).all())
    assert actor.user is not None
    job = ExportJob(id=secrets.token_hex(16), kind="lhe", created_by_id=actor.user.id, instansi_id=instansi.id,
                    year=year, locale=locale, backend=backend, status="queued", total=len(units))
    db.session.add(job)
    db.session.flush()  # the items reference it (no ORM relationship tells the flush that order)
    db.session.add_all(
        ExportItem(job_id=job.id, position=pos, unit_id=unit.id, assessment_id=assessments.get(unit.id),
                   label=f"{unit.code} — {unit.name}", status="pending")
        for pos, unit in enumerate(units, start=1)
    )
    record(actor, "export.create", detail={"job": job.id, "kind": "lhe", "instansi": instansi.id, "year": year,
                                           "units": len(units), "backend": backend})
    db.session.flush()
    return job


def get_export_job(actor: Actor, job_id: str) -> ExportJob:
    """A job the actor may follow (see authz ``export.follow``); anyone else gets NotFound."""
    job = db.session.get(ExportJob, job_id)
    if job is None or not allowed(actor.user, "export.follow", job):
        raise NotFound(job_id)
    return job


#: deliveries of one bulk-export item: the first, and one retry after its worker died mid-report
ITEM_ATTEMPTS = 2


def begin_item(item_id: int, *, lease_seconds: float) -> ExportItem | None:
    """Take the item to render, if it is still pending and no live worker holds it: counts the
    attempt and leases it for ``lease_seconds``; marks its job running (idempotent)."""
    now = utcnow()
    taken = db.session.execute(
        update(ExportItem).where(ExportItem.id == item_id, ExportItem.status == "pending",
                                 ExportItem.attempts < ITEM_ATTEMPTS,
                                 or_(ExportItem.lease_until.is_(None), ExportItem.lease_until < now))
        .values(attempts=ExportItem.attempts + 1, lease_until=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return None
    item = db.session.get(ExportItem, item_id, populate_existing=True)
    assert item is not None
    db.session.execute(update(ExportJob).where(ExportJob.id == item.job_id, ExportJob.status == "queued")
                       .values(status="running").execution_options(synchronize_session=False))
    return item


def abandoned_items(job_id: str | None = None) -> list[tuple[int, str, int]]:
    """(item id, job id, attempts) of pending items whose lease ran out: their worker died mid-report."""
    query = select(ExportItem.id, ExportItem.job_id, ExportItem.attempts).where(
        ExportItem.status == "pending", ExportItem.lease_until < utcnow())
    if job_id is not None:
        query = query.where(ExportItem.job_id == job_id)
    return [(item_id, job, attempts) for item_id, job, attempts in db.session.execute(query.order_by(ExportItem.id))]


def release_item(item_id: int) -> bool:
    """Free an abandoned item for its retry; False when another process got there first."""
    return db.session.execute(
        update(ExportItem).where(ExportItem.id == item_id, ExportItem.status == "pending",
                                 ExportItem.lease_until < utcnow())
        .values(lease_until=None).execution_options(synchronize_session=False)
    ).rowcount == 1


def finish_item(item_id: int, *, file_name: str | None = None, size: int | None = None,
                error: str | None = None) -> bool:
    """Record one report's outcome; False when another delivery of the same item got there first."""
    done = db.session.execute(
        update(ExportItem).where(ExportItem.id == item_id, ExportItem.status == "pending")
        .values(status="failed" if error else "done", error=error, file_name=file_name, size=size,
                finished_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return done == 1


def claim_zip(job_id: str) -> bool:
    """True for exactly one caller, once no item is pending: that caller builds the ZIP."""
    pending = exists().where(ExportItem.job_id == job_id, ExportItem.status == "pending")
    claimed = db.session.execute(
        update(ExportJob).where(ExportJob.id == job_id, ExportJob.status.in_(("queued", "running")), ~pending)
        .values(status="zipping").execution_options(synchronize_session=False)
    ).rowcount
    return claimed == 1


def finish_job(job_id: str, *, zip_name: str | None, zip_size: int | None, error: str | None = None) -> None:
    db.session.execute(
        update(ExportJob).where(ExportJob.id == job_id)
        .values(status="failed" if error else "done", zip_name=zip_name, zip_size=zip_size, error=error,
                finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    job = db.session.get(ExportJob, job_id)
    if job is not None:
        db.session.refresh(job)
        creator = db.session.get(User, job.created_by_id)
        record(Actor(creator, "export-job"), "export.finish", detail={"job": job_id, "status": job.status,
                                                                      "zip_size": zip_size})


def repair_report(actor: Actor, row: StoredReport, *, sha256: str, size: int) -> None:
    """A stored report's file was lost or altered: point its row at the new rendering."""
    before = {"sha256": row.sha256, "size": row.size}
    row.sha256, row.size = sha256, size
    record(actor, "report.repair", assessment_id=row.assessment_id, layer=row.layer, before=before,
           after={"sha256": sha256, "size": size})
    db.session.flush()
