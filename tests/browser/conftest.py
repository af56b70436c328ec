"""Browser tests: Debian's Chromium driven by Playwright, against the app served on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _ensure_chromium() -> None:
    """Install Debian's chromium when it is missing (browser downloads do not work here)."""
    if shutil.which("chromium") or os.path.exists(CHROMIUM):
        return
    if os.geteuid() != 0:
        pytest.skip("chromium is not installed; run: sudo apt-get install -y chromium chromium-driver")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _ensure_chromium()
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The test app on a free loopback port, in a thread."""
    from zi_assess.extensions import db

    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Iterator[Any]:
    contexts = []

    def make(user: Any, width: int = 1366, height: int = 768) -> Any:
        from tests.conftest import PASSWORD, second_factor_code
        from zi_assess.auth import mfa

        context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        # the second factor's code, computed from the secret (roles that need one are enrolled first)
        code = second_factor_code(user) if mfa.required(user) or user.has_second_factor else None
        page.goto("/masuk")
        page.fill("#email", user.email)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        if code is not None:
            page.wait_for_url("**/masuk/kode")
            page.fill("#code", code)
            page.click("main button[type=submit]")
        page.wait_for_url("**/dasbor/")
        return page

    yield make
    for context in contexts:
        context.close()
