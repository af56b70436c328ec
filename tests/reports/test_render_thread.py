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
    assert threads[0] is not threads[1]  # one per render, and it ends with it
    for thread in threads:
        thread.join(5)
        assert not thread.is_alive()


def test_the_renders_exception_reaches_the_caller():
    from weasyprint.urls import FatalURLFetchingError

    # a missing packaged asset stops the render (pdf.StaticOnlyFetcher): the caller sees that error
    with pytest.raises(FatalURLFetchingError, match="fonts/missing.png"):
        documents.render_pdf('<img src="fonts/missing.png">', stylesheets=[])


class Interrupted(Exception):
    pass


# a stop that lands inside a callback (a weakref's, a __del__) is reported there as "ignored" and
# sent again: that report is expected, not a failure of this test
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_interrupted_caller_stops_the_render_too():
    """RQ's job timeout (SIGALRM) or Ctrl-C reach the caller's thread: the render stops with it and
    lets go of the render lock, as it did when it ran on that thread."""
    import signal
    import time

    html = "<p>" + "kata " * 60 + "</p>"
    html = html * 4000  # a render of several seconds

    def interrupt(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(Interrupted):
            documents.render_pdf(html, stylesheets=[])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - start < 3
    for thread in [t for t in threading.enumerate() if t.name == "zi-pdf-render"]:
        thread.join(5)
        assert not thread.is_alive()
    assert pdf_helper._LOCK.acquire(blocking=False)  # free for the next render
    pdf_helper._LOCK.release()
    assert documents.render_pdf("<p>Halo</p>", stylesheets=[]).startswith(b"%PDF-")
