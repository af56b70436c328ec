"""SVG charts as strings: pure functions of plain values, for PDFs and web pages alike.

Only presentation attributes are used (no ``style=``), so the charts also pass the web pages'
``style-src 'self'`` policy, and every text is XML-escaped here: labels are unit names typed
by people. Values arrive already formatted for the reader's locale (``text``), so this module
knows nothing about languages or number formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from zi_assess.domain.verdict import meets

FONT = "'ZI Sans', 'DejaVu Sans Condensed', 'DejaVu Sans', sans-serif"
INK = "#1b2430"
MUTED = "#5b6675"
GRID = "#d9dee5"
COLOURS = {"good": "#1e7b3a", "ok": "#0b5d46", "low": "#c7831a", "none": "#9aa4b1"}
LINE_COLOURS = ("#b42318", "#6d28d9", "#1d4ed8")


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` on the chart's scale, ``text`` the value as printed next to it."""

    label: str
    value: float | None
    text: str


@dataclass(frozen=True)
class Line:
    """A vertical reference line (a threshold) at ``value``, labelled ``label``."""

    value: float
    label: str


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _tone(value: float | None, lines: Sequence[Line]) -> str:
    if value is None:
        return COLOURS["none"]
    marks = sorted(line.value for line in lines)
    if marks and meets(value, marks[-1]):  # the verdict's own comparison (rounded half-up, D8)
        return COLOURS["good"]
    if marks and meets(value, marks[0]):
        return COLOURS["ok"]
    return COLOURS["low"] if marks else COLOURS["ok"]


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    lines: Sequence[Line] = (),
    scale_max: float = 100.0,
    label_chars: int = 34,
    width: int = 720,
    pdf_width_mm: float | None = None,
) -> Markup:
    """Horizontal bars with labelled reference lines (e.g. area % against 60 % and 75 %).

    Bars are coloured by the lines they reach: below the first, between, above the last.
    ``pdf_width_mm`` (PDFs): the texts are HTML laid over an SVG of lines and bars, ``pdf_width_mm``
    wide (see :class:`_Texts`).
    """
    texts = _Texts(pdf_width_mm / width if pdf_width_mm else None)
    row, gap = 20, 6
    top = 20 if len(lines) > 1 else 8  # room for every second line's label above the bars
    label_w = min(300, 7 * label_chars)
    plot_w = width - label_w - 70
    height = top + len(bars) * (row + gap) + 30

    def x(value: float) -> float:
        return label_w + max(0.0, min(value, scale_max)) / scale_max * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'class="chart" font-family="{FONT}" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(0, int(scale_max) + 1, max(1, int(scale_max) // 5)):
        parts.append(f'<line x1="{_num(x(tick))}" x2="{_num(x(tick))}" y1="{top - 4}" y2="{height - 26}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        texts.add(parts, x(tick), height - 14, str(tick), anchor="middle", fill=MUTED, size=10)
    for index, bar in enumerate(bars):
        y = top + index * (row + gap)
        texts.add(parts, label_w - 8, y + 14, _short(bar.label, label_chars), anchor="end", fill=INK)
        if bar.value is not None:
            parts.append(f'<rect x="{label_w}" y="{y}" width="{_num(x(bar.value) - label_w)}" height="{row}" '
                         f'rx="2" fill="{_tone(bar.value, lines)}"/>')
        end = x(bar.value) if bar.value is not None else label_w
        texts.add(parts, end + 5, y + 14, bar.text, fill=INK)
    for index, line in enumerate(lines):
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        lx = _num(x(line.value))
        parts.append(f'<line x1="{lx}" x2="{lx}" y1="{top - 6}" y2="{height - 26}" stroke="{colour}" '
                     f'stroke-width="1.5" stroke-dasharray="5 3"/>')
        label_y = height - 2 if index % 2 == 0 else 10  # close lines (60 %, 75 %) must not overprint
        texts.add(parts, x(line.value), label_y, line.label, anchor="middle", fill=colour, size=10, bold=True)
    parts.append("</svg>")
    return texts.wrap("".join(parts), width, height)


class _Texts:
    """A chart's texts: SVG ``<text>`` elements, or (PDFs) HTML boxes laid over the SVG.

    WeasyPrint lays out and draws SVG text one letter at a time (a text layout per character:
    measured, the LHE's one chart cost a quarter of drawing its six pages); as HTML each text is
    one line of one box. ``mm`` is the size of one chart unit in millimetres (None: SVG text).
    Positions follow the SVG's: the baseline at ``y``, ``anchor`` as SVG's text-anchor.
    """

    #: where the baseline sits below the top of a one-line box with line-height 1 (DejaVu Sans)
    BASELINE = 0.85

    def __init__(self, mm: float | None) -> None:
        self.mm = mm
        self.boxes: list[str] = []

    def add(self, parts: list[str], x: float, y: float, text: str, *, anchor: str = "start", fill: str,
            size: int = 12, bold: bool = False) -> None:
        if self.mm is None:
            attributes = [f'x="{_num(x)}"', f'y="{_num(y)}"']
            attributes += [f'text-anchor="{anchor}"'] if anchor != "start" else []
            attributes += [f'fill="{fill}"'] + ([f'font-size="{size}"'] if size != 12 else [])
            attributes += ['font-weight="bold"'] if bold else []
            parts.append(f'<text {" ".join(attributes)}>{escape(text)}</text>')
            return
        mm, span = self.mm, 400  # a box wide enough for any label, aligned on its anchor
        left = {"start": x, "middle": x - span / 2, "end": x - span}[anchor]
        align = {"start": "left", "middle": "center", "end": "right"}[anchor]
        self.boxes.append(
            f'<span style="left:{left * mm:.2f}mm;top:{(y - self.BASELINE * size) * mm:.2f}mm;width:{span * mm:.2f}mm;'
            f'text-align:{align};font-size:{size * mm:.2f}mm;color:{fill}{";font-weight:bold" if bold else ""}">'
            f"{escape(text)}</span>")

    def wrap(self, svg: str, width: int, height: int) -> Markup:
        if self.mm is None:
            return Markup(svg)
        return Markup(f'<div class="chart-html" style="width:{width * self.mm:.2f}mm;height:{height * self.mm:.2f}mm">'
                      f'{svg}{"".join(self.boxes)}</div>')


def histogram(
    values: Sequence[float],
    *,
    title: str,
    lines: Sequence[Line] = (),
    bin_width: float = 5.0,
    scale_max: float = 100.0,
    count_label: str = "",
    width: int = 720,
    height: int = 220,
) -> Markup:
    """How many values fall in each bin of ``bin_width`` (for recaps too long for one bar per unit)."""
    n_bins = int(scale_max // bin_width)
    counts = [0] * n_bins
    for value in values:
        counts[min(n_bins - 1, max(0, int(value // bin_width)))] += 1
    left, bottom, top = 40, 30, 16
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(counts) or 1
    bar_w = plot_w / n_bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'class="chart" font-family="{FONT}" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="4" y="{top - 4}" fill="{MUTED}" font-size="10">{escape(count_label)}</text>',
        f'<line x1="{left}" x2="{width - 10}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{MUTED}"/>',
    ]
    for index, count in enumerate(counts):
        h = count / peak * plot_h
        bx = left + index * bar_w
        start = index * bin_width
        tone = _tone(start, lines)
        if count:
            parts.append(f'<rect x="{_num(bx + 1)}" y="{_num(top + plot_h - h)}" width="{_num(bar_w - 2)}" '
                         f'height="{_num(h)}" fill="{tone}"/>')
            parts.append(f'<text x="{_num(bx + bar_w / 2)}" y="{_num(top + plot_h - h - 3)}" text-anchor="middle" '
                         f'fill="{INK}" font-size="10">{count}</text>')
        if index % 2 == 0:
            parts.append(f'<text x="{_num(bx)}" y="{height - 14}" text-anchor="middle" fill="{MUTED}" '
                         f'font-size="10">{_num(start)}</text>')
    for index, line in enumerate(lines):
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        lx = _num(left + line.value / scale_max * plot_w)
        parts.append(f'<line x1="{lx}" x2="{lx}" y1="{top}" y2="{top + plot_h}" stroke="{colour}" '
                     f'stroke-width="1.5" stroke-dasharray="5 3"/>')
        parts.append(f'<text x="{lx}" y="{height - 2}" text-anchor="middle" fill="{colour}" font-size="10" '
                     f'font-weight="bold">{escape(line.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Series:
    """One series of a chart over the years: a value (and its printed text) per year."""

    label: str
    values: Sequence[float | None]
    texts: Sequence[str]


SERIES_COLOURS = ("#0b5d46", "#1d4ed8", "#c7831a", "#6d28d9", "#1e7b3a")


def year_bars(
    years: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    lines: Sequence[Line] = (),
    scale_max: float | None = None,
    width: int = 720,
    height: int = 230,
) -> Markup:
    """Vertical bars per year, one per series side by side, with horizontal reference lines
    (thresholds) and a legend when there are several series: the trend of a unit's total or of
    an instansi's figures over the evaluation years. ``scale_max`` None: the largest value."""
    peak = max([v for s in series for v in s.values if v is not None] + [line.value for line in lines] + [1.0])
    top_value = scale_max if scale_max is not None else peak * 1.1
    legend = len(series) > 1
    left, right, bottom, top = 62, 10, 26, 24 if legend else 12
    plot_w, plot_h = width - left - right, height - bottom - top
    slot = plot_w / max(1, len(years))
    bar_w = min(60.0, slot * 0.8 / max(1, len(series)))

    def y(value: float) -> float:
        return top + plot_h - max(0.0, min(value, top_value)) / top_value * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'class="chart" font-family="{FONT}" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{MUTED}"/>',
    ]
    if legend:
        lx = float(left)
        needed = sum(28 + 5.6 * len(one.label) for one in series)
        room = max(12, int(((width - left - right) / len(series) - 28) / 5.6))  # characters when too long
        for index, one in enumerate(series):
            label = one.label if needed <= width - left - right else _short(one.label, room)
            parts.append(f'<rect x="{_num(lx)}" y="4" width="10" height="10" '
                         f'fill="{SERIES_COLOURS[index % len(SERIES_COLOURS)]}"/>')
            parts.append(f'<text x="{_num(lx + 14)}" y="13" fill="{INK}" font-size="10">{escape(label)}</text>')
            lx += 14 + 5.6 * len(label) + 14
    group_w = bar_w * len(series)
    for column, year in enumerate(years):
        start = left + column * slot + (slot - group_w) / 2
        for index, one in enumerate(series):
            value = one.values[column]
            bx = start + index * bar_w
            if value is not None:
                fill = SERIES_COLOURS[index % len(SERIES_COLOURS)] if legend else _tone(value, lines)
                parts.append(f'<rect x="{_num(bx + 1)}" y="{_num(y(value))}" width="{_num(bar_w - 2)}" '
                             f'height="{_num(top + plot_h - y(value))}" fill="{fill}"/>')
            # one series: the value inside the bar's top, clear of the threshold lines above it
            inside = not legend and value is not None and top + plot_h - y(value) > 18
            ty = (y(value) if value is not None else top + plot_h) + (13 if inside else -3)
            parts.append(f'<text x="{_num(bx + bar_w / 2)}" y="{_num(ty)}" text-anchor="middle" '
                         f'fill="{"#ffffff" if inside else INK}" font-size="10" font-weight="bold">'
                         f'{escape(one.texts[column])}</text>')
        parts.append(f'<text x="{_num(left + column * slot + slot / 2)}" y="{height - 8}" text-anchor="middle" '
                     f'fill="{INK}">{escape(year)}</text>')
    for index, line in enumerate(lines):
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        ly = _num(y(line.value))
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                     f'stroke-width="1.2" stroke-dasharray="5 3"/>')
        parts.append(f'<text x="{left - 3}" y="{ly}" text-anchor="end" dominant-baseline="middle" fill="{colour}" '
                     f'font-size="9" font-weight="bold">{escape(line.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
