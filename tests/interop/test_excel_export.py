"""The LKE workbook: every soal at its PortalRB row/columns, and live formulas that LibreOffice
recomputes to the engine's numbers."""

from __future__ import annotations

import io
import random
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from zi_assess.assessments import operations as ops
from zi_assess.assessments.loading import load_bundle
from zi_assess.assessments.scores import compute_scores
from zi_assess.domain import load_criteria, score
from zi_assess.domain.answers import random_answers
from zi_assess.domain.display import round_half_up
from zi_assess.domain.portalrb_master import load_master, master_path_of
from zi_assess.domain.workflow import LAYERS, Layer
from zi_assess.evidence import operations as evidence_ops
from zi_assess.extensions import db
from zi_assess.interop.excel_import import read_workbook
from zi_assess.interop.layout import layout_for
from zi_assess.interop.lke_formulas import EFFECTIVE, GROUPS, build_lke
from zi_assess.models import AuditEvent

NODE_KINDS = {"total", "component", "aspect", "aspect_area", "sub_area", "hasil_group", "hasil_indicator", "area"}


def _answers(seed: int, quality: float = 0.7) -> dict:
    return random_answers(load_criteria(), random.Random(seed), quality=quality)


def tricky_tpi(criteria) -> dict:
    """An incomplete evaluator layer with every special case of D4/D7."""
    answers = {k: v for i, (k, v) in enumerate(_answers(7, 0.4).items()) if i % 9}  # every 9th left out
    answers.update({
        "R3.iii.a": {"pelanggaran_tahun_sebelumnya": 0, "pelanggaran_tahun_ini": 3, "pelanggaran_disanksi": 1},
        "R5.ii.a": {"pengaduan_harus_ditindaklanjuti": 2, "pengaduan_sedang_diproses": 0, "pengaduan_selesai": 5},
        "R1.i.a": {"jumlah_agen_perubahan": 0, "jumlah_perubahan_dibuat": 4},
        "R5.iii.b": {"lhkasn_administrator": 0, "lhkasn_pengawas": 0, "lhkasn_fungsional_pelaksana": 0,
                     "lhkasn_sudah_melapor": 0},
        "R6.i.b": {"jumlah_layanan_terdaftar": 3, "jumlah_layanan_dipermudah": None},
    })
    answers.pop("H1.a", None)
    for ind in criteria.sub_areas["P1.iv"].indicators:
        answers.pop(ind.id, None)  # a whole sub-area unanswered → 0
    return answers


@pytest.fixture
def reviewed(team, flow, actor_for):
    """Mandiri complete with notes and evidence; TPI partial and tricky; status tpi_review."""
    criteria = load_criteria()
    a = flow.create(team.unit, team.head)
    mandiri = _answers(11)
    items = [ops.AnswerInput(k, v, f"Catatan unit {k}") for k, v in mandiri.items()]
    items[0] = ops.AnswerInput(items[0].indicator_id, items[0].value, '=HYPERLINK("http://evil.example","klik")')
    ops.save_answers(actor_for(team.head), a.id, Layer.MANDIRI, items)
    evidence_ops.add_link(actor_for(team.head), a.id, ["P1.i.a", "R1.i.a"], "https://drive.example/sk-tim", "SK Tim")
    evidence_ops.add_file(actor_for(team.head), a.id, ["P1.i.a"], io.BytesIO(b"%PDF-1.4\n%test\n"), "sk.pdf")
    db.session.commit()
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review")
    tpi = tricky_tpi(criteria)
    ops.save_answers(actor_for(team.tpi), a.id, Layer.TPI,
                     [ops.AnswerInput(k, v, "Catatan TPI" if k.startswith("P2") else "") for k, v in tpi.items()])
    db.session.commit()
    return a, mandiri, tpi


