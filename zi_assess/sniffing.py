"""What an uploaded file really is, from its bytes — the one place that looks inside uploads.

Evidence uploads and LKE workbook imports both come through :func:`sniff`, with one set of
limits. PDF, JPEG and PNG are recognised by their signatures. An Office Open XML file (xlsx,
docx) is a zip holding ``[Content_Types].xml`` and its main part; the archive's declared sizes
and member count are checked before anything is unpacked (zip bombs), and macro projects
(``vbaProject.bin``) are refused. A password-protected Office file is not a zip but an OLE/CFB
container holding an ``EncryptedPackage`` stream, as is a legacy .doc/.xls: neither can be
checked for macros, so both are refused with a code that says which one it is. Archive members
with absolute or ``..`` paths are refused (``zip_path``).

:func:`screen_content` looks deeper, once the kind is known: images declaring more pixels than
a limit (read from the header alone: PNG IHDR, JPEG SOF, GIF screen), files that are also HTML
(polyglots a browser could sniff as a page), and the active content of a PDF (JavaScript, open
actions, launch actions, embedded files), which it returns for the caller to refuse or flag.

Pure Python (no Flask): the web layer words the stable ``code`` of :class:`FileRejected`.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

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
    ``zip_bomb``, ``zip_path``, ``macro``, ``encrypted``, ``legacy_office``, ``mismatch``,
    ``too_many_pixels``, ``polyglot``, ``pdf_encrypted``."""

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
    if any(_unsafe_member(name) for name in names):
        raise FileRejected("zip_path")
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


def _unsafe_member(name: str) -> bool:
    """An archive member that would land outside the folder it is unpacked into."""
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(re.match(r"[A-Za-z]:", path)) or ".." in path.split("/")


# -- deeper screening of a known kind ---------------------------------------------------------

#: what a browser takes for a page when it sniffs the start of a file (or finds in an image)
_HTML_MARKERS = re.compile(rb"<(?:html|script|!doctype\s+html|body|head|iframe|svg|object|embed|meta)[\s>/]",
                           re.IGNORECASE)
#: browsers sniff at most this many leading bytes
_SNIFF_WINDOW = 1024
#: PDF names (keys or values) that run code or carry files, and how they are reported
PDF_ACTIVE = {
    "/JavaScript": "/JavaScript", "/JS": "/JS", "/OpenAction": "/OpenAction", "/Launch": "/Launch",
    "/EmbeddedFile": "/EmbeddedFile", "/EmbeddedFiles": "/EmbeddedFile",
}
#: objects of one PDF walked at most (a larger object graph is not an evidence document)
_PDF_MAX_OBJECTS = 500_000


def screen_content(source: Path | bytes, kind: str, *, max_pixels: int) -> list[str]:
    """Check a file already sniffed as ``kind``. Raises :class:`FileRejected` (``too_many_pixels``,
    ``polyglot``, ``corrupt``, ``pdf_encrypted``); returns the active content of a PDF (names of
    :data:`PDF_ACTIVE`, sorted), empty for anything else."""
    with _open(source) as fh:
        head = fh.read(_SNIFF_WINDOW)
        if _HTML_MARKERS.search(head):
            raise FileRejected("polyglot")
        if kind in ("png", "jpg", "gif"):
            fh.seek(0)
            pixels = image_pixels(fh)
            if pixels is not None and pixels > max_pixels:
                raise FileRejected("too_many_pixels", str(pixels))
            fh.seek(0)
            if _search(fh, _HTML_MARKERS):
                raise FileRejected("polyglot")
    if kind == "pdf":
        return pdf_active_content(source)
    return []


def image_pixels(fh: BinaryIO) -> int | None:
    """Width × height an image declares in its header (PNG, JPEG, GIF), None when not found."""
    head = fh.read(32)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return int(width) * int(height)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", head[6:10])
        return int(width) * int(height)
    if head.startswith(b"\xff\xd8"):
        fh.seek(2)
        return _jpeg_pixels(fh)
    return None


#: JPEG start-of-frame markers (every SOFn but DHT C4, JPG C8 and DAC CC)
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_pixels(fh: BinaryIO) -> int | None:
    while True:
        byte = fh.read(1)
        if not byte:
            return None
        if byte != b"\xff":
            continue
        marker = fh.read(1)
        while marker == b"\xff":  # fill bytes
            marker = fh.read(1)
        if not marker:
            return None
        code = marker[0]
        if code in (0x01, 0xD8) or 0xD0 <= code <= 0xD7:
            continue  # markers without a length
        if code == 0xD9:
            return None
        length_bytes = fh.read(2)
        if len(length_bytes) < 2:
            return None
        (length,) = struct.unpack(">H", length_bytes)
        if code in _SOF:
            frame = fh.read(5)
            if len(frame) < 5:
                return None
            _precision, height, width = struct.unpack(">BHH", frame)
            return int(width) * int(height)
        if length < 2:
            return None
        fh.seek(length - 2, io.SEEK_CUR)


def pdf_active_content(source: Path | bytes) -> list[str]:
    """The active content a PDF holds (names of :data:`PDF_ACTIVE`), walking every object reachable
    from its trailer with pypdf. Raises :class:`FileRejected` for a PDF that cannot be read."""
    from pypdf import PdfReader

    found: set[str] = set()
    try:
        with _open(source) as fh:
            found = _walk_pdf(PdfReader(fh, strict=False))
    except FileRejected:
        raise
    except Exception:  # noqa: BLE001  (pypdf raises many kinds on a malformed or odd file)
        # Viewers open many PDFs pypdf cannot parse: look for the names in the raw bytes instead.
        with _open(source) as fh:
            found = set()
            tail = b""
            while chunk := fh.read(_CHUNK):
                for match in _PDF_NAME.finditer(tail + chunk):
                    name = "/" + _unescape_name(match.group(1))
                    if name in PDF_ACTIVE:
                        found.add(PDF_ACTIVE[name])
                tail = chunk[-64:]
    return sorted(found)


def _walk_pdf(reader: Any) -> set[str]:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    found: set[str] = set()
    if reader.is_encrypted and not reader.decrypt(""):
        raise FileRejected("pdf_encrypted")
    stack: list[object] = [reader.trailer]
    seen: set[tuple[int, int]] = set()
    walked = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        walked += 1
        if walked > _PDF_MAX_OBJECTS:
            raise FileRejected("corrupt", "too many objects")
        if isinstance(obj, DictionaryObject):
            for name, value in obj.items():
                if name in PDF_ACTIVE:
                    found.add(PDF_ACTIVE[name])
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, NameObject) and obj in PDF_ACTIVE:
            found.add(PDF_ACTIVE[obj])
    return found


#: a name in raw PDF bytes (``#xx`` escapes allowed: ``/J#61vaScript`` is ``/JavaScript``)
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})+)")


def _unescape_name(raw: bytes) -> str:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def _search(fh: BinaryIO, pattern: re.Pattern[bytes]) -> bool:
    """Whether the stream matches ``pattern`` (chunks overlap by 64 bytes)."""
    tail = b""
    while chunk := fh.read(_CHUNK):
        if pattern.search(tail + chunk):
            return True
        tail = chunk[-64:]
    return False
