"""The audit trail's hash chain: every row chained in order, tampering found at the row, the
PostgreSQL trigger refusing UPDATE/DELETE, concurrent writers keeping one chain, the migration
chaining rows written before it, and who acted (roles, request id) on every row."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, insert, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import sign_in
from tests.workflow.test_migration_current_scores import migration_app  # noqa: F401  (fixture)
from zi_assess.audit import SYSTEM, record
from zi_assess.audit_chain import verify_chain
from zi_assess.extensions import db
from zi_assess.models import AuditEvent
from zi_assess.models.audit import GENESIS_HASH, row_digest, row_values


def rows():
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def _write_trail(n=5):
    for i in range(n):
        record(SYSTEM, "test.event", detail={"n": i, "text": "ä ✓", "nested": {"b": [1, 2.5], "a": None}},
               before={"value": "B"} if i % 2 else None)
        db.session.commit()


def _tamper(sql, **params):
    """Change the trail behind the application's back (as a superuser would, trigger disabled)."""
    db.session.commit()
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER zi_audit_event_append_only"))
        conn.execute(text(sql), params)
        if postgres:
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER zi_audit_event_append_only"))
    db.session.expire_all()


def test_rows_form_one_chain_and_verify_passes(app, runner):
    _write_trail()
    trail = rows()
    assert trail[0].prev_hash == GENESIS_HASH
    for before, after in zip(trail, trail[1:], strict=False):
        assert after.prev_hash == before.row_hash
    for row in trail:  # what was read back from the database still hashes to the stored hash
        assert row.row_hash == row_digest(row.prev_hash, row_values(row))
    report = verify_chain(batch=2)
    assert (report.rows, report.broken, report.last_hash) == (5, None, trail[-1].row_hash)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact: 5 rows" in result.output


def test_a_changed_row_is_reported_at_that_row(app, runner):
    _write_trail()
    target = rows()[2].id
    _tamper("UPDATE audit_event SET actor_email = 'someone-else@x' WHERE id = :id", id=target)
    report = verify_chain()
    assert report.broken is not None and report.broken.row_id == target
    assert "changed" in report.broken.reason
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at row {target}" in result.output


def test_a_changed_json_value_is_reported_at_that_row(app):
    _write_trail()
    target = rows()[1].id
    _tamper("UPDATE audit_event SET detail = :d WHERE id = :id", d='{"n": 99}', id=target)
    assert verify_chain().broken.row_id == target


def test_a_removed_row_is_reported_at_the_row_after_it(app):
    _write_trail()
    trail = rows()
    _tamper("DELETE FROM audit_event WHERE id = :id", id=trail[3].id)
    broken = verify_chain().broken
    assert broken is not None and broken.row_id == trail[4].id and "removed" in broken.reason


def test_postgres_refuses_update_and_delete_of_audit_rows(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    _write_trail(1)
    for sql in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))
    assert [r.action for r in rows()] == ["test.event"]


def test_concurrent_writers_keep_one_chain(app):
    errors = []

    def writer(k):
        try:
            with app.app_context():
                for i in range(8):
                    record(SYSTEM, "test.concurrent", detail={"writer": k, "i": i})
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain()
    assert (report.rows, report.broken) == (24, None)


def test_a_writer_waiting_for_the_chain_follows_the_row_committed_before_it(app):
    """B asks for the chain while A holds it with a row not yet committed; once A commits, B's row
    follows A's (on PostgreSQL B's read of the last row must come after its lock, not before)."""
    asking = threading.Event()
    errors = []

    def writer_b():
        try:
            with app.app_context():
                asking.set()
                record(SYSTEM, "test.second")
                db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    record(SYSTEM, "test.first")
    db.session.flush()  # A holds the chain, its row not committed
    b = threading.Thread(target=writer_b)
    b.start()
    asking.wait(5)
    b.join(0.5)
    assert b.is_alive()  # B waits for the chain
    db.session.commit()
    b.join(10)
    assert errors == [] and not b.is_alive()
    report = verify_chain()
    assert (report.rows, report.broken) == (2, None)
    assert [r.action for r in rows()] == ["test.first", "test.second"]


def test_web_rows_carry_the_actors_roles_and_the_request_id(team, flow, client):
    a = flow.create(team.unit, team.head)
    sign_in(client, team.manager)  # with the second factor
    response = client.post(f"/penilaian/{a.id}/langkah/start_tpi_review", data={})
    assert response.status_code == 403
    denial = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "permission.denied")).one()
    assert denial.actor_role == "manager"
    assert denial.request_id == response.headers["X-Request-ID"]
    assert {r.actor_role for r in rows() if r.actor_email and r.actor_email.startswith("system:")} == {"system"}
    assert verify_chain().broken is None


def revision_before_security() -> str:
    """The revision the security migration follows (it is re-chained when branches merge)."""
    from zi_assess.resources import MIGRATIONS_DIR

    path = next(Path(MIGRATIONS_DIR, "versions").glob("*_c3e6a2f40003_*.py"))
    return re.search(r"down_revision = '([0-9a-f]+)'", path.read_text()).group(1)


def test_migration_chains_the_rows_written_before_it(migration_app):  # noqa: F811
    upgrade(revision=revision_before_security())
    meta = MetaData()
    meta.reflect(db.engine)
    with db.engine.begin() as conn:
        for i in range(3):
            conn.execute(insert(meta.tables["audit_event"]), {
                "at": datetime(2026, 1, 2, 3, 4, 5, 6000 + i, tzinfo=UTC), "action": "login",
                "actor_email": f"u{i}@x", "detail": {"i": i, "ok": True}})
    upgrade()
    report = verify_chain()
    assert (report.rows, report.broken) == (3, None)
    record(SYSTEM, "test.after")
    db.session.commit()
    assert verify_chain().rows == 4 and verify_chain().broken is None
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_event"))
