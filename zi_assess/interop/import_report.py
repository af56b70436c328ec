"""What an LKE workbook import found, whatever the layout: answers, notes, evidence links, findings.

Both readers (the PortalRB "Jawaban" sheet, :mod:`zi_assess.interop.excel_import`, and the
circulating Lampiran III "LKE ZI" sheet, :mod:`zi_assess.interop.lampiran_import`) place cells
on indicators and hand them here: one answer cell becomes a value (or a finding), the cells of an
indicator become its answer and note. Writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _

from zi_assess.domain import AnswerError
from zi_assess.domain.criteria import Indicator
from zi_assess.domain.scoring import count_value, normalize_answer, normalize_choice, percent_value, survey_value
from zi_assess.domain.workflow import Layer
from zi_assess.messages import answer_message, note_max_chars

MAX_URL = 2000
_INTEGER = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_OWN_FILE = re.compile(r"/data-dukung/(\d+)/unduh$")
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def sheet_ref(sheet: str) -> str:
    """A sheet name as a formula names it: ``Jawaban``, ``'LKE ZI'``."""
    return sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet) else "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True)
class Finding:
    severity: str  # "error", "warning" or "info"
    code: str
    message: str
    row: int | None = None
    cell: str | None = None
    soal_id: int | None = None
    indicator_id: str | None = None
    sheet: str | None = None

    @property
    def where(self) -> str:
        """The cell as Excel names it across sheets (``Jawaban!K7``, ``'LKE ZI'!K45``), or the row."""
        if self.cell and self.sheet:
            return f"{sheet_ref(self.sheet)}!{self.cell}"
        if self.cell:
            return self.cell
        if self.row and self.sheet:
            return f"{sheet_ref(self.sheet)}!{self.row}:{self.row}"
        return str(self.row) if self.row else ""


@dataclass
class ParsedAnswer:
    indicator_id: str
    value: Any
    note: str


@dataclass(frozen=True)
class EvidenceLink:
    """An http(s) link read from an evidence column, for one indicator."""

    indicator_id: str
    url: str
    title: str
    where: str

    @property
    def own_file_id(self) -> int | None:
        """The evidence id when the link is one of zi-assess's own download links (an exported file)."""
        match = _OWN_FILE.search(urlsplit(self.url).path)
        return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Slot:
    """One answer cell placed on an indicator (or on one count input of a % indicator)."""

    indicator: Indicator
    input_key: str | None
    soal_id: int | None
    row: int
    answer_col: str
    note_col: str


@dataclass
class ImportReport:
    layer: Layer
    #: the sheet the answers were read from, and which layout it has ("portalrb" or "lampiran")
    sheet: str = "Jawaban"
    layout: str = "portalrb"
    answer_col: str = "K"
    note_col: str = "L"
    answers: dict[str, ParsedAnswer] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: every answer cell read: soal id → (row, cell, raw value shown, value read)
    rows: dict[int, tuple[int, str, str, str]] = field(default_factory=dict)
    links: list[EvidenceLink] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, severity: str, code: str, message: str, slot: Slot | None = None, *, row: int | None = None,
            col: str | None = None, indicator_id: str | None = None, soal_id: int | None = None,
            sheet: str | None = None) -> None:
        row = row if row is not None else (slot.row if slot else None)
        self.findings.append(Finding(
            severity, code, message, row, f"{col}{row}" if col and row else None,
            soal_id if soal_id is not None else (slot.soal_id if slot else None),
            indicator_id or (slot.indicator.id if slot else None), sheet or self.sheet,
        ))

    def cell_name(self, col: str, row: int) -> str:
        return f"{sheet_ref(self.sheet)}!{col}{row}"

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.sheet != self.sheet, f.row or 0))


def shown(value: Any) -> str:
    return "" if value is None else str(value)


