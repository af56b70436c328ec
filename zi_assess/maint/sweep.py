"""``zi-assess maint sweep``: what a long-running installation must clean up, in one pass.

1. Bulk exports unfinished after ``EXPORT_JOB_TIMEOUT_MINUTES`` (a worker died, Redis lost the
   queue): their pending reports fail with the reason, shown on the export's progress page, and
   the ZIP is made of what was done.
2. Finished exports older than ``EXPORT_RETENTION_DAYS``: ZIP, leftover PDFs and rows removed.
3. Pending Excel imports older than ``IMPORT_TTL_MINUTES``.
4. Staging files (uploads of a killed process) older than ``STORAGE_GRACE_MINUTES``.
5. Objects no row names (evidence and reports written before a transaction that did not commit,
   export files of purged jobs) older than ``STORAGE_GRACE_MINUTES``: objects are written before
   their row, so only the grace period tells a failed upload from one still being committed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from zi_assess.extensions import db
from zi_assess.maint import operations as maint_ops
from zi_assess.models import EvidenceBlob, ExportItem, ExportJob, RenderJob, StoredReport
from zi_assess.models.base import utcnow
from zi_assess.storage import EVIDENCE, EXPORTS, IMPORTS, REPORTS, get_store, sha_of

log = logging.getLogger(__name__)

UNFINISHED = ("queued", "running", "zipping")


@dataclass
class SweepReport:
    dry_run: bool
    failed_exports: list[str] = field(default_factory=list)
    failed_items: int = 0
    purged_exports: list[str] = field(default_factory=list)
    removed: dict[str, list[str]] = field(default_factory=dict)

    def remove(self, reason: str, key: str) -> None:
        self.removed.setdefault(reason, []).append(key)

    def lines(self) -> list[str]:
        verb = "would " if self.dry_run else ""
        out = [f"{verb}fail stuck export {job} ({self.failed_items} reports in all)" for job in self.failed_exports]
        out += [f"{verb}purge export {job} (past retention)" for job in self.purged_exports]
        for reason, keys in sorted(self.removed.items()):
            out += [f"{verb}remove {key} ({reason})" for key in keys]
        counts = [f"{len(self.failed_exports)} stuck exports failed", f"{len(self.purged_exports)} exports purged"]
        counts += [f"{len(keys)} {reason}" for reason, keys in sorted(self.removed.items())]
        out.append(("dry run: " if self.dry_run else "sweep: ") + ", ".join(counts))
        return out


def sweep(*, dry_run: bool = False, now: float | None = None) -> SweepReport:
    """One pass; commits after each step that writes (the CLI command owns the transaction)."""
    report = SweepReport(dry_run)
    now = time.time() if now is None else now
    _fail_stuck_exports(report, now)
    _purge_old_exports(report, now)
    _purge_expired_imports(report, now)
    _remove_temporaries(report, now)
    _remove_unreferenced(report, now)
    return report


def _minutes(name: str) -> float:
    return float(current_app.config[name]) * 60


def _fail_stuck_exports(report: SweepReport, now: float) -> None:
    from zi_assess.reports import jobs
    from zi_assess.reports import operations as report_ops

    timeout = _minutes("EXPORT_JOB_TIMEOUT_MINUTES")
    cutoff = utcnow() - timedelta(seconds=timeout) - timedelta(seconds=time.time() - now)
    stuck = list(db.session.scalars(select(ExportJob).where(ExportJob.status.in_(UNFINISHED),
                                                            ExportJob.created_at < cutoff)))
    for job in stuck:
        job_id, zipping, locale = job.id, job.status == "zipping", job.locale
        items = list(db.session.scalars(select(ExportItem.id).where(ExportItem.job_id == job_id,
                                                                     ExportItem.status == "pending")))
        report.failed_exports.append(job_id)
        report.failed_items += len(items)
        if report.dry_run:
            continue
        minutes = round(timeout / 60)
        with force_locale(locale):
            reason = _("Dihentikan oleh pemeliharaan: laporan belum selesai setelah %(minutes)s menit.",
                       minutes=minutes)
            for item_id in items:
                report_ops.finish_item(item_id, error=reason)
            if zipping:
                report_ops.finish_job(job_id, zip_name=None, zip_size=None, error=_(
                    "Dihentikan oleh pemeliharaan: ZIP belum selesai disusun setelah %(minutes)s menit.",
                    minutes=minutes))
        db.session.commit()
        if not zipping:
            jobs._maybe_finish(job_id)  # the ZIP of what was done, with the failures listed
        log.warning("sweep: export %s failed after %s minutes (%s reports unfinished)", job_id, minutes, len(items))


def _purge_old_exports(report: SweepReport, now: float) -> None:
    store = get_store()
    retention = timedelta(days=float(current_app.config["EXPORT_RETENTION_DAYS"]))
    cutoff = utcnow() - retention - timedelta(seconds=time.time() - now)
    old = list(db.session.execute(select(ExportJob.id, ExportJob.zip_name).where(
        ExportJob.status.in_(("done", "failed")), ExportJob.finished_at < cutoff)).all())
    for job_id, zip_name in old:
        report.purged_exports.append(job_id)
        if report.dry_run:
            continue
        maint_ops.purge_export_job(job_id)
        db.session.commit()  # rows first: a row never points at a removed ZIP
        if zip_name:
            store.delete(EXPORTS + zip_name)
        for entry in list(store.list(f"{EXPORTS}{job_id}/")):
            store.delete(entry.key)


def _purge_expired_imports(report: SweepReport, now: float) -> None:
    store = get_store()
    ttl = _minutes("IMPORT_TTL_MINUTES")
    for entry in list(store.list(IMPORTS)):
        if entry.age(now) > ttl:
            report.remove("expired imports", entry.key)
            if not report.dry_run:
                store.delete(entry.key)


def _remove_temporaries(report: SweepReport, now: float) -> None:
    store = get_store()
    grace = _minutes("STORAGE_GRACE_MINUTES")
    for entry in list(store.staged_files()):
        if entry.age(now) > grace:
            report.remove("temporaries", f"tmp/{entry.key}")
            if not report.dry_run:
                store.delete_staged(entry.key)


def _remove_unreferenced(report: SweepReport, now: float) -> None:
    store = get_store()
    grace = _minutes("STORAGE_GRACE_MINUTES")
    old = {prefix: [e for e in store.list(prefix) if e.age(now) > grace] for prefix in (EVIDENCE, REPORTS, EXPORTS)}
    # the rows are read after the listing: an object written and committed meanwhile is young anyway
    blobs = set(db.session.scalars(select(EvidenceBlob.sha256)))
    reports = set(db.session.scalars(select(StoredReport.sha256)))
    reports |= set(db.session.scalars(select(RenderJob.sha256).where(RenderJob.sha256.is_not(None))))
    live_jobs = set(db.session.execute(select(ExportJob.id, ExportJob.zip_name)).all())
    job_files = {job_id for job_id, _zip in live_jobs} | {zip_name for _job, zip_name in live_jobs if zip_name}
    for entry in old[EVIDENCE]:
        if sha_of(entry.key) not in blobs:
            report.remove("unreferenced evidence", entry.key)
    for entry in old[REPORTS]:
        if sha_of(entry.key) not in reports:
            report.remove("unreferenced reports", entry.key)
    for entry in old[EXPORTS]:
        if entry.key[len(EXPORTS):].split("/", 1)[0] not in job_files:
            report.remove("unreferenced exports", entry.key)
    if not report.dry_run:
        for reason in ("unreferenced evidence", "unreferenced reports", "unreferenced exports"):
            for key in report.removed.get(reason, []):
                store.delete(key)
