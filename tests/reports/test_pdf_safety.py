"""The one PDF helper: fonts from the package, nothing fetched from anywhere else, user text escaped."""

from __future__ import annotations

import ast
import socket
import threading
from pathlib import Path

import pytest

from tests.reports import pdfutil
from zi_assess.domain.workflow import Layer
from zi_assess.reports import pdf as pdfmod
from zi_assess.reports.pdf import STATIC_ROOT, STATIC_URL, RefusedURL, StaticOnlyFetcher, render_pdf

SYSTEM_FILE = Path("/etc/passwd")
SECRET_MARK = SYSTEM_FILE.read_text().splitlines()[0]  # "root:x:0:0:root:/root:/bin/bash"


class Listener:
    """A TCP server on 127.0.0.1 that counts connections (a would-be SSRF target)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def no_network(monkeypatch):
    """Record every outgoing connection attempt made while rendering."""
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        attempts.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def hostile_html(port: int) -> str:
    system = SYSTEM_FILE.as_uri()
    return f"""<!doctype html><html><head>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">
      <link rel="stylesheet" href="http://127.0.0.1:9/">
      <link rel="attachment" href="{system}">
      <style>@import url("{system}"); body {{ background: url("http://127.0.0.1:{port}/bg.png"); }}</style>
      </head><body><p>visible text</p>
      <img src="{system}"><img src="http://127.0.0.1:9/"><img src="http://127.0.0.1:{port}/i.png">
      <img src="{STATIC_URL}../reports/pdf.py"><img src="file:///{STATIC_ROOT}/../../setup.cfg">
      <a rel="attachment" href="{system}">a</a></body></html>"""


def test_fetcher_serves_static_files_only():
    fetcher = StaticOnlyFetcher()
    font = fetcher.fetch(STATIC_URL + "fonts/DejaVuSansCondensed-Latin.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00" and font.content_type == "font/ttf"
    for url in (SYSTEM_FILE.as_uri(), "http://127.0.0.1:9/", "https://example.org/a.css", "ftp://127.0.0.1/x",
                "data:text/css,body{}", "file://otherhost/etc/passwd", STATIC_URL + "../reports/pdf.py",
                STATIC_URL + "%2e%2e/%2e%2e/setup.cfg", STATIC_URL + "css/../../config.py", "zi-static:fonts/x.ttf"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_fetcher_follows_no_symbolic_link_out_of_its_folder(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "inside.css").write_text("p { color: red }")
    (root / "escape.css").symlink_to(SYSTEM_FILE)
    fetcher = StaticOnlyFetcher(root)
    assert fetcher.fetch((root / "inside.css").as_uri()).read() == b"p { color: red }"
    with pytest.raises(RefusedURL):
        fetcher.fetch((root / "escape.css").as_uri())


def test_raw_hostile_html_fetches_nothing_and_embeds_nothing(listener, no_network):
    pdf = render_pdf(hostile_html(listener.port), stylesheets=["p { color: #123456 }"])
    assert pdf.startswith(b"%PDF") and "visible text" in pdfutil.text(pdf)
    assert listener.connections == 0 and no_network == []
    assert pdfutil.attachments(pdf) == {}
    content = pdfutil.streams(pdf)
    assert SECRET_MARK.encode() not in content and b"[options]" not in content


def test_a_note_with_markup_is_printed_as_text_and_fetches_nothing(team, flow, fill, best_answers, login, listener,
                                                                      no_network):
    note = (f'<img src="{SYSTEM_FILE.as_uri()}"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
            f'<link rel="attachment" href="{SYSTEM_FILE.as_uri()}"><img src="http://127.0.0.1:{listener.port}/">')
    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, best_answers | {"P1.i.b": "B"}, {"P1.i.b": note})
    client = login(team.operator)
    no_network.clear()  # logging in and saving touch nothing outside, but start counting from here
    for kind in ("lhe", "lke"):
        pdf = client.get(f"/penilaian/{a.id}/{kind}.pdf").data
        text = pdfutil.text(pdf)
        assert '<img src="file:///etc/passwd">' in text  # shown as typed
        assert SECRET_MARK.encode() not in pdfutil.streams(pdf) and pdfutil.attachments(pdf) == {}
    assert listener.connections == 0
    assert [address for address in no_network if address[0] == "127.0.0.1"] == []


def test_reports_use_the_shipped_fonts(monkeypatch):
    fetched = []
    real_fetch = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    monkeypatch.setattr(pdfmod, "_STYLES", {})
    css = (Path(__file__).resolve().parents[2] / "templates" / "reports" / "report.css").read_text()
    pdf = render_pdf("<p>Nilai 95,63</p>", stylesheets=[css])
    assert {Path(u).name for u in fetched} == {"DejaVuSansCondensed-Latin.ttf", "DejaVuSansCondensed-Bold-Latin.ttf"}
    fonts = {str(f.get_object()["/BaseFont"]) for page in pdfutil.reader(pdf).pages
             for f in page["/Resources"]["/Font"].values()}
    assert fonts and all("ZI-Sans" in name for name in fonts)  # our @font-face family, no system font
    licence = STATIC_ROOT / "fonts" / "LICENSE.txt"
    assert "Bitstream" in licence.read_text()


def test_only_the_pdf_helper_imports_weasyprint():
    package = Path(__file__).resolve().parents[2] / "zi_assess"
    importers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] == "weasyprint" for name in names):
                importers.add(path.relative_to(package).as_posix())
    assert importers == {"reports/pdf.py"}
