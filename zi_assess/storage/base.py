"""The storage interface every backend implements, and its errors.

Keys are relative, ``/``-separated names (``evidence/ab/cd/<sha256>``, ``reports/ab/<sha256>.pdf``,
``exports/<job>/<file>``, ``imports/<token>.xlsx``); :mod:`zi_assess.storage.keys` makes them.
A write is atomic: a reader sees the old object, or the whole new one, never half of it.
Temporaries (staged uploads, half-written files of a killed process) live in the store's
staging area, and only ``zi-assess maint sweep`` removes what is left there.
"""

from __future__ import annotations

import os
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Response

_KEY = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


class StorageError(RuntimeError):
    """The store could not do what was asked; ``key`` names the object when there is one."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class StoreUnavailable(StorageError):
    """The store cannot be reached or refuses writes (read-only, permissions, endpoint down)."""


class StoreFull(StorageError):
    """The store has no room left (disk full, quota)."""


class BlobMissing(StorageError):
    """A row points at an object the store does not have."""


@dataclass(frozen=True)
class Entry:
    key: str
    size: int
    #: modification time, seconds since the epoch
    modified: float

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.modified


@dataclass
class Staged:
    """A local file being written in the store's staging area (see :meth:`Store.staging`)."""

    file: BinaryIO
    path: Path
    committed: bool = False


def check_key(key: str) -> str:
    if not _KEY.match(key or "") or {".", ".."} & set(key.split("/")):
        raise ValueError(f"bad storage key {key!r}")
    return key


class Store(ABC):
    """One place for every file the application keeps (evidence, reports, exports, imports)."""

    name = "store"
    #: folder of local staging files (uploads being received); swept like the store's temporaries
    staging_dir: Path

    @abstractmethod
    def read(self, key: str) -> bytes:
        """The object's bytes; raises :class:`BlobMissing`."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object (close it); raises :class:`BlobMissing`."""

    @abstractmethod
    def save(self, key: str, data: bytes) -> None:
        """Write the object atomically (replacing any old one)."""

    @abstractmethod
    def commit_staged(self, staged: Staged, key: str) -> None:
        """Give a finished staging file its key (atomically); the staging file is gone after."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; no error when it is not there."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def touch(self, key: str) -> None:
        """Make the object young again (an upload of content already stored: the sweep must not
        take it as unreferenced before the new row commits)."""

    @abstractmethod
    def list(self, prefix: str) -> Iterator[Entry]:
        """Every object whose key starts with ``prefix``, with its size and age."""

    @abstractmethod
    def send(self, key: str, *, mimetype: str, download_name: str) -> Response:
        """A download response (attachment) streaming the object; raises :class:`BlobMissing`."""

    @abstractmethod
    def probe(self) -> str:
        """Write and remove a small object; raises :class:`StorageError` when the store refuses."""

    # -- local staging, shared by every backend ------------------------------------------------

    @contextmanager
    def staging(self) -> Iterator[Staged]:
        """A new local file in the staging area; removed on exit unless committed."""
        path = self.staging_dir / f"upload-{os.urandom(12).hex()}.part"
        with translate_os_errors(None):
            self.staging_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        handle = os.fdopen(fd, "wb")
        staged = Staged(handle, path)
        try:
            yield staged
        finally:
            handle.close()
            if not staged.committed:
                staged.path.unlink(missing_ok=True)

    def staged_files(self) -> Iterator[Entry]:
        try:
            paths = list(self.staging_dir.iterdir())
        except FileNotFoundError:
            return
        for path in paths:
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if path.is_file():
                yield Entry(path.name, stat.st_size, stat.st_mtime)

    def delete_staged(self, name: str) -> None:
        (self.staging_dir / Path(name).name).unlink(missing_ok=True)


@contextmanager
def translate_os_errors(key: str | None) -> Iterator[None]:
    """Filesystem errors as storage errors: missing → BlobMissing, full → StoreFull, else unavailable."""
    import errno

    try:
        yield
    except FileNotFoundError as exc:
        if key is None:
            raise StoreUnavailable(f"storage folder missing: {exc.strerror}") from exc
        raise BlobMissing(f"{key} is not in the store", key) from exc
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise StoreFull(f"no room in the store ({exc.strerror})", key) from exc
        raise StoreUnavailable(f"the store refused ({type(exc).__name__}: {exc.strerror})", key) from exc
