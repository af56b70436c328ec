"""The one WeasyPrint helper. No other module of zi-assess imports weasyprint.

WeasyPrint is an HTTP client and a file reader: left to its defaults, an ``<img>`` or a
stylesheet link in rendered HTML makes it read ``file:///etc/...`` into the PDF or call an
internal address (security anchors, finding 1). Report text typed by users is autoescaped by
Jinja, and this module is the second wall: every document and every stylesheet is parsed with
:class:`StaticOnlyFetcher`, which serves files under ``zi_assess/static`` and refuses every
other scheme, host and path without touching the network or the disk outside that folder.

Rendering is CPU-bound and not meant to run twice at once in one process (two cores, one render
each), so renders are serialised by a lock; the parsed stylesheets and their
``FontConfiguration`` (the shipped fonts) are built once per process and reused.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from zi_assess.deferred_imports import deferred
from zi_assess.reports import glyphs
from zi_assess.resources import STATIC_DIR


def _load_weasyprint() -> None:
    """Import WeasyPrint without its slow way of finding its native libraries on Linux.

    WeasyPrint tries several names per library (Pango, HarfBuzz, GObject, fontconfig …); with
    cffi every name that is not a file (``libpango-1.0-0``) goes to ``ctypes.util.find_library``,
    which runs ``ldconfig``, ``gcc`` and ``ld`` in subprocesses: about twenty lookups per
    rendering process (measured: ~0.2 s CPU, over a second of wall time on a busy machine). The
    Linux names (``libpango-1.0.so.0``) load directly through the dynamic loader, so the import
    first runs with that lookup answering "not found"; should a library still be missing, it is
    imported again the usual way.

    Its C declarations come parsed from ``<instance>/cache/cffi`` when an earlier process filed
    them (:mod:`zi_assess.reports.cffi_types`: no pycparser at all).
    """
    if not sys.platform.startswith("linux") or "weasyprint" in sys.modules:
        return
    import ctypes.util

    from zi_assess.reports.cffi_types import cached_declarations
    from zi_assess.template_cache import current_cache_dir

    lookup = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        with cached_declarations(current_cache_dir("cffi")), deferred(DEFERRED):
            import weasyprint  # noqa: F401
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
    finally:
        ctypes.util.find_library = lookup


#: modules WeasyPrint imports for what zi-assess's reports never use, with the names it takes from
#: them at import: fontTools' subsetter (fonts are subset by HarfBuzz, ``libharfbuzz-subset0``), its
#: variable-font instancer (the shipped fonts are static) and its WOFF2 decoder, with Brotli (the
#: shipped fonts are TrueType files). ~48 ms of a report process's start.
DEFERRED: dict[str, tuple[str, ...]] = {
    "fontTools.subset": (),
    "fontTools.varLib.instancer": ("instantiateVariableFont",),
    "fontTools.ttLib.woff2": (),
}


_load_weasyprint()

#: zlib level of the PDF's streams: pydyf (WeasyPrint's PDF writer) asks for 9, which costs
#: measurably more time than 6 for files a few per cent larger (measured on the LHE, see
#: benchmarks/bench_pdf.py)
STREAM_COMPRESSION = 6


class _StreamZlib:
    """``zlib`` as pydyf's module sees it: the same, except for the level its streams are
    compressed at. pydyf 0.11–0.13 call ``zlib.compressobj(level=9)`` in ``Stream.data`` (setup.cfg
    pins that range); any other call goes to zlib unchanged."""

    def __getattr__(self, name: str) -> object:
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return zlib.compressobj(STREAM_COMPRESSION if level == 9 else level, *args, **kwargs)


def _compress_streams_faster() -> None:
    import pydyf

    if getattr(pydyf, "zlib", None) is zlib:
        pydyf.zlib = _StreamZlib()


_compress_streams_faster()

from weasyprint import CSS, HTML  # noqa: E402  (after _load_weasyprint)
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402


def _draw_text_faster() -> None:
    """Lines of text written into the PDF a run at a time, not a glyph at a time, and with the Pango
    layouts they were laid out with (:mod:`.glyphs`); ``ZI_PDF_FAST_TEXT=false`` leaves WeasyPrint's
    own functions (the same PDF, slower: should a rendering ever differ, the switch tells)."""
    if os.environ.get("ZI_PDF_FAST_TEXT", "true").strip().lower() in ("false", "0", "no", "off"):
        return
    import weasyprint
    import weasyprint.draw.text
    import weasyprint.text.ffi
    import weasyprint.text.line_break

    glyphs.install(weasyprint.__version__, weasyprint.draw.text, weasyprint.text.ffi)
    glyphs.keep_line_layouts(weasyprint.__version__, weasyprint.text.line_break)


_draw_text_faster()

log = logging.getLogger(__name__)

#: the only folder WeasyPrint may read from
STATIC_ROOT = STATIC_DIR.resolve()
#: base URL of every document and stylesheet: relative URLs (fonts/…) resolve into STATIC_ROOT
STATIC_URL = STATIC_ROOT.as_uri() + "/"

#: file types a report may load, by suffix; anything else is refused even inside STATIC_ROOT
CONTENT_TYPES = {
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


class RefusedURL(ValueError):
    """A URL outside the package's static files. WeasyPrint skips the resource and goes on."""


class StaticOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs of regular files under ``root``; refuses everything else.

    Refusals raise :class:`RefusedURL` (WeasyPrint leaves the image or stylesheet out); a
    missing file *inside* ``root`` is our own template's mistake and stops the rendering.
    ``super().fetch`` is never called, so no request ever leaves the process.
    """

    def __init__(self, root: Path = STATIC_ROOT) -> None:
        super().__init__(timeout=2, allowed_protocols=frozenset({"file"}), allow_redirects=False,
                         fail_on_errors=False)
        self.root = root.resolve()

    def resolve(self, url: str) -> Path:
        """The file ``url`` names, if it is a static file a report may load."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused URL scheme or host: {url[:200]}")
        # resolve() collapses ".." and follows symbolic links before the containment check
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root) or path.suffix.lower() not in CONTENT_TYPES:
            raise RefusedURL(f"refused path: {url[:200]}")
        return path

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except RefusedURL:
            log.warning("PDF rendering refused to fetch %s", url[:200])
            raise
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise FatalURLFetchingError(f"report asset missing: {path.relative_to(self.root)}") from exc
        return URLFetcherResponse(url, body, {"Content-Type": CONTENT_TYPES[path.suffix.lower()]})


_FETCHER = StaticOnlyFetcher()
_LOCK = threading.Lock()
#: parsed stylesheets (with their font configuration) by stylesheet text; a handful per process
_STYLES: dict[tuple[str, ...], tuple[FontConfiguration, list[CSS]]] = {}


def _stylesheets(sources: tuple[str, ...]) -> tuple[FontConfiguration, list[CSS]]:
    cached = _STYLES.get(sources)
    if cached is None:
        font_config = FontConfiguration()
        sheets = [CSS(string=text, base_url=STATIC_URL, url_fetcher=_FETCHER, font_config=font_config)
                  for text in sources]
        if len(_STYLES) >= 8:
            _STYLES.clear()
        cached = _STYLES[sources] = (font_config, sheets)
    return cached


def render_pdf(html: str, *, stylesheets: Sequence[str] = ()) -> bytes:
    """Render an HTML document and its stylesheets (CSS text) to PDF bytes.

    Relative URLs resolve against the static folder (``fonts/…``); nothing else can be loaded.
    The document's ``<title>``, ``<meta name=author>`` and ``lang`` become the PDF's metadata.
    """
    with _LOCK:
        font_config, sheets = _stylesheets(tuple(stylesheets))
        document = HTML(string=html, base_url=STATIC_URL, url_fetcher=_FETCHER)
        pdf = document.write_pdf(stylesheets=sheets, font_config=font_config)
    assert pdf is not None
    return pdf
