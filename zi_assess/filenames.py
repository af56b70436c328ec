"""Names of files zi-assess writes or hands out: the one slug rule for every download and export.

Pure Python (no Flask): the domain's criteria importer names its files with it too.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def slug(text: str, *, fallback: str, max_length: int = 60, lower: bool = False) -> str:
    """``text`` as a safe piece of a file name: ASCII letters, digits, ``_`` and ``-`` only.

    Accents are dropped ("Pemerintah Kota Bogor — Dinas Pendidikan" → "Pemerintah-Kota-Bogor-Dinas-Pendidikan"),
    every other run of characters becomes one ``-``, and the result is cut to ``max_length``.
    ``fallback`` is used when nothing is left (a name written only in another script).
    """
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    if lower:
        ascii_text = ascii_text.lower()
    cleaned = _NOT_SAFE.sub("-", ascii_text).strip("-")[:max_length].strip("-")
    return cleaned or fallback
