"""The audit trail (append-only, complete) and concurrent saves (no silent overwrite)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

import zi_assess
from tests.conftest import sign_in
from zi_assess.assessments import operations as ops
from zi_assess.assessments.loading import load_bundle
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import Answer, Assessment, AuditEvent
from zi_assess.models.audit import AuditTrailIsAppendOnly


def events(action=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def test_every_answer_change_is_recorded_with_before_and_after(team, flow, actor_for):
    a = flow.create(team.unit, team.head)
    ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.b", "b", "awal")
    db.session.commit()
    row = load_bundle(a.id).layer_answers(Layer.MANDIRI)["P1.i.b"]
    ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.b", "A", "awal", seen_version=row.version)
    db.session.commit()
    row = load_bundle(a.id).layer_answers(Layer.MANDIRI)["P1.i.b"]
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "P1.i.b", "A", "SK terlampir", seen_version=row.version)
    db.session.commit()
    history = [(e.action, e.before, e.after, e.actor_email, e.ip, e.layer)
               for e in events() if e.indicator_id == "P1.i.b"]
    assert history == [
        ("answer.change", None, {"value": "B", "note": "awal"}, team.operator.email, "203.0.113.7", "mandiri"),
        ("answer.change", {"value": "B", "note": "awal"}, {"value": "A", "note": "awal"}, team.operator.email,
         "203.0.113.7", "mandiri"),
        ("answer.note", {"value": "A", "note": "awal"}, {"value": "A", "note": "SK terlampir"}, team.head.email,
         "203.0.113.7", "mandiri"),
    ]
    # saving the same thing again records nothing
    row = load_bundle(a.id).layer_answers(Layer.MANDIRI)["P1.i.b"]
    assert ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "P1.i.b", "a", "SK terlampir",
                           seen_version=row.version) is None


def test_transitions_and_denials_are_recorded(team, flow, client):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    (transition,) = events("transition")
    assert (transition.before, transition.after, transition.detail["transition"], transition.actor_id) == (
        {"status": "draft"}, {"status": "submitted"}, "submit", team.head.id)
    # a manager reads only: the attempt to start the TPI review is refused and recorded
    sign_in(client, team.manager)
    assert client.post(f"/penilaian/{a.id}/langkah/start_tpi_review", data={}).status_code == 403
    (denial,) = events("permission.denied")
    assert denial.actor_id == team.manager.id and denial.ip is not None
    assert db.session.get(Assessment, a.id).status == "submitted" and len(events("transition")) == 1


def test_audit_rows_cannot_be_changed_or_deleted(team, flow):
    flow.create(team.unit, team.head)
    event_row = events()[0]
    event_row.action = "tampered"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(events()[0])
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_no_code_updates_or_deletes_audit_events():
    """Scan the package: AuditEvent only ever appears in inserts and reads."""
    package = Path(zi_assess.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("update", "delete"):
                if any(isinstance(arg, ast.Name) and arg.id == "AuditEvent" for arg in node.args):
                    offenders.append(f"{path.name}:{node.lineno}")
        source = path.read_text()
        if "audit_event" in source and ("UPDATE audit_event" in source or "DELETE FROM audit_event" in source):
            offenders.append(path.name)
    assert offenders == []


def test_stale_save_gets_both_versions_and_overwrites_nothing(team, flow, actor_for):
    a = flow.create(team.unit, team.head)
    ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.b", "B", "versi pertama")
    db.session.commit()
    seen = load_bundle(a.id).layer_answers(Layer.MANDIRI)["P1.i.b"].version  # both open the form now
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "P1.i.b", "A", "kepala", seen_version=seen)
    db.session.commit()
    with pytest.raises(ops.StaleAnswer) as info:
        ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.b", "C", "operator", seen_version=seen)
    db.session.rollback()
    (item,) = info.value.items
    assert (item.yours_value, item.yours_note, item.theirs_value, item.theirs_note, item.theirs_author_id) == (
        "C", "operator", "A", "kepala", team.head.id)
    stored = load_bundle(a.id).layer_answers(Layer.MANDIRI)["P1.i.b"]
    assert (stored.value, stored.note) == ("A", "kepala")
    # a form that also "created" an answer someone else created meanwhile conflicts too
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "P1.i.a", "Ya")
    db.session.commit()
    with pytest.raises(ops.StaleAnswer):
        ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.a", "Tidak", seen_version=None)
    db.session.rollback()


def test_a_race_between_read_and_write_is_caught_by_the_version_column(team, flow, actor_for):
    a = flow.create(team.unit, team.head)
    ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.b", "B")
    db.session.commit()
    seen = load_bundle(a.id).layer_answers(Layer.MANDIRI)["P1.i.b"].version

    raced = []

    def other_writer(orm_execute_state):
        # Another request commits its save after this one read the answers, before it writes.
        if orm_execute_state.is_update and not raced:
            raced.append(1)
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE answer SET value = '\"A\"', version = version + 1 "
                                  "WHERE indicator_id = 'P1.i.b'"))

    event.listen(db.session(), "do_orm_execute", other_writer)
    with pytest.raises(ops.StaleAnswer) as info:
        ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.b", "C", seen_version=seen)
    event.remove(db.session(), "do_orm_execute", other_writer)
    db.session.rollback()
    assert raced and info.value.items[0].theirs_value == "A"
    assert db.session.scalar(select(Answer.value).where(Answer.indicator_id == "P1.i.b")) == "A"


def test_loading_every_layer_takes_at_most_three_queries(team, flow):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi, a, "start_tpi_review", prefill=True)
    db.session.expire_all()
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        bundle = load_bundle(a.id)
        values = (bundle.effective_values(), bundle.layer_values(Layer.TPI), bundle.assessment.unit.instansi.name)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(values[0]) == 113 and len(values[1]) == 113
    assert len(statements) <= 3, statements
