"""Uploaded workbooks waiting for the user's confirmation (objects in the store, not database rows).

An upload that passed validation is kept in the store (``imports/<token>.xlsx`` and ``.json``)
with a random token, the user and assessment it belongs to, and the versions of the answers the
user was shown. Any server can confirm it: confirming re-reads the same bytes from the store;
nothing is taken from the browser but the token. Uploads expire after ``IMPORT_TTL_MINUTES``,
are removed when confirmed or cancelled, and ``zi-assess maint sweep`` purges expired ones.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, field

from flask import current_app

from zi_assess.storage import IMPORTS, BlobMissing, get_store, import_key

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


def _ttl() -> float:
    return float(current_app.config["IMPORT_TTL_MINUTES"]) * 60


def expired(now: float | None = None) -> list[str]:
    """Keys of uploads nobody confirmed in time (the sweep removes them)."""
    limit = _ttl()
    return [entry.key for entry in get_store().list(IMPORTS) if entry.age(now) > limit]


def save(data: bytes, *, user_id: int, assessment_id: int, layer: str, filename: str,
         seen_versions: dict[str, int | None]) -> Pending:
    pending = Pending(secrets.token_urlsafe(32), user_id, assessment_id, layer, filename[:200],
                      hashlib.sha256(data).hexdigest(), time.time(), seen_versions)
    store = get_store()
    # the workbook first: metadata without its workbook would be an upload that cannot be confirmed
    store.save(import_key(f"{pending.token}.xlsx"), data)
    store.save(import_key(f"{pending.token}.json"), json.dumps(asdict(pending)).encode())
    return pending


def load(token: str, *, user_id: int, assessment_id: int) -> tuple[Pending, bytes] | None:
    """The upload behind ``token`` if it is this user's, for this assessment, and not expired."""
    if not _TOKEN.match(token or ""):
        return None
    store = get_store()
    try:
        meta = json.loads(store.read(import_key(f"{token}.json")))
        data = store.read(import_key(f"{token}.xlsx"))
    except (BlobMissing, ValueError):
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
        get_store().delete(import_key(f"{token}{suffix}"))