def test_layout_puts_every_soal_at_its_master_row_and_columns():
    criteria = load_criteria()
    layout = layout_for(criteria.id)
    master = load_master(master_path_of(criteria))
    assert len(layout.cells) == 127 == len(master.soals)
    for cell in layout.cells:
        soal = master.soals[cell.soal_id]
        assert (cell.row, cell.answer_unit, cell.note_unit, cell.evidence_unit, cell.answer_tpi, cell.note_tpi) == (
            soal.row, "K", "L", "M", "N", "Q")
        assert cell.soal_id in cell.indicator.soal_ids
    assert [(t.row, t.indicator.id, t.part_rows) for t in layout.totals] == [
        (175, "R5.iii.a", (176, 177, 178)), (182, "R5.iii.b", (183, 184, 185))]
    headings = {h.row: (h.level, h.code) for h in layout.headings}
    assert headings[2] == ("komponen", "") and headings[5] == ("sub_area", "")
    assert headings[125] == ("indicator", "R1.i.a") and headings[174] == ("indicator", "R5.iii.a")
    rows = [c.row for c in layout.cells] + list(headings) + [t.row for t in layout.totals]
    assert len(rows) == len(set(rows))


def test_jawaban_sheet_holds_both_layers_notes_and_evidence_as_text(team, login, reviewed):
    a, mandiri, tpi = reviewed
    response = login(team.tpi_lead).get(f"/penilaian/{a.id}/lke.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert f"LKE-UJI-1-{a.year}.xlsx" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames == ["Jawaban", "LKE", "Skala", "Info"]
    ws = wb["Jawaban"]
    master = load_master(master_path_of(load_criteria()))
    for soal_id, soal in master.soals.items():
        cell = layout_for(load_criteria().id).by_soal[soal_id]
        ind, key = cell.indicator.id, cell.input_key
        assert ws[f"A{soal.row}"].value == soal_id
        for answers, column in ((mandiri, "K"), (tpi, "N")):
            expected = answers.get(ind)
            if key is not None:
                expected = (expected or {}).get(key)
            assert ws[f"{column}{soal.row}"].value == expected, (soal_id, column)
        assert ws[f"L{soal.row}"].value == (f"Catatan unit {ind}" if ind != "P1.i.a" else
                                            '=HYPERLINK("http://evil.example","klik")')
        assert ws[f"L{soal.row}"].data_type == "s"  # a note is never a formula
        assert ws[f"Q{soal.row}"].value == ("Catatan TPI" if ind.startswith("P2") and ind in tpi else None)
    evidence = ws["M6"].value.split("\n")
    assert evidence[0] == "https://drive.example/sk-tim"
    assert evidence[1].startswith("http://localhost/data-dukung/") and evidence[1].endswith("/unduh")
    assert ws["M126"].value == ws["M127"].value == "https://drive.example/sk-tim"  # R1.i.a: both count rows
    assert ws["N1"].value == "Jawaban TPI" and ws["K1"].value == "Jawaban Mandiri"
    assert ws["K175"].value == '=IF(COUNT(K176,K177,K178)<3,"",K176+K177+K178)'
    info = {row[0]: row[2] for row in wb["Info"].iter_rows(values_only=True)}
    assert (info["unit_code"], info["year"], info["unit_layer"], info["evaluator_layer"]) == (
        "UJI-1", a.year, "mandiri", "tpi")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export.lke_xlsx", AuditEvent.assessment_id == a.id)) == 1


@pytest.mark.slow
def test_libreoffice_recomputes_every_lke_value_to_the_engines(team, login, reviewed, libreoffice, tmp_path):
    a, mandiri, tpi = reviewed
    path = tmp_path / "lke.xlsx"
    path.write_bytes(login(team.manager).get(f"/penilaian/{a.id}/lke.xlsx").data)
    recalculated = openpyxl.load_workbook(libreoffice(path), data_only=True)["LKE"]
    criteria = load_criteria()
    sheet = build_lke(criteria, layout_for(criteria.id))
    compared, worst = 0, 0.0
    for answers, column in ((mandiri, "E"), (tpi, "H")):
        engine = score(criteria, answers)
        assert engine.complete == (column == "E")
        for row in sheet.rows:
            if row.kind == "indicator":
                expected = engine.values.get(row.code)
            elif row.kind in NODE_KINDS:
                expected = engine.nodes[row.code].nilai
                if row.kind == "hasil_indicator" and row.code not in engine.values:
                    expected = None
            else:
                continue
            actual = recalculated[f"{column}{row.row}"].value
            if expected is None:
                assert actual in (None, ""), (column, row.code, actual)
                continue
            assert isinstance(actual, (int, float)), (column, row.code, actual)
            assert actual == pytest.approx(expected, abs=1e-6), (column, row.code)
            worst = max(worst, abs(actual - expected))
            compared += 1
    assert compared > 2 * 150 and worst < 1e-6
    total = sheet.row_of("total").row
    assert recalculated[f"F{total}"].value == pytest.approx(score(criteria, mandiri).total, abs=1e-6)


def test_export_needs_view_permission_and_holds_every_layer_in_its_own_columns(team, login, reviewed):
    a, _mandiri, tpi = reviewed
    assert login(team.other_head).get(f"/penilaian/{a.id}/lke.xlsx").status_code == 404
    assert login(team.tpn).get(f"/penilaian/{a.id}/lke.xlsx").status_code == 404  # not proposed yet
    wb = openpyxl.load_workbook(io.BytesIO(login(team.manager).get(f"/penilaian/{a.id}/lke.xlsx").data))
    ws = wb["Jawaban"]
    headers = {col: ws[f"{col}1"].value for col in "KLMNQRSTU"}
    assert headers == {"K": "Jawaban Mandiri", "L": "Catatan Mandiri", "M": "Bukti dukung Mandiri",
                       "N": "Jawaban TPI", "Q": "Catatan TPI", "R": "Jawaban TPN desk", "S": "Catatan TPN desk",
                       "T": "Jawaban TPN lapangan", "U": "Catatan TPN lapangan"}
    assert ws["N7"].value == tpi.get("P1.i.b") and ws["R7"].value is None and ws["T7"].value is None
    info = {row[0]: row[2] for row in wb["Info"].iter_rows(values_only=True)}
    assert {k: v for k, v in info.items() if k.startswith("columns_")} == {
        "columns_mandiri": "K/L", "columns_tpi": "N/Q", "columns_tpn_desk": "R/S", "columns_tpn_lapangan": "T/U"}
    lke = wb["LKE"]
    assert [lke[f"{col}5"].value for col in "DGJMP"] == [
        "Jawaban Mandiri", "Jawaban TPI", "Jawaban TPN desk", "Jawaban TPN lapangan", "Jawaban Efektif"]


#: what each evaluator layer changes (no pre-fill: every later layer answers only these)
TPI_CHANGES = {"P1.i.b": "C", "P2.ii.a": "B", "R1.i.a": {"jumlah_agen_perubahan": 10, "jumlah_perubahan_dibuat": 4},
               "H2.a": 3.1, "P5.iv.a": "C"}
DESK_CHANGES = {"P1.i.b": "B", "H1.a": 3.25, "R5.iii.a": {"lhkpn_kepala_satker": 1, "lhkpn_pejabat_wajib": 6,
                                                           "lhkpn_lainnya": 3, "lhkpn_sudah_melapor": 7},
                "P3.ii.b": "E", "P6.i.a": "C"}
FIELD_CHANGES = {"P2.ii.a": "C", "R6.i.b": {"jumlah_layanan_terdaftar": 9, "jumlah_layanan_dipermudah": 2},
                 "H1.b": "D", "P4.ii.a": "Tidak"}


@pytest.fixture
def decided(team, flow, propose, actor_for):
    """Every layer answered (TPN layers partly, without pre-fill) and decided."""
    mandiri = _answers(21, 0.8)
    a = propose(team.unit, team.head, team.tpi_lead, mandiri=mandiri, tpi=TPI_CHANGES)
    flow.step(team.tpn, a, "start_desk")
    ops.save_answers(actor_for(team.tpn), a.id, Layer.TPN_DESK,
                     [ops.AnswerInput(k, v, f"Catatan desk {k}") for k, v in DESK_CHANGES.items()])
    db.session.commit()
    flow.step(team.tpn, a, "start_field")
    ops.save_answers(actor_for(team.tpn), a.id, Layer.TPN_LAPANGAN,
                     [ops.AnswerInput(k, v, "Hasil kunjungan lapangan.") for k, v in FIELD_CHANGES.items()])
    db.session.commit()
    flow.step(team.national, a, "decide", granted=True, today=date(2026, 12, 9))
    return a


@pytest.mark.slow
def test_libreoffice_computes_the_apps_effective_score_of_a_decided_assessment(team, login, decided, libreoffice,
                                                                              tmp_path):
    path = tmp_path / "lke.xlsx"
    path.write_bytes(login(team.manager).get(f"/penilaian/{decided.id}/lke.xlsx").data)
    recalculated = openpyxl.load_workbook(libreoffice(path), data_only=True)["LKE"]
    criteria = load_criteria()
    bundle = load_bundle(decided.id)
    scores = compute_scores(bundle)
    sheet = build_lke(criteria, layout_for(criteria.id))
    total = sheet.row_of("total").row
    effective_total = recalculated[f"{GROUPS[EFFECTIVE][1]}{total}"].value
    assert round_half_up(effective_total) == round_half_up(scores.effective.total)  # as the app, LHE and PDF show it
    assert round_half_up(effective_total) not in {round_half_up(s.total) for s in scores.layers.values()}
    compared = 0
    for group, (_ans, val, _pct) in GROUPS.items():
        engine = scores.effective if group == EFFECTIVE else score(criteria, bundle.layer_values(Layer(group)))
        for row in sheet.rows:
            if row.kind == "indicator":
                expected = engine.values.get(row.code)
            elif row.kind in NODE_KINDS:
                expected = engine.nodes[row.code].nilai
                if row.kind == "hasil_indicator" and row.code not in engine.values:
                    expected = None
            else:
                continue
            actual = recalculated[f"{val}{row.row}"].value
            if expected is None:
                assert actual in (None, ""), (group, row.code, actual)
                continue
            assert actual == pytest.approx(expected, abs=1e-9), (group, row.code)
            compared += 1
    assert compared > 500  # every node of every group, every indicator each layer answered


def test_the_export_of_every_layer_imports_back_into_each_layer(app, team, login, decided):
    data = login(team.manager).get(f"/penilaian/{decided.id}/lke.xlsx").data
    criteria = load_criteria()
    bundle = load_bundle(decided.id)
    for layer in LAYERS:
        with app.test_request_context():
            report = read_workbook(data, criteria, layout_for(criteria.id), layer, max_bytes=20 * 1024 * 1024)
        assert report.ok, (layer, report.errors)
        read = {k: a.value for k, a in report.answers.items() if a.value is not None}
        assert read == bundle.layer_values(layer), layer
        assert {k: a.note for k, a in report.answers.items() if a.note} == {
            k: a.note for k, a in bundle.layer_answers(layer).items() if a.note}, layer
        assert (report.answer_col, report.note_col) == layout_for(criteria.id).cells[0].columns(layer)


def test_a_tpn_evaluator_edits_their_own_columns_and_imports_them(team, login, flow, propose, actor_for):
    a = propose(team.unit, team.head, team.tpi_lead, tpi={"P1.i.b": "B"})
    flow.step(team.tpn, a, "start_desk")
    client = login(team.tpn)
    assert "dari kolom R (jawaban) dan S (catatan)" in client.get(f"/penilaian/{a.id}/impor").get_data(as_text=True)
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/penilaian/{a.id}/lke.xlsx").data))
    ws = wb["Jawaban"]
    assert ws["N7"].value == "B" and ws["R7"].value is None
    ws["R7"], ws["S7"], ws["N7"] = "c", "Tidak ada seleksi.", "A"
    out = io.BytesIO()
    wb.save(out)
    boundary = "zi-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"workbook\"; filename=\"lke.xlsx\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + out.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(f"/penilaian/{a.id}/impor", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    assert client.post(response.location).status_code == 302
    bundle = load_bundle(a.id)
    assert bundle.layer_values(Layer.TPN_DESK) == {"P1.i.b": "C"}
    assert bundle.layer_answers(Layer.TPN_DESK)["P1.i.b"].note == "Tidak ada seleksi."
    assert bundle.layer_values(Layer.TPI) == {"P1.i.b": "B"}  # column N is TPI's: not read
