"""Predicate history, two-yearly monitoring and revocation (issue 16 item 4)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.predicates.conftest import held_record
from zi_assess.assessments import operations as aops
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, PredicateRecord, Unit
from zi_assess.predicates import operations as ops


def test_a_grant_opens_the_record_and_monitoring_falls_due_two_years_on(decided, team):
    held = held_record(team.unit.id)
    assert (held.predicate, held.granted_on, held.assessment_id) == ("WBK", date(2026, 12, 9), decided.id)
    assert ops.due([held], today=date(2027, 12, 31)) == []
    assert [d.year for d in ops.due([held], today=date(2028, 1, 2))] == [2028]


def test_monitoring_ends_with_the_tpi_and_a_failing_one_lets_the_national_manager_revoke(monitored, team, flow,
                                                                                          login):
    held, monitoring = monitored
    assert monitoring.kind == "monitoring" and monitoring.monitors_record_id == held.id
    overview = login(team.head).get(f"/penilaian/{monitoring.id}").get_data(as_text=True)
    assert "Pemantauan" in overview
    # not concluded yet: nothing to revoke on
    early = login(team.national).post(f"/pemantauan/{held.id}/cabut", data={"alasan": "x", "yakin": "1"})
    assert early.status_code == 422 and "Belum ada penilaian pemantauan" in early.get_data(as_text=True)
    flow.step(team.tpi_lead, monitoring, "conclude_tpi", eligible=False, recommendation="Area 2 menurun; cabut.")
    with pytest.raises(aops.WorkflowRefused) as refused:
        flow.step(team.tpi_lead, monitoring, "propose")
    assert refused.value.code == "monitoring"
    db.session.rollback()

    assert login(team.tpi_lead).post(f"/pemantauan/{held.id}/cabut",
                                     data={"alasan": "x", "yakin": "1"}).status_code == 403  # not theirs
    unconfirmed = login(team.national).post(f"/pemantauan/{held.id}/cabut", data={"alasan": "Area 2 menurun."})
    assert unconfirmed.status_code == 422 and "Area 2 menurun." in unconfirmed.get_data(as_text=True)
    revoked = login(team.national).post(f"/pemantauan/{held.id}/cabut", data={"alasan": "Area 2 menurun.", "yakin": "1"})
    assert revoked.status_code == 302
    db.session.expire_all()
    held = db.session.get(PredicateRecord, held.id)
    assert held.revoked_on is not None and held.revoked_after_id == monitoring.id
    assert db.session.get(Unit, team.unit.id).current_predicate is None
    page = login(team.head).get("/pemantauan/").get_data(as_text=True)
    assert "Dicabut" in page and "Area 2 menurun." in page
    again = login(team.national).post(f"/pemantauan/{held.id}/cabut", data={"alasan": "lagi", "yakin": "1"})
    assert again.status_code == 422 and "terkunci" in again.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("predicate.%"))).all() \
        == ["predicate.grant", "predicate.monitor", "predicate.revoke"]


def test_a_monitoring_that_still_meets_cannot_lead_to_revocation(monitored, team, flow, actor_for):
    held, monitoring = monitored
    flow.step(team.tpi_lead, monitoring, "conclude_tpi", eligible=True, recommendation="Masih memenuhi.")
    with pytest.raises(ops.PredicateRefused) as refused:
        ops.revoke(actor_for(team.national), held.id, "coba")
    assert refused.value.code == "still_meets"
    db.session.rollback()
    assert db.session.get(PredicateRecord, held.id).revoked_on is None


def test_monitoring_is_not_opened_early_or_twice_in_a_year(decided, team, actor_for):
    held = held_record(team.unit.id)
    with pytest.raises(ops.PredicateRefused) as early:
        ops.start_monitoring(actor_for(team.tpi_lead), held.id, 2027)
    assert early.value.code == "not_due"
    ops.start_monitoring(actor_for(team.tpi_lead), held.id, 2028)
    db.session.commit()
    with pytest.raises(ops.PredicateRefused) as twice:
        ops.start_monitoring(actor_for(team.tpi_lead), held.id, 2028)
    assert twice.value.code in ("not_due", "year_taken")


def test_due_reads_every_records_monitorings_in_one_query(decided, team, make_unit, actor_for):
    """No query per record: ``due`` costs one statement whatever the number of predicates held."""
    from sqlalchemy import event

    held = held_record(team.unit.id)
    ops.start_monitoring(actor_for(team.tpi_lead), held.id, 2028)
    extra = [PredicateRecord(unit_id=make_unit(team.instansi, code=f"DUE-{n}").id, predicate="WBK",
                             granted_on=date(2024 + n % 2, 3, 1)) for n in range(6)]
    db.session.add_all(extra)
    db.session.commit()
    records = ops.records_of()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = ops.due(records, today=date(2028, 6, 1))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    # the granted unit was monitored in 2028 (next: 2030); the others are due from their grant year + 2
    assert sorted((d.record.unit_id, d.year) for d in found) == sorted((r.unit_id, r.granted_on.year + 2) for r in extra)
