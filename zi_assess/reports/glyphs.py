"""WeasyPrint's text drawing: a line's glyphs read at once, its Pango layout kept (issue #15, item 3).

WeasyPrint writes a line of text into the PDF glyph by glyph in Python
(``weasyprint.draw.text.draw_first_line``): for each glyph it reads four fields of Pango's
``PangoGlyphInfo`` through cffi, one attribute at a time, and appends to a string. That loop
cost an LKE process ~0.8 G of its 7.3 G instructions (77,000 glyphs). :func:`draw_first_line`
does the same for the ordinary case: each run's glyph array is copied out in one read and
unpacked by :mod:`struct`, and the operators of a glyph record (glyph, advance, offset) are
worked out once per font and size, then reused. It writes exactly the same PDF operators,
glyph widths and ToUnicode entries (tests compare the two files byte for byte). Anything else
(an ellipsis, an unknown glyph, a raised glyph, a colour, bitmap or SVG font) goes to
WeasyPrint's own function.

:func:`keep_line_layouts`: a line is drawn with the Pango layout it was laid out with, where
WeasyPrint would make a new one and shape the line's text again; :func:`draw_first_line` sets a line
to single-paragraph mode only when it holds a paragraph separator, which would make Pango lay the
kept layout out again (LKE: ~0.3 G instructions together, a few MB more memory held until the
document is written).

:func:`install` and :func:`keep_line_layouts` put them in place for the WeasyPrint release they
were written against (setup.cfg pins 70.x); with any other the originals stay. They are given
WeasyPrint's modules by :mod:`zi_assess.reports.pdf`, the one module that imports WeasyPrint.
"""

from __future__ import annotations

import struct
import weakref
from collections.abc import Callable
from typing import Any

#: the WeasyPrint release whose ``draw_first_line`` this mirrors (major version)
WEASYPRINT_MAJOR = "70"
#: PANGO_GLYPH_EMPTY and PANGO_GLYPH_UNKNOWN_FLAG (pango/pango-glyph.h)
GLYPH_EMPTY = 0x0FFFFFFF
GLYPH_UNKNOWN_FLAG = 0x10000000
#: what Pango takes for the end of a paragraph unless in single-paragraph mode (pango_find_paragraph_boundary)
PARAGRAPH_SEPARATORS = frozenset("\n\r\u2029")

_original: Callable[..., Any] | None = None
#: WeasyPrint's cffi handles (``weasyprint.text.ffi``: ``ffi``, ``pango``, ``FROM_UNITS``), set by install
_ffi: Any = None
#: one PangoGlyphInfo as :mod:`struct` reads it (glyph, width, x_offset, y_offset, padding) and its
#: size; None until the first line is drawn, False when the record is laid out otherwise
_record: tuple[struct.Struct, int] | bool | None = None
#: each font's glyph operators by size and glyph record (fonts belong to one document: weak keys)
_fragments: weakref.WeakKeyDictionary[Any, dict[float, dict[tuple[int, int, int, int], str]]] = (
    weakref.WeakKeyDictionary())


