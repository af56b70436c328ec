"""Lines of text written into the PDF a run at a time (``zi_assess.reports.glyphs``, issue #15):
the same file as WeasyPrint's own glyph-by-glyph loop writes, byte for byte."""

from __future__ import annotations

import re

import pytest

from zi_assess.reports import glyphs, pdf
from zi_assess.resources import TEMPLATES_DIR

#: what exercises the loop: two fonts (regular and bold runs on one line), kerning pairs, pre-line
#: text (its line ends are empty glyphs), a right-to-left run, sizes, an ellipsis and a character
#: the report fonts do not have (both left to WeasyPrint's own function)
DOCUMENT = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Glyphs</title></head><body>
<h1>Lembar Kerja Evaluasi — AVATAR Tahun 2026</h1>
<p>Kantor Pelayanan <b>Surabaya</b> (KP-SBY) · Wajib Pajak · <b>A</b> (Mandiri) · Nilai 0,25 · 100,00 %</p>
<div style="white-space: pre-line">P1.i.a Unit kerja telah membentuk tim — Bobot 0,25
A. Jika dengan prosedur/mekanisme yang jelas
B. Jika sebagian menggunakan prosedur
Catatan: "Kutipan" 'tunggal' … VA To Ty Wa yo.</div>
<p dir="rtl" lang="ar">مرحبا بالعالم</p>
<p style="width: 30mm; white-space: nowrap; overflow: hidden; text-overflow: ellipsis">Sebuah kalimat yang terlalu panjang untuk kotaknya</p>
<p style="font-size: 6pt">Kecil 0123456789</p><p>漢字</p>
<p style="width: 60mm; text-align: justify">Unit kerja telah melaksanakan kegiatan sosialisasi pembangunan zona
integritas secara berkala dengan bukti notulen daftar hadir dan dokumentasi foto.</p>
<p style="width: 25mm; hyphens: auto">Pertanggungjawaban penyelenggaraan pemerintahan berkelanjutan</p>
<p style="width: 20mm; overflow-wrap: anywhere">Kode12345678901234567890123456789 panjang</p>
<p style="text-decoration: underline; letter-spacing: 1pt; word-spacing: 2pt">Garis bawah dan jarak</p>
<p style="white-space: pre-wrap">Pisah\u2029paragraf dan\rbaris</p>
<svg width="60mm" height="10mm"><text x="2" y="20" font-size="12">Teks SVG</text></svg>
<table><thead><tr><th>Kolom berulang</th></tr></thead><tbody>
<tr><td style="height: 150mm">Baris satu</td></tr><tr><td style="height: 150mm">Baris dua</td></tr></tbody></table>
</body></html>"""


def _render(html: str) -> bytes:
    from weasyprint import HTML

    font_config, sheets = pdf._stylesheets(((TEMPLATES_DIR / "reports" / "report.css").read_text(encoding="utf-8"),
                                            (TEMPLATES_DIR / "reports" / "lke.css").read_text(encoding="utf-8")))
    return HTML(string=html, base_url=pdf.STATIC_URL, url_fetcher=pdf._FETCHER).write_pdf(
        stylesheets=sheets, font_config=font_config, uncompressed_pdf=True)


def _without_dates(data: bytes) -> bytes:
    return re.sub(rb"/(CreationDate|ModDate) \([^)]*\)|/ID \[[^\]]*\]", b"", data)


def test_weasyprint_draws_text_through_the_run_at_a_time_loop():
    import weasyprint
    import weasyprint.draw.text as text
    import weasyprint.text.ffi

    assert text.draw_first_line is glyphs.draw_first_line
    assert glyphs.install(weasyprint.__version__, text, weasyprint.text.ffi) is True  # again: nothing changes


def test_the_pdf_is_the_one_weasyprint_writes_itself(monkeypatch):
    import weasyprint.draw.text as text

    fast = _render(DOCUMENT)
    monkeypatch.setattr(text, "draw_first_line", glyphs._original)
    own = _render(DOCUMENT)
    assert b"TJ" in own
    assert _without_dates(fast) == _without_dates(own)


def test_a_report_is_the_same_pdf_with_either_loop(monkeypatch):
    """A whole report's sheet, as the LKE writes it (its own stylesheet, hundreds of lines)."""
    import weasyprint.draw.text as text

    rows = "".join(
        f'<div class="i"><b>P{n}.a</b> Indikator nomor {n} — Bobot 0,{n:02d} · Jawaban: <b>B</b> (TPI) · Nilai 0,{n:02d}\n'
        f"A. Jika semua unit kerja telah melaksanakan kegiatan {n}\nB. Jika sebagian\nCatatan: VA To {n * 7}</div>"
        for n in range(1, 40))
    html = DOCUMENT.replace("<h1>", rows + "<h1>").replace('<body>', '<body class="wide lke">')
    fast = _render(html)
    monkeypatch.setattr(text, "draw_first_line", glyphs._original)
    assert _without_dates(fast) == _without_dates(_render(html))


