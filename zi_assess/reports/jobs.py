"""Bulk export of LHE PDFs: one background task per report, then one ZIP.

With ``REDIS_URL`` set, every report is an RQ job on ``REPORT_QUEUE``, run by ``zi-assess
worker`` processes (two of them use both cores); without Redis a small in-process thread pool
runs the same function. Everything the progress page shows lives in the database
(:class:`~zi_assess.models.ExportJob` and its items), so the page survives a reload and any web
process can answer it. A report that fails is recorded with its reason and the others go on;
whichever task finishes last builds the ZIP (``claim_zip`` lets exactly one do it).

Any number of workers on any number of machines may share Redis, the database and the report
store. A worker takes an item with a lease (the report timeout plus a grace); an item still pending
after its lease ran out lost its worker (killed mid-report) and :func:`reap` queues it once more,
then lists it as failed.
"""

from __future__ import annotations

import logging
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from zi_assess.assessments.operations import NotFound
from zi_assess.assessments.scores import EFFECTIVE
from zi_assess.audit import Actor
from zi_assess.authz import PermissionDenied
from zi_assess.extensions import db, redis_client
from zi_assess.filenames import slug
from zi_assess.models import ExportItem, ExportJob, Instansi, User
from zi_assess.reports import bounds, documents
from zi_assess.reports import operations as ops
from zi_assess.storage import BlobMissing, export_key, get_store

log = logging.getLogger(__name__)

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_WORKER_APP: Flask | None = None
#: a leased item's worker is presumed dead this long after the report timeout
LEASE_GRACE_SECONDS = 15


def backend() -> str:
    return "rq" if current_app.config.get("REDIS_URL") else "pool"


def redis_connection() -> Any:
    return redis_client()


def queue(connection: Any = None) -> Any:
    from rq import Queue

    return Queue(current_app.config["REPORT_QUEUE"], connection=connection or redis_connection())


def start(job: ExportJob) -> None:
    """Hand every pending item of a committed job to the workers."""
    item_ids = list(db.session.scalars(
        select(ExportItem.id).where(ExportItem.job_id == job.id, ExportItem.status == "pending")
        .order_by(ExportItem.position)
    ))
    for item_id in item_ids:
        _enqueue_item(job.id, job.backend, item_id)


def _enqueue_item(job_id: str, backend_name: str, item_id: int) -> None:
    if backend_name == "rq":
        from rq import Callback

        queue().enqueue_call(run_item, args=(job_id, item_id), timeout=int(current_app.config["REPORT_JOB_TIMEOUT"]),
                             result_ttl=0, failure_ttl=7 * 86400, description=f"LHE export {job_id} item {item_id}",
                             on_failure=Callback(item_failed))
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _pool(int(current_app.config["REPORT_POOL_SIZE"])).submit(_pool_task, app, job_id, item_id)


def lease_seconds() -> float:
    """How long a worker holds an item: the hard report timeout, plus time to record the outcome."""
    return float(current_app.config["REPORT_JOB_TIMEOUT"]) + LEASE_GRACE_SECONDS


def reap(job_id: str | None = None) -> int:
    """Items whose worker died mid-report (SIGKILL, a lost machine): each is queued once more, and
    after its second attempt listed as failed. Run by ``zi-assess worker`` at start and by the
    progress page; any number of processes may run it at once. Returns how many items it handled."""
    handled = 0
    for item_id, item_job, attempts in ops.abandoned_items(job_id):
        job = db.session.get(ExportJob, item_job)
        assert job is not None
        if attempts >= ops.ITEM_ATTEMPTS:
            with force_locale(job.locale):
                failed = ops.finish_item(item_id, error=_("PDF tidak dapat dibuat: proses pembuatnya berhenti di "
                                                          "tengah jalan %(n)s kali.", n=attempts))
            db.session.commit()
            if failed:
                log.warning("export %s item %s abandoned %s times: failed", item_job, item_id, attempts)
                _maybe_finish(item_job)
                handled += 1
        elif ops.release_item(item_id):
            backend_name = job.backend
            db.session.commit()
            log.warning("export %s item %s: its worker stopped mid-report; queued again", item_job, item_id)
            _enqueue_item(item_job, backend_name, item_id)
            handled += 1
        else:
            db.session.commit()
    db.session.rollback()
    return handled


def _pool(size: int) -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="zi-report")
        return _POOL


def _pool_task(app: Flask, job_id: str, item_id: int) -> None:
    try:
        with app.app_context():
            _render_item(job_id, item_id)
    except Exception:  # a thread has no one to report to: log it (the item is already marked)
        log.exception("export %s item %s failed in the in-process pool", job_id, item_id)


def worker_app() -> Flask:
    """The app of the current context, or (an RQ worker started elsewhere) a new one."""
    global _WORKER_APP
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
    if _WORKER_APP is None:
        from zi_assess import create_app

        _WORKER_APP = create_app()
    return _WORKER_APP


def run_item(job_id: str, item_id: int) -> None:
    """RQ entry point: render one report of a bulk export into the job's folder."""
    with worker_app().app_context():
        _render_item(job_id, item_id)


def item_failed(rq_job: Any, connection: Any, *exc_info: Any) -> None:
    """RQ failure callback (a timeout or crash outside our own error handling): record and go on.
    A job RQ found abandoned (its worker died) is left to :func:`reap`, which retries it once."""
    if exc_info and getattr(exc_info[0], "__name__", "") == "AbandonedJobError":
        return
    job_id, item_id = rq_job.args
    with worker_app().app_context():
        job = db.session.get(ExportJob, job_id)
        with force_locale(job.locale if job else "id"):
            ops.finish_item(item_id, error=_("PDF tidak dapat dibuat (pekerjaan dihentikan)."))
        db.session.commit()
        _maybe_finish(job_id)


