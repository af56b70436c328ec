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
