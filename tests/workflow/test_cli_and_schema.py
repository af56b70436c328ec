"""`zi-assess db upgrade`, `users create`, `demo`; the migrations match the models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from zi_assess.domain.workflow import Status
from zi_assess.extensions import db
from zi_assess.models import Answer, Assessment, AuditEvent, Instansi, Unit, User

EXE = str(Path(sys.executable).with_name("zi-assess"))


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_db_upgrade_on_a_fresh_sqlite_file(tmp_path):
    env = {"ZI_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "ZI_SECRET_KEY": "x", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([EXE, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(tmp_path / "fresh.db").execute("select name from sqlite_master")}
    assert {"assessment", "answer", "audit_event", "user_account", "alembic_version"} <= tables
    journal = sqlite3.connect(tmp_path / "fresh.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "wal"


def test_users_create(runner):
    from tests.conftest import PASSWORD
    from zi_assess.audit import SYSTEM
    from zi_assess.models import InstansiKind
    from zi_assess.org import operations as org

    instansi = org.create_instansi(SYSTEM, "Kementerian CLI", InstansiKind.KEMENTERIAN)
    org.create_unit(SYSTEM, instansi, "Unit CLI", "CLI-1")
    db.session.commit()
    before = db.session.scalar(select(func.max(AuditEvent.id)))
    result = runner.invoke(args=["users", "create", "--email", "Kepala@CLI.zi", "--name", "Kepala",
                                 "--password", PASSWORD, "--role", "unit_head:CLI-1",
                                 "--role", "tpi_lead:Kementerian CLI"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "kepala@cli.zi"))
    assert sorted(r.role.value for r in user.roles) == ["tpi_lead", "unit_head"]
    # the command acts as zi-assess itself, through authz's rule for the system, and is audited as such
    made = db.session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    assert [e.action for e in made] == ["user.create", "role.assign", "role.assign"]
    assert {(e.actor_email, e.actor_id) for e in made} == {("system:cli", None)}
    again = runner.invoke(args=["users", "create", "--email", "kepala@cli.zi", "--name", "x", "--password", PASSWORD])
    assert again.exit_code != 0 and "email_taken" in again.output
    weak = runner.invoke(args=["users", "create", "--email", "w@cli.zi", "--name", "x", "--password", "short"])
    assert weak.exit_code != 0 and "password_too_short" in weak.output


def test_demo_is_idempotent_and_covers_every_state(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.zi" in first.output and "zi-demo-2026" in first.output

    def counts():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (Instansi, Unit, User, Assessment, Answer, AuditEvent))

    before = counts()
    assert before[:4] == (2, 5, 17, 5)
    setup = db.session.scalars(select(AuditEvent.actor_email).where(AuditEvent.action.in_(
        ("instansi.create", "unit.create", "user.create", "role.assign", "prerequisite.change")))).all()
    assert len(setup) == 2 + 5 + 17 + 17 + 7 and set(setup) == {"system:demo"}
    steps = set(db.session.scalars(select(AuditEvent.actor_email).where(AuditEvent.action == "transition")))
    assert steps and not any(email.startswith("system:") for email in steps)  # people take the steps
    second = runner.invoke(args=["demo", "--if-empty"])
    assert second.exit_code == 0 and counts() == before
    statuses = set(db.session.scalars(select(Assessment.status)))
    assert statuses == {Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.PROPOSED, Status.DECIDED}
    decided = db.session.scalar(select(Assessment).where(Assessment.status == Status.DECIDED))
    layers = set(db.session.scalars(select(Answer.layer).where(Answer.assessment_id == decided.id)))
    assert len(layers) == 4  # a complete one at every layer


def test_json_documents_round_trip_and_are_jsonb_on_postgresql(app):
    """JSON_DOCUMENT (a TypeDecorator that imports the PostgreSQL dialect only where it is used)
    stores and queries as ``JSON().with_variant(JSONB(), "postgresql")`` did: the same values, a
    Python None as JSON null, keys read in SQL, JSONB on PostgreSQL."""
    from sqlalchemy import JSON, Column, Integer, MetaData, Table, text
    from sqlalchemy.dialects.postgresql import JSONB

    from zi_assess.models.base import JSON_DOCUMENT

    table = Table("zi_test_json_document", MetaData(), Column("id", Integer, primary_key=True),
                  Column("old", JSON().with_variant(JSONB(), "postgresql")), Column("new", JSON_DOCUMENT))
    rows = [{"id": 1, "old": None, "new": None}, {"id": 2, "old": {"P": 28.25, "nama": "Zona ✓", "l": [1, None]},
                                                   "new": {"P": 28.25, "nama": "Zona ✓", "l": [1, None]}}]
    with db.engine.begin() as conn:
        table.create(conn)
        try:
            conn.execute(table.insert(), rows)
            conn.execute(table.insert().values(id=3))
            got = conn.execute(select(table.c.id, table.c.old, table.c.new, table.c.old.is_(None), table.c.new.is_(None),
                                      table.c.old["P"].as_float(), table.c.new["P"].as_float())
                               .order_by(table.c.id)).all()
            if conn.dialect.name == "postgresql":
                assert conn.execute(text("SELECT pg_typeof(new)::text FROM zi_test_json_document")).scalar() == "jsonb"
        finally:
            table.drop(conn)
    assert [tuple(row) for row in got] == [
        (1, None, None, False, False, None, None),
        (2, rows[1]["old"], rows[1]["new"], False, False, 28.25, 28.25),
        (3, None, None, True, True, None, None),
    ]


def test_partial_indexes_keep_their_postgresql_options(app):
    """The PostgreSQL-only options of two indexes are given when PostgreSQL is first used (declared
    on the Index they would import its dialect in every process): its DDL has them as before."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex

    from zi_assess.models import CurrentScore

    with db.engine.connect():  # the first connection of a process on PostgreSQL gives the options
        pass
    tpn_queue = next(i for i in Assessment.__table__.indexes if i.name == "ix_assessment_tpn_queue")
    effective = next(i for i in CurrentScore.__table__.indexes if i.name == "ix_current_score_effective")
    expected_sqlite = {tpn_queue: "WHERE status IN ('proposed', 'tpn_desk', 'tpn_field')",
                       effective: "WHERE layer = 'effective'"}
    for index, where in expected_sqlite.items():
        assert str(CreateIndex(index).compile(dialect=sqlite.dialect())).endswith(where)
    if db.engine.dialect.name == "postgresql":
        assert str(CreateIndex(tpn_queue).compile(dialect=postgresql.dialect())).endswith(
            "(status_changed_at, id) WHERE status IN ('proposed', 'tpn_desk', 'tpn_field')")
        assert str(CreateIndex(effective).compile(dialect=postgresql.dialect())).endswith(
            "(assessment_id) INCLUDE (total) WHERE layer = 'effective'")


