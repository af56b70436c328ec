"""Single-use account secrets: expiring tokens (invitations, password resets) and the recovery
codes of the second factor. Only hashes are stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from zi_assess.models.base import Base, utcnow


class AccountToken(Base):
    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: "invite" or "reset"
    purpose: Mapped[str] = mapped_column(String(16))
    #: SHA-256 of the token sent by e-mail (the token itself is never stored)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecoveryCode(Base):
    """One of the ten recovery codes of a user's second factor (single use)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the normalised code
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
