"""Signing in and out. Every attempt, failed or not, is in the audit trail (the login view
commits the failed ones too: nothing else is written in that request)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from zi_assess.audit import Actor, record
from zi_assess.auth import throttle
from zi_assess.auth.passwords import hash_password, verify_password
from zi_assess.extensions import db
from zi_assess.models import User
from zi_assess.models.base import utcnow
from zi_assess.models.users import new_session_token

# Verifying against a fixed hash when the account does not exist keeps the response time the
# same, so timing does not reveal which e-mail addresses have accounts.
_DUMMY_HASH: list[str] = []


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    #: "", "invalid" (wrong e-mail or password, or inactive) or "throttled"
    problem: str


def find_user(email: str) -> User | None:
    """The account of an e-mail address (compared case-insensitively), if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str, ip: str | None) -> LoginResult:
    email = email.strip().lower()
    if throttle.is_blocked(email, ip):
        record(Actor(None, ip), "login.failed", actor_email=email, detail={"reason": "throttled"})
        return LoginResult(None, "throttled")
    user = find_user(email)
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password("not-a-real-password"))
        verify_password(_DUMMY_HASH[0], password)
    if user is None or not verify_password(user.password_hash, password) or not user.is_active:
        throttle.note_failure(email, ip)
        reason = "inactive" if user is not None and not user.is_active else "invalid"
        record(Actor(None, ip), "login.failed", actor_email=email, detail={"reason": reason})
        return LoginResult(None, "invalid")
    throttle.note_success(email)
    user.last_login_at = utcnow()
    record(Actor(user, ip), "login")
    return LoginResult(user, "")


def logout(actor: Actor) -> None:
    """End every copy of the session: the token inside the login cookie changes."""
    assert actor.user is not None
    actor.user.session_token = new_session_token()
    record(actor, "logout")
