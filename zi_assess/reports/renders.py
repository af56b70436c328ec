"""Single reports (LHE, LKE sheet, recap) rendered off the request path.

A download request never renders. It serves the stored file of a final report, or the finished
rendering of the same report (found by its key, see :class:`~zi_assess.models.RenderJob`), or
else queues the rendering — once: a request for a report already queued or rendering finds the
same row and answers at once — and waits at most ``REPORT_WAIT_SECONDS`` for it. When the report
is not ready by then the request answers with a progress page that turns into the download when
it is.

With ``REDIS_URL`` set, renderings are RQ jobs on the queue ``<REPORT_QUEUE>-now``, which
``zi-assess worker`` serves before the bulk exports of ``REPORT_QUEUE``; without Redis (for
development) a small in-process thread pool renders them, and the log and the progress page
say so. Every render holds a slot of :mod:`~zi_assess.reports.bounds` and is stopped after
``REPORT_JOB_TIMEOUT`` seconds (RQ's job timeout). A failed rendering is logged with the id of
the request that queued it and shown as "failed, try again" (the button queues it again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from zi_assess.assessments.operations import LAYER_LOCKED, NotFound
from zi_assess.assessments.scores import EFFECTIVE
from zi_assess.audit import Actor, system_actor
from zi_assess.authz import PermissionDenied
from zi_assess.extensions import after_commit, db
from zi_assess.models import RenderJob, User
from zi_assess.models.base import as_utc, utcnow
from zi_assess.observability import current_request_id
from zi_assess.reports import bounds, documents, jobs, storage
from zi_assess.reports import operations as ops

log = logging.getLogger(__name__)

#: a finished recap is served again for this long (it shows live figures, not a locked layer)
RECAP_FRESH_SECONDS = 60
#: a queued or running rendering not finished this long after its timeout was abandoned (a killed worker)
ABANDONED_GRACE_SECONDS = 30
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


@dataclass(frozen=True)
class Limited:
    """The user asked for too many renderings this minute."""

    retry_after: int


def now_queue_name() -> str:
    """The RQ queue of single renderings (served before the bulk exports of ``REPORT_QUEUE``)."""
    return f"{current_app.config['REPORT_QUEUE']}-now"


def assessment_key(target: documents.ReportTarget, locale: str) -> str:
    """What an assessment report shows: final ones by the step that locked them, drafts by revision."""
    state = f"L{target.lock}" if target.lock is not None else f"r{target.assessment.revision}"
    return f"{target.kind}:{target.assessment.id}:{target.store_layer}:{locale}:{state}"


def recap_key(user_id: int, locale: str, filters: documents.RecapFilters) -> str:
    digest = hashlib.sha256(json.dumps(asdict(filters), sort_keys=True).encode()).hexdigest()[:40]
    return f"recap:{user_id}:{locale}:{digest}"


# -- the request side ---------------------------------------------------------------------------


def assessment_download(actor: Actor, assessment_id: int, kind: str, layer_key: str, locale: str,
                        url: str) -> documents.Rendered | RenderJob | Limited:
    """The PDF of an assessment report if it is ready (now or within the wait), else its rendering."""
    target = documents.report_target(actor, assessment_id, kind, layer_key)
    found = documents.stored(actor, target, locale)
    if found is not None:
        return found
    return _obtain(actor, assessment_key(target, locale), url, fresh=None, kind=kind, locale=locale,
                   assessment_id=assessment_id, layer=layer_key)


def recap_download(actor: Actor, filters: documents.RecapFilters, locale: str,
                   url: str) -> documents.Rendered | RenderJob | Limited:
    """The recap PDF as ``filters`` select it for this reader (rendered for them alone)."""
    documents.recap_scope(actor, filters.instansi_id)  # PermissionDenied / NotFound before anything is queued
    assert actor.user_id is not None
    return _obtain(actor, recap_key(actor.user_id, locale, filters), url, fresh=RECAP_FRESH_SECONDS, kind="recap",
                   locale=locale, params=asdict(filters))


def _obtain(actor: Actor, key: str, url: str, *, fresh: int | None,
            **fields: Any) -> documents.Rendered | RenderJob | Limited:
    job = db.session.scalar(select(RenderJob).where(RenderJob.key == key))
    if job is not None and job.status == "done" and _fresh(job, fresh):
        served = _serve(actor, job)
        if served is not None:
            return served
    if job is not None and job.status == "failed":
        return job  # the progress page says so; its button queues it again
    if job is None or job.status == "done" or _abandoned(job):
        assert actor.user_id is not None
        allowed, retry_after = bounds.render_rate(actor.user_id)
        if not allowed:
            return Limited(retry_after)
        if job is None:
            job, queued = ops.create_render_job(actor, key, url=url, request_id=current_request_id(), **fields)
        else:
            queued = ops.requeue_render(actor, job.id, stale_before=_stale_before(),
                                        request_id=current_request_id())
        job_id = job.id
        db.session.commit()
        if queued:
            enqueue(job_id)
            # only the request that queued it waits (sync web workers are few): a quick report comes at once
            return wait(actor, job_id, float(current_app.config["REPORT_WAIT_SECONDS"]))
    return wait(actor, job.id, 0)


def requeue(actor: Actor, job: RenderJob) -> None:
    """The retry button: queue a failed (or abandoned) rendering again; the caller commits first."""
    if ops.requeue_render(actor, job.id, stale_before=_stale_before(), request_id=current_request_id()):
        db.session.commit()
        enqueue(job.id)


def wait(actor: Actor, job_id: str, seconds: float) -> documents.Rendered | RenderJob:
    """Wait (reading the row, never rendering) until the rendering ends or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while True:
        status = db.session.scalar(select(RenderJob.status).where(RenderJob.id == job_id))
        if status in ("done", "failed") or time.monotonic() >= deadline:
            break
        db.session.rollback()  # a new snapshot for the next look (nothing of ours is pending)
        time.sleep(0.05)
    job = db.session.get(RenderJob, job_id, populate_existing=True)
    assert job is not None
    if job.status == "done":
        served = _serve(actor, job)
        if served is not None:
            return served
    return job