def item_key(job_id: str, file_name: str) -> str:
    return export_key(f"{job_id}/{file_name}")


def _render_item(job_id: str, item_id: int) -> None:
    item = ops.begin_item(item_id, lease_seconds=lease_seconds())
    if item is None:  # delivered twice, or already failed by a callback
        db.session.commit()
        _maybe_finish(job_id)
        return
    job = db.session.get(ExportJob, job_id)
    assert job is not None
    user = db.session.get(User, job.created_by_id)
    position, assessment_id, locale, year = item.position, item.assessment_id, job.locale, job.year
    db.session.commit()
    file_name = error = None
    size = None
    with force_locale(locale):
        try:
            if assessment_id is None:
                error = _("Unit ini belum memiliki penilaian untuk tahun %(year)s.", year=year)
            else:
                with bounds.render_slot(), bounds.gc_paused():
                    rendered = documents.assessment_report(Actor(user, "export-job"), assessment_id, "lhe",
                                                           EFFECTIVE, locale)
                file_name = f"{position:03d}-{rendered.filename}"
                get_store().save(item_key(job_id, file_name), rendered.pdf)
                size = len(rendered.pdf)
                db.session.commit()  # the stored report and the audit event of this rendering
        except (NotFound, PermissionDenied):
            db.session.rollback()
            error = _("Penilaian ini tidak dapat Anda akses.")
        except Exception as exc:
            db.session.rollback()
            log.exception("export %s: LHE of assessment %s failed", job_id, assessment_id)
            error = _("PDF tidak dapat dibuat karena kesalahan sistem; rincian ada di log server (%(problem)s).",
                      problem=type(exc).__name__)
    ops.finish_item(item_id, file_name=file_name if error is None else None, size=size, error=error)
    db.session.commit()
    _maybe_finish(job_id)


def _maybe_finish(job_id: str) -> None:
    """Build the ZIP if this was the last report (only one caller wins the claim)."""
    if not ops.claim_zip(job_id):
        db.session.commit()
        return
    db.session.commit()
    job = db.session.get(ExportJob, job_id)
    assert job is not None
    try:
        name, size, made = _build_zip(job)
        with force_locale(job.locale):
            error = None if made else _("Tidak ada laporan yang berhasil dibuat.")
        ops.finish_job(job_id, zip_name=name if made else None, zip_size=size if made else None, error=error)
    except Exception as exc:
        db.session.rollback()
        log.exception("export %s: building the ZIP failed", job_id)
        with force_locale(job.locale):
            error = _("Berkas ZIP tidak dapat disusun karena kesalahan sistem; rincian ada di log server "
                      "(%(problem)s).", problem=type(exc).__name__)
        ops.finish_job(job_id, zip_name=None, zip_size=None, error=error)
    db.session.commit()


def _build_zip(job: ExportJob) -> tuple[str, int, int]:
    """The job's PDFs (stored, not recompressed: PDFs are compressed already) plus a list of failures."""
    items = list(db.session.scalars(select(ExportItem).where(ExportItem.job_id == job.id)
                                    .order_by(ExportItem.position)))
    instansi = db.session.get(Instansi, job.instansi_id) if job.instansi_id else None
    scope = slug(instansi.name, fallback="instansi", max_length=50) if instansi else "instansi"
    name = f"LHE-{scope}-{job.year}-{job.id[:8]}.zip"
    store = get_store()
    made = 0
    with store.staging() as staged:
        with zipfile.ZipFile(staged.file, "w", compression=zipfile.ZIP_STORED) as archive:
            for item in items:
                if item.status != "done" or not item.file_name:
                    continue
                try:
                    pdf = store.read(item_key(job.id, item.file_name))
                except BlobMissing:
                    log.error("export %s: %s is missing from the store", job.id, item.file_name)
                    continue
                archive.writestr(item.file_name, pdf)
                made += 1
            failures = [item for item in items if item.status != "done"]
            if failures:
                with force_locale(job.locale):
                    lines = [_("Laporan yang tidak dapat dibuat:"), ""]
                    lines += [f"{item.position:03d} {item.label}: {item.error or '-'}" for item in failures]
                archive.writestr("GAGAL.txt", "\n".join(lines) + "\n")
        size = staged.file.tell()
        store.commit_staged(staged, export_key(name))
    for entry in list(store.list(export_key(f"{job.id}/"))):
        store.delete(entry.key)
    return name, size, made


def zip_key(job: ExportJob) -> str | None:
    """The finished ZIP's key in the store, if it is there."""
    if job.status != "done" or not job.zip_name:
        return None
    key = export_key(job.zip_name)
    return key if get_store().exists(key) else None


def progress(job: ExportJob) -> dict[str, Any]:
    """What the progress page shows: counts by state and every failure with its reason."""
    counts = dict(db.session.execute(
        select(ExportItem.status, func.count()).where(ExportItem.job_id == job.id).group_by(ExportItem.status)
    ).all())
    failures = db.session.execute(
        select(ExportItem.label, ExportItem.error).where(ExportItem.job_id == job.id, ExportItem.status == "failed")
        .order_by(ExportItem.position)
    ).all()
    done, failed = counts.get("done", 0), counts.get("failed", 0)
    return {
        "id": job.id, "status": job.status, "total": job.total, "done": done, "failed": failed,
        "pending": job.total - done - failed,
        "percent": round(100 * (done + failed) / job.total) if job.total else 100,
        "failures": [{"label": label, "error": error} for label, error in failures],
        "error": job.error,
    }
