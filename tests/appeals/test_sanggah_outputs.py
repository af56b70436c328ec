"""The sanggah in the outputs: the LHE's sanggah section (draft while open, stored apart once
decided), the history sentences of every step, the workbook's sanggah sheet, and the PortalRB API
(whose contract has no field for it: it stays as it was)."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.appeals.conftest import open_window
from zi_assess.appeals import operations as ops
from zi_assess.extensions import db
from zi_assess.models import StoredReport


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return re.sub(r"\s+", " ", out.decode())


@pytest.fixture
def filed(refused, team, actor_for):
    """The refused LKE's sanggah on two indicators, filed on 2026-12-05 inside the window."""
    open_window(date(2026, 12, 1), date(2026, 12, 31))
    ops.file_appeal(actor_for(team.head), refused.id, "SOP sudah ditetapkan sebelum penilaian lapangan.", [
        ops.ItemInput("P2.ii.b", "SK penetapan SOP terlampir.", ("https://drive.example.go.id/sk-sop",)),
        ops.ItemInput("P2.ii.c", "Evaluasi SOP dilakukan triwulanan."),
    ], today=date(2026, 12, 5))
    db.session.commit()
    return ops.appeal_of(refused.id)


def _answer_all(team, actor_for, appeal, refused):
    first, second = appeal.items
    ops.respond(actor_for(team.tpn), refused.id, first.id, "SK sah; jawaban dinaikkan.", "A")
    ops.respond(actor_for(team.tpn), refused.id, second.id, "Bukti evaluasi tidak ada.", None)
    db.session.commit()


@pytest.fixture
def decided_sanggah(filed, refused, team, actor_for):
    """The sanggah answered (P2.ii.b raised to A, P2.ii.c stands) and granted."""
    _answer_all(team, actor_for, filed, refused)
    ops.decide(actor_for(team.national), refused.id, True, "Bukti SK sah.", today=date(2026, 12, 20))
    db.session.commit()
    return ops.appeal_of(refused.id)


def test_the_lhe_reports_the_sanggah_and_is_final_again_once_decided(filed, refused, team, login, actor_for):
    client = login(team.head)
    open_ = client.get(f"/penilaian/{refused.id}/lhe.pdf")
    assert open_.status_code == 200
    text = pdf_text(open_.data)
    assert "8. Sanggah" in text and "Menunggu putusan" in text and "DRAF" in text
    assert "SK penetapan SOP terlampir." in text and "https://drive.example.go.id/sk-sop" in text
    assert "belum ditanggapi" in text
    assert db.session.scalar(select(func.count()).select_from(StoredReport)) == 0  # a draft is not stored

    _answer_all(team, actor_for, filed, refused)
    ops.decide(actor_for(team.national), refused.id, True, "Bukti SK sah.", today=date(2026, 12, 20))
    db.session.commit()
    final = pdf_text(client.get(f"/penilaian/{refused.id}/lhe.pdf").data)
    assert "Sanggah diterima" in final and "(final)" in final and "Bukti SK sah." in final
    assert "SK sah; jawaban dinaikkan." in final and "Bukti evaluasi tidak ada." in final
    # per indicator: the decided answer, the sanggah answer (or "tetap"), the nilai before and after
    assert re.search(r"P2\.ii\.b .*Jawaban keputusan TPN: C .* jawaban sanggah: A", final)
    assert re.search(r"P2\.ii\.c .*jawaban sanggah: tetap", final)
    # the sanggah layer's scores against the TPN's, and the target verdict in both
    scores = ops.sanggah_scores(ops.get_bundle(actor_for(team.national), refused.id), ops.appeal_of(refused.id))
    assert scores.after.total > scores.before.total
    assert "Nilai total 99,00 99,50 +0,50" in final and "Komponen pengungkit 59,00 59,50 +0,50" in final
    words = {True: "MEMENUHI", False: "BELUM MEMENUHI"}
    assert f"Menuju WBK {words[scores.verdict_before.passed]} {words[scores.verdict_after.passed]}" in final
    assert "nilai 0,00 menjadi 0,50" in final
    assert "DRAF" not in final
    rows = db.session.scalars(select(StoredReport).where(StoredReport.assessment_id == refused.id)).all()
    assert [(r.kind, r.layer) for r in rows] == [("lhe", "sanggah")]
    again = client.get(f"/penilaian/{refused.id}/lhe.pdf").data
    assert pdf_text(again) == final  # served from storage, the same rendering
    # an LHE of one layer does not report the sanggah
    assert "Sanggah" not in pdf_text(login(team.tpn).get(f"/penilaian/{refused.id}/lhe.pdf?lapis=tpi").data)


def test_an_lhe_stored_at_the_decision_is_not_served_once_a_sanggah_is_filed(refused, team, login, actor_for):
    client = login(team.head)
    before = pdf_text(client.get(f"/penilaian/{refused.id}/lhe.pdf").data)
    assert "Sanggah" not in before and "DRAF" not in before
    open_window(date(2026, 12, 1), date(2026, 12, 31))
    ops.file_appeal(actor_for(team.head), refused.id, "", [ops.ItemInput("P2.ii.b", "Alasan.")], today=date(2026, 12, 5))
    db.session.commit()
    assert "Menunggu putusan" in pdf_text(client.get(f"/penilaian/{refused.id}/lhe.pdf").data)