def test_unusual_lines_go_to_weasyprint_own_function(monkeypatch):
    calls: list[str] = []
    original = glyphs._original
    assert original is not None

    def counting(stream, textbox, *args):
        calls.append(textbox.text)
        return original(stream, textbox, *args)

    monkeypatch.setattr(glyphs, "_original", counting)
    _render(DOCUMENT)
    assert any("Sebuah" in line for line in calls)  # the ellipsis
    assert any("漢" in line for line in calls)  # no font has it: WeasyPrint draws .notdef and warns
    assert not any("Surabaya" in line or "Kecil" in line for line in calls)


def test_another_weasyprint_release_keeps_its_own_function(monkeypatch):
    import weasyprint.draw.text as text
    import weasyprint.text.ffi

    assert glyphs._original is not None
    monkeypatch.setattr(text, "draw_first_line", glyphs._original)
    assert glyphs.install("71.0", text, weasyprint.text.ffi) is False
    assert text.draw_first_line is glyphs._original


def test_a_glyph_record_laid_out_otherwise_goes_to_weasyprint(monkeypatch):
    """Should cffi's declaration of PangoGlyphInfo not be the one read, every line goes to WeasyPrint."""
    monkeypatch.setattr(glyphs, "_record", False)
    calls: list[str] = []
    original = glyphs._original
    assert original is not None
    monkeypatch.setattr(glyphs, "_original", lambda stream, textbox, *args: calls.append(textbox.text)
                        or original(stream, textbox, *args))
    _render("<p>Halo dunia</p>")
    assert "Halo dunia" in calls  # (and the page number, in its margin box)


@pytest.mark.parametrize("fields", [
    {"glyph": 0, "geometry": 4, "inner": {"width": 0, "x_offset": 4, "y_offset": 8}, "size": 20},
    {"glyph": 0, "geometry": 8, "inner": {"width": 0, "x_offset": 4, "y_offset": 8}, "size": 24},
    {"glyph": 0, "geometry": 4, "inner": {"width": 0, "x_offset": 8, "y_offset": 4}, "size": 20},
])
def test_the_glyph_record_is_read_only_as_declared(monkeypatch, fields):
    """The fast path reads (glyph, width, x_offset, y_offset) at offsets 0, 4, 8, 12."""
    from types import SimpleNamespace

    def field(offset: int, type_: object = None) -> SimpleNamespace:
        return SimpleNamespace(offset=offset, type=type_)

    geometry = SimpleNamespace(fields=[(name, field(offset)) for name, offset in fields["inner"].items()])
    info = SimpleNamespace(fields=[("glyph", field(fields["glyph"])), ("geometry", field(fields["geometry"], geometry)),
                                   ("attr", field(16))])
    fake_ffi = SimpleNamespace(typeof=lambda cdata: SimpleNamespace(item=info), sizeof=lambda t: fields["size"])
    monkeypatch.setattr(glyphs, "_record", None)
    record = glyphs._read_record(fake_ffi, object())
    laid_out_as_read = fields["geometry"] == 4 and fields["inner"]["x_offset"] == 4
    assert bool(record) is laid_out_as_read
    if laid_out_as_read:
        assert isinstance(record, tuple) and record[0].size == 20


def _original_layout_methods(monkeypatch) -> None:
    import weasyprint.text.line_break as line_break

    assert glyphs._layout_methods is not None
    deactivate, reactivate = glyphs._layout_methods
    monkeypatch.setattr(line_break.Layout, "deactivate", deactivate)
    monkeypatch.setattr(line_break.Layout, "reactivate", reactivate)


