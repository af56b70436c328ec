"""Regular expressions compiled once and kept on disk (start-up of a report process).

Importing Flask, SQLAlchemy, Babel, Jinja and WeasyPrint compiles some 240 regular expressions
(``re.compile`` at module level): the ``re`` module parses each pattern and translates it to the
code of its matching engine in Python, ~18 ms of a ~0.7 s ``zi-assess report lhe`` process. What
that yields is plain data (the engine's code as a list of integers, the flags, the group names),
so this module keeps it by pattern and flags, and a process started after the first one hands it
to the engine (``_sre.compile``, which checks the code it is given) instead of parsing again. The
``Pattern`` objects are the ones ``re`` itself would make.

Installed with :mod:`zi_assess.code_cache` (same folder, same rules: a file another user could
write, or one that does not load as the expected mapping, is ignored; off with
``ZI_TEMPLATE_CACHE=false``); the file is named by the Python version and the engine's
``MAGIC``, so another interpreter never reads it. ``re``'s debug flag and patterns given
already parsed go to ``re`` unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import sys
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from typing import Any

from zi_assess.cache_files import load_marshalled, private, replace_file

log = logging.getLogger(__name__)

FORMAT = 1
#: a cache that grew beyond this starts again (patterns that differ from run to run)
MAX_ENTRIES = 5_000

#: (pattern, flags) → (flags of the compiled pattern, engine code, groups, group index, names by group)
Entry = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
_entries: dict[tuple[str | bytes, int], Entry] = {}
_added = 0
_path: Path | None = None
_original: Any = None


def cache_file(directory: Path) -> Path:
    import _sre

    key = "\0".join((str(FORMAT), sys.version, str(_sre.MAGIC)))
    return directory / f"re-{hashlib.sha256(key.encode()).hexdigest()[:16]}.marshal"


def _translated(pattern: str | bytes, flags: int) -> Entry:
    """What ``re._compiler.compile`` hands to the engine (Python 3.11–3.13 alike)."""
    parsed = _parser.parse(pattern, flags)
    code = [int(word) for word in _compiler._code(parsed, flags)]  # plain ints: opcodes are an int subclass
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup)


def _compile(pattern: Any, flags: int = 0) -> Any:
    global _added
    if type(pattern) not in (str, bytes) or type(flags) is not int or flags & _compiler.SRE_FLAG_DEBUG:
        return _original(pattern, flags)
    key = (pattern, flags)
    entry = _entries.get(key)
    if entry is None:
        entry = _entries[key] = _translated(pattern, flags)
        _added += 1
    final_flags, code, groups, groupindex, indexgroup = entry
    return _compiler._sre.compile(pattern, final_flags, code, groups, dict(groupindex), indexgroup)


def _valid(loaded: object) -> bool:
    if not isinstance(loaded, dict) or len(loaded) > MAX_ENTRIES:
        return False
    for key, value in loaded.items():
        if not (isinstance(key, tuple) and len(key) == 2 and type(key[0]) in (str, bytes) and type(key[1]) is int):
            return False
        if not (isinstance(value, tuple) and len(value) == 5 and type(value[0]) is int
                and isinstance(value[1], list) and all(type(word) is int for word in value[1])
                and type(value[2]) is int and isinstance(value[3], dict) and isinstance(value[4], tuple)):
            return False
    return True


def _load(path: Path) -> dict[tuple[str | bytes, int], Entry]:
    loaded = load_marshalled(path)
    return loaded if _valid(loaded) else {}  # type: ignore[return-value]


def install(directory: Path) -> bool:
    """Compile the process's regular expressions through ``directory``'s cache (a folder
    :mod:`zi_assess.code_cache` made). Returns whether it was installed."""
    global _path, _original
    if _path is not None:
        return True
    if not (hasattr(_compiler, "_code") and hasattr(_compiler, "_sre")):  # another Python's internals
        return False
    _path = cache_file(directory)
    _entries.update(_load(_path))
    _original = _compiler.compile
    _compiler.compile = _compile
    return True


def save() -> None:
    """Write the cache if this process compiled any pattern anew (a file that cannot be written is skipped)."""
    global _added
    if _path is None or not _added or not private(_path.parent):
        return
    try:
        replace_file(_path, marshal.dumps(_entries if len(_entries) <= MAX_ENTRIES else {}))
        _added = 0
    except (OSError, ValueError) as exc:
        log.debug("regular expression cache not saved: %s", exc)
