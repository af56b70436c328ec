"""Reading PDFs back in tests: text (pypdf), page count, every decompressed stream, and words with
their positions (poppler's ``pdftotext -bbox``)."""

from __future__ import annotations

import html
import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Word:
    """A word on a page as poppler places it, in PDF points from the top left corner."""

    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    @property
    def height(self) -> float:
        return self.y_max - self.y_min


def words(pdf: bytes, page: int) -> tuple[float, list[Word]]:
    """The page's width and its words with their boxes (``pdftotext -bbox``; page counts from 1)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                             check=True, capture_output=True, text=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', out).group(1))
    found = [Word(html.unescape(m[4]), float(m[0]), float(m[1]), float(m[2]), float(m[3]))
             for m in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                                 out)]
    return width, found


def watermark(pdf: bytes, page: int = 1) -> str:
    """The big letters of the draft watermark on a page, left to right ("" when there is none)."""
    return "".join(w.text for w in sorted((w for w in words(pdf, page)[1] if w.height > 40), key=lambda w: w.x_min))
