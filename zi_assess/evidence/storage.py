"""Content-addressed evidence storage: check the real type, write atomically, one copy per content.

An upload is streamed into a staging file of the store while it is hashed and measured; only
when its size and content pass (:func:`zi_assess.sniffing.sniff_named`) does it get its final
key (the SHA-256), atomically. A rejected or failed upload leaves nothing behind; a process killed
midway leaves only a staging file, which ``zi-assess maint sweep`` removes.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from zi_assess.sniffing import KINDS, FileRejected, sniff_named
from zi_assess.storage import Store, evidence_key, get_store
from zi_assess.storage.base import translate_os_errors

CHUNK = 256 * 1024
_BIDI_AND_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE = re.compile(r'[<>:"/\\|?*]+')


class EvidenceRejected(ValueError):
    """The file is refused; ``code`` is stable (translated by the web layer)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str
    kind: str
    #: False when the same content was already stored (nothing new was written)
    created: bool


def clean_filename(name: str, kind: str | None = None) -> str:
    """A safe display/download name: no path, control or bidi characters, a sane length."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _BIDI_AND_CONTROL.sub("", name)
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, ext = os.path.splitext(name)
    stem = stem[:100] or "data-dukung"
    ext = ext.lower()
    if kind is not None and ext not in KINDS[kind].extensions:
        ext = sorted(KINDS[kind].extensions)[0]
    return stem + ext


def store(stream: BinaryIO, filename: str, max_bytes: int, target: Store | None = None) -> StoredFile:
    """Stream an upload into the store. Raises EvidenceRejected ("empty", "too_large", a type code),
    or a :class:`~zi_assess.storage.StorageError` when the store refuses.

    The content-addressed object is written before its row (which the request commits later): a
    failed transaction leaves an object no row names, which ``zi-assess maint sweep`` removes after
    ``ZI_STORAGE_GRACE_MINUTES``. Content already stored is touched, so the sweep sees it young.
    """
    target = target or get_store()
    digest = hashlib.sha256()
    size = 0
    with target.staging() as staged:
        with translate_os_errors(None):
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise EvidenceRejected("too_large")
                digest.update(chunk)
                staged.file.write(chunk)
            staged.file.flush()
            os.fsync(staged.file.fileno())
        if size == 0:
            raise EvidenceRejected("empty")
        try:
            kind = sniff_named(staged.path, filename)
        except FileRejected as exc:
            raise EvidenceRejected(exc.code, exc.detail) from None
        sha = digest.hexdigest()
        key = evidence_key(sha)
        created = not target.exists(key)
        if created:
            target.commit_staged(staged, key)
        else:
            target.touch(key)
    return StoredFile(sha, size, KINDS[kind].content_type, kind, created)
