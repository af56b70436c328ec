"""Rendered reports kept for good (locked layers), renderings in progress, and bulk exports (ZIP jobs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zi_assess.models.base import JSON_DOCUMENT, Base, utcnow


class StoredReport(Base):
    """The PDF of a report whose content can no longer change, rendered once.

    A report is final when what it shows is locked: a layer after the step that locked it, the
    effective LKE once decided. ``lock_change_id`` names that step, so a layer that is reopened
    (an LKE returned to the unit) and locked again gets a new report instead of the old one.
    The bytes live in the store (``reports/ab/<sha256>.pdf``); the row is the index and the proof.
    """

    __tablename__ = "stored_report"
    __table_args__ = (
        UniqueConstraint("assessment_id", "kind", "layer", "locale", "lock_change_id", name="one_rendering"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "lhe" or "lke"
    layer: Mapped[str] = mapped_column(String(16))  # a Layer, or "effective"
    locale: Mapped[str] = mapped_column(String(8))
    lock_change_id: Mapped[int] = mapped_column(ForeignKey("status_change.id", ondelete="CASCADE"))
    criteria_id: Mapped[str] = mapped_column(String(80))
    #: the criteria files' hash the report was computed with (the assessment's)
    criteria_hash: Mapped[str | None] = mapped_column(String(64))
    #: version of the report templates that rendered it (reports are not re-rendered on upgrade)
    template_version: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    def __repr__(self) -> str:
        return f"<StoredReport {self.id} {self.kind} a={self.assessment_id} {self.layer} {self.sha256[:8]}>"


class ExportJob(Base):
    """A bulk export (a ZIP of LHE PDFs); its state lives here so a page reload finds it again."""

    __tablename__ = "export_job"

    #: random hex token: job ids appear in URLs and must not be guessable
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="lhe")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    instansi_id: Mapped[int | None] = mapped_column(ForeignKey("instansi.id"))
    year: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(8))
    backend: Mapped[str] = mapped_column(String(8))  # "rq" or "pool"
    #: queued → running → zipping → done (or failed when no report could be made)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(Integer)
    zip_name: Mapped[str | None] = mapped_column(String(200))
    zip_size: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ExportJob {self.id} {self.status} {self.total}>"


class ExportItem(Base):
    """One report of a bulk export: pending, done (a PDF in the ZIP) or failed (with the reason)."""

    __tablename__ = "export_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("export_job.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    #: None when the unit has no assessment for the job's year (the item fails with that reason)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"))
    label: Mapped[str] = mapped_column(String(260))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(Integer)
    #: deliveries begun (a worker killed mid-report leaves its item pending: it is retried once)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: a begun delivery's worker is presumed dead after this moment (report timeout + grace)
    lease_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ExportItem {self.id} job={self.job_id} {self.status}>"


class RenderJob(Base):
    """One report being rendered off the request path (or rendered lately), found by its ``key``.

    The key names what the PDF shows — kind, assessment, layer, locale and the step that locked
    it (or, for a draft, the assessment's revision; for a recap, the reader and the filters) —
    so every request for the same report while it renders finds this row instead of starting a
    second rendering. The bytes go to the store under their sha256, as stored reports do.
    """

    __tablename__ = "render_job"

    #: random hex token: it appears in the URLs of the progress page
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "lhe", "lke" or "recap"
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    layer: Mapped[str | None] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(8))
    #: the recap's filters (a recap is rendered for the one who asked: it shows what they may see)
    params: Mapped[dict[str, object] | None] = mapped_column(JSON_DOCUMENT)
    #: who asked first (None: zi-assess itself, rendering ahead after a workflow step)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                        index=True)
    #: queued → running → done, or failed (a new request or the retry button queues it again)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    #: the request that queued it (the renderer's log lines carry it)
    request_id: Mapped[str | None] = mapped_column(String(64))
    #: where the progress page goes when the PDF is ready (the report's own URL)
    url: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: last time it was queued (the per-user rate limit counts these)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RenderJob {self.id} {self.key} {self.status}>"
