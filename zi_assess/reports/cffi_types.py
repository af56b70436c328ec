"""WeasyPrint's C declarations, parsed once and kept on disk (start-up of a report process).

Importing WeasyPrint declares some 200 Pango, HarfBuzz and fontconfig functions and types with
``cffi.FFI.cdef``, and cffi parses that 16 KB C text with pycparser — a C parser written in
Python, imported (~30 ms) and run (~45 ms) in every process that renders a PDF. What the parse
produces is plain data: cffi's type objects (``cffi.model``) by declared name. This module keeps
that result in a pickle keyed by the Python and cffi versions and the declaration text, and while
WeasyPrint is imported (:func:`cached_declarations`) a ``cdef`` call whose result is on file gets
it from there; pycparser is then imported only when something is parsed after all, i.e. never.

It reaches into cffi's internals (the parser's tables), so everything falls back to cffi's own
``cdef``: any other cffi version (setup.cfg pins the range that was checked), a text, option or
``FFI`` state other than the one cached, a file that does not load or holds anything but cffi's
types, and a folder or file another user could write (a pickle runs code when loaded).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pickle
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cffi  # type: ignore[import-untyped]
from cffi import model

log = logging.getLogger(__name__)

#: the parser's tables a ``cdef`` fills (cffi.cparser.Parser); all of them are kept and restored
PARSER_STATE = ("_declarations", "_int_constants", "_included_declarations", "_anonymous_counter",
                "_uses_new_feature")
FORMAT = 1


def cache_file(directory: Path, csource: str) -> Path:
    key = "\0".join((str(FORMAT), sys.version, cffi.__version__, csource))
    return directory / f"cdef-{hashlib.sha256(key.encode()).hexdigest()[:32]}.pickle"


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else (a pickle from anyone else is refused)."""
    try:
        info = path.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def _fresh(ffi: cffi.FFI) -> bool:
    """An ``FFI`` nothing was declared in yet, with the internals this module knows."""
    parser: Any = getattr(ffi, "_parser", None)
    return (isinstance(getattr(ffi, "_cdefsources", None), list) and not ffi._cdefsources
            and all(hasattr(parser, name) for name in PARSER_STATE) and not parser._declarations
            and getattr(parser, "_recomplete", None) == [])


def _valid(state: Any, csource: str) -> bool:
    if not isinstance(state, dict) or state.get("cffi") != cffi.__version__ or state.get("source") != csource:
        return False
    declarations = state.get("_declarations")
    return isinstance(declarations, dict) and all(
        # a type and its qualifiers, or for a "macro NAME" key its integer value
        isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], (model.BaseTypeByIdentity, int))
        and isinstance(value[1], int) for value in declarations.values())


def restore(ffi: cffi.FFI, path: Path, csource: str) -> bool:
    """Declare ``csource`` in a fresh ``ffi`` from the file of an earlier parse; False if it cannot."""
    if not (_private(path.parent) and _private(path)):
        return False
    try:
        state = pickle.loads(path.read_bytes())
    except Exception as exc:  # a truncated or foreign file: parse instead (and write it again)
        log.debug("cffi declarations not loaded from %s: %s", path, exc)
        return False
    if not _valid(state, csource):
        return False
    with ffi._lock:
        for name in PARSER_STATE:
            setattr(ffi._parser, name, state[name])
        ffi._cdef_version = object()  # what cffi's own cdef does after a parse
        ffi._cdefsources.append(csource)
    return True


def store(ffi: cffi.FFI, path: Path, csource: str) -> None:
    """Keep what parsing ``csource`` put in ``ffi`` (written under a temporary name, then renamed:
    several processes may start at once)."""
    if ffi._parser._recomplete:
        return
    state = {name: getattr(ffi._parser, name) for name in PARSER_STATE}
    state.update(cffi=cffi.__version__, source=csource)
    try:
        data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path.parent):
            return
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=path.name, suffix=".tmp",
                                         delete=False) as temporary:
            temporary.write(data)
        os.replace(temporary.name, path)
    except Exception as exc:  # no cache is no error
        log.debug("cffi declarations not cached in %s: %s", path, exc)


class _PycparserOnFirstUse(types.ModuleType):
    """Stands in for ``pycparser`` in ``sys.modules`` until a declaration is parsed after all: its
    first attribute asked for imports the real package (which replaces it in ``sys.modules``)
    and takes over its namespace, so ``cffi.cparser``, which holds this module, then reads the real
    one's attributes. (``importlib.util.LazyLoader`` loads at the ``import`` statement itself:
    the import system reads ``__spec__``.)"""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get("pycparser") is self:
            del sys.modules["pycparser"]
        real = importlib.import_module("pycparser")
        self.__dict__.update(vars(real))
        return getattr(real, name)


def _defer_pycparser() -> None:
    """``cffi.cparser`` imports pycparser (~30 ms) as it is imported itself, i.e. with the first
    ``FFI()``: defer that import to the first parse, which the cache may make never happen."""
    if "pycparser" in sys.modules or "cffi.cparser" in sys.modules:
        return
    spec = importlib.util.find_spec("pycparser")
    if spec is None:
        return
    stand_in = _PycparserOnFirstUse("pycparser")
    stand_in.__spec__ = spec  # what the import system reads without loading anything
    sys.modules["pycparser"] = stand_in


@contextmanager
def cached_declarations(directory: Path | None) -> Iterator[None]:
    """While the block runs (WeasyPrint's import), ``FFI.cdef`` on a fresh ``FFI`` takes its
    declarations from ``directory`` when they were parsed before, and files them otherwise.
    ``directory`` None: cffi as it is."""
    if directory is None:
        yield
        return
    original: Callable[..., None] = cffi.FFI.cdef

    def cdef(self: cffi.FFI, csource: str, override: bool = False, packed: bool = False,
             pack: int | None = None) -> None:
        if override or packed or pack is not None or not isinstance(csource, str) or not _fresh(self):
            original(self, csource, override=override, packed=packed, pack=pack)
            return
        path = cache_file(directory, csource)
        if restore(self, path, csource):
            return
        original(self, csource)
        store(self, path, csource)

    _defer_pycparser()
    cffi.FFI.cdef = cdef
    try:
        yield
    finally:
        cffi.FFI.cdef = original
