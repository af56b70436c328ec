"""The only code of the reports package that writes to the database.

Like every ``operations`` module it takes the acting :class:`~zi_assess.audit.Actor`, checks
permission itself, records audit events and flushes; the caller commits. Export-job steps run
in workers and change nothing but their own job's rows, each with a compare-and-set so that a
job delivered twice, or two workers finishing at once, still produce exactly one ZIP.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from zi_assess.assessments.operations import NotFound, get_assessment  # noqa: F401  (re-exported for documents)
from zi_assess.audit import Actor, record
from zi_assess.authz import RECAP_ROLES, PermissionDenied, authorize
from zi_assess.extensions import db
from zi_assess.models import Assessment, ExportItem, ExportJob, Instansi, Role, StoredReport, Unit, User
from zi_assess.models.base import utcnow

#: roles that may export the LHE of every unit of their instansi (national roles: of any instansi)
EXPORT_INSTANSI_ROLES = frozenset({Role.MANAGER, Role.TPI_LEAD})
EXPORT_NATIONAL_ROLES = frozenset({Role.NATIONAL_MANAGER, Role.ADMIN})


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
    """Index a rendered final report. None when a concurrent request stored the same report first.

    Call it before anything else is added to the session (a lost race rolls the session back).
    """
    row = StoredReport(
        assessment_id=assessment.id, kind=kind, layer=layer, locale=locale, lock_change_id=lock_change_id,
        criteria_id=criteria_id, template_version=template_version, sha256=sha256, size=size,
        created_by_id=actor.user_id,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # The unique key caught a concurrent first download; called before anything else is
        # written in the request, so rolling back loses nothing.
        db.session.rollback()
        return None
    record(actor, "report.store", assessment_id=assessment.id, layer=layer,
           after={"kind": kind, "locale": locale, "sha256": sha256, "size": size, "criteria": criteria_id})
    return row


def record_download(actor: Actor, assessment_id: int, *, kind: str, layer: str, draft: bool, stored: bool) -> None:
    """Reading an assessment's report is access to sensitive data: it goes to the audit trail."""
    record(actor, "report.download", assessment_id=assessment_id, layer=layer,
           detail={"kind": kind, "draft": draft, "stored": stored})


# -- recap ------------------------------------------------------------------------------------


def _roles_instansi(user: User, roles: Iterable[Role]) -> list[Instansi]:
    """The instansi where ``user`` holds one of ``roles``, by name."""
    wanted = {a.instansi_id for a in user.roles if a.role in roles and a.instansi_id is not None}
    if not wanted:
        return []
    return list(db.session.scalars(select(Instansi).where(Instansi.id.in_(wanted)).order_by(Instansi.name)))


def _all_instansi() -> list[Instansi]:
    return list(db.session.scalars(select(Instansi).order_by(Instansi.name)))


def recap_scope(actor: Actor, instansi_id: int | None) -> tuple[Instansi | None, bool]:
    """The instansi a recap covers (None: national) and whether the actor reads nationally."""
    user = actor.user
    national = user is not None and user.has_role(*EXPORT_NATIONAL_ROLES)
    if instansi_id is not None:
        instansi = db.session.get(Instansi, instansi_id)
        if instansi is None:
            raise NotFound(instansi_id)
        authorize(user, "recap.view", instansi)
        return instansi, national
    if national:
        authorize(user, "recap.view", None)
        return None, True
    own = _roles_instansi(user, RECAP_ROLES) if user else []
    if not own:
        raise PermissionDenied("recap.view", "no instansi to recap")
    authorize(user, "recap.view", own[0])
    return own[0], False


def recap_instansi(user: User | None) -> tuple[list[Instansi], bool]:
    """Instansi this user may recap, and whether a national recap is open to them."""
    if user is None:
        return [], False
    if user.has_role(*EXPORT_NATIONAL_ROLES):
        return _all_instansi(), True
    return _roles_instansi(user, RECAP_ROLES), False


# -- bulk export --------------------------------------------------------------------------------


def export_instansi(user: User | None) -> list[Instansi]:
    """Instansi whose units this user may export in bulk."""
    if user is None:
        return []
    if user.has_role(*EXPORT_NATIONAL_ROLES):
        return _all_instansi()
    return _roles_instansi(user, EXPORT_INSTANSI_ROLES)


def can_export(user: User | None, instansi_id: int | None) -> bool:
    """Whether ``user`` may export the units of one instansi (no list of every instansi loaded)."""
    if user is None or not user.is_active or instansi_id is None:
        return False
    return user.has_role(*EXPORT_NATIONAL_ROLES) or any(
        a.role in EXPORT_INSTANSI_ROLES and a.instansi_id == instansi_id for a in user.roles)


def authorize_export(user: User | None, instansi: Instansi) -> None:
    if user is None or not user.is_active:
        raise PermissionDenied("export.lhe", "not signed in")
    if not can_export(user, instansi.id):
        raise PermissionDenied("export.lhe", "not a manager of this instansi", hide=True)


def create_export_job(
    actor: Actor, instansi_id: int, year: int, unit_ids: Sequence[int] | None, *, locale: str, backend: str,
) -> ExportJob:
    """One job with one item per selected unit (``unit_ids`` None: every unit of the instansi)."""
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None:
        raise NotFound(instansi_id)
    authorize_export(actor.user, instansi)
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
    """A job its creator (or an admin) may follow; anyone else gets NotFound."""
    job = db.session.get(ExportJob, job_id)
    user = actor.user
    if job is None or user is None or (job.created_by_id != user.id and not user.has_role(Role.ADMIN)):
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