def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: Any, matrix: Any) -> list[Any]:
    """``weasyprint.draw.text.draw_first_line``, same arguments, same result and output."""
    assert _original is not None
    if text_overflow == "ellipsis" or block_ellipsis != "none" or _record is False:
        return _original(stream, textbox, text_overflow, block_ellipsis, matrix)  # type: ignore[no-any-return]
    # as the original: no lines of only invisible characters, no font size 0
    if not textbox.text.strip():
        return []
    if textbox.style["font_size"] < 1e-6:
        return []

    ffi, pango = _ffi.ffi, _ffi.pango
    layout = textbox.pango_layout
    if not PARAGRAPH_SEPARATORS.isdisjoint(layout.text):
        # WeasyPrint sets it for every line; it changes nothing but for these characters, and
        # setting it lays a kept layout (keep_line_layouts) out again
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    first_line, _index = layout.get_first_line()

    # Every run is read first: anything out of the ordinary goes to the original before a byte is written.
    runs = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        glyph_string = glyph_item.glyphs
        record = _record or _read_record(ffi, glyph_string.glyphs)
        if not record:
            return _original(stream, textbox, text_overflow, block_ellipsis, matrix)  # type: ignore[no-any-return]
        unpack, record_size = record
        count = glyph_string.num_glyphs
        pango_font = glyph_item.item.analysis.font
        font, font_size = stream.add_font(pango_font)
        if font.bitmap or font.svg or font.png or font.colr:
            return _original(stream, textbox, text_overflow, block_ellipsis, matrix)  # type: ignore[no-any-return]
        glyphs = list(unpack.iter_unpack(ffi.buffer(glyph_string.glyphs, count * record_size)))
        if any(y_offset or glyph_id & GLYPH_UNKNOWN_FLAG for glyph_id, _w, _x, y_offset in glyphs):
            return _original(stream, textbox, text_overflow, block_ellipsis, matrix)  # type: ignore[no-any-return]
        runs.append((glyph_item, glyph_string, count, pango_font, font, font_size, glyphs))

    stream.set_text_matrix(*matrix.values)
    old_pango = pango.pango_version() < 14802
    previous_pango_font = None
    size = 0.0
    parts: list[str] = []
    for glyph_item, glyph_string, count, pango_font, font, font_size, glyphs in runs:
        if pango_font != previous_pango_font:
            previous_pango_font = pango_font
            # https://gitlab.gnome.org/GNOME/pango/-/issues/530
            size = textbox.style["font_size"] if old_pango else font_size
            if text := "".join(parts):
                stream.show_text(text)
            parts = []
            stream.set_font_size(font.hash, size)
        parts.append("<")
        # a glyph's operators depend on the glyph record, the font and the size alone: each is
        # worked out once per document (the first time also files its width and characters)
        fragments = _fragments.setdefault(font, {}).setdefault(size, {})
        found = [fragments.get(glyph) for glyph in glyphs]
        if None in found:
            for i, fragment in enumerate(found):
                if fragment is None:
                    glyph = glyphs[i]
                    fragment = fragments.get(glyph)
                    if fragment is None:
                        fragment = fragments[glyph] = _fragment(stream, layout, glyph_item, glyph_string, count, i,
                                                                glyph, pango_font, font, size)
                    found[i] = fragment
        parts.extend(found)
        if parts[-1][-1] == "<":  # the run's glyph list closed: drop an empty "<" at its end
            parts[-1] = parts[-1][:-1]
        else:
            parts.append(">")
    stream.show_text("".join(parts))
    return []


def _fragment(stream: Any, layout: Any, glyph_item: Any, glyph_string: Any, count: int, i: int,
              glyph: tuple[int, int, int, int], pango_font: Any, font: Any, size: float) -> str:
    """The operators of glyph ``i`` of a run (as WeasyPrint writes them); files the glyph's width
    and, the first time it is seen, the characters it stands for (the PDF's ToUnicode map)."""
    ffi, pango, from_units = _ffi.ffi, _ffi.pango, _ffi.FROM_UNITS
    glyph_id, width, x_offset, _y_offset = glyph
    if glyph_id == GLYPH_EMPTY:  # a zero-width empty glyph
        return f">{-width / size}<"
    if glyph_id not in font.to_unicode:  # the glyph's characters, from its place in the UTF-8 text
        clusters = ffi.unpack(glyph_string.log_clusters, count)
        item = glyph_item.item
        offset = item.offset
        t1 = clusters[i]
        if item.analysis.level % 2:  # right to left
            t2 = item.length if i == 0 else clusters[i - 1]
        else:
            t2 = item.length if i == count - 1 else clusters[i + 1]
        font.to_unicode[glyph_id] = layout.text.encode()[offset + t1:offset + t2].decode()
    fragment = ""
    shift = x_offset / size
    if shift:
        fragment += f">{-shift}<"
    fragment += f"{glyph_id:04x}"
    logical_width = font.widths.get(glyph_id)
    if logical_width is None:
        pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
        logical_width = font.widths[glyph_id] = round(stream.logical_rect.width * 1000 * from_units / size)
    kerning = logical_width + shift - width * 1000 * from_units / size
    if kerning:
        fragment += f">{int(kerning)}<"
    return fragment


