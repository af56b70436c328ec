"""Migration 4e85551ee310: the area_N / wbk_passed / wbbm_passed columns of current_score become
the JSON ``nodes`` and ``verdicts``, keeping every stored figure; downgrade restores them.

Runs on a database of its own: a fresh SQLite file, or on PostgreSQL (ZI_TEST_DATABASE_URL) a
schema of its own in the test database, so the session's schema is never touched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, create_engine, insert, select, text

from tests.conftest import _test_config
from zi_assess import config, create_app
from zi_assess.extensions import db

BEFORE, AFTER = "a996c9e5a863", "4e85551ee310"
SCHEMA = "zi_migration_test"
OLD = {"pengungkit": 51.25, "pemenuhan": 27.5, "reform": 23.75, "hasil": 33.375, "area_1": 7.5, "area_2": 6.25,
       "area_3": 9.0, "area_4": 8.125, "area_5": 12.5, "area_6": 7.875, "wbk_passed": True, "wbbm_passed": False}


@pytest.fixture
def migration_app(tmp_path: Any) -> Iterator[Any]:
    url = config.test_database_url()
    if url and url.startswith(("postgresql://", "postgres://")):
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{SCHEMA}"
    else:
        engine = None
        url = f"sqlite:///{tmp_path / 'migration.db'}"
    app = create_app(_test_config(url, tmp_path))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if engine is not None:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


def _tables() -> MetaData:
    meta = MetaData()
    meta.reflect(db.engine)
    return meta


def test_old_score_columns_become_nodes_and_verdicts_and_back(migration_app):
    upgrade(revision=BEFORE)
    tables = _tables().tables
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        conn.execute(insert(tables["instansi"]), {"id": 1, "name": "Kementerian Lama", "kind": "kementerian",
                                                   "created_at": now})
        conn.execute(insert(tables["unit"]), {"id": 1, "instansi_id": 1, "name": "Unit Lama", "code": "L-1",
                                              "unit_type": "umum", "current_predicate": "WBK", "created_at": now})
        conn.execute(insert(tables["assessment"]), {
            "id": 1, "unit_id": 1, "year": 2025, "target_predicate": "WBBM", "criteria_id": "permenpanrb-90-2021",
            "status": "draft", "status_version": 1, "status_changed_at": now, "revision": 1, "created_at": now})
        conn.execute(insert(tables["current_score"]), [
            {"assessment_id": 1, "layer": "effective", "complete": False, "answered": 80, "total": 84.625,
             "updated_at": now, **OLD},
            {"assessment_id": 1, "layer": "mandiri", "complete": True, "answered": 113, "total": 100.0,
             "updated_at": now, **dict.fromkeys(OLD, 0.0), "wbk_passed": False, "wbbm_passed": True},
        ])

    upgrade(revision=AFTER)
    current_score = _tables().tables["current_score"]
    assert not {"area_1", "area_6", "pengungkit", "wbk_passed", "wbbm_passed"} & set(current_score.c.keys())
    with db.engine.connect() as conn:
        rows = {r.layer: r for r in conn.execute(select(current_score))}
    effective = rows["effective"]
    assert (effective.complete, effective.answered, effective.total) == (False, 80, 84.625)
    assert effective.nodes == {"pengungkit": 51.25, "P": 27.5, "R": 23.75, "hasil": 33.375, "1": 7.5, "2": 6.25,
                               "3": 9.0, "4": 8.125, "5": 12.5, "6": 7.875}
    assert effective.verdicts == {"WBK": True, "WBBM": False}
    assert rows["mandiri"].verdicts == {"WBK": False, "WBBM": True} and rows["mandiri"].nodes["6"] == 0.0
    with db.engine.connect() as conn:  # the predicate columns, now plain strings, kept their codes
        assert conn.execute(text("SELECT target_predicate FROM assessment")).scalar() == "WBBM"
        assert conn.execute(text("SELECT current_predicate FROM unit")).scalar() == "WBK"

    # the app reads the converted rows as it reads its own (the recap's JSON sort included)
    from zi_assess.models import CurrentScore

    assert db.session.get(CurrentScore, (1, "effective")).nodes["5"] == 12.5
    ordered = db.session.scalars(select(CurrentScore.layer).order_by(CurrentScore.nodes["1"].as_float())).all()
    assert ordered == ["mandiri", "effective"]
    db.session.rollback()

    downgrade(revision=BEFORE)
    current_score = _tables().tables["current_score"]
    assert "nodes" not in current_score.c and "verdicts" not in current_score.c
    with db.engine.connect() as conn:
        rows = {r.layer: r._mapping for r in conn.execute(select(current_score))}
    assert {key: rows["effective"][key] for key in OLD} == OLD
    assert (rows["mandiri"]["wbk_passed"], rows["mandiri"]["wbbm_passed"], rows["mandiri"]["total"]) == \
        (False, True, 100.0)
