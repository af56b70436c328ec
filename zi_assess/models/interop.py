"""API keys with which PortalRB pulls an instansi's proposals and LKE answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zi_assess.models.base import Base, utcnow
from zi_assess.models.org import Instansi


class ApiKey(Base):
    """A Bearer key of one instansi. Only a SHA-256 of the secret is kept: the key is shown once.

    Keys are random 256-bit values, so a fast hash is enough (nothing to brute-force); the
    ``prefix`` finds the row and is what pages and the audit trail show.
    """

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    instansi: Mapped[Instansi] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} {self.prefix} instansi={self.instansi_id}>"
