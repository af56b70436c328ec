"""Evidence uploads: real type checks, one copy per content, permission on download, 413."""

from __future__ import annotations

import gc
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from zi_assess.extensions import db
from zi_assess.models import Evidence, EvidenceBlob

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def office(kind: str, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml" if kind == "xlsx" else "word/document.xml", "<x/>")
        if macro:
            archive.writestr("word/vbaProject.bin", b"\x00macro")
    return buffer.getvalue()


def upload(client, assessment_id, filename, content, indicator="P1.i.a", **extra):
    key = indicator.replace(".", "_")
    data = {"indicator": indicator, "area": "1", f"{key}-title": extra.pop("title", ""),
            f"{key}-file": (io.BytesIO(content), filename), **extra}
    return client.post(f"/penilaian/{assessment_id}/data-dukung", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def stored_files(app) -> list[Path]:
    root = Path(app.config["STORAGE_PATH"]) / "evidence"
    return [p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts]


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_upload_pdf_once_per_content_and_download_as_attachment(app, team, draft, login):
    client = login(team.operator)
    response = upload(client, draft.id, "SK Tim ZI.pdf", PDF, title="SK Tim ZI")
    assert "Data dukung ditambahkan ke indikator P1.i.a" in response.get_data(as_text=True)
    upload(client, draft.id, "salinan.pdf", PDF, indicator="P1.i.b")  # same content again
    assert count(Evidence) == 2 and count(EvidenceBlob) == 1 and len(stored_files(app)) == 1
    evidence = db.session.scalars(select(Evidence).order_by(Evidence.id)).first()
    page = client.get(f"/penilaian/{draft.id}/area/1").get_data(as_text=True)
    assert "SK Tim ZI" in page and f"/data-dukung/{evidence.id}/unduh" in page
    with client.get(f"/data-dukung/{evidence.id}/unduh") as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    # another unit's user cannot fetch it, even knowing the id
    assert login(team.other_head).get(f"/data-dukung/{evidence.id}/unduh").status_code == 404
    with login(team.manager).get(f"/data-dukung/{evidence.id}/unduh") as download:
        assert download.status_code == 200


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("virus.pdf", b"MZ\x90\x00this is an exe", "Jenis berkas tidak didukung"),
        ("gambar.pdf", PNG, "Isi berkas tidak sesuai dengan ekstensinya"),
        ("laporan.docm", office("docx", macro=True), "makro"),
        ("laporan.docx", office("docx", macro=True), "makro"),
        ("lama.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Format Office lama"),
        ("kosong.pdf", b"", "Berkas kosong"),
        ("tabel.docx", office("xlsx"), "tidak sesuai dengan ekstensinya"),
    ],
)
def test_rejected_uploads_store_nothing(app, team, draft, login, filename, content, message):
    response = upload(login(team.operator), draft.id, filename, content)
    assert message in response.get_data(as_text=True)
    assert count(Evidence) == 0 and count(EvidenceBlob) == 0 and stored_files(app) == []


