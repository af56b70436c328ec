"""Single-client profile of the national pages (issue #15): for each page of ``bench_scale``, its
latency in-process (one client, no server), its SQL statement count and the time spent in SQL,
and its slowest statements — figures that mean something on a busy machine, unlike a p95 under load.

Usage: python benchmarks/profile_scale.py [DATABASE_URL] [--sql] [--profile=WORDS] [--top=N] [--cpu=N]
(the database as bench_scale leaves it; ``--sql`` prints each page's three slowest statements;
``--profile=WORDS``: cProfile of 50 requests of each page whose label holds WORDS, its top N
functions by own time and by cumulative time; ``--cpu=N``: N more requests of each page, and the
process CPU time per request over them — the steadiest figure on a busy machine.)
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from typing import Any

from bench_scale import pages, prepare  # benchmarks/ is the script's folder
from sqlalchemy import event

from zi_assess import create_app
from zi_assess.auth import totp
from zi_assess.demo import DEMO_PASSWORD
from zi_assess.extensions import db

RUNS = 3


def _literal(statement: str, parameters: Any) -> str:
    """The statement with its parameters written in (to paste after EXPLAIN)."""
    def value(v: Any) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, bool | int | float):
            return str(v)
        if isinstance(v, list | tuple):
            return "(" + ", ".join(value(x) for x in v) + ")"
        return "'" + str(v).replace("'", "''") + "'"
    if isinstance(parameters, dict):
        for name in sorted(parameters, key=len, reverse=True):
            statement = statement.replace(f"%({name})s", value(parameters[name]))
    return statement


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    url = args[0] if args else os.environ.get("BENCH_SCALE_DATABASE_URL",
                                              "postgresql://postgres@127.0.0.1:5432/bench_scale")
    ids = prepare(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-scale-" * 4, "WTF_CSRF_ENABLED": False})
    timings: list[tuple[str, float]] = []

    def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        timings.append((_literal(statement, parameters), (time.perf_counter() - conn.info.pop("bench_started")) * 1000))

    print(f"{'page':<50} {'ms (median of 3)':>16} {'CPU ms':>7} {'SQL ms':>8} {'stmts':>6} {'bytes':>9}")
    with app.app_context():  # left before the requests: each has its own app context (g, session)
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    clients: dict[str, Any] = {}
    for label, who, path in pages(ids):
        headers = {"Authorization": f"Bearer {ids['key']}"} if who == "API" else {}
        if who not in clients and who != "API":
            client = clients[who] = app.test_client()
            response = client.post("/masuk", data={"email": who, "password": DEMO_PASSWORD})
            if response.location.endswith("/masuk/kode"):
                response = client.post("/masuk/kode", data={"code": totp.code_at(ids[f"totp:{who}"],
                                                                                  totp.current_step())})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
        client = clients.get(who) or app.test_client()
        client.get(path, headers=headers)  # warm
        runs = []
        for _ in range(RUNS):
            timings.clear()
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(path, headers=headers)
            runs.append(((time.perf_counter() - started) * 1000, sum(t for _s, t in timings), len(timings),
                         list(timings), len(response.get_data()), (time.process_time() - cpu) * 1000))
            assert response.status_code == 200, (path, response.status_code)
        runs.sort(key=lambda r: r[0])
        ms, sql_ms, n, statements, size, cpu_ms = runs[len(runs) // 2]
        print(f"{label:<50} {ms:16.1f} {cpu_ms:7.1f} {sql_ms:8.1f} {n:6d} {size:9,d}")
        repeat = int(next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--cpu=")), "0"))
        if repeat:
            cpu = time.process_time()
            for _ in range(repeat):
                client.get(path, headers=headers)
            print(f"{'':<50} CPU {(time.process_time() - cpu) * 1000 / repeat:.2f} ms/request over {repeat}")
        wanted = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--profile=")), None)
        if wanted is not None and wanted in label:
            _profile(client, path, headers)
        if "--sql" in sys.argv:
            for statement, t in sorted(statements, key=lambda s: -s[1])[:3]:
                print(f"      {t:8.1f} ms  {' '.join(statement.split())[:300]}")
                if "--full" in sys.argv:
                    print(f"        {statement};")


def _profile(client: Any, path: str, headers: dict[str, str]) -> None:
    top = int(next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--top=")), "25"))
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(50):
        client.get(path, headers=headers)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


if __name__ == "__main__":
    main()