def _serve(actor: Actor, job: RenderJob) -> documents.Rendered | None:
    pdf = storage.read_hash(job.sha256, f"rendering {job.id}") if job.sha256 else None
    if pdf is None or job.filename is None:
        return None
    if job.assessment_id is not None and job.layer is not None:
        ops.record_download(actor, job.assessment_id, kind=job.kind, layer=job.layer, draft=job.draft, stored=False)
    return documents.Rendered(pdf, job.filename, draft=job.draft, stored=False)


def _fresh(job: RenderJob, fresh: int | None) -> bool:
    if fresh is None:
        return True
    return job.finished_at is not None and as_utc(job.finished_at) > utcnow() - timedelta(seconds=fresh)


def _stale_before() -> Any:
    timeout = int(current_app.config["REPORT_JOB_TIMEOUT"])
    return utcnow() - timedelta(seconds=timeout + ABANDONED_GRACE_SECONDS)


def _abandoned(job: RenderJob) -> bool:
    return job.status in ("queued", "running") and as_utc(job.requested_at) < _stale_before()


def progress(job: RenderJob) -> dict[str, Any]:
    """What the progress page shows and its script polls."""
    return {"status": job.status, "ready": job.status == "done", "failed": job.status == "failed",
            "error": job.error, "url": job.url, "backend": jobs.backend()}


# -- queueing --------------------------------------------------------------------------------------


def enqueue(job_id: str, *, queue_name: str | None = None) -> None:
    """Hand a committed, queued rendering to a worker (RQ; default queue: ``<REPORT_QUEUE>-now``) or to
    the in-process pool."""
    if jobs.backend() == "rq":
        from rq import Callback, Queue

        Queue(queue_name or now_queue_name(), connection=jobs.redis_connection()).enqueue_call(
            run_render, args=(job_id,), timeout=int(current_app.config["REPORT_JOB_TIMEOUT"]), result_ttl=0,
            failure_ttl=86400, description=f"render {job_id}", on_failure=Callback(render_failed))
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _pool(app).submit(_pool_render, app, job_id)


def _pool(app: Flask) -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            size = max(1, int(app.config["REPORT_RENDER_CONCURRENCY"]))
            log.warning("PDF reports render in the web process (%s threads): development only; set ZI_REDIS_URL "
                        "and run `zi-assess worker` in production", size)
            _POOL = ThreadPoolExecutor(max_workers=size, thread_name_prefix="zi-render")
        return _POOL


def _pool_render(app: Flask, job_id: str) -> None:
    try:
        with app.app_context():
            render_now(job_id)
    except Exception:  # a thread has no one to report to: log it
        log.exception("rendering %s failed in the in-process pool", job_id)


# -- rendered ahead: after a workflow step ---------------------------------------------------------


def prerender_after_commit(assessment_id: int) -> None:
    """Once the step being taken commits, render the reports it made final (``REPORT_PRERENDER_LOCALES``),
    so managers' downloads find stored files. Called by the workflow operation; nothing without locales."""
    if not current_app.config.get("REPORT_PRERENDER_LOCALES"):
        return
    if jobs.backend() == "pool" and not has_request_context():
        return  # a command without Redis (demo, import): its process would wait for the renderings
    after_commit(lambda: enqueue_prerender(assessment_id))


def enqueue_prerender(assessment_id: int) -> None:
    if jobs.backend() == "rq":  # on the bulk queue: behind the reports someone is waiting for
        jobs.queue().enqueue_call(run_prerender, args=(assessment_id,), timeout=60, result_ttl=0, failure_ttl=86400,
                                  description=f"final reports of assessment {assessment_id}")
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _pool(app).submit(_pool_prerender, app, assessment_id)


