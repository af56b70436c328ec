"""Reads outside a transaction on PostgreSQL (``zi_assess.transactions``): a request that only reads
sends no BEGIN or ROLLBACK; the first write begins the transaction, which still holds every write
to the commit and sees them; the audit chain's lock and bulk COPY begin it themselves; a
connection asked to autocommit is left alone."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import sign_in
from zi_assess.audit import SYSTEM, record
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Instansi, InstansiKind
from zi_assess.transactions import only_reads


@pytest.mark.parametrize(("statement", "reads"), [
    ("SELECT user_account.id FROM user_account WHERE id = %(id)s", True),
    ("  select 1", True),
    ("SELECT revision FROM data_revision WHERE id = 1", True),
    ("SELECT id FROM assessment WHERE id = 1 FOR UPDATE", False),
    ("SELECT id FROM assessment FOR NO KEY UPDATE SKIP LOCKED", False),
    ("SELECT id FROM unit FOR KEY SHARE", False),
    ("SELECT pg_advisory_xact_lock(1)", False),
    ("SELECT nextval('assessment_id_seq')", False),
    ("SELECT setval(pg_get_serial_sequence('unit', 'id'), 5, false)", False),
    ("SELECT * INTO copy_of_unit FROM unit", False),
    ("INSERT INTO unit (name) VALUES ('x')", False),
    ("UPDATE data_revision SET revision = revision + 1 WHERE id = 1", False),
    ("WITH moved AS (DELETE FROM x RETURNING *) SELECT * FROM moved", False),
    ("SAVEPOINT sa_savepoint_1", False),
])
def test_which_statements_only_read(statement, reads):
    assert only_reads(statement) is reads


def _driver():
    return db.session.connection().connection.driver_connection


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's transactions (SQLite begins before the first write by itself)")
    return app


def _commands(monkeypatch):
    """The commands psycopg sends of its own (BEGIN, COMMIT, ROLLBACK), in order."""
    from psycopg import _connection_base

    sent = []
    real = _connection_base.BaseConnection._exec_command

    def spy(self, command, result_format=0):
        sent.append(bytes(command))
        return real(self, command, result_format)

    monkeypatch.setattr(_connection_base.BaseConnection, "_exec_command", spy)
    return sent


def test_a_page_that_only_reads_sends_no_begin_or_rollback(postgres, team, client, monkeypatch):
    sign_in(client, team.manager)
    client.get("/dasbor/")
    sent = _commands(monkeypatch)
    assert client.get("/dasbor/").status_code == 200
    assert sent == []
    # a download is audited: its request begins a transaction and commits it
    assert client.get("/rekap.xlsx?tahun=2026").status_code == 200
    assert sent == [b"BEGIN", b"COMMIT"]


def test_the_first_write_begins_the_transaction_and_it_holds_every_write(postgres, team):
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Instansi)) >= 1
    assert _driver().info.transaction_status == 0  # a read: no transaction open
    db.session.add(Instansi(name="Baru Satu", kind=InstansiKind.KEMENTERIAN))
    db.session.flush()
    assert _driver().info.transaction_status != 0
    # reads after it run inside it and see its writes
    assert db.session.scalar(select(Instansi.id).where(Instansi.name == "Baru Satu")) is not None
    db.session.add(Instansi(name="Baru Dua", kind=InstansiKind.KEMENTERIAN))
    db.session.flush()
    db.session.rollback()  # both undone: one transaction
    assert db.session.scalar(select(func.count()).select_from(Instansi).where(Instansi.name.like("Baru %"))) == 0
    with db.engine.connect() as other:  # and never visible to another connection
        assert other.scalar(text("SELECT count(*) FROM instansi WHERE name LIKE 'Baru %'")) == 0


def test_the_audit_chain_and_bulk_copy_begin_their_transaction(postgres, team):
    from zi_assess.demo_bulk import BulkWriter
    from zi_assess.models import Unit
    from zi_assess.models.base import utcnow

    db.session.commit()
    db.session.scalar(select(func.count()).select_from(AuditEvent))  # a read first: autocommit
    record(SYSTEM, "test.lazy")
    db.session.flush()  # the chain's lock is taken through the driver's cursor
    with db.engine.connect() as other:  # held: another writer could not chain now
        assert other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"),
                            {"k": _chain_key()}) is False
    db.session.rollback()
    writer = BulkWriter()
    first = writer.next_id(Unit)
    writer.write(Unit, [{"id": first, "instansi_id": team.instansi.id, "parent_id": None, "name": "Copied",
                         "code": "COPY-1", "unit_type": "umum", "is_active": True, "created_at": utcnow()}])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.code == "COPY-1")) == 0


def _chain_key():
    from zi_assess.models.audit import CHAIN_LOCK_KEY

    return CHAIN_LOCK_KEY


def test_a_connection_asked_to_autocommit_is_left_alone(postgres):
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM data_revision"))  # refused inside a transaction
        assert conn.connection.driver_connection.autocommit is True
    engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")  # as the benchmarks make databases
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            conn.execute(text("VACUUM data_revision"))
    finally:
        engine.dispose()


def test_another_isolation_level_keeps_its_reads_in_the_transaction(postgres):
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        conn.execute(text("SELECT 1"))
        assert conn.connection.driver_connection.info.transaction_status != 0  # begun at the first read
        conn.rollback()
    with db.engine.connect() as conn:  # the pooled connection, back at read committed: lazy again
        conn.execute(text("SELECT 1"))
        assert conn.connection.driver_connection.info.transaction_status == 0
