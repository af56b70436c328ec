"""Compiled report templates kept on disk between processes (Jinja's bytecode cache).

Every ``zi-assess report`` process is new, and Jinja compiles each template it loads (the LHE
and the templates it includes) to Python source and then to bytecode, every time. With a
:class:`~jinja2.FileSystemBytecodeCache` the second and later processes load the bytecode
instead. Installed on the lean app (``build_app(web=False)``: report commands and workers) and, with
``WARM_START``, on the web app, which then loads every template as it starts (:func:`load_all`):
a new gunicorn worker would otherwise compile each template on its first request of it, some
100 ms on a national dashboard, paid by whoever comes first.

The cache lives in ``<instance>/cache/jinja/<key>``: the key names Python, Jinja and the
environment's extensions, so a change of any of them starts an empty folder instead of loading
bytecode built for another one (Jinja itself checks each template's source checksum). Several
processes may share the folder: Jinja writes each file under a temporary name and renames it.
A folder that cannot be written means no cache, never a failed report. ``ZI_TEMPLATE_CACHE=false``
turns it off, and the cache of WeasyPrint's C declarations beside it (``<instance>/cache/cffi``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path

import jinja2
from flask import Flask
from jinja2.bccache import Bucket

log = logging.getLogger(__name__)


class SharedBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, except that a file it cannot write is skipped, not an error."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            log.debug("template bytecode not cached: %s", exc)


def cache_key(env: jinja2.Environment) -> str:
    """What the compiled code depends on besides each template's source."""
    parts = [sys.version, jinja2.__version__, *sorted(env.extensions)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def cache_dir(app: Flask) -> Path:
    return Path(app.instance_path) / "cache" / "jinja" / cache_key(app.jinja_env)


def current_cache_dir(name: str) -> Path | None:
    """``<instance>/cache/<name>`` of the app in context, for the other start-up caches (WeasyPrint's
    parsed C declarations, :mod:`zi_assess.reports.cffi_types`); None outside an app context or
    with the setting off."""
    from flask import current_app, has_app_context

    if not has_app_context() or not current_app.config.get("TEMPLATE_CACHE", True):
        return None
    return Path(current_app.instance_path) / "cache" / name


def install(app: Flask) -> bool:
    """Give ``app``'s Jinja environment the on-disk bytecode cache, unless the setting is off or
    the folder cannot be made writable. Returns whether it was installed."""
    if not app.config.get("TEMPLATE_CACHE", True):
        return False
    directory = cache_dir(app)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        log.debug("no template bytecode cache: %s", exc)
        return False
    if not os.access(directory, os.W_OK | os.X_OK):
        return False
    app.jinja_env.bytecode_cache = SharedBytecodeCache(str(directory))
    return True


def load_all(app: Flask) -> int:
    """Load (compile, or read compiled) every template of ``app`` into its Jinja environment's
    cache; a template that fails to load is logged and left to fail where it is used. Returns how
    many were loaded."""
    loaded = 0
    env = app.jinja_env  # its cache keeps 400 templates (Jinja's default); the app has about 80
    for name in env.list_templates():
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            log.exception("template %s does not load", name)
            continue
        loaded += 1
    return loaded
