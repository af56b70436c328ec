"""Importing an LKE workbook: tolerant of real files, honest in its report, all or nothing, idempotent, audited."""

from __future__ import annotations

import html
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from zi_assess.assessments.loading import load_bundle
from zi_assess.assessments.scores import compute_scores
from zi_assess.domain import load_criteria
from zi_assess.domain.answers import best_answers
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import Answer, AuditEvent, CurrentScore

#: areas 1–3 (pemenuhan and reform) and most of area 4 pemenuhan: indicators are ordered area by area
FIRST_60 = dict(list(best_answers(load_criteria()).items())[:60])


@pytest.fixture
def draft(team, flow):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI, FIRST_60)
    return a


def workbook(client, a) -> openpyxl.Workbook:
    response = client.get(f"/penilaian/{a.id}/lke.xlsx")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def as_bytes(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, a, data: bytes, name: str = "lke.xlsx"):
    """POST the file as a browser does (the body is built here: the test client's own multipart
    encoder leaves a temporary file open for large bodies)."""
    boundary = "zi-test-boundary-7MA4YWxkTrZu0gW"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"workbook\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n")
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(f"/penilaian/{a.id}/impor", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def layer_values(a, layer=Layer.MANDIRI) -> dict:
    return load_bundle(a.id).layer_values(layer)


def answer_state(a) -> list:
    return [tuple(r) for r in db.session.execute(
        select(Answer.indicator_id, Answer.layer, Answer.value, Answer.note, Answer.version)
        .where(Answer.assessment_id == a.id).order_by(Answer.indicator_id, Answer.layer))]


def audit_count(*actions) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.in_(actions)))


def fill_rest(ws) -> None:
    """Answer everything the draft left open, the way people type it."""
    for row in range(2, ws.max_row + 1):
        soal, kind, target = ws[f"A{row}"].value, ws[f"D{row}"].value, ws[f"K{row}"]
        if not isinstance(soal, int) or target.value is not None:
            continue
        if kind == "Jumlah":
            target.value = 4
        elif kind == "Nilai (0-4)":
            target.value = 3.5
        else:
            target.value = ws[f"E{row}"].value.split(" / ")[0].lower()  # "ya", "a"


def test_round_trip_goes_through_save_answers_once_and_a_second_import_changes_nothing(team, login, draft, tmp_path):
    client = login(team.operator)
    wb = workbook(client, draft)
    ws = wb["Jawaban"]
    fill_rest(ws)
    ws["K7"] = "C"  # P1.i.b changed from A
    ws["L7"] = "Dipilih tanpa seleksi."
    data = as_bytes(wb)
    response = upload(client, draft, data)
    assert response.status_code == 302 and "/impor/" in response.location
    assert len(list((tmp_path / "store" / "imports").glob("*.xlsx"))) == 1
    page = client.get(response.location).get_data(as_text=True)
    assert "Konfirmasi impor" in page and "53 baru, 1 berubah, 0 catatan" in page
    before = audit_count("answer.change", "answer.note")
    last_event = db.session.scalar(select(func.max(AuditEvent.id)))
    done = client.post(response.location)
    assert done.status_code == 302
    assert not list((tmp_path / "store" / "imports").glob("*"))  # the upload is gone once imported
    values = layer_values(draft)
    assert len(values) == 113 and values["P1.i.b"] == "C" and values["P1.i.a"] == "Ya" and values["H1.a"] == 3.5
    assert values["R1.i.a"] == {"jumlah_agen_perubahan": 1, "jumlah_perubahan_dibuat": 1}  # unchanged
    assert values["R6.i.b"] == {"jumlah_layanan_terdaftar": 4, "jumlah_layanan_dipermudah": 4}
    assert load_bundle(draft.id).layer_answers(Layer.MANDIRI)["P1.i.b"].note == "Dipilih tanpa seleksi."
    assert audit_count("answer.change", "answer.note") - before == 54
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "answer.import"))
    assert event.layer == "mandiri" and len(event.detail["changed"]) == 54 and event.actor_email == team.operator.email
    changed = set(db.session.scalars(select(AuditEvent.indicator_id).where(
        AuditEvent.action.in_(("answer.change", "answer.note")), AuditEvent.id > last_event)))
    assert changed == set(event.detail["changed"])
    stored = db.session.get(CurrentScore, (draft.id, "mandiri"))
    assert stored.complete and stored.total == pytest.approx(compute_scores(load_bundle(draft.id)).effective.total)

    state, audits = answer_state(draft), audit_count("answer.change", "answer.note", "answer.import")
    again = upload(client, draft, data)
    assert "Semua jawaban di berkas sudah sama" in client.get(again.location).get_data(as_text=True)
    flashed = client.post(again.location, follow_redirects=True).get_data(as_text=True)
    assert "Tidak ada perubahan" in flashed
    assert answer_state(draft) == state
    assert audit_count("answer.change", "answer.note", "answer.import") == audits


