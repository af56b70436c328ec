"""The export progress page in Debian's Chromium: the bar moves, a reload resumes, the ZIP link appears."""

from __future__ import annotations

import shutil
import threading
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, second_factor_code
from zi_assess.domain.workflow import Layer

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"


def in_browser(base_url: str, email: str, code: str) -> dict[str, Any]:
    """Start an export of every unit, reload its progress page, wait for the ZIP link.

    Runs in a thread of its own: the browser tests elsewhere keep a session-wide Playwright
    (and its event loop) open in the main thread, and the sync API refuses to nest.
    """
    from playwright.sync_api import sync_playwright

    seen: dict[str, Any] = {"errors": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_context(base_url=base_url).new_page()
        page.set_default_timeout(60_000)
        page.on("console", lambda message: seen["errors"].append(message.text) if message.type == "error" else None)
        page.goto("/masuk")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/masuk/kode")  # a manager's second factor
        page.fill("#code", code)
        page.click("main button[type=submit]")
        page.wait_for_url("**/dasbor/")
        page.goto("/ekspor/lhe")
        page.click("text=Ekspor semua unit instansi ini")
        page.wait_for_url("**/ekspor/lhe/*")
        page.reload()  # the job does not depend on the page that started it
        page.wait_for_selector("#export-download:not([hidden])")
        seen["state"] = page.inner_text("#export-state")
        seen["counts"] = page.inner_text("#export-counts")
        seen["bar"] = page.eval_on_selector("#export-bar", "bar => [bar.value, bar.max]")
        with page.expect_download() as download:
            page.click("#export-link")
        seen["file"] = download.value.suggested_filename
        browser.close()
    return seen


def test_progress_bar_survives_a_reload_and_offers_the_zip(team, flow, fill, best_answers, make_unit, app):
    if not shutil.which("chromium"):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    from zi_assess.extensions import db

    fill(team.operator, flow.create(team.unit, team.tpi_lead), Layer.MANDIRI, best_answers)
    flow.create(make_unit(team.instansi, code="UJI-2"), team.tpi_lead)
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    outcome: dict[str, Any] = {}
    email = team.manager.email  # read here: the browser's thread has no app context
    code = second_factor_code(team.manager)

    def drive() -> None:
        try:
            outcome.update(in_browser(f"http://127.0.0.1:{server.server_port}", email, code))
        except BaseException as exc:  # re-raised in the test's thread
            outcome["exception"] = exc

    try:
        browser_thread = threading.Thread(target=drive)
        browser_thread.start()
        browser_thread.join(180)
    finally:
        server.shutdown()
        serving.join(5)
    if "exception" in outcome:
        raise outcome["exception"]
    assert outcome["state"] == "Selesai"
    assert outcome["counts"] == "2 berhasil, 0 gagal, dari 2 laporan"
    assert outcome["bar"] == [2, 2]
    assert outcome["file"].endswith(".zip") and outcome["errors"] == []
