"""Under load (PostgreSQL + Redis): gunicorn with 3 sync workers and one `zi-assess worker`.

Ten clients ask at once for the LKE PDF of an assessment whose 113 notes are at the length limit
while another client reads the dashboard and the assessment overview again and again: those pages
stay fast (p95 < 1 s), nothing answers 5xx, and the PDF downloads once it is rendered.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.serverutil import StartupReader
from zi_assess.domain.workflow import Layer

pytestmark = pytest.mark.slow
REDIS_URL = "redis://127.0.0.1:6379/2"
BIN = Path(sys.executable).parent


class Browser:
    """A signed-in client of its own (cookies, CSRF token of the login form), without redirects."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        page = self.get("/masuk")[2].decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, _headers, _body = self.request("/masuk", {"email": email, "password": PASSWORD, "csrf_token": token})
        assert status == 302, status

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request(path)


@pytest.fixture
def heavy(team, flow, fill, best_answers):
    """An assessment whose 113 answers each carry a note at the length limit (4000 characters)."""
    a = flow.create(team.unit, team.head)
    words = "Bukti dukung tersedia lengkap: notulen, daftar hadir, dokumentasi foto dan laporan monitoring. "
    note = (words * 60)[:4000]
    fill(team.operator, a, Layer.MANDIRI, best_answers, notes={ind: note for ind in best_answers})
    return a


def test_pdf_requests_under_load_leave_other_pages_fast(database_url, team, heavy, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("the load test runs against PostgreSQL (ZI_TEST_DATABASE_URL)")
    env = {**os.environ, "ZI_DATABASE_URL": database_url, "ZI_REDIS_URL": REDIS_URL,
           "ZI_REPORT_QUEUE": f"zi-test-load-{uuid.uuid4().hex[:10]}", "ZI_SECRET_KEY": "test-secret",
           "ZI_INSTANCE_PATH": str(tmp_path / "instance"), "ZI_STORAGE_PATH": str(tmp_path / "store"),
           "ZI_REPORT_JOB_TIMEOUT": "900", "ZI_LOG_LEVEL": "WARNING"}
    head_email, assessment_id = team.head.email, heavy.id
    log: list[str] = []
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", "3", "-b", "127.0.0.1:0", "zi_assess:create_app()"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([str(BIN / "zi-assess"), "worker"], env=env, stdout=worker_log,
                              stderr=subprocess.STDOUT)
    reader = StartupReader(server, log)
    reader.start()
    try:
        assert reader.found.wait(60), "".join(log)
        base = reader.address
        statuses: list[int] = []
        page_times: list[float] = []
        pdfs: list[bytes] = []
        stop = threading.Event()
        lock = threading.Lock()
        errors: list[BaseException] = []

        def recorded(target):  # type: ignore[no-untyped-def]
            def run() -> None:
                try:
                    target()
                except BaseException as exc:
                    errors.append(exc)
            return threading.Thread(target=run)

        def download() -> None:
            client = Browser(base, head_email)  # any reader of the assessment (no second factor to pass)
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                status, headers, body = client.get(f"/penilaian/{assessment_id}/lke.pdf")
                with lock:
                    statuses.append(status)
                if status == 200 and headers.get("Content-Type") == "application/pdf":
                    with lock:
                        pdfs.append(body)
                    return
                assert status == 202, status
                time.sleep(3)  # as the progress page's refresh does

        def reader_client() -> None:
            client = Browser(base, head_email)
            while not stop.is_set():
                for path in ("/", f"/penilaian/{assessment_id}"):
                    started = time.monotonic()
                    status, _headers, _body = client.get(path)
                    with lock:
                        page_times.append(time.monotonic() - started)
                        statuses.append(status)

        pages = recorded(reader_client)
        pages.start()
        time.sleep(1)
        downloads = [recorded(download) for _ in range(10)]
        started = time.monotonic()
        for thread in downloads:
            thread.start()
        for thread in downloads:
            thread.join(620)
        rendered_after = time.monotonic() - started
        time.sleep(2)
        stop.set()
        pages.join(60)
        assert not errors, errors
        assert len(pdfs) == 10 and all(pdf.startswith(b"%PDF") for pdf in pdfs)
        assert len({len(pdf) for pdf in pdfs}) == 1  # one rendering served to all
        assert not [s for s in statuses if s >= 500], statuses
        p95 = statistics.quantiles(page_times, n=20)[-1]
        print(f"\nLKE with 113 notes of 4000 characters: {len(pdfs[0]):,} bytes, downloaded by all 10 clients "
              f"after {rendered_after:.1f} s; other pages: {len(page_times)} requests, "
              f"p50 {statistics.median(page_times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
        assert p95 < 1.0, sorted(page_times)[-10:]
    finally:
        for process in (worker, server):
            process.terminate()
        for process in (worker, server):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        reader.join(10)
        server.stderr.close()
        worker_log.close()
