"""The PDF layout runs on a thread of its own (its allocations stay off the main thread's heap):
the caller still gets the PDF, or the render's own exception."""

from __future__ import annotations

import threading

import pytest

from zi_assess.reports import documents
from zi_assess.reports import pdf as pdf_helper


def test_the_render_runs_on_a_fresh_thread_and_returns_its_pdf(monkeypatch):
    real, threads = pdf_helper.render_pdf, []

    def watched(html: str, *, stylesheets: list[str]) -> bytes:
        threads.append(threading.current_thread())
        return real(html, stylesheets=stylesheets)

    monkeypatch.setattr(pdf_helper, "render_pdf", watched)
    first = documents.render_pdf("<p>Halo</p>", stylesheets=["p { color: #123456 }"])
    second = documents.render_pdf("<p>Halo</p>", stylesheets=["p { color: #123456 }"])
    assert first.startswith(b"%PDF-") and second.startswith(b"%PDF-")
    assert len(threads) == 2 and threading.current_thread() not in threads
    assert threads[0] is not threads[1] and not any(t.is_alive() for t in threads)  # started per render, joined


def test_the_renders_exception_reaches_the_caller():
    from weasyprint.urls import FatalURLFetchingError

    # a missing packaged asset stops the render (pdf.StaticOnlyFetcher): the caller sees that error
    with pytest.raises(FatalURLFetchingError, match="fonts/missing.png"):
        documents.render_pdf('<img src="fonts/missing.png">', stylesheets=[])
