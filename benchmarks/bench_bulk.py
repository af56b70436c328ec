"""Bulk LHE export throughput (issue #15 item 4): reports per minute with 1, 2, … RQ workers.

Every report of a bulk export is one RQ job; any number of ``zi-assess worker`` processes (here:
on this machine) share Redis, the database and the report store. This seeds ``--units``
assessments (113 indicators answered with realistic notes, TPI layer, review comments — the
seed of ``bench_pdf.py``), then exports their LHE once per worker count and, right after, lets
as many processes render the reference report (``pdf_reference.py --repeat``) as many times: the
ratio of the two rates is the figure of issue #15 (goal: ≥ 2 × with two workers). ``--rounds``
repeats both, taking turns, and prints every ratio (a shared machine drifts).

    python benchmarks/bench_bulk.py --units 50 --workers 1,2 [--rounds 2] [--database-url postgresql://…]

``make bench-pdf`` runs it with a small N. Needs Redis (default db 2 of 127.0.0.1:6379); the
database is a throw-away SQLite file unless ``--database-url`` names an empty PostgreSQL database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pdf import OUT, bench_bulk, bench_reference_bulk, compile_bytecode, seed  # noqa: E402  (shared)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=50, help="LHE reports in each export")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, comma-separated")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--rounds", type=int, default=1, help="measure every worker count this many times")
    args = parser.parse_args()
    compile_bytecode()

    from flask_migrate import upgrade
    from sqlalchemy import text

    from zi_assess import create_app
    from zi_assess.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="zi-bench-bulk-"))
    config = {"DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.db'}", "SECRET_KEY": "bench",
              "REPORT_DIR": str(tmp / "reports"), "EXPORT_DIR": str(tmp / "exports"), "REDIS_URL": args.redis_url,
              "REPORT_QUEUE": f"zi-bench-bulk-{uuid.uuid4().hex[:8]}", "FAST_PASSWORD_HASHING": True,
              "REPORT_PRERENDER_LOCALES": []}
    env = {**os.environ, **{f"ZI_{k}": str(v) for k, v in config.items()}}
    app = create_app(config)
    results = []
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        started = time.perf_counter()
        ids = seed(app, args.units - 1, random.Random(2026))  # seed makes units + 1; the first is left out
        ids["export"] = [ids["lhe"], *ids["export"]]
        print(f"seeded {len(ids['export'])} assessments in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name}); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        for _round in range(args.rounds):
            for workers in (int(w) for w in args.workers.split(",")):
                bulk = bench_bulk(app, ids, env, workers)
                reference = bench_reference_bulk(workers, len(ids["export"]))
                ratio = bulk["per_minute"] / reference["per_minute"]
                results.append({"workers": workers, **bulk, "reference_per_minute": reference["per_minute"],
                                "ratio": ratio})
                print(f"{bulk['reports']} LHE with {workers} worker(s): {bulk['wall_s']:.1f} s, "
                      f"{bulk['per_minute']:.1f} reports/min, {bulk['failed']} failed, worker peak "
                      f"{bulk['worker_peak_mb']:.0f} MB; {workers} reference process(es): "
                      f"{reference['per_minute']:.1f} /min; ratio {ratio:.2f} × (goal with 2: ≥ 2 ×); "
                      f"load average {os.getloadavg()[0]:.2f}")
        db.session.remove()
    OUT.mkdir(exist_ok=True)
    (OUT / "bench-bulk.json").write_text(json.dumps(results, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
