"""WeasyPrint's C declarations from the start-up cache (zi_assess.reports.cffi_types, issue #15):
the same types as cffi's own parse, the same PDF bytes, and cffi's own parse whenever the file
is not exactly what this process would have produced."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import textwrap

import cffi
import pytest

from zi_assess.reports import cffi_types
from zi_assess.reports.pdf import render_pdf  # noqa: F401  (WeasyPrint imported: its declarations are known)


@pytest.fixture(scope="module")
def csource() -> str:
    from weasyprint.text import ffi as weasy_ffi

    return weasy_ffi.ffi._cdefsources[0]


def _declared(ffi: cffi.FFI) -> dict[str, object]:
    return {name: (tp if isinstance(tp, int) else tp._get_c_name(), quals)
            for name, (tp, quals) in ffi._parser._declarations.items()}


def _cached_ffi(directory, csource: str, parses: list[str]) -> cffi.FFI:
    """A fresh FFI declaring ``csource`` under the cache; ``parses`` counts cffi's own parses."""
    original = cffi.FFI.cdef
    ffi = cffi.FFI()
    real_parse = ffi._parser.parse

    def counting_parse(*args, **kwargs):
        parses.append("parse")
        return real_parse(*args, **kwargs)

    ffi._parser.parse = counting_parse
    with cffi_types.cached_declarations(directory):
        ffi.cdef(csource)
    assert cffi.FFI.cdef is original  # put back after the block
    return ffi


def test_cached_declarations_are_those_of_a_parse(tmp_path, csource):
    parsed = cffi.FFI()
    parsed.cdef(csource)
    parses: list[str] = []
    first = _cached_ffi(tmp_path, csource, parses)
    assert parses == ["parse"] and len(list(tmp_path.glob("cdef-*.pickle"))) == 1
    second = _cached_ffi(tmp_path, csource, parses)
    assert parses == ["parse"]  # the second came from the file
    assert _declared(second) == _declared(first) == _declared(parsed)
    assert second._cdefsources == [csource]
    for name in ("PangoRectangle", "PangoItem", "PangoGlyphGeometry", "PangoWeight", "GSList"):
        assert second.sizeof(name) == parsed.sizeof(name)
    harfbuzz = second.dlopen("libharfbuzz.so.0")  # the functions are called through the cached types
    assert harfbuzz.hb_version_atleast(1, 0, 0) == parsed.dlopen("libharfbuzz.so.0").hb_version_atleast(1, 0, 0) == 1
    assert harfbuzz.hb_version_atleast(999, 0, 0) == 0


def test_type_names_a_process_asked_for_are_filed_for_the_next(tmp_path, csource):
    parsed = cffi.FFI()
    parsed.cdef(csource)
    parses: list[str] = []
    first = _cached_ffi(tmp_path, csource, parses)
    first.new("PangoRectangle *")
    first.new("hb_codepoint_t[11]")  # the item type is listed, not this size
    (listing,) = tmp_path.glob("cdef-*.types")
    assert set(listing.read_text().split("\n")) == {"PangoRectangle *", "hb_codepoint_t", ""}

    _cached_ffi(tmp_path, csource, parses)  # restores, parses the two names, files them
    calls: list[str] = []
    third = _cached_ffi(tmp_path, csource, parses)
    third_parse_type = third._parser.parse_type

    def spy(cdecl):
        calls.append(cdecl)
        return third_parse_type(cdecl)

    third._parser.parse_type = spy
    rect = third.new("PangoRectangle *")
    rect.width = 7
    codes = third.new("hb_codepoint_t[953]", list(range(953)))
    assert rect.width == 7 and codes[952] == 952 and len(codes) == 953
    for name in ("PangoRectangle *", "hb_codepoint_t[953]", "hb_codepoint_t[]", "char[4]"):
        assert third.typeof(name).cname == parsed.typeof(name).cname
    for name in ("PangoRectangle *", "hb_codepoint_t[953]", "char[4]"):
        assert third.sizeof(name) == parsed.sizeof(name)
    assert calls == ["PangoRectangle *", "hb_codepoint_t[953]", "hb_codepoint_t[]", "char[4]"]
    assert parses == ["parse"]  # only the first parsed the declarations
    assert "char" in listing.read_text()  # "char[4]" was not filed: its item type is listed now


