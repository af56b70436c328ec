"""Evidence screening: ClamAV (a real clamd on a temporary socket, with a local EICAR signature),
PDF active content (refused or flagged), Office members with unsafe paths, oversized images read
from their headers, HTML polyglots; a refused upload stores nothing and says why on the card."""

from __future__ import annotations

import io
import shutil
import socket
import struct
import subprocess
import time
import zipfile

import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from sqlalchemy import select

from tests.web.test_evidence import PDF, count, office, stored_files, upload
from zi_assess.config import ConfigurationError
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Evidence
from zi_assess.sniffing import FileRejected, image_pixels, pdf_active_content, screen_content, sniff

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
INFECTED_PDF = b"%PDF-1.4\n%" + EICAR + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MP = 1_000_000


def pdf(*, open_action=False, attachment=False, launch=False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    if open_action:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    if launch:
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})})
    if attachment:
        writer.add_attachment("a.txt", b"hi")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height) + b"\x08\x02\0\0\0"


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


@pytest.fixture(scope="module")
def clamd(tmp_path_factory):
    """A real clamd on a temporary UNIX socket, its database one local EICAR signature."""
    binary = shutil.which("clamd") or ("/usr/sbin/clamd" if shutil.os.path.exists("/usr/sbin/clamd") else None)
    if binary is None:
        pytest.skip("clamd is not installed (make sysdeps-test installs clamav-daemon)")
    root = tmp_path_factory.mktemp("clamd")
    (root / "db").mkdir()
    (root / "db" / "zi-test.ndb").write_text(f"Zi-Eicar-Test:0:*:{EICAR.hex()}\n")
    sock = root / "clamd.sock"
    (root / "clamd.conf").write_text(f"LocalSocket {sock}\nDatabaseDirectory {root / 'db'}\nForeground yes\n"
                                     f"LogFile {root / 'clamd.log'}\n")
    process = subprocess.Popen([binary, "-c", str(root / "clamd.conf")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(sock))
                    probe.sendall(b"zPING\0")
                    if probe.recv(16).startswith(b"PONG"):
                        break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (root / "clamd.log").read_text()
            time.sleep(0.2)
        yield str(sock)
    finally:
        process.terminate()
        process.wait(timeout=30)


def refused(client, draft, name, content, message, app):
    text = upload(client, draft.id, name, content).get_data(as_text=True)
    assert message in text, text[:3000]
    assert count(Evidence) == 0 and stored_files(app) == []


def test_clamav_refuses_infected_and_stores_clean(app, team, draft, login, clamd):
    app.config["CLAMAV_SOCKET"] = clamd
    client = login(team.operator)
    refused(client, draft, "surat.pdf", INFECTED_PDF, "Pemindai virus menemukan ancaman", app)
    assert "Data dukung ditambahkan" in upload(client, draft.id, "bersih.pdf", PDF).get_data(as_text=True)
    assert count(Evidence) == 1


def test_an_unreachable_scanner_refuses_the_upload(app, team, draft, login, tmp_path):
    app.config["CLAMAV_SOCKET"] = str(tmp_path / "no-clamd.sock")
    refused(login(team.operator), draft, "bersih.pdf", PDF, "belum dapat diperiksa pemindai virus", app)
    app.config["CLAMAV_SOCKET"] = "tcp://127.0.0.1:1"
    refused(login(team.operator), draft, "bersih.pdf", PDF, "belum dapat diperiksa pemindai virus", app)


@pytest.mark.parametrize("kind", ["open_action", "attachment", "launch"])
def test_pdf_active_content_is_refused(app, team, draft, login, kind):
    refused(login(team.operator), draft, "aktif.pdf", pdf(**{kind: True}), "PDF berisi skrip", app)


def test_pdf_active_content_can_be_flagged_instead(app, team, draft, login):
    app.config["PDF_ACTIVE_CONTENT"] = "flag"
    client = login(team.operator)
    assert "Data dukung ditambahkan" in upload(client, draft.id, "aktif.pdf", pdf(open_action=True)).get_data(
        as_text=True)
    added = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.add")).one()
    assert added.after["flags"] == ["pdf:/JS", "pdf:/JavaScript", "pdf:/OpenAction"]


def test_pdf_names_found_by_parsing_and_in_raw_bytes():
    assert pdf_active_content(pdf()) == []
    assert pdf_active_content(pdf(attachment=True)) == ["/EmbeddedFile"]
    assert pdf_active_content(pdf(launch=True)) == ["/Launch"]
    # a PDF pypdf cannot parse is read raw, escaped names included
    raw = PDF.replace(b"<<>>endobj", b"<</OpenAction 2 0 R /S /J#61vaScript>>endobj")
    assert pdf_active_content(raw) == ["/JavaScript", "/OpenAction"]


def test_office_members_with_unsafe_paths_are_refused(app, team, draft, login):
    for member in ("../../etc/cron.d/x", "/abs/path.xml", "word/../../x.xml", "C:/windows/x"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<x/>")
            archive.writestr(member, "x")
        with pytest.raises(FileRejected, match="zip_path"):
            sniff(buffer.getvalue())
    refused(login(team.operator), draft, "laporan.docx", buffer.getvalue(), "lokasi yang tidak aman", app)
    assert sniff(office("docx")) == "docx"


def test_images_are_measured_from_their_header(app, team, draft, login):
    assert image_pixels(io.BytesIO(png(8000, 7000))) == 56 * MP
    assert image_pixels(io.BytesIO(jpeg(10000, 6000))) == 60 * MP
    assert image_pixels(io.BytesIO(b"GIF89a" + struct.pack("<HH", 300, 200) + b"\0" * 8)) == 60000
    assert screen_content(png(7000, 7000), "png", max_pixels=50 * MP) == []
    with pytest.raises(FileRejected, match="too_many_pixels"):
        screen_content(jpeg(10000, 6000), "jpg", max_pixels=50 * MP)
    client = login(team.operator)
    refused(client, draft, "foto.png", png(8000, 7000), "Gambar terlalu besar", app)
    app.config["IMAGE_MAX_MEGAPIXELS"] = 100
    assert "Data dukung ditambahkan" in upload(client, draft.id, "foto.png", png(8000, 7000)).get_data(as_text=True)


def test_html_polyglots_are_refused(app, team, draft, login):
    client = login(team.operator)
    refused(client, draft, "a.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>\n%%EOF\n", "halaman web", app)
    refused(client, draft, "a.png", png(10, 10) + b"\0" * 5000 + b"<script>alert(1)</script>", "halaman web", app)
    refused(client, draft, "a.jpg", jpeg(10, 10)[:-2] + b"<SVG onload=alert(1)>" + b"\xff\xd9", "halaman web", app)


def test_english_reason_on_the_card(app, team, draft, login):
    client = login(team.operator)
    client.post("/bahasa/en")
    text = upload(client, draft.id, "aktif.pdf", pdf(open_action=True)).get_data(as_text=True)
    assert "scripts, automatic actions or embedded files" in text


def test_downloads_are_sandboxed_attachments_and_audited(app, team, draft, login):
    client = login(team.operator)
    upload(client, draft.id, "SK.pdf", PDF)
    evidence = db.session.scalars(select(Evidence)).one()
    with client.get(f"/data-dukung/{evidence.id}/unduh") as download:
        assert download.status_code == 200
        assert download.headers["Content-Security-Policy"] == "sandbox"
        assert download.headers["Content-Disposition"].startswith("attachment;")
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.download")).one()
    assert audited.detail == {"evidence": evidence.id, "file": "SK.pdf"} and audited.actor_id == team.operator.id


def test_pdf_policy_setting_is_checked():
    from zi_assess import config

    cfg = {"PDF_ACTIVE_CONTENT": "maybe"}
    with pytest.raises(ConfigurationError, match="ZI_PDF_ACTIVE_CONTENT"):
        config.check(cfg, "sqlite://")
