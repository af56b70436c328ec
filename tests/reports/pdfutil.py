"""Reading PDFs back in tests: text (pypdf), page count, and every decompressed stream."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.generic import IndirectObject, StreamObject


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def text(pdf: bytes) -> str:
    """All pages' text, whitespace collapsed (line breaks inside cells do not matter)."""
    raw = "\n".join(page.extract_text() or "" for page in reader(pdf).pages)
    return re.sub(r"\s+", " ", raw)


def pages(pdf: bytes) -> int:
    return len(reader(pdf).pages)


def streams(pdf: bytes) -> bytes:
    """Every stream of the file, decompressed: what a leak would have to hide in."""
    doc = reader(pdf)
    ids = {(number, generation) for generation, table in doc.xref.items() for number in table}
    ids |= {(number, 0) for number in doc.xref_objStm}
    out = []
    for number, generation in sorted(ids):
        obj = doc.get_object(IndirectObject(number, generation, doc))
        if isinstance(obj, StreamObject):
            out.append(obj.get_data())
    return b"\n".join(out)


def attachments(pdf: bytes) -> dict[str, list[bytes]]:
    return dict(reader(pdf).attachments)
