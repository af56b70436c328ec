"""Modules a library imports that a process never uses, left out until their first use.

:func:`deferred` puts stand-ins in ``sys.modules`` while a library is imported: ``import name``
and ``from name import attr`` of a module named there give the stand-in, whose first attribute
looked up imports the real module; the attributes named in advance are functions that import it
when called. Report processes import WeasyPrint without fontTools' subsetter
(:mod:`zi_assess.reports.pdf`) and Flask without Werkzeug's development server
(:mod:`zi_assess.cli`).
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class DeferredModule(types.ModuleType):
    """Stands in for a module while a library is imported; the first use of one of its attributes
    imports the real module (once the stand-in has left ``sys.modules``)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_real_module(self.__name__), name)


def _real_module(name: str) -> types.ModuleType:
    if isinstance(sys.modules.get(name), DeferredModule):
        del sys.modules[name]
    return importlib.import_module(name)


def _forwarder(module: str, name: str) -> Any:
    def forward(*args: Any, **kwargs: Any) -> Any:
        return getattr(_real_module(module), name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = name
    return forward


@contextmanager
def deferred(modules: dict[str, tuple[str, ...]]) -> Iterator[None]:
    """Within: ``import name`` and ``from name import attr`` of ``modules`` not yet imported give
    stand-ins (the attributes named are functions that import the module when called). After,
    only those already taken by the code imported within are left: a later import is real."""
    placed = []
    for name, attributes in modules.items():
        if name in sys.modules:
            continue
        stand_in = DeferredModule(name)
        for attribute in attributes:
            setattr(stand_in, attribute, _forwarder(name, attribute))
        sys.modules[name] = stand_in
        placed.append(name)
    try:
        yield
    finally:
        for name in placed:
            if isinstance(sys.modules.get(name), DeferredModule):
                del sys.modules[name]
