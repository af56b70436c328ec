"""WeasyPrint's C declarations, parsed once and kept on disk (start-up of a report process).

Importing WeasyPrint declares some 200 Pango, HarfBuzz and fontconfig functions and types with
``cffi.FFI.cdef``, and cffi parses that 16 KB C text with pycparser — a C parser written in
Python, imported (~30 ms) and run (~45 ms) in every process that renders a PDF. What the parse
produces is plain data: cffi's type objects (``cffi.model``) by declared name. Rendering then
asks for a dozen types by name (``ffi.new("PangoRectangle *")``), each parsed by pycparser again.
This module keeps both in a pickle keyed by the Python and cffi versions and the declaration
text (the type names a process had to parse are listed beside it, and the next process files
them), and while WeasyPrint is imported (:func:`cached_declarations`) a ``cdef`` call whose
result is on file gets it from there; pycparser is then imported only when something is parsed
after all, i.e. never once the cache is warm.

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
import re
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cffi  # type: ignore[import-untyped]
from cffi import model

from zi_assess.cache_files import private, replace_file

log = logging.getLogger(__name__)

#: the parser's tables a ``cdef`` fills (cffi.cparser.Parser); all of them are kept and restored
PARSER_STATE = ("_declarations", "_int_constants", "_included_declarations", "_anonymous_counter",
                "_uses_new_feature")
FORMAT = 2
#: an array type by name, as cffi's parser builds it: ``model.ArrayType(item, length or None)``
#: (a decimal length only: C reads a leading 0 as octal)
ARRAY = re.compile(r"(?P<item>[A-Za-z_][\w *]*?) ?\[(?P<length>0|[1-9][0-9]*)?\]")


def cache_file(directory: Path, csource: str) -> Path:
    key = "\0".join((str(FORMAT), sys.version, cffi.__version__, csource))
    return directory / f"cdef-{hashlib.sha256(key.encode()).hexdigest()[:32]}.pickle"


def _fresh(ffi: cffi.FFI) -> bool:
    """An ``FFI`` nothing was declared in yet, with the internals this module knows."""
    parser: Any = getattr(ffi, "_parser", None)
    return (isinstance(getattr(ffi, "_cdefsources", None), list) and not ffi._cdefsources
            and all(hasattr(parser, name) for name in PARSER_STATE) and not parser._declarations
            and getattr(parser, "_recomplete", None) == [])


def _valid(state: Any, csource: str) -> bool:
    if not isinstance(state, dict) or state.get("cffi") != cffi.__version__ or state.get("source") != csource:
        return False
    declarations, parsed = state.get("_declarations"), state.get("types")
    return isinstance(declarations, dict) and all(
        # a type and its qualifiers, or for a "macro NAME" key its integer value
        isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], (model.BaseTypeByIdentity, int))
        and isinstance(value[1], int) for value in declarations.values()) and isinstance(parsed, dict) and all(
        isinstance(key, str) and isinstance(value, model.BaseTypeByIdentity) for key, value in parsed.items())


def load(path: Path, csource: str) -> dict[str, Any] | None:
    """The state an earlier process filed for ``csource``, if it is exactly what this one would parse."""
    if not (private(path.parent) and private(path)):
        return None
    try:
        state = pickle.loads(path.read_bytes())
    except Exception as exc:  # a truncated or foreign file: parse instead (and write it again)
        log.debug("cffi declarations not loaded from %s: %s", path, exc)
        return None
    return state if _valid(state, csource) else None


def _wanted_file(path: Path) -> Path:
    return path.with_suffix(".types")


def wanted(path: Path) -> list[str]:
    """The type names (``ffi.new("PangoRectangle *")``) processes asked for that are not on file."""
    listing = _wanted_file(path)
    if not private(listing):
        return []
    try:
        return sorted({line for line in listing.read_text(encoding="utf-8").splitlines() if line})
    except (OSError, UnicodeDecodeError):
        return []


def _want(path: Path, cdecl: str) -> None:
    if "\n" in cdecl or not private(path.parent):
        return
    try:
        descriptor = os.open(_wanted_file(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as listing:
            listing.write(cdecl + "\n")
    except OSError as exc:
        log.debug("cffi type %r not listed: %s", cdecl, exc)


def store(ffi: cffi.FFI, path: Path, csource: str, parsed: dict[str, Any]) -> None:
    """Keep what parsing ``csource`` put in ``ffi`` and the types ``parsed`` from it, before any of
    them was built (cffi marks a built struct type complete); written under a temporary name,
    then renamed: several processes may start at once."""
    if ffi._parser._recomplete:
        return
    state = {name: getattr(ffi._parser, name) for name in PARSER_STATE}
    state.update(cffi=cffi.__version__, source=csource, types=parsed)
    try:
        data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not private(path.parent):
            return
        replace_file(path, data)
    except Exception as exc:  # no cache is no error
        log.debug("cffi declarations not cached in %s: %s", path, exc)


def declare(ffi: cffi.FFI, directory: Path, csource: str, parse: Callable[[], None]) -> None:
    """Declare ``csource`` in a fresh ``ffi``: from the file when it is there (``parse`` otherwise),
    then the type names earlier processes asked for, all before anything is built from them;
    file whatever had to be parsed. Later type names come from the file too, and one that is
    not there is parsed and listed for the next process."""
    path = cache_file(directory, csource)
    state = load(path, csource)
    if state is None:
        parse()
        parsed: dict[str, Any] = {}
    else:
        with ffi._lock:
            for name in PARSER_STATE:
                setattr(ffi._parser, name, state[name])
            ffi._cdef_version = object()  # what cffi's own cdef does after a parse
            ffi._cdefsources.append(csource)
        parsed = dict(state["types"])
    parser = ffi._parser
    parse_type = parser.parse_type
    missing = [cdecl for cdecl in wanted(path) if cdecl not in parsed]
    for cdecl in missing:
        try:
            parsed[cdecl] = parse_type(cdecl)
        except Exception:  # a name of another declaration text: cffi will say so if it is asked for
            continue
    if state is None or missing:
        store(ffi, path, csource, parsed)

    def filed_parse_type(cdecl: str) -> Any:
        found = parsed.get(cdecl)
        if found is not None:
            return found
        array = ARRAY.fullmatch(cdecl)
        if array is None:
            _want(path, cdecl)
            return parse_type(cdecl)
        # "hb_codepoint_t[1128]": the sizes change with every document; the item type does not
        item = parsed.get(array["item"])
        if item is None or item is model.void_type:
            _want(path, array["item"])
            return parse_type(cdecl)
        return model.ArrayType(item, int(array["length"]) if array["length"] else None)

    parser.parse_type = filed_parse_type


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
        declare(self, directory, csource, lambda: original(self, csource))

    _defer_pycparser()
    cffi.FFI.cdef = cdef
    try:
        yield
    finally:
        cffi.FFI.cdef = original