def _pool_prerender(app: Flask, assessment_id: int) -> None:
    try:
        with app.app_context():
            for job_id in prerender(assessment_id):
                render_now(job_id)
    except Exception:
        log.exception("rendering the final reports of assessment %s failed in the in-process pool", assessment_id)


def run_prerender(assessment_id: int) -> None:
    """RQ entry point: queue one rendering (its own RQ job, timeout and slot) per final report not stored."""
    with jobs.worker_app().app_context():
        for job_id in prerender(assessment_id):
            enqueue(job_id, queue_name=current_app.config["REPORT_QUEUE"])


def prerender(assessment_id: int) -> list[str]:
    """Queue (as zi-assess itself) the final LHE and LKE of every locked layer not stored yet, in every
    ``REPORT_PRERENDER_LOCALES``; the renderings to run. One already queued by a download is left to it."""
    actor = system_actor("render")
    queued: list[str] = []
    for locale in current_app.config.get("REPORT_PRERENDER_LOCALES") or ():
        for kind in documents.KINDS:
            for layer in dict.fromkeys(documents.LAYER_PARAMS.values()):
                try:
                    target = documents.report_target(actor, assessment_id, kind, layer)
                except NotFound:
                    return queued  # deleted meanwhile
                if target.lock is None or documents.stored(actor, target, locale, audit_download=False):
                    continue
                job, created = ops.create_render_job(actor, assessment_key(target, locale), kind=kind, locale=locale,
                                                     url=report_url(target), assessment_id=assessment_id, layer=layer)
                if created or ops.requeue_render(actor, job.id, stale_before=_stale_before()):
                    queued.append(job.id)
                db.session.commit()
    db.session.rollback()
    return queued


if prerender_after_commit not in LAYER_LOCKED:
    LAYER_LOCKED.append(prerender_after_commit)


def report_url(target: documents.ReportTarget) -> str:
    """The download URL of an assessment report (as the views route it)."""
    query = "" if target.layer == EFFECTIVE else f"?lapis={target.layer}"
    return f"/penilaian/{target.assessment.id}/{target.kind}.pdf{query}"


# -- the worker side -------------------------------------------------------------------------------


def run_render(job_id: str) -> None:
    """RQ entry point: render one report into storage."""
    with jobs.worker_app().app_context():
        render_now(job_id)


def render_failed(rq_job: Any, connection: Any, *exc_info: Any) -> None:
    """RQ failure callback (outside our own error handling): record it so the page can say so."""
    (job_id,) = rq_job.args
    with jobs.worker_app().app_context():
        job = db.session.get(RenderJob, job_id)
        with force_locale(job.locale if job else "id"):
            ops.finish_render(job_id, error=_("PDF tidak dapat dibuat (pekerjaan dihentikan)."))
        db.session.commit()


def render_now(job_id: str) -> None:
    """Render one queued report (a second delivery of the same job does nothing)."""
    job = ops.begin_render(job_id)
    if job is None:
        db.session.commit()
        return
    kind, assessment_id, layer, locale = job.kind, job.assessment_id, job.layer, job.locale
    params, request_id, key, requested_by = job.params, job.request_id, job.key, job.requested_by_id
    db.session.commit()
    user = db.session.get(User, requested_by) if requested_by is not None else None
    actor = Actor(user, "render-job") if user is not None else system_actor("render")
    error = None
    with force_locale(locale):
        try:
            with bounds.render_slot(), bounds.gc_paused():
                if kind == "recap":
                    rendered = documents.recap_pdf(actor, documents.RecapFilters(**(params or {})), locale)
                else:
                    assert assessment_id is not None and layer is not None
                    rendered = documents.assessment_report(actor, assessment_id, kind, layer, locale,
                                                           audit_download=False)
            sha256 = storage.write(rendered.pdf)
            db.session.commit()  # the stored report's row and the audit events of this rendering
        except Exception as exc:
            db.session.rollback()
            log.exception("rendering %s (%s) failed", key, job_id, extra={"request_id": request_id})
            error = failure_message(exc)
    if error is None:
        ops.finish_render(job_id, filename=rendered.filename, sha256=sha256, size=len(rendered.pdf),
                          draft=rendered.draft)
    else:
        ops.finish_render(job_id, error=error)
    db.session.commit()


def failure_message(exc: BaseException) -> str:
    """Why a rendering failed, for the reader (the details are in the log)."""
    if isinstance(exc, NotFound | PermissionDenied):
        return _("Laporan ini tidak dapat Anda akses.")
    if type(exc).__name__ == "JobTimeoutException":
        return _("Pembuatan PDF melebihi batas waktu %(seconds)s detik.",
                 seconds=current_app.config["REPORT_JOB_TIMEOUT"])
    if isinstance(exc, bounds.NoRenderSlot):
        return _("Server sedang sibuk membuat laporan lain. Coba lagi sebentar lagi.")
    return _("PDF tidak dapat dibuat karena kesalahan sistem; rincian ada di log server (%(problem)s).",
             problem=type(exc).__name__)
