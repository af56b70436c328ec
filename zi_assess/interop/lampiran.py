"""Where each indicator sits in a Lampiran III ("LKE ZI") sheet: found by its place, confirmed by its text.

The sheet spreads the hierarchy over columns B–G, one level per column (B component, C aspect or
hasil group, D area or hasil row, E sub-area, F indicator, G question), with the answer type in J.
Column A (an old running number) means nothing. Each copy drifts: rows inserted, deleted or
moved, letters skipping, markers with stray spaces or in another case, titles and markers merged
into one cell. So the walk keeps the current position (component → aspect → area → sub-area),
takes an indicator row's letter as a candidate, and accepts it only if the row's question text is
that indicator's (normalised: case, spaces, punctuation). A row whose text is another indicator's
is placed there, with a warning; a row whose text is no indicator's is reported, never guessed.

Count rows (type ``Jumlah``, labelled "- Jumlah …") belong to the percentage row above them and
are matched to its count inputs by their labels; the LHKPN/LHKASN "Jumlah yang harus melaporkan"
row is recognised as the total.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from flask_babel import gettext as _

from zi_assess.domain import Criteria
from zi_assess.domain.criteria import AspectArea, HasilGroup, Indicator, SubArea
from zi_assess.interop.import_report import ImportReport, shown

LEVELS = "BCDEFG"
MAX_ROWS = 5000
#: normalised answer type (column J) → scale id of the criteria (``count``: a count input row)
JENIS = {"ya/tidak": "ya_tidak", "a/b/c": "abc", "a/b/c/d": "abcd", "a/b/c/d/e": "abcde", "%": "persen",
         "nilai(0-4)": "survei", "nilai": "survei", "jumlah": "count"}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
#: a question text is the indicator's at this similarity (1.0: equal once normalised)
CONFIRM = 0.85
#: a count row's label is an input's at this token overlap (Dice)
LABEL_MATCH = 0.3
_MARK = re.compile(r"^\s*([A-Za-z]{1,4}|\d{1,2})\s*[.)]?\s*$")
_MARK_TEXT = re.compile(r"^\s*([A-Za-z]{1,4}|\d{1,2})\s*[.)]\s*(\S.*)$", re.S)
_DASH = re.compile(r"^\s*[-–—]\s*(.*)$", re.S)
_STRAY_MARK = re.compile(r"^\s*([A-Za-z]{1,4}|\d{1,2})\s*[.)]\s*$")
_LABEL_STOPWORDS = {"jumlah", "yang", "dan", "telah", "di", "dalam", "total"}


def norm_text(text: Any) -> str:
    """Lower case, letters and digits only, single spaces (accents and punctuation dropped)."""
    decomposed = unicodedata.normalize("NFKD", shown(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def similarity(a: str, b: str) -> float:
    """How alike two normalised texts are: 1.0 equal, 0.95 one is the other's long beginning."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 25 and longer.startswith(shorter + " "):
        return 0.95
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _tokens(label: str) -> set[str]:
    words = norm_text(label).split()
    return {w[:6] for w in words if w not in _LABEL_STOPWORDS}


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


@dataclass
class SheetRow:
    """One row of the sheet as the walk sees it."""

    row: int
    #: index in B–G of the column holding the row's marker (None: the row has no marker)
    level: int | None
    marker: str
    marker_typed: str
    text: str
    jenis: str | None
    jenis_typed: str
    answer: Any


@dataclass
class CountRow:
    row: int
    label: str
    answer: Any = None
    key: str | None = None
    total: bool = False


@dataclass
class Placed:
    indicator: Indicator
    row: int
    counts: list[CountRow] = field(default_factory=list)


@dataclass
class Structure:
    placed: list[Placed] = field(default_factory=list)
    #: rows whose column L holds a node's nilai: (row, node id)
    nodes: list[tuple[int, str]] = field(default_factory=list)


def _parse_marker(level: int, text: str) -> tuple[str, str] | None:
    """(marker, rest of the cell) when a cell of column ``LEVELS[level]`` starts with a marker."""
    if level >= 5:
        return None
    match = _MARK.match(text) or _MARK_TEXT.match(text)
    if match is None:
        dash = _DASH.match(text) if level == 4 else None
        return ("-", dash.group(1).strip()) if dash else None
    token = match.group(1).lower()
    rest = match.group(2).strip() if match.re is _MARK_TEXT else ""
    valid = {0: len(token) == 1 and token.isalpha(), 1: token in ROMAN, 2: token.isdigit() or len(token) == 1,
             3: token in ROMAN, 4: len(token) == 1 and token.isalpha()}[level]
    return (token, rest) if valid else None


