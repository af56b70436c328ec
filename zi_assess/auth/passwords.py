"""Password hashing with argon2id (OWASP minimum: 19 MiB, 2 passes, 1 lane)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 12


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


#: a passphrase of this many words is accepted below MIN_LENGTH
PASSPHRASE_WORDS = 4
#: shortest run (repeated, sequential or a keyboard walk) counted as a pattern
RUN = 4
KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qazwsxedcrfvtgbyhnujmikolp",
                 "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_YEAR_SUFFIX = re.compile(r"^(.*?)[\W_]*(?:19|20)\d\d[\W_]*$")
_WORDS_ONLY = re.compile(r"[^\W\d_]+(?:[\W_]*[^\W\d_]+)*")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The most common passwords (shipped data, made by :mod:`zi_assess.auth.common_passwords`), lower case."""
    text = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _words(password: str) -> list[str]:
    return [w for w in re.split(r"[\s\-_.,;:/+]+", password.strip()) if len(w) >= 2]


def _pattern_chars(text: str) -> int:
    """How many characters of ``text`` are inside repeats (aaaa), sequences (abcd, 4321) or
    keyboard walks (qwer, asdf) of at least :data:`RUN` characters."""
    covered = [False] * len(text)
    sequences = ("abcdefghijklmnopqrstuvwxyz", "0123456789", *KEYBOARD_ROWS)
    for start in range(len(text) - RUN + 1):
        chunk = text[start:start + RUN]
        is_run = len(set(chunk)) == 1 or any(chunk in seq or chunk in seq[::-1] for seq in sequences)
        if is_run:
            for i in range(start, start + RUN):
                covered[i] = True
    return sum(covered)


def _personal_parts(email: str | None, name: str | None) -> set[str]:
    parts: set[str] = set()
    if email:
        local = email.split("@", 1)[0].lower()
        parts.update(p for p in re.split(r"[._+\-\d]+", local) if len(p) >= 4)
        if len(local) >= 4:
            parts.add(local)
    if name:
        parts.update(p for p in re.split(r"[\W\d_]+", name.lower()) if len(p) >= 4)
    return parts


def password_problems(password: str, *, email: str | None = None, name: str | None = None) -> list[str]:
    """Stable codes of every reason a new password is refused (empty: accepted).

    Length (at least :data:`MIN_LENGTH` characters, or a passphrase of :data:`PASSPHRASE_WORDS`
    words) and what attackers try first: common passwords (also with digits or symbols around
    them and l33t spelling), the user's e-mail or name inside, repeated or sequential characters
    and keyboard walks, a word followed by a year. Never rules on composition (ASVS).
    """
    problems = []
    lower = password.lower()
    words = _words(password)
    passphrase = len(words) >= PASSPHRASE_WORDS and len({w.lower() for w in words}) >= PASSPHRASE_WORDS - 1
    if len(password) < MIN_LENGTH and not passphrase:
        problems.append("too_short")
    squeezed = re.sub(r"[\W_]+", "", lower)
    core = re.sub(r"^[\d\W_]+|[\d\W_]+$", "", lower)
    common = common_passwords()
    if lower in common or squeezed in common or core in common or core.translate(_LEET) in common \
            or lower.translate(_LEET) in common or (squeezed and len(set(squeezed)) < 4):
        problems.append("common")
    if any(part in lower or part in squeezed for part in _personal_parts(email, name)):
        problems.append("personal")
    patterned = _pattern_chars(squeezed)
    if patterned and len(squeezed) - patterned < 8:
        problems.append("pattern")
    year = _YEAR_SUFFIX.match(lower)
    if year and _WORDS_ONLY.fullmatch(year.group(1).translate(_LEET)) and not passphrase:
        problems.append("year")
    return problems


def policy_messages() -> dict[str, str]:
    """The user-facing text of each problem code, in the current language."""
    from flask_babel import gettext as _

    return {
        "too_short": _("Kata sandi terlalu pendek: minimal %(n)d karakter, atau kalimat sandi dari "
                       "sedikitnya %(words)d kata.", n=MIN_LENGTH, words=PASSPHRASE_WORDS),
        "common": _("Kata sandi ini termasuk yang paling sering dipakai dan mudah ditebak."),
        "personal": _("Kata sandi tidak boleh memuat nama atau alamat email Anda."),
        "pattern": _("Kata sandi terlalu banyak memuat pola: huruf berulang, urutan (abcd, 1234) "
                     "atau deretan tombol (qwerty)."),
        "year": _("Kata sandi berupa kata dengan tahun di belakangnya mudah ditebak."),
    }


def check_password_policy(password: str, *, email: str | None = None, name: str | None = None) -> list[str]:
    """Every reason a new password is refused, in the user's language (empty: accepted). The one
    policy of every place a password is set: CLI, change, reset, invitation."""
    codes = password_problems(password, email=email, name=name)
    if not codes:
        return []
    messages = policy_messages()
    return [messages[code] for code in codes]
