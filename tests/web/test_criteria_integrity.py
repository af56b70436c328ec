"""Criteria integrity: each version's files have a content hash, recorded with every assessment and
stored report; an assessment whose version's files changed under the same id is refused (pages,
command line), never silently rescored. The migration records the hash of existing assessments."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, insert, select

from tests.workflow.test_audit_chain import revision_before_security
from tests.workflow.test_migration_current_scores import migration_app  # noqa: F401  (fixture)
from zi_assess.assessments.loading import load_bundle
from zi_assess.domain.loader import (
    CRITERIA_ROOT,
    CriteriaChanged,
    add_criteria_roots,
    criteria_hash,
    load_criteria,
)
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import Assessment

SHIPPED = "permenpanrb-90-2021"


def copy_criteria(root: Path, new_id: str) -> Path:
    folder = root / new_id
    shutil.copytree(CRITERIA_ROOT / SHIPPED, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["id"] = new_id
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    add_criteria_roots([root])
    return folder


def swap_two_weights(folder: Path) -> None:
    path = next((folder / "areas").glob("1-*.json"))
    data = json.loads(path.read_text())
    subs = data["aspects"]["P"]["sub_areas"]
    first, second = next((a, b) for a in subs for b in subs if a["bobot"] != b["bobot"])
    first["bobot"], second["bobot"] = second["bobot"], first["bobot"]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1))


def restart() -> None:
    """What a new process sees: the files as they are now."""
    load_criteria.cache_clear()
    criteria_hash.cache_clear()


def test_the_hash_covers_content_not_formatting(tmp_path):
    folder = copy_criteria(tmp_path / "roots", "zi-test-format")
    original = criteria_hash("zi-test-format")
    path = folder / "thresholds.json"
    path.write_text(json.dumps(json.loads(path.read_text()), indent=4, sort_keys=True) + "\n\n")
    restart()
    assert criteria_hash("zi-test-format") == original
    swap_two_weights(folder)
    restart()
    assert criteria_hash("zi-test-format") != original


def test_changed_criteria_files_are_refused_for_recorded_assessments(app, team, flow, login, runner, tmp_path,
                                                                     monkeypatch, capsys):
    folder = copy_criteria(tmp_path / "roots", "zi-test-swap")
    app.config["CRITERIA"] = "zi-test-swap"
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    assert a.criteria_hash == criteria_hash("zi-test-swap")
    assert login(team.head).get(f"/penilaian/{a.id}").status_code == 200
    # a weight swapped in the files under the same id: refused, naming the version
    swap_two_weights(folder)
    restart()
    load_criteria("zi-test-swap")  # the changed files are still valid criteria
    with pytest.raises(CriteriaChanged, match="zi-test-swap"):
        load_bundle(a.id).criteria  # noqa: B018
    page = login(team.head).get(f"/penilaian/{a.id}")
    assert page.status_code == 409 and "zi-test-swap" in page.get_data(as_text=True)
    result = runner.invoke(args=["report", "lhe", str(a.id), "-o", str(tmp_path / "lhe.pdf")])
    assert isinstance(result.exception, CriteriaChanged) and not (tmp_path / "lhe.pdf").exists()
    # the zi-assess script prints one line and exits 1
    from zi_assess.cli import main

    db.session.commit()
    monkeypatch.setenv("ZI_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("ZI_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("ZI_SECRET_KEY", "x" * 40)
    assert main(["report", "lhe", str(a.id), "-o", str(tmp_path / "lhe.pdf")]) == 1
    for other, engines in list(db._app_engines.items()):  # close the connections of the app main() built
        if other is not app:
            for engine in engines.values():
                engine.dispose()
    assert "refused: criteria version 'zi-test-swap' changed" in capsys.readouterr().err
    # nothing was rescored: the stored current scores are those of the original weights
    assert db.session.get(Assessment, a.id).criteria_hash != criteria_hash("zi-test-swap")


def test_the_migration_records_the_hash_of_existing_assessments(migration_app):  # noqa: F811
    upgrade(revision=revision_before_security())
    meta = MetaData()
    meta.reflect(db.engine)
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        conn.execute(insert(meta.tables["instansi"]), {"id": 1, "name": "K", "kind": "kementerian", "created_at": now})
        conn.execute(insert(meta.tables["unit"]), {"id": 1, "instansi_id": 1, "name": "U", "code": "U-1",
                                                   "unit_type": "umum", "created_at": now})
        for n, criteria_id in ((1, SHIPPED), (2, "gone-version")):
            conn.execute(insert(meta.tables["assessment"]), {
                "id": n, "unit_id": 1, "year": 2024 + n, "target_predicate": "WBK", "criteria_id": criteria_id,
                "status": "decided", "status_version": 1, "status_changed_at": now, "revision": 1,
                "created_at": now})
    upgrade(revision="c3e6a2f40003")
    hashes = dict(db.session.execute(select(Assessment.id, Assessment.criteria_hash)).all())
    assert hashes == {1: criteria_hash(SHIPPED), 2: None}
