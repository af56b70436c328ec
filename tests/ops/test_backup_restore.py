"""The backup and restore procedure of README "Production", run end to end on PostgreSQL:
pg_dump (custom format) and a copy of the content-addressed store, restored into a new database and
a new store folder; `zi-assess storage verify` is clean and every assessment's scores and audit
trail are identical."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from tests.conftest import FreshContextClient
from tests.web.test_evidence import PDF, upload
from zi_assess import create_app
from zi_assess.extensions import db
from zi_assess.models import Assessment, AuditEvent, EvidenceBlob, StoredReport

pytestmark = pytest.mark.slow


def _libpq(url) -> list[str]:
    return ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]


def snapshot() -> dict:
    """Every assessment's scores (per layer and effective) and the whole audit trail."""
    from zi_assess.assessments.loading import load_bundle
    from zi_assess.assessments.scores import compute_scores

    scores = {a: repr(compute_scores(load_bundle(a))) for a in db.session.scalars(select(Assessment.id))}
    audit = [tuple(getattr(e, c.key) for c in AuditEvent.__table__.columns)
             for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    return {"scores": scores, "audit": audit, "blobs": sorted(db.session.scalars(select(EvidenceBlob.sha256))),
            "reports": sorted(db.session.scalars(select(StoredReport.sha256)))}


def test_backup_then_restore_into_a_new_database_and_store(app, app_config, database_url, team, decided, flow,
                                                           login, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("backup and restore use pg_dump/pg_restore: PostgreSQL only")
    for tool in ("pg_dump", "pg_restore", "psql"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed")
    # data: a decided assessment with its stored LHE, and another unit's draft with evidence
    assert login(team.manager).get(f"/penilaian/{decided.id}/lhe.pdf").status_code == 200
    other = flow.create(team.other_unit, team.other_head)
    client = login(team.other_head)
    assert "Data dukung ditambahkan" in upload(client, other.id, "SK.pdf", PDF).get_data(as_text=True)
    db.session.commit()
    before = snapshot()
    assert before["blobs"] and before["reports"] and len(before["scores"]) == 2

    # backup: 1. the database (custom format), 2. then the store's content-addressed folders
    url = make_url(database_url)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    dump = tmp_path / "zi.dump"
    subprocess.run(["pg_dump", *_libpq(url), "--format=custom", "--file", str(dump), url.database], env=env,
                   check=True, timeout=300)
    backup = tmp_path / "backup-store"
    store = Path(app.config["STORAGE_PATH"])
    for folder in ("evidence", "reports"):
        shutil.copytree(store / folder, backup / folder)

    # restore: 1. the store folder, 2. a new database from the dump, 3. db upgrade, 4. storage verify
    restored_store = tmp_path / "restored-store"
    shutil.copytree(backup, restored_store)
    target = f"{url.database}_restore"
    psql = ["psql", *_libpq(url), "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c"]
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{target}"'], env=env, check=True, capture_output=True)
    subprocess.run([*psql, f'CREATE DATABASE "{target}"'], env=env, check=True, capture_output=True)
    restored_url = url.set(database=target)
    try:
        subprocess.run(["pg_restore", *_libpq(url), "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],
                       env=env, check=True, timeout=300)
        exe = str(Path(sys.executable).with_name("zi-assess"))
        cli_env = {**env, "ZI_DATABASE_URL": restored_url.render_as_string(hide_password=False),
                   "ZI_STORAGE_PATH": str(restored_store), "ZI_INSTANCE_PATH": str(tmp_path / "restored-instance"),
                   "ZI_SECRET_KEY": "test-secret", "ZI_REDIS_URL": ""}
        for command in (["db", "upgrade"], ["storage", "verify"]):
            out = subprocess.run([exe, *command], env=cli_env, capture_output=True, text=True, timeout=300)
            assert out.returncode == 0, out.stdout + out.stderr
        assert f"storage verify: {len(before['blobs']) + len(before['reports'])} objects present and intact" \
            in out.stdout

        restored = create_app(app_config | {"DATABASE_URL": restored_url.render_as_string(hide_password=False),
                                            "STORAGE_PATH": str(restored_store)})
        restored.test_client_class = FreshContextClient
        with restored.app_context():
            try:
                assert snapshot() == before
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'], env=env, capture_output=True)
