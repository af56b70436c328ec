"""Content-addressed evidence storage: check the real type, write atomically, one copy per content.

An upload is streamed into a temporary file inside the evidence folder while it is hashed and
measured; only when its size and content pass (:func:`zi_assess.sniffing.sniff_named`) does it
get its final name (the SHA-256), by an atomic rename. A rejected or failed upload leaves
nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from zi_assess.sniffing import KINDS, FileRejected, sniff_named

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


def blob_path(root: str | Path, sha256: str) -> Path:
    return Path(root) / sha256[:2] / sha256[2:4] / sha256


def store(stream: BinaryIO, filename: str, root: str | Path, max_bytes: int) -> StoredFile:
    """Stream an upload into the store. Raises EvidenceRejected ("empty", "too_large", a type code)."""
    root = Path(root)
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise EvidenceRejected("too_large")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise EvidenceRejected("empty")
        try:
            kind = sniff_named(tmp, filename)
        except FileRejected as exc:
            raise EvidenceRejected(exc.code, exc.detail) from None
        sha = digest.hexdigest()
        final = blob_path(root, sha)
        created = not final.exists()
        if created:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)  # atomic on one filesystem
        return StoredFile(sha, size, KINDS[kind].content_type, kind, created)
    finally:
        tmp.unlink(missing_ok=True)
