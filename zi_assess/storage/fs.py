"""Filesystem backend: one folder, possibly a volume shared by several servers.

Every write goes to a new random name in ``<root>/tmp`` and is renamed into place (``os.replace``
is atomic within one filesystem, and the staging folder is inside the store, so it is always the
same filesystem). Nothing is kept per process: any server sees what another wrote.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from flask import Response, send_file

from zi_assess.storage.base import Entry, Staged, Store, StoreUnavailable, check_key, translate_os_errors


class FsStore(Store):
    name = "fs"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.staging_dir = self.root / "tmp"

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def read(self, key: str) -> bytes:
        with translate_os_errors(key):
            return self.path(key).read_bytes()

    def open(self, key: str) -> BinaryIO:
        with translate_os_errors(key):
            return self.path(key).open("rb")

    def save(self, key: str, data: bytes) -> None:
        with self.staging() as staged:
            with translate_os_errors(None):
                staged.file.write(data)
                staged.file.flush()
                os.fsync(staged.file.fileno())
            self.commit_staged(staged, key)

    def commit_staged(self, staged: Staged, key: str) -> None:
        target = self.path(key)
        with translate_os_errors(None):
            staged.file.flush()
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged.path, target)
        staged.committed = True

    def delete(self, key: str) -> None:
        with translate_os_errors(None):
            self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def touch(self, key: str) -> None:
        with translate_os_errors(key):
            os.utime(self.path(key))

    def list(self, prefix: str) -> Iterator[Entry]:
        base = self.root / prefix.rstrip("/") if prefix else self.root
        if not base.is_dir():
            return
        for folder, _dirs, files in os.walk(base):
            for name in files:
                path = Path(folder) / name
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                yield Entry(path.relative_to(self.root).as_posix(), stat.st_size, stat.st_mtime)

    def send(self, key: str, *, mimetype: str, download_name: str) -> Response:
        path = self.path(key)
        with translate_os_errors(key):
            os.stat(path)
        return send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name)

    def probe(self) -> str:
        with self.staging() as staged, translate_os_errors(None):
            staged.file.write(b"ok")
            staged.file.flush()
        if not os.access(self.root, os.W_OK):
            raise StoreUnavailable("the store folder is not writable")
        return f"fs {self.root} writable"
