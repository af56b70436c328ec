"""Rencana aksi: from the exact gap planner to a followed, exported action plan (issue 16 item 1)."""

from __future__ import annotations

import io
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from zi_assess.action_plans import operations as plan_ops
from zi_assess.action_plans.planning import PlanSettings
from zi_assess.action_plans.progress import plan_progress
from zi_assess.assessments.loading import load_bundle
from zi_assess.domain import load_criteria
from zi_assess.domain.answers import best_answers
from zi_assess.extensions import db
from zi_assess.models import ActionActivity, ActionPlan, AuditEvent


def _lowest(indicator):
    return indicator.options[-1].key


@pytest.fixture
def weak_area2(team, flow):
    """A complete LKE that meets every WBK rule except area 2 (its choice answers at their lowest)."""
    criteria = load_criteria()
    answers = best_answers(criteria)
    for ind in criteria.area_indicators("2"):
        if ind.kind == "choice":
            answers[ind.id] = _lowest(ind)
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI, answers)
    return a


def _progress(assessment_id):
    db.session.expire_all()
    plan = plan_ops.active_plan(assessment_id)
    return plan, plan_progress(plan, load_bundle(assessment_id))


def test_compose_shows_the_cheapest_plan_and_saving_it_makes_an_action_plan(weak_area2, team, login):
    client = login(team.operator)
    page = client.get(f"/penilaian/{weak_area2.id}/rencana-aksi/susun")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Rencana termurah" in html and "P2." in html and "Jadikan rencana aksi" in html

    response = client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/", data={"predikat": "WBK"})
    assert response.status_code == 302
    plan, progress = _progress(weak_area2.id)
    assert plan.predicate == "WBK" and plan.items
    assert {i.indicator_id[:2] for i in plan.items} <= {"P2", "R2"}
    assert all(len(i.activities) == 1 for i in plan.items)
    assert not progress.now.verdict.passed and progress.complete.verdict.passed
    assert progress.projection.sheet.total == progress.now.sheet.total  # nothing done yet
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "action_plan.create")) == 1
    shown = client.get(f"/penilaian/{weak_area2.id}/rencana-aksi/").get_data(as_text=True)
    assert plan.items[0].indicator_id in shown and "Kemajuan per area" in shown


def test_closing_activities_moves_the_projection_to_a_pass(weak_area2, team, login):
    client = login(team.operator)
    client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/", data={"predikat": "WBK"})
    plan, _ = _progress(weak_area2.id)
    activity_ids = [i.activities[0].id for i in plan.items]

    # done without evidence: refused, what was typed is kept, nothing written
    first = activity_ids[0]
    refused = client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/kegiatan/{first}", data={
        f"a{first}-description": "Rapat koordinasi diketik ulang", f"a{first}-pic": "Budi", f"a{first}-status": "done",
        f"a{first}-due_quarter": "2026-Q3"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "memerlukan bukti" in html and "Rapat koordinasi diketik ulang" in html and "Budi" in html
    db.session.expire_all()
    assert db.session.get(ActionActivity, first).status == "planned"

    for activity_id in activity_ids:
        ok = client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/kegiatan/{activity_id}", data={
            f"a{activity_id}-description": "Menyusun SOP", f"a{activity_id}-pic": "Sari",
            f"a{activity_id}-status": "done", f"a{activity_id}-due_date": "2026-09-30",
            f"a{activity_id}-evidence_url": "https://drive.example.go.id/sop", f"a{activity_id}-due_quarter": ""})
        assert ok.status_code == 302, ok.get_data(as_text=True)[:400]
    plan, progress = _progress(weak_area2.id)
    assert progress.done == len(plan.items) and progress.percent == 100.0
    assert progress.projection.verdict.passed
    assert progress.projection.sheet.total == progress.complete.sheet.total
    assert all(a.completed_at is not None for i in plan.items for a in i.activities)


def test_an_item_with_an_open_activity_is_not_done(weak_area2, team, login):
    client = login(team.operator)
    client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/", data={"predikat": "WBK"})
    plan, _ = _progress(weak_area2.id)
    item = plan.items[0]
    added = client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/butir/{item.id}/kegiatan", data={
        f"i{item.id}-description": "Sosialisasi", f"i{item.id}-status": "in_progress", f"i{item.id}-due_quarter": "2027-Q1"})
    assert added.status_code == 302
    first = item.activities[0].id
    client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/kegiatan/{first}", data={
        f"a{first}-description": "x", f"a{first}-status": "done", f"a{first}-evidence_note": "notulen rapat",
        f"a{first}-due_quarter": ""})
    plan, progress = _progress(weak_area2.id)
    view = next(v for v in progress.items if v.item.id == item.id)
    assert len(view.activities) == 2 and not view.done
    page = client.get(f"/penilaian/{weak_area2.id}/rencana-aksi/").get_data(as_text=True)
    assert "Triwulan I 2027" in page


