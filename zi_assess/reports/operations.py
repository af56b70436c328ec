"""The only code of the reports package that writes to the database.

Like every ``operations`` module it takes the acting :class:`~zi_assess.audit.Actor`, checks
permission itself, records audit events and flushes; the caller commits. Export-job steps run
in workers and change nothing but their own job's rows, each with a compare-and-set so that a
job delivered twice, or two workers finishing at once, still produce exactly one ZIP.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from zi_assess.assessments.operations import NotFound, get_assessment  # noqa: F401  (re-exported for documents)
from zi_assess.audit import Actor, record
from zi_assess.authz import allowed, authorize
from zi_assess.extensions import db, savepoint
from zi_assess.models import Assessment, ExportItem, ExportJob, Instansi, StoredReport, Unit, User
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


def begin_item(item_id: int) -> ExportItem | None:
    """The item to render, if it is still pending; marks its job running (idempotent)."""
    item = db.session.get(ExportItem, item_id)
    if item is None or item.status != "pending":
        return None
    db.session.execute(update(ExportJob).where(ExportJob.id == item.job_id, ExportJob.status == "queued")
                       .values(status="running").execution_options(synchronize_session=False))
    return item


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