@pytest.mark.parametrize("spoil", ["truncated", "other cffi", "other text", "writable by others", "not types"])
def test_a_file_that_is_not_exactly_ours_is_parsed_again(tmp_path, csource, spoil):
    parses: list[str] = []
    _cached_ffi(tmp_path, csource, parses)
    (path,) = tmp_path.glob("cdef-*.pickle")
    state = pickle.loads(path.read_bytes())
    if spoil == "truncated":
        path.write_bytes(path.read_bytes()[:500])
    elif spoil == "other cffi":
        path.write_bytes(pickle.dumps({**state, "cffi": "0.1"}))
    elif spoil == "other text":
        path.write_bytes(pickle.dumps({**state, "source": csource + " "}))
    elif spoil == "writable by others":
        path.chmod(0o666)
    else:
        path.write_bytes(pickle.dumps({**state, "_declarations": {"function f": ("int f(void)", 0)}}))
    ffi = _cached_ffi(tmp_path, csource, parses)
    assert parses == ["parse", "parse"]
    assert "function hb_version_atleast" in ffi._parser._declarations


def test_only_a_first_plain_cdef_is_served(tmp_path, csource):
    parses: list[str] = []
    _cached_ffi(tmp_path, csource, parses)
    ffi = cffi.FFI()
    ffi.cdef("typedef int zi_t;")  # not fresh any more: cffi parses
    with cffi_types.cached_declarations(tmp_path):
        ffi.cdef(csource)
    assert "typedef zi_t" in ffi._parser._declarations and len(ffi._cdefsources) == 2
    original = cffi.FFI.cdef
    with cffi_types.cached_declarations(None):
        assert cffi.FFI.cdef is original


def _render_process(tmp_path, cache: bool) -> str:
    code = f"""
        import re, sys
        from zi_assess.app import build_app
        app = build_app({{"INSTANCE_PATH": {str(tmp_path / "instance")!r}, "TEMPLATE_CACHE": {cache!r},
                         "DATABASE_URL": "sqlite:///{tmp_path / 'x.db'}"}}, web=False)
        with app.app_context():
            from zi_assess.reports import pdf
            from zi_assess.reports.documents import stylesheet
        out = pdf.render_pdf("<h1>Laporan</h1><p>Ringkasan nilai: 87,5 — Ωmega ﬁ</p>", stylesheets=[stylesheet()])
        parsed = "pycparser.c_parser" in sys.modules
        out = re.sub(rb"/(CreationDate|ModDate) \\(D:[^)]*\\)", b"", out)
        out = re.sub(rb"/ID \\[<[0-9a-f]+> <[0-9a-f]+>\\]", b"", out)
        print(parsed, out.hex())
    """
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def test_a_report_process_renders_the_same_bytes_without_pycparser(tmp_path):
    plain = _render_process(tmp_path, cache=False)
    filing = _render_process(tmp_path, cache=True)  # parses and files the declarations, lists type names
    listed = _render_process(tmp_path, cache=True)  # files the type names
    served = _render_process(tmp_path, cache=True)
    assert plain.startswith("True ") and filing.startswith("True ") and listed.startswith("True ")
    assert served.startswith("False ")  # pycparser never ran, nor was its parser imported
    pdfs = {re.sub("^\\w+ ", "", out) for out in (plain, filing, listed, served)}
    assert len(pdfs) == 1
    assert list((tmp_path / "instance" / "cache" / "cffi").glob("cdef-*.pickle"))
