"""Profile the deadline-day requests in-process (issue #15 item 5): one area page read revalidated
with If-None-Match (304), one full read, one autosave and one classic form save, on PostgreSQL.

For each: SQL statements (SQLAlchemy ``before_cursor_execute``), CPU ms (median of the runs) and
cProfile's top entries by cumulative time.

Usage: python benchmarks/profile_area.py [DATABASE_URL] [--top=25] [--sql]
(default postgresql://postgres@127.0.0.1:5432/bench_web; the database is emptied).
"""

from __future__ import annotations

import cProfile
import io
import logging
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench_web import PASSWORD, form_fields, prepare, token
from sqlalchemy import event

from zi_assess import create_app
from zi_assess.extensions import db

RUNS = 30


def _measure(engine: Any, name: str, call: Callable[[int], Any], top: int, show_sql: bool,
             before: Callable[[int], Any] | None = None) -> None:
    """Run ``call`` RUNS times (``before`` first each time, not measured); print the figures."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    checkouts: list[int] = []
    event.listen(engine, "checkout", lambda *_args: checkouts.append(1))  # one pre-ping each (when on)
    cpu = []
    profile = cProfile.Profile()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for i in range(2 * RUNS):  # CPU measured without the profiler, then profiled
            if before is not None:
                before(i)
            statements.clear()
            checkouts.clear()
            start = time.process_time()
            if i >= RUNS:
                profile.enable()
            call(i)
            if i >= RUNS:
                profile.disable()
            else:
                cpu.append((time.process_time() - start) * 1000)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    print(f"\n== {name}: {len(statements)} SQL statements, {len(checkouts)} pool checkouts, "
          f"CPU ms median {statistics.median(cpu):.1f}, min {min(cpu):.1f} (of {RUNS})")
    if show_sql:
        for statement in statements:
            print("   ", " ".join(statement.split())[:160])
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    # Python function calls per request: a count a shared machine's load does not change
    print(f"   {stats.total_calls / RUNS:.0f} Python function calls per request")  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("cumulative").print_stats("zi_assess", top)  # our own code
    stats.sort_stats("tottime").print_stats(top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    top = int(next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--top=")), "25"))
    url = args[0] if args else "postgresql://postgres@127.0.0.1:5432/bench_web"
    users = prepare(url)
    logging.getLogger("zi_assess.request").setLevel(logging.WARNING)
    email, assessment_id = users[0]
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    client = app.test_client()
    login = client.get("/masuk")
    assert client.post("/masuk", data={"email": email, "password": PASSWORD,
                                       "csrf_token": token(login.get_data(as_text=True))}).status_code == 302
    path = f"/penilaian/{assessment_id}/area/1"
    with app.app_context():  # each request has its own session, as under gunicorn
        engine = db.engine
    page = client.get(path)
    etag = page.headers["ETag"]
    form = form_fields(page.get_data(as_text=True), "area-form")
    key = sorted(name[2:] for name in form if name.startswith("n_"))[0]

    def revalidate(_i: int) -> None:
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304

    def full(_i: int) -> None:
        assert client.get(path).status_code == 200

    def autosave(i: int) -> None:
        response = client.post(path + "/autosave", data=dict(form, **{f"n_{key}": f"autosave {i}"}),
                               headers={"Accept": "application/json", "X-Requested-With": "fetch"})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        form.update(response.get_json()["fields"])

    def classic(i: int) -> None:
        response = client.post(path, data=dict(form, **{f"n_{key}": f"classic {i}"}))
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        fresh = client.get(path)  # the redirect followed (shows "saved" once)
        form.update(form_fields(fresh.get_data(as_text=True), "area-form"))

    show_sql = "--sql" in sys.argv
    _measure(engine, "read revalidated (If-None-Match → 304)", revalidate, top, show_sql)
    _measure(engine, "read without a validator (200; parts cached)", full, top, show_sql)
    _measure(engine, "read after a save (200; the saved card rendered again)", full, top, show_sql,
             before=lambda i: autosave(1000 + i))
    _measure(engine, "autosave of one note (fetch, JSON)", autosave, top, show_sql)
    _measure(engine, "classic save (POST → 302) + the redirect's GET", classic, top, show_sql)


if __name__ == "__main__":
    main()
