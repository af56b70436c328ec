"""Uploaded workbooks waiting for the user's confirmation (files, not database rows).

An upload that passed validation is kept under ``IMPORT_DIR`` with a random token, the user and
assessment it belongs to, and the versions of the answers the user was shown. Confirming re-reads
the same bytes; nothing is taken from the browser but the token. Files expire after
``IMPORT_TTL_MINUTES`` and are removed when confirmed or cancelled.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import current_app

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass
class Pending:
    token: str
    user_id: int
    assessment_id: int
    layer: str
    filename: str
    sha256: str
    created: float
    #: indicator id → version of the stored answer when the report was shown (None: none stored)
    seen_versions: dict[str, int | None] = field(default_factory=dict)


def _folder() -> Path:
    folder = Path(current_app.config["IMPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _ttl() -> float:
    return float(current_app.config["IMPORT_TTL_MINUTES"]) * 60


def purge_expired() -> None:
    """Remove uploads nobody confirmed in time."""
    limit = time.time() - _ttl()
    for path in _folder().glob("*.*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def save(data: bytes, *, user_id: int, assessment_id: int, layer: str, filename: str,
         seen_versions: dict[str, int | None]) -> Pending:
    purge_expired()
    pending = Pending(secrets.token_urlsafe(32), user_id, assessment_id, layer, filename[:200],
                      hashlib.sha256(data).hexdigest(), time.time(), seen_versions)
    folder = _folder()
    for suffix, payload in ((".xlsx", data), (".json", json.dumps(asdict(pending)).encode())):
        tmp = folder / f".{pending.token}{suffix}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, folder / f"{pending.token}{suffix}")
    return pending


def load(token: str, *, user_id: int, assessment_id: int) -> tuple[Pending, bytes] | None:
    """The upload behind ``token`` if it is this user's, for this assessment, and not expired."""
    if not _TOKEN.match(token or ""):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.xlsx").read_bytes()
    except (OSError, ValueError):
        return None
    pending = Pending(**meta)
    if (pending.user_id, pending.assessment_id) != (user_id, assessment_id) or \
            time.time() - pending.created > _ttl() or hashlib.sha256(data).hexdigest() != pending.sha256:
        return None
    return pending, data


def discard(token: str) -> None:
    if not _TOKEN.match(token or ""):
        return
    for suffix in (".xlsx", ".json"):
        (_folder() / f"{token}{suffix}").unlink(missing_ok=True)
