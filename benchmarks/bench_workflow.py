"""Workflow speed (issue #4): saving one answer, and a recap of 4,000 units in one SQL query.

Goals: saving one answer ≤ 20 ms; recap of 4,000 units (totals, areas and verdicts) ≤ 0.2 s.
Usage: python benchmarks/bench_workflow.py [DATABASE_URL]   (default: a temporary SQLite file;
CI's PostgreSQL is postgresql://postgres@127.0.0.1:5432/test — the benchmark empties it).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, insert, text

from zi_assess import create_app
from zi_assess.assessments import operations as ops
from zi_assess.assessments.scores import current_score_values
from zi_assess.audit import SYSTEM, Actor
from zi_assess.domain import load_criteria, score
from zi_assess.domain.answers import best_answers, random_answers
from zi_assess.domain.workflow import Layer, Status
from zi_assess.extensions import db
from zi_assess.models import Assessment, CurrentScore, InstansiKind, Predicate, Role, Unit
from zi_assess.org import operations as org
from zi_assess.recap import recap_rows

N_UNITS = 4000


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "FAST_PASSWORD_HASHING": True})
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        print(f"database: {db.engine.dialect.name}")
        bench_save(app)
        bench_recap()


def bench_save(app) -> None:  # type: ignore[no-untyped-def]
    instansi = org.create_instansi(SYSTEM, "Bench", InstansiKind.KEMENTERIAN)
    unit = org.create_unit(SYSTEM, instansi, "Unit bench", "B-1")
    head = org.create_user(SYSTEM, "head@bench.zi", "Head", "bench password 1")
    org.assign_role(SYSTEM, head, Role.UNIT_HEAD, unit=unit)
    actor = Actor(head, "127.0.0.1")
    assessment = ops.create_assessment(actor, unit, 2026, Predicate.WBK)
    items = [ops.AnswerInput(k, v, "catatan " * 20) for k, v in best_answers(load_criteria()).items()]
    ops.save_answers(actor, assessment.id, Layer.MANDIRI, items)
    db.session.commit()
    timings = []
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    for i in range(200):
        bundle = ops.load_bundle(assessment.id)
        row = bundle.layer_answers(Layer.MANDIRI)["P5.i.b"]
        db.session.expire_all()
        statements.clear()
        start = time.perf_counter()
        ops.save_answer(actor, assessment.id, Layer.MANDIRI, "P5.i.b", "B" if i % 2 else "A", "catatan",
                        seen_version=row.version)
        db.session.commit()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    print(f"save one answer (load, validate, write, audit, re-score, store scores; {len(statements)} SQL statements): "
          f"median {statistics.median(timings):.1f} ms, p95 {timings[int(len(timings) * .95)]:.1f} ms  (goal ≤ 20 ms)")


def bench_recap() -> None:
    criteria = load_criteria()
    rng = random.Random(4000)
    instansi = [org.create_instansi(SYSTEM, f"Instansi {i}", InstansiKind.PEMKAB) for i in range(40)]
    admin = org.create_user(SYSTEM, "admin@bench.zi", "Admin", "bench password 1")
    org.assign_role(SYSTEM, admin, Role.ADMIN)
    db.session.commit()
    db.session.execute(insert(Unit), [
        {"instansi_id": instansi[i % 40].id, "name": f"Unit {i:04d}", "code": f"U{i:04d}", "unit_type": "umum"}
        for i in range(N_UNITS)
    ])
    unit_ids = [row[0] for row in db.session.execute(text("SELECT id FROM unit WHERE code LIKE 'U%'"))]
    db.session.execute(insert(Assessment), [
        {"unit_id": uid, "year": 2026, "target_predicate": Predicate.WBK, "criteria_id": criteria.id,
         "status": Status.PROPOSED, "status_version": 1}  # proposed: what an admin reads without a reason
        for uid in unit_ids
    ])
    assessment_ids = [row[0] for row in db.session.execute(
        text("SELECT a.id FROM assessment a JOIN unit u ON u.id = a.unit_id WHERE u.code LIKE 'U%'"))]
    sheets = [score(criteria, random_answers(criteria, rng)) for _ in range(50)]
    stored = [current_score_values(sheet) for sheet in sheets]  # what refresh_current_scores writes
    rows = [{"assessment_id": aid, "layer": "effective", **stored[n % len(stored)]}
            for n, aid in enumerate(assessment_ids)]
    db.session.execute(insert(CurrentScore), rows)
    db.session.commit()
    admin = db.session.merge(admin)
    _ = admin.roles
    timings = []
    for _ in range(7):
        start = time.perf_counter()
        result = recap_rows(admin)
        timings.append(time.perf_counter() - start)
    assert len(result) >= N_UNITS
    print(f"recap of {len(result):,} units (totals, areas, verdicts; one SQL query): "
          f"median {statistics.median(timings):.3f} s, best {min(timings):.3f} s  (goal ≤ 0.2 s)")


if __name__ == "__main__":
    main()