def test_accepted_types(app, team, draft, login):
    client = login(team.operator)
    for name, content in (("foto.PNG", PNG), ("foto.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
                          ("rekap.xlsx", office("xlsx")), ("notulen.docx", office("docx"))):
        assert "Data dukung ditambahkan" in upload(client, draft.id, name, content).get_data(as_text=True), name
    assert count(Evidence) == 4


@pytest.fixture
def app_config(app_config):
    return app_config | {"UPLOAD_MAX_MB": 1}


# Werkzeug's test client spools large request bodies to temporary files and leaves a body the app
# refused unread to the garbage collector: a test-client artifact, collected here.
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_too_large_is_shown_on_the_card_and_stores_nothing(app, team, draft, login):
    """No 413 dead end: the refusal is shown on the indicator's card of the area page."""
    client = login(team.operator)
    big = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    # the page's upload button names the card in the query string: the body is never read
    response = client.post(f"/penilaian/{draft.id}/data-dukung?indicator=P1.i.a&area=1",
                           data={"indicator": "P1.i.a", "area": "1", "P1_i_a-title": "SK besar",
                                 "P1_i_a-file": (io.BytesIO(big), "besar.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("/area/1#ind-P1_i_a")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    card = page[page.index('id="ind-P1_i_a"'):page.index('id="ind-P1_i_b"')]
    assert "Berkas melebihi batas ukuran unggahan." in card and "<details class=\"add-evidence\" open" in card
    just_over = b"%PDF-1.4\n" + b"0" * (1024 * 1024)  # over the file limit, under the request limit
    response = upload(client, draft.id, "besar.pdf", just_over, title="SK hampir")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    card = body[body.index('id="ind-P1_i_a"'):body.index('id="ind-P1_i_b"')]
    assert "melebihi batas ukuran" in card and 'value="SK hampir"' in card  # the typed title is kept
    assert count(Evidence) == 0 and stored_files(app) == []
    del response
    gc.collect()


def test_links_attach_detach_and_filename_cleaning(app, team, draft, login):
    client = login(team.operator)
    link = client.post(f"/penilaian/{draft.id}/data-dukung", data={
        "indicator": "P1.i.a", "area": "1", "P1_i_a-url": "https://drive.example.go.id/folder/zi",
        "P1_i_a-title": "Folder bukti"}, follow_redirects=True)
    assert "Data dukung ditambahkan" in link.get_data(as_text=True)
    bad = client.post(f"/penilaian/{draft.id}/data-dukung", data={
        "indicator": "P1.i.a", "area": "1", "P1_i_a-url": "javascript:alert(1)"}, follow_redirects=True)
    assert "Tautan tidak valid" in bad.get_data(as_text=True)
    upload(client, draft.id, "..\\..\\laporan\u202egpj.pdf", PDF)
    stored = db.session.scalars(select(Evidence).where(Evidence.filename.is_not(None))).one()
    assert stored.filename == "laporangpj.pdf"
    attach = client.post(f"/penilaian/{draft.id}/data-dukung/lampirkan", data={
        "indicator": "P1.ii.a", "evidence": stored.id, "area": "1"})
    assert attach.status_code == 302
    db.session.expire_all()
    assert sorted(link.indicator_id for link in db.session.get(Evidence, stored.id).links) == ["P1.i.a", "P1.ii.a"]
    client.post(f"/penilaian/{draft.id}/data-dukung/lepas", data={"detach": f"{stored.id}:P1.i.a", "area": "1"})
    client.post(f"/penilaian/{draft.id}/data-dukung/lepas", data={"detach": f"{stored.id}:P1.ii.a", "area": "1"})
    db.session.expire_all()
    assert db.session.get(Evidence, stored.id).removed_at is not None
    assert login(team.manager).post(f"/penilaian/{draft.id}/data-dukung", data={
        "indicator": "P1.i.a", "P1_i_a-url": "https://x.example"}).status_code == 403


def test_a_refused_link_keeps_what_was_typed_once(app, team, draft, login):
    client = login(team.operator)
    typed = {"indicator": "P1.i.b", "area": "1", "P1_i_b-url": "ftp://arsip.example.go.id/sk-tim",
             "P1_i_b-title": "SK Tim ZI 2026"}
    page = client.post(f"/penilaian/{draft.id}/data-dukung", data=typed, follow_redirects=True).get_data(
        as_text=True)
    assert "Tautan tidak valid" in page
    assert 'value="ftp://arsip.example.go.id/sk-tim"' in page and 'value="SK Tim ZI 2026"' in page
    assert count(Evidence) == 0
    again = client.get(f"/penilaian/{draft.id}/area/1").get_data(as_text=True)
    assert "ftp://arsip.example.go.id/sk-tim" not in again  # shown once, then the cached page again
    refused_file = upload(client, draft.id, "makro.docm", office("docx", macro=True), indicator="P1.i.b",
                          title="Notulen rapat").get_data(as_text=True)
    assert 'value="Notulen rapat"' in refused_file and count(Evidence) == 0


@pytest.mark.parametrize("evidence", ["abc", "", "-1"])
def test_attach_with_a_bad_evidence_value_is_refused(app, team, draft, login, evidence):
    response = login(team.operator).post(f"/penilaian/{draft.id}/data-dukung/lampirkan", data={
        "indicator": "P1.ii.a", "evidence": evidence, "area": "1"})
    assert response.status_code == 400