def read_row(row: int, values: tuple[Any, ...]) -> SheetRow:
    """``values``: columns A to K of the row."""
    cells = [shown(v).strip() for v in values[1:7]]  # B–G
    level, marker, typed, text = None, "", "", ""
    first = next((i for i, v in enumerate(cells) if v), None)
    if first is not None:
        parsed = _parse_marker(first, cells[first])
        stray = _STRAY_MARK.match(cells[first]) if parsed is None and first < 5 else None
        if stray is not None:  # a marker in another level's column ("a." in E): kept, found by text later
            parsed = (stray.group(1).lower(), "")
        if parsed is not None:
            level, marker, typed = first, parsed[0], cells[first]
            text = parsed[1] or next((v for v in cells[first + 1:] if v), "")
        else:
            text = cells[first]
    jenis_typed = shown(values[9]).strip()
    jenis = JENIS.get(re.sub(r"\s+", "", jenis_typed).lower())
    return SheetRow(row, level, marker, typed, text, jenis, jenis_typed, values[10])


def _filled(value: Any) -> bool:
    return value is not None and shown(value).strip() != ""


class _Walk:
    def __init__(self, criteria: Criteria, report: ImportReport) -> None:
        self.criteria = criteria
        self.report = report
        self.out = Structure()
        self.component: str | None = None
        self.aspect: str | None = None
        self.area: AspectArea | None = None
        self.sub: SubArea | None = None
        self.group: HasilGroup | None = None
        self.percent: Placed | None = None
        self.where: dict[str, int] = {}
        self.questions = {ind.id: norm_text(ind.question) for ind in criteria.indicators.values()}
        groups = {g.id for g in criteria.hasil_groups}
        #: the component made of the hasil groups (the other one holds the aspects)
        self.hasil = next((c.id for c in criteria.components if groups & set(c.parts)), None)

    # -- headers ---------------------------------------------------------------------------

    def header(self, r: SheetRow) -> None:
        title = norm_text(r.text)
        self.percent = None
        criteria = self.criteria
        if r.level == 0:
            components = list(criteria.components)
            by_title = next((c.id for c in components if norm_text(c.name) in title.split()), None)
            by_marker = components[ord(r.marker) - ord("a")].id if len(r.marker) == 1 and "a" <= r.marker < chr(
                ord("a") + len(components)) else None
            self.component = by_title or by_marker
            self.aspect = self.area = self.sub = self.group = None
            if self.component:
                self.out.nodes.append((r.row, self.component))
        elif r.level == 1 and self.component == self.hasil:
            groups = criteria.hasil_groups
            self.group = self._by_title(title, groups, lambda g: g.name) or (
                groups[ROMAN[r.marker] - 1] if ROMAN.get(r.marker, 99) <= len(groups) else None)
            if self.group is not None:
                self.out.nodes.append((r.row, self.group.id))
        elif r.level == 1 and self._by_title(title, criteria.hasil_groups, lambda g: g.name) is not None:
            self.component = self.hasil  # its "B. HASIL" row is missing: the group's title says where we are
            self.header(r)
        elif r.level == 1:
            aspects = list(criteria.aspects)
            by_title = next((a.id for a in aspects if norm_text(a.name) in title.split()), None)
            number = ROMAN.get(r.marker, 0)
            self.aspect = by_title or (aspects[number - 1].id if 0 < number <= len(aspects) else None)
            self.area = self.sub = None
            if self.aspect:
                self.out.nodes.append((r.row, self.aspect))
        elif r.level == 2 and self.component != self.hasil:
            self.sub = None
            self.area = self._area(r, title)
            if self.area is not None:
                self.out.nodes.append((r.row, self.area.id))
        elif r.level == 3 and self.component != self.hasil:
            self.sub = self._sub_area(r, title)
            if self.sub is not None:
                self.out.nodes.append((r.row, self.sub.id))
        elif r.level is None or r.level == 5:  # the form's total lines: "TOTAL PENGUNGKIT", "NILAI EVALUASI …"
            totals = {f"total {norm_text(c.name)}": c.id for c in criteria.components}
            total = totals.get(title) or ("total" if title.startswith("nilai evaluasi") or title == "nilai total"
                                          else None)
            if total:
                self.out.nodes.append((r.row, total))

    @staticmethod
    def _by_title(title: str, items: Any, name: Any, threshold: float = CONFIRM) -> Any:
        scored = [(similarity(title, norm_text(name(item))), i, item) for i, item in enumerate(items)]
        best = max(scored, default=None, key=lambda s: (s[0], -s[1]))
        return best[2] if best and best[0] >= threshold else None

    def _area(self, r: SheetRow, title: str) -> AspectArea | None:
        aspect = next((a for a in self.criteria.aspects if a.id == self.aspect), None)
        if aspect is None:
            return None
        by_marker = next((aa for aa in aspect.aspect_areas if aa.area == r.marker), None)
        by_title = self._by_title(title, aspect.aspect_areas, lambda aa: aa.name)
        if by_title is not None and by_title is not by_marker:
            self._moved_header(r, by_title.id, by_title.name)
            return by_title  # type: ignore[no-any-return]
        return by_marker

    def _sub_area(self, r: SheetRow, title: str) -> SubArea | None:
        if self.area is None:
            pool = [sub for aspect in self.criteria.aspects if aspect.id == self.aspect
                    for area in aspect.aspect_areas for sub in area.sub_areas]
            return self._by_title(title, pool, lambda s: s.name)  # type: ignore[no-any-return]
        by_marker = next((s for s in self.area.sub_areas if s.numeral == r.marker), None)
        if by_marker is not None and similarity(title, norm_text(by_marker.name)) >= 0.6:
            return by_marker
        by_title = self._by_title(title, self.area.sub_areas, lambda s: s.name)
        if by_title is not None and by_title is not by_marker:
            self._moved_header(r, by_title.id, by_title.name)
            return by_title  # type: ignore[no-any-return]
        return by_marker

    def _moved_header(self, r: SheetRow, node: str, name: str) -> None:
        self.report.add("warning", "header_by_title", _(
            "Judul pada baris %(row)d bertanda '%(marker)s', tetapi judulnya adalah %(node)s (%(name)s); dibaca "
            "sebagai %(node)s.", row=r.row, marker=r.marker_typed, node=node, name=name),
            row=r.row, col=LEVELS[r.level or 0], indicator_id=node)

    # -- indicator rows --------------------------------------------------------------------

    def indicator(self, r: SheetRow) -> None:
        hasil = self.component is not None and self.component == self.hasil
        if hasil:
            pool = list(self.group.indicators) if self.group else [i for g in self.criteria.hasil_groups
                                                                    for i in g.indicators]
        else:
            pool = list(self.sub.indicators) if self.sub else []
        candidate = None
        if r.marker == "-" and len(pool) == 1 and not hasil:
            candidate = pool[0]
        elif r.marker and r.marker != "-" and r.level == (2 if hasil else 4):
            candidate = next((i for i in pool if i.letter == r.marker), None)
        text = norm_text(r.text)
        if candidate is not None and (not text or similarity(text, self.questions[candidate.id]) >= CONFIRM):
            if not text:
                self.report.add("warning", "no_question_text", _(
                    "Baris %(row)d tidak memuat teks pertanyaan; dibaca sebagai %(ind)s menurut posisinya.",
                    row=r.row, ind=candidate.id), row=r.row, col="G", indicator_id=candidate.id)
            return self.place(r, candidate)
        found = self._by_text(text, pool) or self._by_text(text, list(self.criteria.indicators.values()))
        if found is None:
            return self.unplaced(r)
        marked_otherwise = r.marker not in ("", "-") and (found.letter != r.marker or found not in pool)
        if candidate is not None or marked_otherwise:
            self.report.add("warning", "placed_by_text", _(
                "Baris %(row)d bertanda '%(marker)s', tetapi teks pertanyaannya adalah %(ind)s; dibaca sebagai "
                "%(ind)s.", row=r.row, marker=r.marker_typed or "–", ind=found.id), row=r.row, col="G",
                indicator_id=found.id)
        self.place(r, found)

    def _by_text(self, text: str, pool: list[Indicator]) -> Indicator | None:
        if not text:
            return None
        scored = [(similarity(text, self.questions[i.id]), n, i) for n, i in enumerate(pool)]
        best = max(scored, default=None, key=lambda s: (s[0], -s[1]))
        return best[2] if best and best[0] >= CONFIRM else None

    def place(self, r: SheetRow, ind: Indicator) -> None:
        expected = "persen" if ind.kind == "percent" else ind.scale.id
        if r.jenis != expected:
            self.report.add("warning", "other_type", _(
                "Jenis jawaban baris %(row)d tertulis '%(typed)s', tetapi %(ind)s berjenis %(scale)s; jawabannya "
                "dibaca menurut jenis %(scale)s.", row=r.row, typed=r.jenis_typed, ind=ind.id,
                scale=ind.scale.label), row=r.row, col="J", indicator_id=ind.id)
        if ind.id in self.where:
            self.report.add("error", "indicator_twice", _(
                "%(ind)s ditemukan dua kali (baris %(first)d dan %(row)d); hapus salah satunya.",
                ind=ind.id, first=self.where[ind.id], row=r.row), row=r.row, col="G", indicator_id=ind.id)
            self.percent = None
            return
        self.where[ind.id] = r.row
        placed = Placed(ind, r.row)
        self.out.placed.append(placed)
        self.percent = placed if ind.kind == "percent" else None

    def unplaced(self, r: SheetRow) -> None:
        self.percent = None
        if _filled(r.answer):
            self.report.add("error", "unplaced_row", _(
                "Baris %(row)d ('%(text)s') berisi jawaban, tetapi tidak dapat dicocokkan dengan indikator mana pun: "
                "teksnya bukan teks pertanyaan Lampiran III. Perbaiki teks pertanyaannya atau hapus barisnya.",
                row=r.row, text=r.text[:60]), row=r.row, col="G")
        else:
            self.report.add("warning", "unplaced_row", _(
                "Baris %(row)d ('%(text)s') tidak dapat dicocokkan dengan indikator mana pun dan dilewati.",
                row=r.row, text=r.text[:60]), row=r.row, col="G")

    def count(self, r: SheetRow) -> None:
        if self.percent is not None:
            self.percent.counts.append(CountRow(r.row, r.text.lstrip("-–— ").strip(), r.answer))
        elif _filled(r.answer):
            self.report.add("error", "unplaced_count", _(
                "Baris jumlah %(row)d ('%(text)s') tidak berada di bawah indikator persentase mana pun; isinya tidak "
                "dapat dibaca.", row=r.row, text=r.text[:60]), row=r.row, col="K")

    def feed(self, r: SheetRow) -> None:
        if r.jenis == "count":
            self.count(r)
        elif r.jenis is not None:
            self.indicator(r)
        elif r.level is not None or r.text:
            self.header(r)


