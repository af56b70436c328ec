"""Single-use, expiring tokens for invitations and password resets.

A token is 32 random bytes (URL-safe text) sent by e-mail; the database keeps only its SHA-256,
so a copy of the database cannot be used to take over accounts. A token is good for one purpose,
until it expires or is used; issuing a new token of a purpose retires the user's older ones.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from zi_assess.extensions import db
from zi_assess.models import User
from zi_assess.models.base import as_utc, utcnow
from zi_assess.models.tokens import AccountToken

PURPOSES = ("invite", "reset")
#: how long each kind of token is valid
LIFETIME = {"invite": timedelta(days=7), "reset": timedelta(hours=1)}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, purpose: str) -> str:
    """A new token for ``user`` (flushed, not committed); older unused tokens of that purpose end."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=_hash(token),
                                expires_at=now + LIFETIME[purpose]))
    db.session.flush()
    return token


def peek(token: str, purpose: str) -> User | None:
    """The active user a valid, unused, unexpired token belongs to (the token stays valid)."""
    row = _valid_row(token, purpose)
    return db.session.get(User, row.user_id) if row is not None else None


def consume(token: str, purpose: str) -> User | None:
    """Use the token once: the user it belongs to, or None when it is unknown, used or expired.

    The update is conditional (``used_at IS NULL``), so two concurrent requests with the same
    token cannot both succeed.
    """
    row = _valid_row(token, purpose)
    if row is None:
        return None
    used = db.session.execute(
        update(AccountToken).where(AccountToken.id == row.id, AccountToken.used_at.is_(None)).values(used_at=utcnow())
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(User, row.user_id)


def _valid_row(token: str, purpose: str) -> AccountToken | None:
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash(token),
                                                       AccountToken.purpose == purpose))
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= utcnow():
        return None
    user = db.session.get(User, row.user_id)
    return row if user is not None and user.is_active else None
