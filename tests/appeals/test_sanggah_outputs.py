"""The sanggah in the outputs: the LHE's sanggah section (draft while open, stored apart once
decided), the history sentences of every step, the workbook's sanggah sheet, and the PortalRB API
(whose contract has no field for it: it stays as it was)."""

from __future__ import annotations

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