def assign_counts(placed: Placed, report: ImportReport) -> None:
    """Match the count rows of a % indicator to its input keys by label (best overall assignment)."""
    ind = placed.indicator
    assert ind.formula is not None
    rows = placed.counts
    if len(ind.formula.denominator) > 1:
        for count in rows:
            if norm_text(count.label).startswith("jumlah yang harus"):
                count.total = True
    free = [c for c in rows if not c.total]
    keys = [inp.key for inp in ind.inputs]
    score = {(i, key): _dice(_tokens(c.label), _tokens(inp.label)) for i, c in enumerate(free)
             for key, inp in zip(keys, ind.inputs, strict=True)}
    score = {pair: value for pair, value in score.items() if value >= LABEL_MATCH}
    if len(free) <= 8:  # the best assignment overall (a few hundred permutations at most)
        padded: list[int | None] = [*range(len(free)), *[None] * len(keys)]
        best = max(itertools.permutations(padded, len(keys)),
                   key=lambda chosen: sum(score.get((i, k), 0.0) for i, k in zip(chosen, keys, strict=True)))
        pairs = [(i, k) for i, k in zip(best, keys, strict=True) if i is not None and (i, k) in score]
    else:  # a pasted block of rows: best pairs first
        pairs, used = [], set()
        for (i, k), _value in sorted(score.items(), key=lambda item: -item[1]):
            if i not in used and k not in {key for _i, key in pairs}:
                pairs.append((i, k))
                used.add(i)
    for i, key in pairs:
        free[i].key = key
    for count in free:
        if count.key is None:
            report.add("error" if _filled(count.answer) else "warning", "unplaced_count", _(
                "Baris jumlah %(row)d ('%(label)s') tidak cocok dengan isian jumlah %(ind)s mana pun, sehingga isinya "
                "tidak dapat dibaca.", row=count.row, label=count.label[:60], ind=ind.id), row=count.row, col="G",
                indicator_id=ind.id)


def walk(rows: list[SheetRow], criteria: Criteria, report: ImportReport) -> Structure:
    """Place every indicator row of the sheet (findings go to ``report``)."""
    state = _Walk(criteria, report)
    for r in rows:
        state.feed(r)
    for placed in state.out.placed:
        if placed.indicator.kind == "percent":
            assign_counts(placed, report)
    return state.out