def as_int(value: Any) -> int | None:
    """A whole number cell (or text of digits) as an int; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    return None


def _text_number(slot: Slot, raw: str, number: float, report: ImportReport) -> None:
    report.add("warning", "text_number", _(
        "%(cell)s berisi angka yang diketik sebagai teks ('%(raw)s'); zi-assess membacanya sebagai %(v)s, "
        "tetapi Excel tidak menghitungnya (rumus melewatinya atau menghasilkan #VALUE!). Ketik ulang sebagai angka "
        "agar berkas dan zi-assess sama.", cell=report.cell_name(slot.answer_col, slot.row), raw=raw.strip()[:20],
        v=f"{number:g}"), slot, col=slot.answer_col)


def read_answer(slot: Slot, raw: Any, report: ImportReport) -> Any:
    """One answer cell → its normalised value (None: blank or refused, with a finding)."""
    ind = slot.indicator
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        if slot.input_key is not None:
            # text counts must be plain digits: "1.000" is a thousand to one reader and one to another
            number = as_int(raw)
            if isinstance(raw, str) and number is not None:
                _text_number(slot, raw, number, report)
            return count_value(ind.id, slot.input_key, raw if number is None else number)
        if ind.kind == "survey":
            if isinstance(raw, str) and _DECIMAL.match(raw.strip()):
                raw_text, raw = raw, float(raw.strip().replace(",", "."))
                _text_number(slot, raw_text, raw, report)
            return survey_value(ind, raw)
        key = normalize_choice(ind, raw)
        if key != raw:
            report.add("info", "normalised", _("'%(raw)s' dibaca sebagai '%(key)s'.", raw=raw, key=key),
                       slot, col=slot.answer_col)
        return key
    except AnswerError as exc:
        code = "unknown_answer" if exc.code == "invalid_option" else "wrong_type"
        if ind.kind == "choice" and slot.input_key is None:
            message = _("'%(raw)s' bukan pilihan jawaban soal ini (%(keys)s).", raw=shown(raw)[:40],
                        keys=", ".join(ind.scale.keys))
        elif slot.input_key is not None:
            message = _("'%(raw)s' bukan jumlah yang sah: isi bilangan bulat 0 atau lebih, tanpa pemisah ribuan.",
                        raw=shown(raw)[:40])
        else:
            message = _("'%(raw)s' bukan nilai survei yang sah (0–%(max)s).", raw=shown(raw)[:40],
                        max=f"{ind.scale.maximum:g}")
        report.add("error", code, message, slot, col=slot.answer_col)
        return None


def read_note(raw: Any, slot: Slot, report: ImportReport, col: str | None = None) -> str:
    if raw is None:
        return ""
    text = str(raw).strip()
    if len(text) > note_max_chars():
        report.add("error", "note_too_long", answer_message(slot.indicator.id, "note_too_long"), slot,
                   col=col or slot.note_col)
        return ""
    return text


def read_links(raw: Any, indicator_id: str, title: str, report: ImportReport, *, row: int, col: str) -> None:
    """The http(s) links of an evidence cell (one per line, or several in a line) → ``report.links``.

    Text that is no link (a file name, a description) cannot become evidence: a warning says so.
    """
    if raw is None or not str(raw).strip():
        return
    where = report.cell_name(col, row)
    for line in str(raw).splitlines():
        line = line.strip()
        if not line:
            continue
        urls = [u.rstrip(".,;)]") for u in _URL.findall(line)]
        rest = _URL.sub("", line).strip(" :-–|") if urls else ""
        for url in urls:
            parts = urlsplit(url)
            if not parts.hostname or parts.username or len(url) > MAX_URL:
                report.add("warning", "bad_link", _("Tautan bukti dukung '%(url)s' tidak sah; tidak diimpor.",
                                                    url=url[:80]), row=row, col=col, indicator_id=indicator_id)
                continue
            if not any(link.indicator_id == indicator_id and link.url == url for link in report.links):
                report.links.append(EvidenceLink(indicator_id, url, (rest or title or parts.hostname)[:200], where))
        if not urls:
            report.add("warning", "not_a_link", _(
                "Bukti dukung '%(text)s' bukan tautan http(s) dan tidak diimpor; unggah berkasnya di halaman "
                "indikator.", text=line[:60]), row=row, col=col, indicator_id=indicator_id)


def collect(ind: Indicator, parts: list[tuple[Slot, Any, str]], report: ImportReport) -> None:
    """One indicator's cells (one, or one per count input) → its answer and note."""
    refused = {(f.indicator_id, f.row) for f in report.findings if f.severity == "error"}
    errored = any((s.indicator.id, s.row) in refused for s, _v, _n in parts)  # already reported
    notes = list(dict.fromkeys(note for _s, _v, note in parts if note))
    note = "\n".join(notes)
    first = parts[0][0]
    if ind.kind != "percent":
        value = parts[0][1]
    else:
        counts = {s.input_key: v for s, v, _n in parts if v is not None and s.input_key}
        value = counts or None
        if counts and len(counts) < len(ind.inputs) and not errored:
            report.add("warning", "partial_counts", _(
                "Jumlah belum lengkap (%(n)d dari %(total)d); indikator tetap dianggap belum dijawab.",
                n=len(counts), total=len(ind.inputs)), first, col=first.answer_col)
        if counts and len(counts) == len(ind.inputs) and ind.formula is not None:
            _value, over = percent_value(ind.id, ind.formula, counts)
            if over:
                report.add("warning", "numerator_above", _(
                    "Pembilang melebihi penyebut; nilai dibatasi 100 % (keputusan D4)."), first, col=first.answer_col)
    if value is None and not errored:
        report.add("warning", "missing_answer", _("Belum dijawab; jawaban yang tersimpan (jika ada) tidak diubah."),
                   first, col=first.answer_col)
    if value is None and not note:
        return
    report.answers[ind.id] = ParsedAnswer(ind.id, normalize_answer(ind, value) if value is not None else None, note)
