"""TPI/TPN assignments to units or instansi (issue 13 item 1): the admin assigns assessors; the
queue's "assigned to me" and the notice that a review layer opened follow the assignment."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.reports.conftest import fill, record_prerequisites  # noqa: F401  (fixtures)
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Notification, ReviewAssignment


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReviewAssignment))


def test_the_admin_assigns_an_assessor_to_a_unit_and_revokes_it(team, login):
    admin = login(team.admin)
    page = admin.get(f"/admin/pengguna/{team.tpn.id}").get_data(as_text=True)
    assert "Penugasan penilaian" in page and f'value="u:{team.unit.id}"' in page
    response = admin.post(f"/admin/pengguna/{team.tpn.id}/tugas", data={"scope": f"u:{team.unit.id}"})
    assert response.status_code == 302
    assignment = db.session.scalars(select(ReviewAssignment)).one()
    assert (assignment.user_id, assignment.unit_id) == (team.tpn.id, team.unit.id)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "review.assign")) == 1
    # an account that assesses nothing cannot be assigned; nothing is written
    refused = admin.post(f"/admin/pengguna/{team.operator.id}/tugas", data={"scope": f"u:{team.unit.id}"},
                         follow_redirects=True)
    assert "Hanya evaluator TPI" in refused.get_data(as_text=True) and _count() == 1
    admin.post(f"/admin/tugas/{assignment.id}/cabut")
    assert _count() == 0


def test_the_layer_opening_is_told_to_the_assigned_assessor_and_their_queue_shows_it(
        team, flow, fill, best_answers, record_prerequisites, make_user, actor_for, login):  # noqa: F811
    from zi_assess.org import operations as org_ops

    assigned, other = make_user("tpn_evaluator"), make_user("tpn_evaluator")
    org_ops.assign_review(actor_for(team.admin), assigned, unit=team.unit)
    db.session.commit()
    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, best_answers)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    flow.step(team.tpi_lead, a, "conclude_tpi", eligible=True, recommendation="Layak.")
    record_prerequisites(team.unit)
    flow.step(team.tpi_lead, a, "propose")
    flow.step(team.tpn, a, "start_desk", prefill=True)
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "assigned",
                                                                     Notification.assessment_id == a.id)))
    assert assigned.id in told and other.id not in told  # (the TPI was told when its own layer opened)
    mine = login(assigned).get("/antrean/tpn?saya=1").get_data(as_text=True)
    assert team.unit.name in mine
    theirs = login(other).get("/antrean/tpn?saya=1").get_data(as_text=True)
    assert team.unit.name not in theirs
