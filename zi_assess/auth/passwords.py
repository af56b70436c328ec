"""Password hashing with argon2id (OWASP minimum: 19 MiB, 2 passes, 1 lane)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 10


@lru_cache(maxsize=2)
def _hasher(fast: bool) -> PasswordHasher:
    if fast:  # tests only: same algorithm, minimal cost
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hasher() -> PasswordHasher:
    fast = has_app_context() and bool(current_app.config.get("FAST_PASSWORD_HASHING"))
    return _hasher(fast)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused (ASVS: length, not composition), or None."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if password.strip() == "" or len(set(password)) < 4:
        return "too_simple"
    return None


def check_password_policy(password: str, *, email: str | None = None, name: str | None = None) -> list[str]:
    """Every reason a new password is refused, in the user's language (empty: accepted)."""
    from flask_babel import gettext as _

    problem = password_problem(password)
    if problem == "too_short":
        return [_("Kata sandi terlalu pendek: minimal %(n)d karakter.", n=MIN_LENGTH)]
    if problem:
        return [_("Kata sandi terlalu sederhana.")]
    return []
