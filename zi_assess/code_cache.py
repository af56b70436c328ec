"""Code that libraries generate as text, compiled once and kept on disk (start-up of a report process).

A ``zi-assess report`` process compiles some 2,500 snippets of Python source that libraries
write at run time: every ``@dataclass`` has its ``__init__``, ``__repr__``, ``__eq__`` … written
out and ``exec``-ed (ours, SQLAlchemy's, WeasyPrint's), ``typing.ForwardRef`` compiles each
string annotation, SQLAlchemy ``eval``-s the annotations of every mapped column and generates
functions, cssselect2 turns every CSS selector into a lambda. Parsing and compiling that text was
~10 % of an LHE process's instructions. The compiled code objects are plain data (``marshal``):
this module keeps them by source text, file name, mode and compiler flags, and a process started
after the first one takes them from there instead of compiling again.

:func:`install` gives the modules that generate code (:data:`MODULES`) their own ``compile``,
``exec`` and ``eval`` (module globals, in front of the builtins): a call with a source text looks
the code object up and compiles only what is missing, with exactly the flags the builtin would
have used (the calling module's ``__future__`` features); any other call goes to the builtin
unchanged. :func:`save` writes what was added (``os.replace``: several processes may share the
folder). Only the lean app's commands install it (``zi-assess report`` and ``worker``); a web
process compiles that code once in its life anyway.

The file lives in ``<instance>/cache/code``, named by the Python version and optimisation level.
Loading code objects runs what they hold, so a folder or file another user could write is
refused, and a file that does not load as the expected mapping is ignored. Off with
``ZI_TEMPLATE_CACHE=false``, like the other start-up caches.
"""

from __future__ import annotations
import __future__

import builtins
import hashlib
import logging
import marshal
import os
import sys
import types
from pathlib import Path
from typing import Any

from zi_assess.cache_files import load_marshalled, private, replace_file

log = logging.getLogger(__name__)

FORMAT = 1
#: modules whose run-time generated source is compiled through the cache (patched when installed
#: or, for those imported later, as soon as they are loaded)
MODULES = ("dataclasses", "typing", "collections", "sqlalchemy.util.langhelpers", "sqlalchemy.util.typing",
           "cssselect2.compiler", "fontTools.ttLib.tables.otConverters")
#: the ``__future__`` flags a ``compile``/``exec``/``eval`` of text inherits from the calling code
#: (CPython's ``PyCF_MASK``: every feature's flag but nested_scopes', which is ``CO_NESTED``)
FUTURE_FLAGS = 0
for _name in __future__.all_feature_names:
    if _name != "nested_scopes":
        FUTURE_FLAGS |= getattr(__future__, _name).compiler_flag
#: a cache that grew beyond this starts again (source texts that differ from run to run)
MAX_ENTRIES = 20_000

Key = tuple[str, str, str, int]
_codes: dict[Key, types.CodeType] = {}
_added = 0
_path: Path | None = None


def cache_file(directory: Path) -> Path:
    key = "\0".join((str(FORMAT), sys.version, str(sys.flags.optimize)))
    return directory / f"code-{hashlib.sha256(key.encode()).hexdigest()[:16]}.marshal"


def _compiled(source: str, filename: str, mode: str, caller: types.FrameType | None) -> types.CodeType:
    global _added
    flags = caller.f_code.co_flags & FUTURE_FLAGS if caller is not None else 0
    key = (source, filename, mode, flags)
    code = _codes.get(key)
    if code is None:
        code = builtins.compile(source, filename, mode, flags, True)
        _codes[key] = code
        _added += 1
    return code


def _compile(source: Any, filename: Any, mode: Any, *args: Any, **kwargs: Any) -> Any:
    if args or kwargs or not (isinstance(source, str) and isinstance(filename, str) and isinstance(mode, str)):
        return builtins.compile(source, filename, mode, *args, **kwargs)
    return _compiled(source, filename, mode, sys._getframe(1))


def _exec(source: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(source, str) and not kwargs:
        source = _compiled(source, "<string>", "exec", sys._getframe(1))
    return builtins.exec(source, *args, **kwargs)


def _eval(source: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(source, str) and not kwargs:
        # eval, like the builtin, ignores leading spaces and tabs of its text
        source = _compiled(source.lstrip(" \t"), "<string>", "eval", sys._getframe(1))
    return builtins.eval(source, *args, **kwargs)


def _load(path: Path) -> dict[Key, types.CodeType]:
    loaded = load_marshalled(path)
    if not isinstance(loaded, dict) or len(loaded) > MAX_ENTRIES:
        return {}
    for key, value in loaded.items():
        if not (isinstance(key, tuple) and len(key) == 4 and isinstance(value, types.CodeType)):
            return {}
    return loaded


def enabled() -> bool:
    return os.environ.get("ZI_TEMPLATE_CACHE", "true").strip().lower() not in ("false", "0", "no", "off")


def install(instance_path: str) -> bool:
    """Load ``<instance>/cache/code`` and compile the generated code of :data:`MODULES` through it.
    Returns whether it was installed (setting on, folder usable)."""
    global _path
    if _path is not None:
        return True
    if not enabled():
        return False
    directory = Path(instance_path) / "cache" / "code"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        log.debug("no code cache: %s", exc)
        return False
    _path = cache_file(directory)
    _codes.update(_load(_path))
    from zi_assess import regex_cache

    regex_cache.install(directory)  # the regular expressions the imports below compile
    for name in MODULES:
        module = sys.modules.get(name)
        if module is not None:
            _patch(module)
    sys.meta_path.insert(0, _Patcher())
    return True


def _patch(module: types.ModuleType) -> None:
    module.__dict__.update(compile=_compile, exec=_exec, eval=_eval)


class _Patcher:
    """Finds nothing itself: when a module of :data:`MODULES` is imported later (SQLAlchemy,
    cssselect2), patches it as soon as it has run, before the modules importing it generate code."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in MODULES:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None) if finder is not self else None
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        run = getattr(loader, "exec_module", None)
        if run is None:
            return spec

        def exec_module(module: types.ModuleType) -> None:
            run(module)
            _patch(module)

        loader.exec_module = exec_module
        return spec


def save() -> None:
    """Write the cache if this process compiled anything new (a file that cannot be written is skipped)."""
    global _added
    from zi_assess import regex_cache

    regex_cache.save()
    if _path is None or not _added or not private(_path.parent):
        return
    try:
        data = marshal.dumps(_codes if len(_codes) <= MAX_ENTRIES else {})
        replace_file(_path, data)
        _added = 0
    except (OSError, ValueError) as exc:
        log.debug("code cache not saved: %s", exc)
