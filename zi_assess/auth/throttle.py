"""Login throttling per account and per IP address.

With Redis configured (``ZI_REDIS_URL``) the counters live there and are shared by every worker;
otherwise they are counted from the audit trail's ``login.failed`` events, which every worker
shares too. The per-IP limit is much higher than the per-account one, so one office behind a
single NAT address is not locked out by one user.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from zi_assess.extensions import db, redis_client
from zi_assess.models import AuditEvent
from zi_assess.models.base import utcnow


def _redis() -> Any:
    return redis_client(socket_timeout=1)


def _limits() -> tuple[int, int, int]:
    cfg = current_app.config
    return (int(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]), int(cfg["LOGIN_MAX_FAILURES_PER_IP"]),
            int(cfg["LOGIN_FAILURE_WINDOW_SECONDS"]))


def is_blocked(email: str, ip: str | None) -> bool:
    per_account, per_ip, window = _limits()
    redis = _redis()
    if redis is not None:
        account = int(redis.get(f"zi:login:account:{email}") or 0)
        by_ip = int(redis.get(f"zi:login:ip:{ip}") or 0) if ip else 0
        return account >= per_account or by_ip >= per_ip
    since = utcnow() - timedelta(seconds=window)
    last_success = db.session.scalar(
        select(func.max(AuditEvent.at)).where(AuditEvent.action == "login", AuditEvent.actor_email == email)
    )
    account_since = max(since, _aware(last_success)) if last_success else since
    account = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.failed", AuditEvent.actor_email == email, AuditEvent.at > account_since))
    by_ip = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.failed", AuditEvent.ip == ip, AuditEvent.at > since)) if ip else 0
    return (account or 0) >= per_account or (by_ip or 0) >= per_ip


def _aware(value):  # type: ignore[no-untyped-def]
    """SQLite returns naive datetimes; they are UTC."""
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def note_failure(email: str, ip: str | None) -> None:
    """Count a failed attempt (the audit event itself is recorded by the caller)."""
    redis = _redis()
    if redis is None:
        return
    _per_account, _per_ip, window = _limits()
    pipe = redis.pipeline()
    for key in (f"zi:login:account:{email}", f"zi:login:ip:{ip}" if ip else None):
        if key:
            pipe.incr(key)
            pipe.expire(key, window)
    pipe.execute()


def note_success(email: str) -> None:
    redis = _redis()
    if redis is not None:
        redis.delete(f"zi:login:account:{email}")


def reset_throttled(email: str, ip: str | None) -> bool:
    """Password-reset requests: at most ``RESET_MAX_PER_ACCOUNT`` mails per address and
    ``RESET_MAX_PER_IP`` requests per client within ``RESET_WINDOW_SECONDS`` (counted from the
    audit trail, which every worker shares)."""
    cfg = current_app.config
    since = utcnow() - timedelta(seconds=int(cfg["RESET_WINDOW_SECONDS"]))
    base = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "password.reset_request", AuditEvent.at > since)
    account = db.session.scalar(base.where(AuditEvent.actor_email == email)) or 0
    by_ip = (db.session.scalar(base.where(AuditEvent.ip == ip)) or 0) if ip else 0
    return account >= int(cfg["RESET_MAX_PER_ACCOUNT"]) or by_ip >= int(cfg["RESET_MAX_PER_IP"])
