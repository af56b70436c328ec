"""Changing answers of a layer after it was submitted once needs a reason, kept in the audit row."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web.test_area_forms import CRITERIA, area_data, stored
from zi_assess.assessments import operations as ops
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import AuditEvent


@pytest.fixture
def returned(team, flow, actor_for):
    """An LKE submitted, then returned to the unit by the TPI (mandiri is editable again)."""
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi, a, "start_tpi_review")
    ops.add_comment(actor_for(team.tpi), a.id, "P1.i.b", "Perbaiki", needs_fix=True)
    db.session.commit()
    flow.step(team.tpi, a, "return_to_unit")
    return a


def ops_actor(user):
    from zi_assess.audit import Actor

    return Actor(user, "203.0.113.7")


def test_no_reason_is_asked_before_the_first_submission(team, flow, login, best_answers):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    assert 'name="alasan"' not in client.get(f"/penilaian/{a.id}/area/1").get_data(as_text=True)
    answers = {i.id: best_answers[i.id] for i in CRITERIA.area_indicators("1")}
    assert client.post(f"/penilaian/{a.id}/area/1", data=area_data("1", answers)).status_code == 302


def test_a_late_change_without_reason_is_refused_keeping_what_was_typed(returned, team, login, best_answers):
    a = returned
    client = login(team.operator)
    page = client.get(f"/penilaian/{a.id}/area/1").get_data(as_text=True)
    assert 'name="alasan"' in page and "Alasan perubahan setelah diajukan" in page
    rows = stored(a.id)
    versions = {k: r.version for k, r in rows.items()}
    answers = {i.id: rows[i.id].value for i in CRITERIA.area_indicators("1")} | {"P1.i.b": "C"}
    data = area_data("1", answers, versions, notes={"P1.i.b": "catatan baru yang diketik"})
    refused = client.post(f"/penilaian/{a.id}/area/1", data=data)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "tuliskan alasan perubahan" in text and "catatan baru yang diketik" in text
    assert stored(a.id)["P1.i.b"].value == rows["P1.i.b"].value  # nothing written

    data["alasan"] = "  SK baru ditandatangani setelah pengajuan  "
    assert client.post(f"/penilaian/{a.id}/area/1", data=data).status_code == 302
    assert stored(a.id)["P1.i.b"].value == "C"
    change = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "answer.change", AuditEvent.indicator_id == "P1.i.b").order_by(AuditEvent.id.desc())
    ).first()
    assert change.detail == {"reason": "SK baru ditandatangani setelah pengajuan"}
    assert change.after["value"] == "C"
    history = client.get(f"/penilaian/{a.id}/riwayat/P1.i.b").get_data(as_text=True)
    assert "Alasan perubahan setelah diajukan: SK baru ditandatangani setelah pengajuan" in history


def test_the_reason_is_required_by_the_operation_itself(returned, team):
    a = returned
    row = stored(a.id)["P1.i.b"]
    with pytest.raises(ops.ReasonRequired):
        ops.save_answer(ops_actor(team.operator), a.id, Layer.MANDIRI, "P1.i.b", "C", "x", seen_version=row.version)
    db.session.rollback()
    # saving what is already stored changes nothing and needs no reason
    assert ops.save_answers(ops_actor(team.operator), a.id, Layer.MANDIRI,
                            [ops.AnswerInput("P1.i.b", row.value, row.note, row.version)]) == []



def test_history_lists_downloads_and_exports_only_to_roles_allowed(returned, team, login):
    a = returned
    operator = login(team.operator)
    assert operator.get(f"/penilaian/{a.id}/lke.pdf").status_code == 200  # audited as report.download
    head = login(team.head)
    page = head.get(f"/penilaian/{a.id}/riwayat").get_data(as_text=True)
    downloaded = f"{team.operator.name} mengunduh atau menyimpan laporan"
    assert downloaded in page and "membuka penilaian" in page
    hidden = login(team.operator).get(f"/penilaian/{a.id}/riwayat").get_data(as_text=True)
    assert downloaded not in hidden and "membuka penilaian" in hidden
    # the indicator history too, and the filter on reports cannot bring them back
    assert downloaded not in login(team.operator).get(
        f"/penilaian/{a.id}/riwayat/P1.i.b").get_data(as_text=True)
    assert downloaded not in login(team.operator).get(
        f"/penilaian/{a.id}/riwayat?apa=report").get_data(as_text=True)
    overview = login(team.head).get(f"/penilaian/{a.id}").get_data(as_text=True)
    assert f"/penilaian/{a.id}/riwayat" in overview


def test_autosave_asks_for_the_reason_of_a_late_change_too(returned, team, login):
    a = returned
    client = login(team.operator)
    rows = stored(a.id)
    versions = {k: r.version for k, r in rows.items()}
    answers = {i.id: rows[i.id].value for i in CRITERIA.area_indicators("1")} | {"P1.i.b": "C"}
    data = area_data("1", answers, versions)
    refused = client.post(f"/penilaian/{a.id}/area/1/autosave", data=data)
    assert refused.status_code == 422 and "alasan" in refused.get_json()["errors"]
    assert stored(a.id)["P1.i.b"].value == rows["P1.i.b"].value
    data["alasan"] = "SK baru"
    saved = client.post(f"/penilaian/{a.id}/area/1/autosave", data=data)
    assert saved.status_code == 200 and saved.get_json()["ok"]
    assert stored(a.id)["P1.i.b"].value == "C"