def _read_record(ffi: Any, glyphs: Any) -> tuple[struct.Struct, int] | bool:
    """How to read Pango's ``PangoGlyphInfo`` records, from cffi's declaration of them (False: not
    laid out as this module reads them). Taken from the array in hand: no type name to parse."""
    global _record
    info = ffi.typeof(glyphs).item
    fields = dict(info.fields)
    geometry = fields["geometry"].type if "geometry" in fields else None
    inner = {name: field.offset for name, field in geometry.fields} if geometry is not None else {}
    size = ffi.sizeof(info)
    if fields.get("glyph") is None or fields["glyph"].offset != 0 or fields["geometry"].offset != 4 or inner != {
            "width": 0, "x_offset": 4, "y_offset": 8} or size < 16:
        _record = False
    else:
        _record = (struct.Struct("=Iiii" + "x" * (size - 16)), size)
    return _record


def install(version: str, text: Any, ffi: Any) -> bool:
    """Use :func:`draw_first_line` in WeasyPrint ``version`` (its modules ``weasyprint.draw.text``
    and ``weasyprint.text.ffi``), if it is the release this mirrors; returns whether it is in place."""
    global _original, _ffi
    if text.draw_first_line is draw_first_line:
        return True
    if version.split(".")[0] != WEASYPRINT_MAJOR:
        return False
    _original, _ffi = text.draw_first_line, ffi
    text.draw_first_line = draw_first_line
    return True


# -- a line drawn with the Pango layout it was laid out with -------------------------------------------

#: ``weasyprint.text.line_break.Layout``'s own ``deactivate`` and ``reactivate``
_layout_methods: tuple[Callable[..., Any], Callable[..., Any]] | None = None


def _deactivate(self: Any) -> None:
    """``Layout.deactivate``, keeping the Pango layout of a line as it was laid out, for drawing it.

    WeasyPrint drops a line's Pango layout once the line is laid out and makes a new one to draw it
    (``reactivate``: a new Pango context, font description and layout, the line's text shaped
    again). The layout it drops holds that text already shaped with the same style. A layout that
    was drawn is not kept again (a box drawn twice, e.g. a repeated table header, gets a new one)."""
    if self.__dict__.pop("_zi_drawn", False):
        self.__dict__.pop("_zi_kept", None)
    else:
        self._zi_kept = (self.layout, self.language, self.style)
    del self.layout, self.language, self.style


def _reactivate(self: Any, style: Any) -> None:
    """``Layout.reactivate``: the kept layout when the style is the one it was laid out with and no
    justification spacing was added since (WeasyPrint's own ``reactivate`` applies it)."""
    assert _layout_methods is not None
    kept = self.__dict__.pop("_zi_kept", None)
    if kept is not None and kept[2] is style and not self.justification_spacing:
        self.layout, self.language, self.style = kept
        self._zi_drawn = True
        return
    _layout_methods[1](self, style)


def keep_line_layouts(version: str, line_break: Any) -> bool:
    """Draw lines with the Pango layouts they were laid out with, in WeasyPrint ``version`` (its
    module ``weasyprint.text.line_break``) if it is the release this mirrors; whether it is in place."""
    global _layout_methods
    layout = line_break.Layout
    if layout.deactivate is _deactivate:
        return True
    if version.split(".")[0] != WEASYPRINT_MAJOR:
        return False
    _layout_methods = (layout.deactivate, layout.reactivate)
    layout.deactivate, layout.reactivate = _deactivate, _reactivate
    return True