def test_readers_read_and_only_the_unit_writes(weak_area2, team, login):
    client = login(team.operator)
    client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/", data={"predikat": "WBK"})
    plan, _ = _progress(weak_area2.id)
    activity = plan.items[0].activities[0].id
    for reader in (team.tpi, team.manager):
        client = login(reader)
        page = client.get(f"/penilaian/{weak_area2.id}/rencana-aksi/")
        assert page.status_code == 200 and "Ubah kegiatan" not in page.get_data(as_text=True)
        denied = client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/kegiatan/{activity}", data={
            f"a{activity}-description": "x", f"a{activity}-status": "in_progress", f"a{activity}-due_quarter": ""})
        assert denied.status_code == 403
        assert client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/", data={"predikat": "WBK"}).status_code == 403
    outsider = login(team.other_head)
    assert outsider.get(f"/penilaian/{weak_area2.id}/rencana-aksi/").status_code == 404
    db.session.expire_all()
    assert db.session.get(ActionActivity, activity).status == "planned"
    assert db.session.scalar(select(func.count()).select_from(ActionPlan)) == 1


def test_unreachable_target_says_which_rule_and_writes_nothing(team, flow, login):
    criteria = load_criteria()
    answers = best_answers(criteria) | {"H1.a": 0.0}  # IPAK 0: an external survey the unit cannot plan
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI, answers)
    client = login(team.operator)
    html = client.get(f"/penilaian/{a.id}/rencana-aksi/susun").get_data(as_text=True)
    assert "tidak dapat dicapai" in html and "H1.a adalah survei eksternal" in html
    response = client.post(f"/penilaian/{a.id}/rencana-aksi/", data={"predikat": "WBK"})
    assert response.status_code == 302 and "/susun" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(ActionPlan)) == 0
    # planning the survey too: reachable, and the plan raises H1.a
    html = client.get(f"/penilaian/{a.id}/rencana-aksi/susun?eksternal=1").get_data(as_text=True)
    assert "Rencana termurah" in html and "H1.a" in html


def test_costs_steer_the_plan_and_bad_costs_are_refused_with_the_typed_value_kept(weak_area2, team, login, actor_for):
    client = login(team.operator)
    bad = client.get(f"/penilaian/{weak_area2.id}/rencana-aksi/susun?biaya-P2.i.a=abc")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Biaya harus bilangan bulat" in html and 'value="abc"' in html
    default = plan_ops.create_plan(actor_for(team.operator), weak_area2.id, PlanSettings("WBK"))
    chosen = default.items[0].indicator_id
    pricey = plan_ops.create_plan(actor_for(team.operator), weak_area2.id, PlanSettings("WBK", {chosen: 50}))
    db.session.commit()
    assert chosen not in {i.indicator_id for i in pricey.items}
    assert pricey.total_cost >= default.total_cost
    # the earlier plan is archived, not deleted
    db.session.expire_all()
    assert db.session.get(ActionPlan, default.id).archived_at is not None
    assert plan_ops.active_plan(weak_area2.id).id == pricey.id


def test_plan_exports_as_pdf_and_excel(weak_area2, team, login, tmp_path):
    client = login(team.operator)
    client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/", data={"predikat": "WBK"})
    plan, _ = _progress(weak_area2.id)
    pdf = client.get(f"/penilaian/{weak_area2.id}/rencana-aksi/unduh.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "private, no-store"
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Rencana aksi untuk predikat" in text and plan.items[0].indicator_id in text
    xlsx = client.get(f"/penilaian/{weak_area2.id}/rencana-aksi/unduh.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]]
    assert [r[0] for r in rows] == [i.indicator_id for i in plan.items]
    assert sheet.cell(row=4, column=7).value == "Kegiatan"
    downloads = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "action_plan.download")).all()
    assert sorted(d["kind"] for d in downloads) == ["pdf", "xlsx"]


def test_open_activities_are_reminded_once_before_their_due_date(weak_area2, team, login, app):
    from datetime import date, timedelta

    from zi_assess.models import Notification
    from zi_assess.notifications.reminders import send_due

    client = login(team.operator)
    client.post(f"/penilaian/{weak_area2.id}/rencana-aksi/", data={"predikat": "WBK"})
    plan, _ = _progress(weak_area2.id)
    today = date(2027, 3, 1)
    first = plan.items[0].activities[0]
    first.due_date = today + timedelta(days=5)
    first.pic = "Sari"
    if len(plan.items) > 1:
        plan.items[1].activities[0].due_quarter = "2027-Q1"  # due 31 March: not yet within 7 days
        plan.items[1].activities[0].status = "planned"
    db.session.commit()
    with app.test_request_context():
        assert send_due(today) == 1
        db.session.commit()
        assert send_due(today) == 0  # once
    notes = db.session.scalars(select(Notification).where(Notification.kind == "action_due")).all()
    assert {n.user_id for n in notes} == {team.operator.id, team.head.id}
    assert notes[0].params["indicator"] == plan.items[0].indicator_id and notes[0].params["days"] == 5
    page = login(team.operator).get("/notifikasi/").get_data(as_text=True)
    assert "5 hari lagi: kegiatan rencana aksi" in page