def test_mixed_case_an_inserted_row_and_a_typed_total_are_read_and_reported(team, login, draft):
    client = login(team.operator)
    wb = workbook(client, draft)
    ws = wb["Jawaban"]
    ws["K7"] = "  b "
    for row, value in ((176, 1), (177, 2), (178, 3), (179, 5)):
        ws[f"K{row}"] = value
    ws["K175"] = 6  # typed instead of the formula, and right
    ws.insert_rows(40)  # a blank row in the middle moves every later soal down
    response = upload(client, draft, as_bytes(wb))
    page = client.get(response.location).get_data(as_text=True)
    assert "Soal 25–127 berada 1 baris di bawah posisi resmi" in page
    assert "Jumlah yang harus melaporkan diketik (6), bukan rumus" in page
    assert client.post(response.location).status_code == 302
    values = layer_values(draft)
    assert values["P1.i.b"] == "B"
    assert values["R5.iii.a"] == {"lhkpn_kepala_satker": 1, "lhkpn_pejabat_wajib": 2, "lhkpn_lainnya": 3,
                                  "lhkpn_sudah_melapor": 5}


def _delete_soal_row(wb):
    wb["Jawaban"].delete_rows(15)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda wb: wb["Jawaban"].__setitem__("K7", "F"), "&#39;F&#39; bukan pilihan jawaban soal ini (A, B, C)."),
        (lambda wb: wb["Jawaban"].__setitem__("K126", "dua"), "&#39;dua&#39; bukan jumlah yang sah"),
        (lambda wb: wb["Jawaban"].__setitem__("K126", 2.5), "&#39;2.5&#39; bukan jumlah yang sah"),
        (lambda wb: wb["Jawaban"].__setitem__("K126", -1), "&#39;-1&#39; bukan jumlah yang sah"),
        (lambda wb: wb["Jawaban"].__setitem__("K199", "tinggi"), "&#39;tinggi&#39; bukan nilai survei yang sah (0–4)."),
        (lambda wb: wb["Jawaban"].__setitem__("K199", 4.5), "&#39;4.5&#39; bukan nilai survei yang sah"),
        (lambda wb: wb["Jawaban"].__setitem__("K7", "=A1"), "Sel jawaban berisi rumus"),
        (lambda wb: [wb["Jawaban"].__setitem__(f"K{r}", v) for r, v in ((176, 1), (177, 1), (178, 1), (179, 3), (175, 4))],
         "Jumlah yang harus melaporkan diketik 4, tetapi rinciannya berjumlah 3."),
        (lambda wb: wb["LKE"].__setitem__("E6", 99.5), "Rumus LKE!E6 (total) ditimpa dengan 99.5"),
        (lambda wb: wb["Info"].__setitem__("C2", "LAIN-1"), "Berkas ini milik unit LAIN-1, bukan UJI-1."),
        (_delete_soal_row, "Baris soal 8 (P1.iii.c) tidak ditemukan"),
        (lambda wb: wb["Jawaban"].__setitem__("L7", "catatan " * 501), ": catatan terlalu panjang; paling banyak 4000 karakter."),
    ],
)
def test_any_error_imports_nothing(team, login, draft, tmp_path, edit, message):
    client = login(team.operator)
    wb = workbook(client, draft)
    fill_rest(wb["Jawaban"])
    edit(wb)
    state, audits = answer_state(draft), audit_count("answer.change", "answer.note", "answer.import")
    response = upload(client, draft, as_bytes(wb))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tidak ada yang diimpor" in page and message in page
    assert "Impor sekarang" not in page
    assert answer_state(draft) == state
    assert audit_count("answer.change", "answer.note", "answer.import") == audits
    assert not list((tmp_path / "store" / "imports").glob("*.xlsx"))  # a refused file is not kept