def test_a_report_process_on_sqlite_does_not_import_the_postgresql_dialect(tmp_path):
    env = {"ZI_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "ZI_INSTANCE_PATH": str(tmp_path / "instance"),
           "PATH": "/usr/bin:/bin"}
    code = ("import sys\nfrom zi_assess.app import build_app\nfrom zi_assess.reports import documents\n"
            "from zi_assess.extensions import db\nfrom sqlalchemy import text\n"
            "with build_app(web=False).app_context():\n    db.session.execute(text('SELECT 1'))\n"
            "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.postgresql')) or 'none')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "none"


def test_postgresql_index_options_are_given_on_the_first_connection(tmp_path):
    """In a process that declared the models before it loaded the PostgreSQL dialect."""
    import os

    url = os.environ.get("ZI_TEST_DATABASE_URL")
    if not url or not url.startswith("postgres"):
        import pytest

        pytest.skip("PostgreSQL only (ZI_TEST_DATABASE_URL)")
    code = ("import sys\nfrom zi_assess.models import CurrentScore\n"
            "index = next(i for i in CurrentScore.__table__.indexes if i.name == 'ix_current_score_effective')\n"
            "before = 'sqlalchemy.dialects.postgresql' in sys.modules, sorted(index.dialect_kwargs)\n"
            "from sqlalchemy import create_engine\nfrom zi_assess.app import database_uri\n"
            f"create_engine(database_uri({url!r})).connect().close()\n"
            "print(*before, sorted(index.dialect_kwargs))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "ZI_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ("False ['sqlite_where'] "
                                     "['postgresql_include', 'postgresql_where', 'sqlite_where']")
