"""The request (or the CLI command) owns the transaction: an operation that loses a race undoes
only its own write (a savepoint) and never commits or rolls back what the caller did before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from zi_assess.assessments import operations as ops
from zi_assess.audit import SYSTEM, Actor, record
from zi_assess.authz import PermissionDenied
from zi_assess.domain.workflow import Status
from zi_assess.extensions import db, savepoint
from zi_assess.models import (
    Assessment,
    AuditEvent,
    Instansi,
    InstansiKind,
    Predicate,
    StatusChange,
    StoredReport,
)
from zi_assess.org import operations as org
from zi_assess.reports import operations as report_ops


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_savepoint_commits_nothing_even_as_the_first_write_of_a_transaction(app):
    """pysqlite starts its transaction lazily: without an explicit BEGIN, this SAVEPOINT's RELEASE
    would have committed the instansi, and the caller's rollback could not undo it."""
    db.session.commit()
    assert count(Instansi) == 0
    with savepoint():
        db.session.add(Instansi(name="Tidak jadi", kind=InstansiKind.KEMENTERIAN))
    db.session.rollback()
    assert count(Instansi) == 0


def test_a_refused_duplicate_keeps_the_callers_earlier_writes(team, flow, actor_for):
    flow.create(team.unit, team.head)
    record(actor_for(team.head), "test.marker")
    with pytest.raises(ops.WorkflowRefused) as info:
        ops.create_assessment(actor_for(team.head), team.unit, 2026, Predicate.WBK)
    assert info.value.code == "exists"
    db.session.commit()  # the caller decides: what it wrote before the refusal is still there
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "test.marker"))
    assert count(Assessment) == 1


def test_a_report_stored_twice_in_one_transaction_keeps_the_first(team, flow, actor_for):
    """The second row hits the unique key; before, rolling back the session lost the first one too."""
    a = flow.create(team.unit, team.head)
    lock = StatusChange(assessment_id=a.id, transition="decide", from_status=Status.TPN_FIELD,
                        to_status=Status.DECIDED, actor_id=team.national.id, note="")
    db.session.add(lock)
    db.session.flush()
    fields = dict(kind="lhe", layer="effective", locale="id", lock_change_id=lock.id, criteria_id=a.criteria_id,
                  template_version="t", sha256="0" * 64, size=10)
    first = report_ops.store_report(actor_for(team.head), a, **fields)
    second = report_ops.store_report(actor_for(team.head), a, **fields)
    assert first is not None and second is None
    db.session.commit()
    assert count(StoredReport) == 1


def test_the_system_is_authorized_not_skipped(team):
    """Org operations used to skip authorization whenever no user was given; now nobody (None) is
    refused, and zi-assess itself passes by its own explicit rule — and is audited by name."""
    with pytest.raises(PermissionDenied):
        org.create_instansi(Actor(None, "203.0.113.9"), "Tanpa izin", InstansiKind.LEMBAGA)
    with pytest.raises(PermissionDenied):
        org.create_unit(Actor(None), team.instansi, "Tanpa izin", "X-1")
    with pytest.raises(PermissionDenied):
        ops.create_assessment(SYSTEM, team.unit, 2027, Predicate.WBK)  # work needs a person with a role
    made = org.create_instansi(SYSTEM, "Oleh sistem", InstansiKind.LEMBAGA)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "instansi.create")
                              .order_by(AuditEvent.id.desc()))
    assert made.id and (event.actor_email, event.actor_id) == ("system:system", None)


def test_a_user_changes_only_their_own_language(team, actor_for):
    org.set_locale(actor_for(team.head), team.head, "en")
    assert team.head.locale == "en"
    with pytest.raises(PermissionDenied):
        org.set_locale(actor_for(team.head), team.operator, "en")
