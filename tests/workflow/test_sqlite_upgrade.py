"""An existing SQLite database with rows upgrades to the head: batch table copies must not trip
over the foreign keys of rows that refer to the copied table (migrations/env.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

#: a revision before the organisation migration, which copies the instansi and unit tables
BEFORE_ORG = "c3e6a2f40003"


def _upgrade(url: str, revision: str, instance: str) -> None:
    env = {**os.environ, "ZI_DATABASE_URL": url, "ZI_INSTANCE_PATH": instance}
    env.pop("ZI_TEST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "zi_assess.cli", "db", "upgrade", revision], env=env, check=True,
                   capture_output=True, text=True)


@pytest.mark.slow
def test_a_sqlite_database_with_units_upgrades_to_the_head(tmp_path):
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    _upgrade(url, BEFORE_ORG, str(tmp_path))
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO instansi (id, name, kind, created_at) VALUES (1, 'Kementerian Lama', "
                     "'KEMENTERIAN_LEMBAGA', '2026-01-01')")
        conn.execute("INSERT INTO unit (id, instansi_id, name, code, unit_type, created_at) "
                     "VALUES (1, 1, 'Unit Lama', 'LAMA-1', 'LAINNYA', '2026-01-01')")
    _upgrade(url, "head", str(tmp_path))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id, name FROM instansi").fetchall() == [(1, "Kementerian Lama")]
        assert conn.execute("SELECT id, instansi_id, code FROM unit").fetchall() == [(1, 1, "LAMA-1")]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
