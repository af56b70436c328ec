"""What an uploaded file really is, from its bytes — the one place that looks inside uploads.

Evidence uploads and LKE workbook imports both come through :func:`sniff`, with one set of
limits. PDF, JPEG and PNG are recognised by their signatures. An Office Open XML file (xlsx,
docx) is a zip holding ``[Content_Types].xml`` and its main part; the archive's declared sizes
and member count are checked before anything is unpacked (zip bombs), and macro projects
(``vbaProject.bin``) are refused. A password-protected Office file is not a zip but an OLE/CFB
container holding an ``EncryptedPackage`` stream, as is a legacy .doc/.xls: neither can be
checked for macros, so both are refused with a code that says which one it is.

Pure Python (no Flask): the web layer words the stable ``code`` of :class:`FileRejected`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: an evidence document or an LKE workbook unpacks to a few MB; far beyond that it is not one
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
#: members of one Office archive (an LKE workbook has about 20, a docx with many images a few hundred)
MAX_MEMBERS = 2000
CFB_MAGIC = b"\xd0\xcf\x11\xe0"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    """A kind of file zi-assess accepts: its extensions and the content type it is served with."""

    extensions: frozenset[str]
    content_type: str


KINDS = {
    "pdf": FileKind(frozenset({".pdf"}), "application/pdf"),
    "jpg": FileKind(frozenset({".jpg", ".jpeg"}), "image/jpeg"),
    "png": FileKind(frozenset({".png"}), "image/png"),
    "xlsx": FileKind(frozenset({".xlsx"}), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": FileKind(frozenset({".docx"}),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
#: extensions of Office files that may carry macros, refused whatever their content
MACRO_EXTENSIONS = frozenset({".xlsm", ".docm", ".xltm", ".dotm", ".xlsb", ".xlam", ".pptm"})
_SIGNATURES = ((b"%PDF-", "pdf"), (b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"))
#: the main part that makes an OOXML package a workbook or a document
_OOXML_MAIN = (("xl/workbook.xml", "xlsx"), ("word/document.xml", "docx"))


class FileRejected(ValueError):
    """The file is refused; ``code`` is stable: ``empty``, ``unsupported_type``, ``corrupt``,
    ``zip_bomb``, ``macro``, ``encrypted``, ``legacy_office``, ``mismatch``."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def sniff(source: Path | bytes) -> str:
    """The real kind of a file (a key of :data:`KINDS`) from its content alone."""
    with _open(source) as fh:
        head = fh.read(8)
        if not head:
            raise FileRejected("empty")
        for signature, kind in _SIGNATURES:
            if head.startswith(signature):
                return kind
        if head.startswith(b"PK\x03\x04"):
            fh.seek(0)
            return _ooxml_kind(fh)
        if head.startswith(CFB_MAGIC):
            fh.seek(0)
            raise FileRejected("encrypted" if _contains(fh, _ENCRYPTED) else "legacy_office")
    raise FileRejected("unsupported_type")


def sniff_named(source: Path | bytes, filename: str) -> str:
    """:func:`sniff`, and the name's extension must be one of that kind's (no renamed files, no macros)."""
    ext = Path(filename or "").suffix.lower()
    if ext in MACRO_EXTENSIONS:
        raise FileRejected("macro")
    kind = sniff(source)
    if ext not in KINDS[kind].extensions:
        raise FileRejected("mismatch", ext)
    return kind


def _open(source: Path | bytes) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


def _ooxml_kind(fh: BinaryIO) -> str:
    try:
        with zipfile.ZipFile(fh) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise FileRejected("corrupt") from None
    if len(infos) > MAX_MEMBERS or sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise FileRejected("zip_bomb")
    names = {info.filename for info in infos}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRejected("macro")
    if "[Content_Types].xml" in names:
        for part, kind in _OOXML_MAIN:
            if part in names:
                return kind
    raise FileRejected("unsupported_type")


def _contains(fh: BinaryIO, needle: bytes) -> bool:
    """Whether the stream holds ``needle`` (read in chunks that overlap by the needle's length)."""
    tail = b""
    while chunk := fh.read(_CHUNK):
        if needle in tail + chunk:
            return True
        tail = chunk[-len(needle):]
    return False
