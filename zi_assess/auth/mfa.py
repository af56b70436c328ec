"""The second factor: enrolment (TOTP secret, confirmation code, ten recovery codes) and the
code asked after the password. The only code writing a user's second-factor state."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, func, select, update

from zi_assess.audit import Actor, record
from zi_assess.auth import totp
from zi_assess.authz import second_factor_required
from zi_assess.extensions import db
from zi_assess.models import RecoveryCode, User
from zi_assess.models.base import utcnow


def required(user: User) -> bool:
    """Whether ``user`` must have a second factor (their roles, or ``ZI_MFA_REQUIRED_ALL``)."""
    return second_factor_required(user, everyone=bool(current_app.config.get("MFA_REQUIRED_ALL")))


def pending_secret(actor: Actor) -> str:
    """The secret being enrolled (created on first call, kept until confirmed)."""
    user = actor.user
    assert isinstance(user, User)
    if user.totp_pending_secret is None:
        user.totp_pending_secret = totp.new_secret()
    return user.totp_pending_secret


def confirm(actor: Actor, code: str) -> list[str] | None:
    """Confirm the pending secret with a code from the app: the second factor is on, and the ten
    recovery codes (shown once, stored hashed) are returned. None when the code does not match."""
    user = actor.user
    assert isinstance(user, User)
    secret = user.totp_pending_secret
    step = totp.matching_step(secret, code, last_step=None) if secret else None
    if secret is None or step is None:
        record(actor, "mfa.enrol_failed")
        return None
    user.totp_secret, user.totp_pending_secret = secret, None
    user.totp_enabled_at, user.totp_last_step = utcnow(), step
    codes = totp.new_recovery_codes()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=totp.hash_recovery_code(c)) for c in codes)
    record(actor, "mfa.enrol")
    return codes


def verify(user: User, code: str, ip: str | None) -> bool:
    """The code asked at sign-in: a TOTP code of a step not used before, or an unused recovery code."""
    if user.totp_secret is None:
        return False
    step = totp.matching_step(user.totp_secret, code, last_step=user.totp_last_step)
    if step is not None:
        # conditional: two requests with the same code cannot both pass
        done = db.session.execute(update(User).where(
            User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
            .values(totp_last_step=step).execution_options(synchronize_session=False))
        db.session.refresh(user)
        return done.rowcount == 1  # type: ignore[attr-defined]
    used = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == totp.hash_recovery_code(code),
        RecoveryCode.used_at.is_(None)).values(used_at=utcnow()))
    if used.rowcount == 1:  # type: ignore[attr-defined]
        record(Actor(user, ip), "mfa.recovery_code_used", detail={"left": recovery_codes_left(user)})
        return True
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def reset(actor: Actor, user: User) -> None:
    """Remove a user's second factor (lost phone and codes); they enrol again at next sign-in."""
    from zi_assess.authz import authorize

    authorize(actor.user, "users.manage")
    user.totp_secret = user.totp_pending_secret = None
    user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record(actor, "mfa.reset", detail={"user": user.email})
