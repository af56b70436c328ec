"""Reading JSON data strictly: every type checked, errors with a path — zi-assess's one JSON validator.

A wrong weight silently changes public predicates, so a criteria file with an unknown key, a
missing key or a value of the wrong type is refused, naming the file and the key path
(``areas/1-manajemen-perubahan.json: aspects.P.sub_areas[0].bobot``). External formats that may
grow (the PortalRB master soal list) are read with the same :class:`JsonNode`, without calling
:meth:`JsonNode.done`, and raise their own error type (``error=``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: weights are decimals with a few places at most; their sums are compared with this tolerance
WEIGHT_TOLERANCE = 1e-9


class CriteriaError(ValueError):
    """A criteria folder is malformed; the message names the file and key path."""

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        self.problem = message
        where = f"{file}: {path}" if path else file
        super().__init__(f"{where}: {message}")


#: builds the exception of a reader: (file, key path, problem) → error
ErrorFactory = Callable[[str, str, str], ValueError]


class JsonNode:
    """A JSON object being read: every key must be consumed (see :meth:`done`), with the right type."""

    def __init__(self, data: Any, file: str, path: str, *, error: ErrorFactory = CriteriaError) -> None:
        if not isinstance(data, dict):
            raise error(file, path, f"expected an object, got {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.file = file
        self.path = path
        self._error = error
        self._seen: set[str] = set()

    def _sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> ValueError:
        return self._error(self.file, self._sub(key), message)

    def child(self, data: Any, path: str) -> JsonNode:
        """A node for an object found inside this one (a list item), with the same file and error type."""
        return JsonNode(data, self.file, path, error=self._error)

    def _get(self, key: str, required: bool) -> Any:
        self._seen.add(key)
        if key not in self.data:
            if required:
                raise self.error(key, "missing key")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, allow_empty: bool = False) -> str:
        value = self._get(key, required)
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            raise self.error(key, f"expected text, got {type(value).__name__}")
        if not allow_empty and not value.strip():
            raise self.error(key, "must not be empty")
        return value

    def number(self, key: str, *, required: bool = True) -> float:
        value = self._get(key, required)
        if value is None and not required:
            return 0.0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(key, f"expected a number, got {value!r}")
        return float(value)

    def integer(self, key: str) -> int:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {value!r}")
        return value

    def int_or_none(self, key: str) -> int | None:
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {value!r}")
        return value

    def each(self, key: str, *, required: bool = True) -> Iterator[tuple[Any, str]]:
        value = self._get(key, required)
        if value is None and not required:
            return iter(())
        if not isinstance(value, list):
            raise self.error(key, f"expected a list, got {type(value).__name__}")
        return ((item, f"{self._sub(key)}[{i}]") for i, item in enumerate(value))

    def obj(self, key: str, *, required: bool = True) -> JsonNode | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        return JsonNode(value, self.file, self._sub(key), error=self._error)

    def raw(self, key: str, *, required: bool = True) -> Any:
        return self._get(key, required)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self._seen)
        if unknown:
            raise self.error(unknown[0], "unknown key")


def read_json(folder: Path, name: str) -> Any:
    path = folder / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CriteriaError(name, "", "file not found") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CriteriaError(name, "", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def check_sum(node: JsonNode, key: str, expected: float, parts: list[float], what: str) -> None:
    total = math.fsum(parts)
    if abs(total - expected) > WEIGHT_TOLERANCE:
        raise node.error(key, f"{what} add up to {total:g}, expected {expected:g}")