def test_warnings_do_not_block_and_say_what_happened(team, login, draft):
    client = login(team.operator)
    wb = workbook(client, draft)
    ws = wb["Jawaban"]
    ws["K169"], ws["K170"], ws["K171"] = 2, 0, 5  # R5.ii.a: selesai above harus
    ws["K191"] = 3  # R6.i.b: one count of two
    wb["LKE"]["E10"] = 0.5  # P1.i typed over with its own value
    response = upload(client, draft, as_bytes(wb))
    page = client.get(response.location).get_data(as_text=True)
    assert "Pembilang melebihi penyebut; nilai dibatasi 100 %" in page
    assert "Jumlah belum lengkap (1 dari 2)" in page
    assert "Rumus LKE!E10 (P1.i) ditimpa dengan nilai ketikan" in page
    assert "indikator belum dijawab di berkas; jawaban yang tersimpan untuk indikator itu tidak diubah." in page
    assert "H1.a (Jawaban!K199)" in page  # each missing answer is listed with its cell
    assert client.post(response.location).status_code == 302
    values = layer_values(draft)
    assert values["R5.ii.a"]["pengaduan_selesai"] == 5 and values["R6.i.b"] == {"jumlah_layanan_terdaftar": 3}
    assert values["P1.i.a"] == "Ya"  # blank cells never delete


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _other_layout() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active["A1"] = "nama"
    return as_bytes(wb)


def _jawaban_without_ids() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Jawaban"
    for row in range(6, 200):
        wb.active[f"K{row}"] = "A"
    return as_bytes(wb)


CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.4\n%%EOF", "lke.xlsx", "bukan buku kerja Excel .xlsx"),
        (CFB + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le"), "lke.xlsx",
         "dilindungi kata sandi"),
        (CFB + "Workbook".encode("utf-16-le"), "lke.xls", "format Excel lama (.xls)"),
        (_zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>", "xl/vbaProject.bin": b"x"}), "lke.xlsm",
         "berisi makro"),
        (_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}), "lke.xlsx", "bukan buku kerja Excel .xlsx"),
        (b"PK\x03\x04 broken", "lke.xlsx", "rusak atau tidak dapat dibaca"),
        (_other_layout(), "lke.xlsx", "tidak memuat lembar &#34;Jawaban&#34; dengan tata letak LKE PortalRB"),
        (_jawaban_without_ids(), "lke.xlsx", "tata letak LKE PortalRB"),
        (b"", "lke.xlsx", "Berkas kosong."),
        (b"PK\x03\x04" + b"\0" * (20 * 1024 * 1024), "lke.xlsx", "Berkas lebih besar dari 20 MB"),
    ],
)
def test_bad_files_get_a_clear_message_and_change_nothing(team, login, draft, tmp_path, data, name, message):
    client = login(team.operator)
    state = answer_state(draft)
    response = upload(client, draft, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert answer_state(draft) == state
    assert not (tmp_path / "store" / "imports").exists() or not list((tmp_path / "store" / "imports").iterdir())


def test_a_body_over_the_upload_limit_is_refused_before_reading(team, login, draft):
    body = b"x" * (22 * 1024 * 1024)  # raw bytes: the test client keeps them in memory
    response = login(team.operator).post(f"/penilaian/{draft.id}/impor", data=body,
                                         content_type="multipart/form-data; boundary=zz")
    assert response.status_code == 413 and "20 MB" in response.get_data(as_text=True)


def test_only_the_editable_layer_by_its_roles(team, login, flow, draft, best_answers):
    for user, status in ((team.tpi, 403), (team.manager, 403), (team.other_head, 404)):
        assert login(user).get(f"/penilaian/{draft.id}/impor").status_code == status
    flow.fill(team.operator, draft, Layer.MANDIRI, best_answers)
    flow.step(team.head, draft, "submit")
    flow.step(team.tpi_lead, draft, "start_tpi_review")
    assert login(team.operator).get(f"/penilaian/{draft.id}/impor").status_code == 403
    client = login(team.tpi)
    page = client.get(f"/penilaian/{draft.id}/impor").get_data(as_text=True)
    assert "dari kolom N (jawaban) dan Q (catatan)" in page
    wb = workbook(client, draft)
    ws = wb["Jawaban"]
    ws["N7"], ws["Q7"], ws["K6"] = "B", "Hanya sebagian unsur.", "Tidak"
    response = upload(client, draft, as_bytes(wb))
    assert client.post(response.location).status_code == 302
    assert layer_values(draft, Layer.TPI) == {"P1.i.b": "B"}
    assert layer_values(draft)["P1.i.a"] == "Ya"  # column K is the unit's: not read for the TPI layer


def test_a_change_after_the_report_was_shown_imports_nothing(team, login, flow, draft):
    client = login(team.operator)
    wb = workbook(client, draft)
    wb["Jawaban"]["K7"] = "C"
    response = upload(client, draft, as_bytes(wb))
    flow.fill(team.head, draft, Layer.MANDIRI, {"P1.i.b": "B"})  # someone else saves meanwhile
    page = client.post(response.location, follow_redirects=True).get_data(as_text=True)
    assert "Tidak ada yang diimpor: 1 jawaban diubah orang lain" in page
    assert layer_values(draft)["P1.i.b"] == "B"


def test_an_upload_belongs_to_its_user_expires_and_can_be_cancelled(app, team, login, draft, tmp_path):
    client = login(team.operator)
    data = as_bytes(workbook(client, draft))
    location = upload(client, draft, data).location
    stranger = login(team.head).get(location, follow_redirects=True).get_data(as_text=True)
    assert "Unggahan tidak ditemukan atau sudah kedaluwarsa" in stranger
    assert client.post(location + "/batal").status_code == 302
    assert not list(Path(tmp_path / "store" / "imports").glob("*"))
    location = upload(client, draft, data).location
    app.config["IMPORT_TTL_MINUTES"] = 0
    assert "sudah kedaluwarsa" in client.get(location, follow_redirects=True).get_data(as_text=True)


def test_a_blank_count_cell_keeps_the_stored_count(team, login, flow, draft):
    flow.fill(team.operator, draft, Layer.MANDIRI,
              {"R6.i.b": {"jumlah_layanan_terdaftar": 4, "jumlah_layanan_dipermudah": 4}})
    client = login(team.operator)
    wb = workbook(client, draft)
    ws = wb["Jawaban"]
    assert (ws["K191"].value, ws["K192"].value) == (4, 4)
    ws["K191"], ws["K192"] = 5, None  # one count changed, the other cleared
    response = upload(client, draft, as_bytes(wb))
    assert client.post(response.location).status_code == 302
    assert layer_values(draft)["R6.i.b"] == {"jumlah_layanan_terdaftar": 5, "jumlah_layanan_dipermudah": 4}


@pytest.mark.parametrize("typed", ["1.000", "1,000", "2.5"])
def test_a_count_typed_as_text_with_separators_is_refused(team, login, draft, typed):
    client = login(team.operator)
    before = answer_state(draft)
    wb = workbook(client, draft)
    wb["Jawaban"]["K191"] = typed
    response = upload(client, draft, as_bytes(wb))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f"'{typed}' bukan jumlah yang sah: isi bilangan bulat 0 atau lebih, tanpa pemisah ribuan." in page
    assert answer_state(draft) == before


def test_numbers_typed_as_text_are_read_with_a_warning_naming_the_cell(team, login, draft):
    client = login(team.operator)
    wb = workbook(client, draft)
    wb["Jawaban"]["K191"], wb["Jawaban"]["K192"], wb["Jawaban"]["K199"] = "12", 9, "3,72"
    response = upload(client, draft, as_bytes(wb))
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    for cell, raw, read in (("Jawaban!K191", "12", "12"), ("Jawaban!K199", "3,72", "3.72")):
        assert (f"{cell} berisi angka yang diketik sebagai teks ('{raw}'); zi-assess membacanya sebagai {read}, "
                "tetapi Excel tidak menghitungnya") in page
    assert client.post(response.location).status_code == 302
    values = layer_values(draft)
    assert values["R6.i.b"] == {"jumlah_layanan_terdaftar": 12, "jumlah_layanan_dipermudah": 9}
    assert values["H1.a"] == 3.72


def test_evidence_links_of_column_m_are_imported_once(team, login, draft, actor_for):
    from zi_assess.evidence import operations as evidence_ops
    from zi_assess.interop.layout import layout_for
    from zi_assess.models import Evidence, EvidenceLink

    actor = actor_for(team.operator)
    evidence_ops.add_link(actor, draft.id, ["P1.i.a"], "https://drive.example/sk-tim", "SK Tim")
    evidence_ops.add_file(actor, draft.id, ["P1.i.a"], io.BytesIO(b"%PDF-1.4\n%test\n"), "sk.pdf")
    db.session.commit()
    row = {ind: layout_for(load_criteria().id).indicator_cells(ind)[0].row for ind in ("P1.i.b", "P1.ii.a", "P1.ii.b")}
    client = login(team.operator)
    wb = workbook(client, draft)
    ws = wb["Jawaban"]
    own_file = ws["M6"].value.split("\n")[1]
    assert own_file.endswith("/unduh")
    ws[f"M{row['P1.i.b']}"] = f"https://drive.example/sk-tim\n{own_file}"  # both already exist: attached
    ws[f"M{row['P1.ii.a']}"] = "Rencana kerja: https://drive.example/renja."  # a new link, titled by its text
    ws[f"M{row['P1.ii.b']}"] = "renja-final.docx"  # no link: cannot become evidence
    response = upload(client, draft, as_bytes(wb))
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert f"Jawaban!M{row['P1.ii.b']}" in page and "Bukti dukung 'renja-final.docx' bukan tautan http(s)" in page
    assert client.post(response.location).status_code == 302

    def links() -> list[tuple]:
        return [tuple(r) for r in db.session.execute(
            select(Evidence.url, Evidence.filename, Evidence.title, EvidenceLink.indicator_id).join(EvidenceLink)
            .where(Evidence.assessment_id == draft.id).order_by(Evidence.id, EvidenceLink.indicator_id))]

    assert links() == [
        ("https://drive.example/sk-tim", None, "SK Tim", "P1.i.a"), ("https://drive.example/sk-tim", None, "SK Tim", "P1.i.b"),
        (None, "sk.pdf", "sk.pdf", "P1.i.a"), (None, "sk.pdf", "sk.pdf", "P1.i.b"),
        ("https://drive.example/renja", None, "Rencana kerja", "P1.ii.a")]
    before = links()
    again = upload(client, draft, as_bytes(wb))
    assert "Bukti dukung yang akan ditautkan" not in client.get(again.location).get_data(as_text=True)
    client.post(again.location)
    assert links() == before


def _row_of(ws, indicator_id: str) -> int:
    return next(row for row in range(2, ws.max_row + 1)
                if indicator_id in {cell.value for cell in ws[row][:4]})


def test_a_survey_score_of_zero_is_imported_and_exported_as_an_answer(team, login, draft):
    client = login(team.operator)
    wb = workbook(client, draft)
    ws = wb["Jawaban"]
    fill_rest(ws)
    h1a, h2a = _row_of(ws, "H1.a"), _row_of(ws, "H2.a")
    ws[f"K{h1a}"], ws[f"K{h2a}"] = 0, "0"  # a number, and a number typed as text
    response = upload(client, draft, as_bytes(wb))
    page = client.get(response.location).get_data(as_text=True)
    assert "H1.a (K" not in page  # not listed as unanswered
    assert client.post(response.location).status_code == 302
    values = layer_values(draft)
    assert values["H1.a"] == 0.0 and values["H2.a"] == 0.0 and len(values) == 113
    again = workbook(client, draft)["Jawaban"]
    assert again[f"K{h1a}"].value == 0 and again[f"K{h2a}"].value == 0
