"""Screening uploaded evidence before it is stored: content checks and, when configured, ClamAV.

:func:`screen_upload` runs on every evidence upload (one call in ``evidence/operations.py``):

- the kind checks of :mod:`zi_assess.sniffing` (one home for looking inside files): type by
  content, Office archives (macros, zip bombs, ``..`` or absolute member paths), images declaring
  more than ``ZI_IMAGE_MAX_MEGAPIXELS`` (50) million pixels, HTML polyglots;
- PDFs with JavaScript, open or launch actions or embedded files: refused, or only flagged (noted in
  the audit row and the log) with ``ZI_PDF_ACTIVE_CONTENT=flag``;
- with ``ZI_CLAMAV_SOCKET`` (a UNIX socket path, or ``tcp://host:port``) the bytes go to clamd
  (``INSTREAM``); a signature found refuses the file, and so does a scanner that cannot be
  reached or answers oddly (fail closed: an unscanned file is not stored).

A refusal raises :class:`~zi_assess.sniffing.FileRejected` with a stable code the web layer words
in the user's language (``messages.EVIDENCE_PROBLEMS``).
"""

from __future__ import annotations

import logging
import socket
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

from zi_assess.sniffing import FileRejected, screen_content, sniff_named

log = logging.getLogger(__name__)
PDF_POLICIES = ("refuse", "flag")
_CHUNK = 64 * 1024


class ScanFailed(RuntimeError):
    """The scanner could not say whether the file is clean."""


@dataclass(frozen=True)
class Verdict:
    """What a scanner found: None when clean, else the signature's name."""

    signature: str | None


class Scanner(Protocol):
    """A virus scanner: reads the whole stream, answers a :class:`Verdict` or raises ScanFailed."""

    def scan(self, stream: BinaryIO) -> Verdict: ...


class ClamdScanner:
    """clamd over its UNIX socket (a path) or TCP (``tcp://host:port``), ``INSTREAM`` command."""

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        self.address = address
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        if self.address.startswith("tcp://"):
            host, _, port = self.address.removeprefix("tcp://").rpartition(":")
            return socket.create_connection((host or "127.0.0.1", int(port)), timeout=self.timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.address)
        except OSError:
            sock.close()
            raise
        return sock

    def scan(self, stream: BinaryIO) -> Verdict:
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                while chunk := stream.read(_CHUNK):
                    sock.sendall(struct.pack(">I", len(chunk)) + chunk)
                sock.sendall(struct.pack(">I", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    part = sock.recv(4096)
                    if not part:
                        break
                    reply += part
        except (OSError, ValueError) as exc:
            raise ScanFailed(f"clamd at {self.address}: {type(exc).__name__}: {exc}") from exc
        text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        # "stream: OK" | "stream: Eicar-Signature FOUND" | "INSTREAM size limit exceeded. ERROR"
        if text.endswith(" OK"):
            return Verdict(None)
        if text.endswith(" FOUND"):
            return Verdict(text.removeprefix("stream:").removesuffix("FOUND").strip())
        raise ScanFailed(f"clamd at {self.address} answered {text[:200]!r}")


def configured_scanner() -> Scanner | None:
    """The scanner ``ZI_CLAMAV_SOCKET`` names, or None when no scanner is set."""
    address = current_app.config.get("CLAMAV_SOCKET")
    return ClamdScanner(str(address), float(current_app.config.get("CLAMAV_TIMEOUT") or 30)) if address else None


@contextmanager
def _spooled(stream: BinaryIO, max_bytes: int) -> Iterator[Path | None]:
    """The upload in a temporary file (None when larger than ``max_bytes``: storing refuses it)."""
    # local scratch space (the store's own staging folder setting), never the shared store
    folder = Path(current_app.config.get("STORAGE_STAGING_PATH") or Path(current_app.instance_path) / "tmp")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(prefix="screen-", dir=folder) as tmp:
        size = 0
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                break
            tmp.write(chunk)
        tmp.flush()
        stream.seek(0)
        yield Path(tmp.name) if 0 < size <= max_bytes else None


def screen_upload(stream: BinaryIO, filename: str, max_bytes: int) -> list[str]:
    """Screen an upload (the stream is left at its start). Raises FileRejected; returns the
    flags to note with the stored evidence (a PDF's active content under ``flag``)."""
    cfg = current_app.config
    with _spooled(stream, max_bytes) as path:
        if path is None:
            return []  # empty or too large: storing refuses it with that reason
        kind = sniff_named(path, filename)
        active = screen_content(path, kind, max_pixels=int(float(cfg["IMAGE_MAX_MEGAPIXELS"]) * 1_000_000))
        if active and cfg["PDF_ACTIVE_CONTENT"] != "flag":
            raise FileRejected("pdf_active", ", ".join(active))
        scanner = configured_scanner()
        if scanner is not None:
            try:
                with path.open("rb") as fh:
                    verdict = scanner.scan(fh)
            except ScanFailed as exc:
                log.error("virus scan failed, upload refused: %s", exc)
                raise FileRejected("scan_failed") from None
            if verdict.signature is not None:
                raise FileRejected("infected", verdict.signature)
    if active:
        log.warning("evidence %r accepted with PDF active content %s (ZI_PDF_ACTIVE_CONTENT=flag)",
                    filename[:200], ", ".join(active))
    return [f"pdf:{name}" for name in active]
