"""Evidence (data dukung): uploaded files stored once per content, or links; attached to indicators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zi_assess.domain.workflow import Layer
from zi_assess.models.base import Base, utcnow
from zi_assess.models.org import _enum


class EvidenceBlob(Base):
    """A stored file, named by its SHA-256. Never served directly: access goes through Evidence."""

    __tablename__ = "evidence_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Evidence(Base):
    """One piece of evidence of an assessment: a file (by blob) or an http(s) link."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    layer: Mapped[Layer] = mapped_column(_enum(Layer, "layer"))
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("evidence_blob.sha256"))
    #: cleaned file name shown and used for download
    filename: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(200))
    #: None: added by the command line (``zi-assess lke import``), which acts as no account
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    blob: Mapped[EvidenceBlob | None] = relationship(lazy="joined")
    links: Mapped[list[EvidenceLink]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_file(self) -> bool:
        return self.blob_sha256 is not None


class EvidenceLink(Base):
    """Evidence attached to one indicator (one file may support several indicators)."""

    __tablename__ = "evidence_link"

    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(16), primary_key=True)

    evidence: Mapped[Evidence] = relationship(back_populates="links")
