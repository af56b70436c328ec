"""Content-addressed evidence storage: check the real type, write atomically, one copy per content.

An upload is streamed into a temporary file inside the evidence folder while it is hashed and
measured; only when its size and content pass does it get its final name (the SHA-256), by an
atomic rename. A rejected or failed upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 256 * 1024
#: detected type → (allowed extensions, content type)
TYPES = {
    "pdf": ({".pdf"}, "application/pdf"),
    "jpg": ({".jpg", ".jpeg"}, "image/jpeg"),
    "png": ({".png"}, "image/png"),
    "xlsx": ({".xlsx"}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": ({".docx"}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
MACRO_EXTENSIONS = {".xlsm", ".docm", ".xltm", ".dotm", ".xlsb", ".xlam", ".pptm"}
#: an Office file may not unpack to more than this (zip bomb guard)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
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
    if kind is not None and ext not in TYPES[kind][0]:
        ext = sorted(TYPES[kind][0])[0]
    return stem + ext


def _sniff_office(path: Path, ext: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise EvidenceRejected("corrupt") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise EvidenceRejected("zip_bomb")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise EvidenceRejected("macro")
    if "[Content_Types].xml" not in names:
        raise EvidenceRejected("unsupported_type")
    if "xl/workbook.xml" in names:
        kind = "xlsx"
    elif "word/document.xml" in names:
        kind = "docx"
    else:
        raise EvidenceRejected("unsupported_type")
    if ext not in TYPES[kind][0]:
        raise EvidenceRejected("mismatch", ext)
    return kind


def sniff(path: Path, filename: str) -> str:
    """The real type of a stored temporary file, checked against its extension."""
    ext = os.path.splitext(filename)[1].lower()
    if ext in MACRO_EXTENSIONS:
        raise EvidenceRejected("macro")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpg"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"PK\x03\x04"):
        return _sniff_office(path, ext)
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        # legacy .doc/.xls, or an encrypted Office file: neither can be checked for macros
        raise EvidenceRejected("legacy_office")
    else:
        raise EvidenceRejected("unsupported_type")
    if ext not in TYPES[kind][0]:
        raise EvidenceRejected("mismatch", ext)
    return kind


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
        kind = sniff(tmp, filename)
        sha = digest.hexdigest()
        final = blob_path(root, sha)
        created = not final.exists()
        if created:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)  # atomic on one filesystem
        return StoredFile(sha, size, TYPES[kind][1], kind, created)
    finally:
        tmp.unlink(missing_ok=True)
