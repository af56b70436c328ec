"""Files of the start-up caches (:mod:`zi_assess.code_cache`, :mod:`zi_assess.reports.cffi_types`):
what loading them runs is code, so only a file and folder of this user's, writable by nobody else,
is read; a file is written under a temporary name, then renamed (several processes share the folder).

Standard library only: the code cache is installed before anything else is imported.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def private(path: Path) -> bool:
    """Owned by this user and writable by nobody else."""
    try:
        info = path.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def replace_file(path: Path, data: bytes) -> None:
    """``path`` now holds ``data``, whole (readers see the old file or the new one); OSError if not."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_marshalled(path: Path) -> object:
    """What ``path`` holds (``marshal``), when it and its folder are private; else None."""
    import marshal

    if not (private(path.parent) and private(path)):
        return None
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
