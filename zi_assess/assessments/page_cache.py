"""Reuse the expensive parts of an area page while the assessment has not changed (the
whole of its cards are kept in the result cache, ``area-parts``; the cards one by one here).

An area page renders up to 22 indicator cards with their full texts, earlier layers, evidence
and comments; that is most of its cost. The cards depend only on the area page's revision
(``AreaRevision``, bumped by every operation that changes what the page shows: answers and
comments of its indicators, any evidence, any workflow step), the layer shown, whether the
viewer may edit it, and the language. They hold no CSRF
token and nothing else personal, so one worker can serve them to everyone with the same view.
Pages with form errors or conflicts are never cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

MAX_ENTRIES = 256


@dataclass(frozen=True)
class AreaParts:
    cards: Markup
    evidence_choices: tuple[tuple[int, str], ...]
    indicator_choices: tuple[tuple[str, str, str], ...]


class PageCache:
    """A small thread-safe LRU cache, one per worker process."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[Any, AreaParts] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> AreaParts | None:
        with self._lock:
            parts = self._items.get(key)
            if parts is not None:
                self._items.move_to_end(key)
            return parts

    def put(self, key: Any, parts: AreaParts) -> None:
        with self._lock:
            self._items[key] = parts
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: rendered indicator cards keyed by what each shows (see assessments.area_page.cards)
card_cache = PageCache(size=4096)
