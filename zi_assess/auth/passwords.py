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


#: the shortest password a person may choose (invitations; the policy of issue 13)
POLICY_MIN_LENGTH = 12


def check_password_policy(password: str) -> list[str]:
    """Why a password a person chooses is refused, in the user's language (empty: accepted).

    The one home of the password policy for new passwords chosen in the browser.
    """
    from flask_babel import gettext as _

    problems = []
    if len(password) < POLICY_MIN_LENGTH:
        problems.append(_("Kata sandi minimal %(n)s karakter.", n=POLICY_MIN_LENGTH))
    elif password.strip() == "" or len(set(password)) < 4:
        problems.append(_("Kata sandi terlalu sederhana: pakai lebih banyak karakter yang berbeda."))
    return problems