def test_lines_are_drawn_with_the_layouts_they_were_laid_out_with(monkeypatch):
    import weasyprint
    import weasyprint.text.line_break as line_break

    assert line_break.Layout.deactivate is glyphs._deactivate
    assert glyphs.keep_line_layouts(weasyprint.__version__, line_break) is True  # again: nothing changes
    made = []
    assert glyphs._layout_methods is not None
    own_reactivate = glyphs._layout_methods[1]
    monkeypatch.setattr(glyphs, "_layout_methods", (glyphs._layout_methods[0],
                                                    lambda layout, style: made.append(layout.text)
                                                    or own_reactivate(layout, style)))
    _render(DOCUMENT)
    assert made  # justified lines, the repeated header's second drawing …
    assert not any("Surabaya" in text or "prosedur" in text for text in made)  # … but not plain lines
    assert any("Unit kerja" in text for text in made)  # justified: WeasyPrint adds its spacing


def test_the_pdf_is_the_same_with_new_layouts_for_drawing(monkeypatch):
    kept = _render(DOCUMENT)
    _original_layout_methods(monkeypatch)
    own = _render(DOCUMENT)
    assert _without_dates(kept) == _without_dates(own)


class _Layout:
    def __init__(self, style: object, justification_spacing: float = 0) -> None:
        self.layout, self.language, self.style = object(), "id", style
        self.justification_spacing = justification_spacing


@pytest.mark.parametrize("case", ["same style", "other style", "justified", "drawn before"])
def test_a_kept_layout_serves_one_drawing_of_its_own_style_without_justification(monkeypatch, case):
    made = []

    def own_reactivate(layout, style):  # WeasyPrint's: a new Pango layout
        made.append(style)
        layout.layout, layout.language, layout.style = object(), "id", style

    assert glyphs._layout_methods is not None
    monkeypatch.setattr(glyphs, "_layout_methods", (glyphs._layout_methods[0], own_reactivate))
    style, other = object(), object()
    line = _Layout(style, justification_spacing=1.5 if case == "justified" else 0)
    pango_layout = line.layout
    glyphs._deactivate(line)  # laid out
    assert not hasattr(line, "layout")
    if case == "drawn before":
        glyphs._reactivate(line, style)
        glyphs._deactivate(line)
    glyphs._reactivate(line, other if case == "other style" else style)
    if case == "same style":
        assert made == [] and line.layout is pango_layout and line.style is style
    else:
        assert len(made) == 1 and line.layout is not pango_layout


def test_another_weasyprint_release_keeps_its_own_layout_methods(monkeypatch):
    import weasyprint.text.line_break as line_break

    _original_layout_methods(monkeypatch)
    own = line_break.Layout.deactivate
    assert glyphs.keep_line_layouts("71.0", line_break) is False
    assert line_break.Layout.deactivate is own


def test_lines_without_a_paragraph_separator_are_not_set_to_single_paragraph_mode(monkeypatch):
    """WeasyPrint sets every line to single-paragraph mode before drawing it, which makes Pango lay a
    kept layout out again; the mode changes nothing for a text without a paragraph separator (and
    the lines WeasyPrint draws have none: it breaks lines at them)."""
    from types import SimpleNamespace

    import weasyprint.text.ffi as ffi_module

    set_calls, drawn = [], []

    class Pango:
        def __getattr__(self, name):
            if name == "pango_layout_set_single_paragraph_mode":
                return lambda *args: set_calls.append(args) or ffi_module.pango.pango_layout_set_single_paragraph_mode(
                    *args)
            if name == "pango_font_get_glyph_extents":
                drawn.append(name)
            return getattr(ffi_module.pango, name)

    monkeypatch.setattr(glyphs, "_ffi", SimpleNamespace(ffi=ffi_module.ffi, pango=Pango(),
                                                        FROM_UNITS=ffi_module.FROM_UNITS))
    _render(DOCUMENT)
    assert drawn and set_calls == []


@pytest.mark.parametrize(("setting", "ours"), [("false", False), ("true", True)])
def test_the_switch_leaves_weasyprint_own_functions(setting, ours):
    """``ZI_PDF_FAST_TEXT=false``: a report process draws with WeasyPrint's own functions."""
    import os
    import subprocess
    import sys

    probe = ("import weasyprint.draw.text as t, weasyprint.text.line_break as lb; import zi_assess.reports.pdf; "
             "print(t.draw_first_line.__module__, lb.Layout.deactivate.__module__)")
    out = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "ZI_PDF_FAST_TEXT": setting},
                         capture_output=True, text=True, check=True).stdout.split()
    assert len(out) == 2 and out.count("zi_assess.reports.glyphs") == (2 if ours else 0)
