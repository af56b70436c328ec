"""Signing in and out. Every attempt, failed or not, is in the audit trail (the login view
commits the failed ones too: nothing else is written in that request)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from zi_assess.audit import Actor, record
from zi_assess.auth import throttle, tokens
from zi_assess.auth.passwords import check_password_policy, hash_password, verify_password
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
    """Check the password and sign in (for accounts without a second factor)."""
    result = check_password(email, password, ip)
    if result.user is not None:
        complete_login(result.user, ip)
    return result


def check_password(email: str, password: str, ip: str | None) -> LoginResult:
    """The first step of signing in: the account when the password is right (nothing recorded as
    a sign-in yet: with a second factor, :func:`complete_login` comes after the code)."""
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
    return LoginResult(user, "")


def complete_login(user: User, ip: str | None) -> None:
    throttle.note_success(user.email)
    user.last_login_at = utcnow()
    record(Actor(user, ip), "login")


def second_factor(user: User, code: str, ip: str | None) -> str:
    """The code asked after the password: "" (signed in), "invalid" or "throttled". Wrong codes
    count as failed sign-ins of the account (the same throttle as wrong passwords)."""
    from zi_assess.auth import mfa

    if throttle.is_blocked(user.email, ip):
        record(Actor(None, ip), "login.failed", actor_email=user.email, detail={"reason": "throttled"})
        return "throttled"
    if not user.is_active or not mfa.verify(user, code, ip):
        throttle.note_failure(user.email, ip)
        record(Actor(None, ip), "login.failed", actor_email=user.email, detail={"reason": "second_factor"})
        return "invalid"
    complete_login(user, ip)
    return ""


def logout(actor: Actor) -> None:
    """End every copy of the session: the token inside the login cookie changes."""
    assert actor.user is not None
    actor.user.session_token = new_session_token()
    record(actor, "logout")


# -- passwords: change (signed in) and reset (by e-mail) --------------------------------------


class PasswordRefused(ValueError):
    """A password operation refused; ``problems`` are messages in the user's language."""

    def __init__(self, problems: list[str], field: str = "new_password") -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        #: the form field the problems belong to
        self.field = field


def set_password(actor: Actor, user: User, new_password: str, action: str) -> None:
    """Store a new password (policy checked) and end every session of the user."""
    problems = check_password_policy(new_password, email=user.email, name=user.name)
    if problems:
        raise PasswordRefused(problems)
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    record(actor, action, detail={"user": user.email})


def change_password(actor: Actor, current_password: str, new_password: str) -> None:
    """The signed-in user's own password; the current one is required. Other sessions end
    (the caller signs the current session in again with the new session token)."""
    from flask_babel import gettext as _

    user = actor.user
    assert isinstance(user, User)
    if not verify_password(user.password_hash, current_password):
        record(actor, "password.change_failed")
        raise PasswordRefused([_("Kata sandi saat ini salah.")], "current_password")
    set_password(actor, user, new_password, "password.change")


def request_reset(email: str, ip: str | None) -> tuple[User, str] | None:
    """Record a reset request; the user and a new token when the address has an active account
    and neither the address nor the client asked too often (the caller mails it after commit).

    Known and unknown addresses go through the same steps, so the answer says nothing about
    which addresses have accounts.
    """
    email = email.strip().lower()
    throttled = throttle.reset_throttled(email, ip)
    user = find_user(email)
    record(Actor(None, ip), "password.reset_request", actor_email=email,
           detail={"throttled": throttled} if throttled else None)
    if throttled or user is None or not user.is_active:
        return None
    return user, tokens.issue(user, "reset")


def reset_password(token: str, new_password: str, ip: str | None) -> User | None:
    """Set a new password with a reset token (used once); None when the token is not valid."""
    user = tokens.peek(token, "reset")
    if user is None:
        return None
    problems = check_password_policy(new_password, email=user.email, name=user.name)
    if problems:
        raise PasswordRefused(problems)
    if tokens.consume(token, "reset") is None:
        return None
    set_password(Actor(user, ip), user, new_password, "password.reset")
    throttle.note_success(user.email)
    return user
