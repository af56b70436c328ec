"""Sanggah (issue 16 item 3): filed once inside its window, answered per indicator, decided once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.appeals.conftest import open_window
from zi_assess.appeals import operations as ops
from zi_assess.extensions import db
from zi_assess.models import Appeal, Assessment, AuditEvent, Unit


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_whole_sanggah_from_filing_to_a_granted_predicate(refused, team, login):
    open_window(date(2026, 12, 1), date(2026, 12, 31))
    head = login(team.head)
    page = head.get(f"/penilaian/{refused.id}/sanggah/")
    assert page.status_code == 200 and "Ajukan sanggah" in page.get_data(as_text=True)
    filed = head.post(f"/penilaian/{refused.id}/sanggah/", data={
        "ringkasan": "SOP sudah ditetapkan sebelum penilaian lapangan.",
        "indikator_0": "P2.ii.b", "alasan_0": "SK penetapan SOP terlampir.", "tautan_0": "https://drive.example.go.id/sk",
        "indikator_1": "P2.ii.c", "alasan_1": "Evaluasi SOP dilakukan triwulanan.", "tautan_1": ""})
    assert filed.status_code == 302
    appeal = db.session.scalar(select(Appeal).where(Appeal.assessment_id == refused.id))
    assert [i.indicator_id for i in appeal.items] == ["P2.ii.b", "P2.ii.c"]
    assert appeal.items[0].evidence_urls == ["https://drive.example.go.id/sk"]

    tpn = login(team.tpn)
    for item in appeal.items:
        response = tpn.post(f"/penilaian/{refused.id}/sanggah/butir/{item.id}",
                            data={"tanggapan": "Bukti diterima.", "jawaban": "A"})
        assert response.status_code == 302
    bad = tpn.post(f"/penilaian/{refused.id}/sanggah/butir/{appeal.items[0].id}",
                   data={"tanggapan": "x", "jawaban": "Z"})
    assert bad.status_code == 422 and "tidak sesuai pilihan" in bad.get_data(as_text=True)
    page = login(team.national).get(f"/penilaian/{refused.id}/sanggah/").get_data(as_text=True)
    assert "Putusan sanggah (final)" in page and "memenuhi" in page

    unconfirmed = login(team.national).post(f"/penilaian/{refused.id}/sanggah/putusan", data={"putusan": "terima"})
    assert unconfirmed.status_code == 422
    decided = login(team.national).post(f"/penilaian/{refused.id}/sanggah/putusan",
                                        data={"putusan": "terima", "yakin": "1", "catatan": "Bukti sah."})
    assert decided.status_code == 302
    db.session.expire_all()
    a = db.session.get(Assessment, refused.id)
    assert a.decision_granted is True and db.session.get(Unit, team.unit.id).current_predicate == "WBK"
    # decided answers in the layers are untouched: the sanggah answers live apart
    assert {e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("sanggah.%")))} \
        == {"sanggah.file", "sanggah.respond", "sanggah.decide"}

    # final: no second decision, no more responses, no second sanggah
    again = login(team.national).post(f"/penilaian/{refused.id}/sanggah/putusan",
                                      data={"putusan": "tolak", "yakin": "1"})
    assert again.status_code == 422 and "final" in again.get_data(as_text=True)
    late = login(team.tpn).post(f"/penilaian/{refused.id}/sanggah/butir/{appeal.items[0].id}",
                                data={"tanggapan": "ubah", "jawaban": "C"})
    assert late.status_code == 422
    second = login(team.head).post(f"/penilaian/{refused.id}/sanggah/", data={
        "indikator_0": "P1.i.a", "alasan_0": "lagi"})
    assert second.status_code == 422 and "sekali" in second.get_data(as_text=True)
    db.session.expire_all()
    assert _count(Appeal) == 1 and db.session.get(Appeal, appeal.id).granted is True


def test_outside_the_window_nothing_is_filed_and_typed_values_stay(refused, team, login, actor_for):
    head = login(team.head)
    # no window set for the year: none is open
    response = head.post(f"/penilaian/{refused.id}/sanggah/", data={"indikator_0": "P2.ii.b", "alasan_0": "Alasan saya"})
    assert response.status_code in (403, 422)
    open_window(date(2026, 1, 1), date(2026, 1, 31))
    response = head.post(f"/penilaian/{refused.id}/sanggah/", data={"indikator_0": "P2.ii.b", "alasan_0": "Alasan saya"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Masa sanggah" in body
    assert _count(Appeal) == 0
    with pytest.raises(ops.SanggahRefused) as refusal:
        ops.file_appeal(actor_for(team.head), refused.id, "", [ops.ItemInput("P2.ii.b", "x")], today=date(2026, 2, 1))
    assert refusal.value.code == "window"
    db.session.rollback()


def test_bad_rows_are_refused_with_the_cell_named(refused, team, login):
    open_window(date(2026, 12, 1), date(2026, 12, 31))
    head = login(team.head)
    response = head.post(f"/penilaian/{refused.id}/sanggah/", data={
        "indikator_0": "P2.ii.b", "alasan_0": "ok", "tautan_0": "javascript:alert(1)"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Tautan bukti untuk P2.ii.b" in body and "javascript:alert(1)" in body
    empty = head.post(f"/penilaian/{refused.id}/sanggah/", data={"ringkasan": "tanpa indikator"})
    assert empty.status_code == 422 and "minimal satu indikator" in empty.get_data(as_text=True)
    assert _count(Appeal) == 0


def test_only_the_roles_of_each_step_act(refused, team, login):
    open_window(date(2026, 12, 1), date(2026, 12, 31))
    assert login(team.operator).post(f"/penilaian/{refused.id}/sanggah/", data={
        "indikator_0": "P2.ii.b", "alasan_0": "x"}).status_code == 403
    assert login(team.tpi_lead).post(f"/penilaian/{refused.id}/sanggah/putusan", data={
        "putusan": "terima", "yakin": "1"}).status_code in (403, 422)
    assert login(team.other_head).get(f"/penilaian/{refused.id}/sanggah/").status_code == 404
    assert _count(Appeal) == 0