def test_every_sanggah_step_reads_as_a_sentence_in_the_history(filed, refused, team, login, actor_for):
    _answer_all(team, actor_for, filed, refused)
    ops.decide(actor_for(team.national), refused.id, False, "Bukti tidak cukup.", today=date(2026, 12, 20))
    db.session.commit()
    page = login(team.head).get(f"/penilaian/{refused.id}/riwayat?apa=sanggah").get_data(as_text=True)
    assert f"{team.head.name} mengajukan sanggah atas indikator P2.ii.b, P2.ii.c" in page
    assert "SOP sudah ditetapkan sebelum penilaian lapangan." in page
    assert f"{team.tpn.name} menanggapi sanggah P2.ii.b dengan jawaban sanggah A" in page
    assert f"{team.tpn.name} menanggapi sanggah P2.ii.c; jawaban tetap" in page
    assert f"{team.national.name} memutuskan sanggah (final): sanggah ditolak" in page
    assert "Bukti tidak cukup." in page
    assert "mengubah penilaian" not in page  # no step falls back to the generic sentence


def test_the_workbook_has_a_sanggah_sheet_once_one_is_filed(filed, refused, team, login, actor_for, decided_sanggah):
    from openpyxl import load_workbook

    response = login(team.head).get(f"/penilaian/{refused.id}/lke.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames[-1] == "Sanggah" and "Jawaban" in wb.sheetnames
    ws = wb["Sanggah"]
    facts = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, 10)}
    assert facts["Status sanggah"] == "Sanggah diterima" and facts["Catatan putusan"] == "Bukti SK sah."
    assert facts["Nilai total keputusan TPN"] == pytest.approx(99.0)
    assert facts["Nilai total dengan jawaban sanggah"] == pytest.approx(99.5)
    header = [c.value for c in ws[11]]
    assert header[:3] == ["Indikator", "Uraian", "Alasan unit"]
    first, second = ([c.value for c in ws[r]] for r in (12, 13))
    assert first[0] == "P2.ii.b" and first[2] == "SK penetapan SOP terlampir."
    assert first[3] == "https://drive.example.go.id/sk-sop" and first[4:7] == ["C", "SK sah; jawaban dinaikkan.", "A"]
    assert first[7:] == [pytest.approx(0.0), pytest.approx(0.5)]
    assert second[0] == "P2.ii.c" and second[6] == "tetap"


def test_a_formula_typed_as_a_reason_stays_text_in_the_workbook(refused, team, login, actor_for):
    open_window(date(2026, 12, 1), date(2026, 12, 31))
    ops.file_appeal(actor_for(team.head), refused.id, "=HYPERLINK(\"http://x\")",
                    [ops.ItemInput("P2.ii.b", "=1+1")], today=date(2026, 12, 5))
    db.session.commit()
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(login(team.head).get(f"/penilaian/{refused.id}/lke.xlsx").data))["Sanggah"]
    assert ws.cell(3, 2).value == "=HYPERLINK(\"http://x\")" and ws.cell(3, 2).data_type == "s"
    assert ws.cell(12, 3).value == "=1+1" and ws.cell(12, 3).data_type == "s"


def test_without_a_sanggah_the_workbook_has_no_sanggah_sheet(refused, team, login):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(login(team.head).get(f"/penilaian/{refused.id}/lke.xlsx").data))
    assert "Sanggah" not in wb.sheetnames


def test_the_portalrb_answers_stay_the_unit_and_tpi_layers_after_a_sanggah(refused, team, actor_for, client):
    """The 2026 contract's jawaban-unit has the unit's and the TPI's answers only (no TPN, final or
    sanggah field), and PortalRB fetches during the proposal period: a sanggah changes nothing there."""
    from zi_assess.interop import operations as iops

    _key, plain = iops.create_api_key(actor_for(team.admin), team.instansi.id, "PortalRB")
    db.session.commit()
    path, headers = "/api/portalrb/lke/jawaban-unit/UJI-1?tahun=2026", {"Authorization": f"Bearer {plain}"}
    before = client.get(path, headers=headers).get_json()
    open_window(date(2026, 12, 1), date(2026, 12, 31))
    appeal = ops.file_appeal(actor_for(team.head), refused.id, "", [ops.ItemInput("P2.ii.b", "Alasan.")],
                             today=date(2026, 12, 5))
    ops.respond(actor_for(team.tpn), refused.id, appeal.items[0].id, "Diterima.", "A")
    ops.decide(actor_for(team.national), refused.id, True, "")
    db.session.commit()
    after = client.get(path, headers=headers).get_json()
    assert before["answers"] and after == before
    assert set(after["answers"][0]) == {"soal_id", "jawaban_unit", "jawaban_tpi", "catatan_unit",
                                        "bukti_dukung_unit", "catatan_tpi"}
