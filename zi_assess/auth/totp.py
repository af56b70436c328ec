"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP: HMAC-SHA1, 6 digits, 30 s steps)
and recovery codes. Pure functions on the standard library; the database side is in
:mod:`zi_assess.auth.mfa`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
#: steps accepted either side of now (clock drift of the phone)
DRIFT_STEPS = 1
RECOVERY_CODES = 10


def new_secret() -> str:
    """160 random bits in base32 without padding (what authenticator apps take)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The code of one time step (RFC 4226 dynamic truncation)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def matching_step(secret: str, code: str, *, last_step: int | None, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (now ± :data:`DRIFT_STEPS`), or None. A step at or before
    ``last_step`` (already used) never matches again: a code works once."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    here = current_step(now)
    for step in range(here - DRIFT_STEPS, here + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def otpauth_uri(secret: str, account: str, issuer: str = "zi-assess") -> str:
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS,
                       "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k7m2-9xqp-4hdw`` (60 bits each), shown once."""
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
            for _ in range(RECOVERY_CODES)]


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def hash_recovery_code(code: str) -> str:
    """SHA-256 of the normalised code (60 random bits: a slow hash adds nothing)."""
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()
