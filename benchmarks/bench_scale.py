"""National scale (issue #15): the pages managers, the TPN and PortalRB use, on the national data
set (``zi-assess demo --scale national``: 5,000 units, 15,000 assessments, 5.5 million answers),
served by gunicorn (4 sync workers, sharing Redis as deployed) on PostgreSQL to 20 concurrent
clients. Goal: p95 ≤ 100 ms per page. Per page also: "cold", one request right after the data
revision was bumped (what the first reader after a write waits, the result cache empty for that
revision), and the workers' CPU time per request (their user + system time over the load, divided
by the requests served): on a busy 2-core machine the figure that moves least, and latency at 20
clients is about 10× it.

What brought every page under the goal (2026-12-04, second session; CPU ms per request, bench
figures before → after on the same data set): the gunicorn workers start warm (``ZI_WARM_START``:
templates loaded through the shared bytecode cache, mappers configured — a new worker's first
national dashboard cost ~180 ms of CPU, ~100 ms of it compiling templates, paid inside this
benchmark's 80 requests by each of the 4 workers); the servers share Redis as deployed, so a
result computed by one worker serves the others (area page's cards, an assessment's scores —
criteria now pickle as their id —, the overview's tree, score card, verdicts and Tabel 5); the
recap filter's instansi choices come from the result cache as (id, name) pairs instead of 172 ORM
rows per request (recap pages and XLSX −2 ms each); the area page's tabs and running scores are
rendered once per assessment revision; the navigation's links once per set of roles, language and
page. National dashboard 9.0 → 5.5–6.4, TPN queue 5.9 → 4.8–5.2, recap by area 11.8 → 4.5–5.7,
one instansi 8.3 → 4.6–5.4, XLSX 10.1 → 5.9–6.4, overview 15.6 → 7.5–8.1, area page 13.6 →
7.1–7.4, PortalRB 7.4 → 4.0–4.6, national recap 10.3 → 4.6–5.4; also the dashboard's queue
cards are rendered once per their rows and ages. Three runs at 18:06 (idle machine, load 0.2–1.1)
after all of it: p95 dashboard 84/92/121 ms, TPN queue 58/55/56, recap by area 74/63/63, one
instansi 104/75/71, XLSX 100/100/88, overview 101/114/102, area page 90/106/92, PortalRB 81/74/75,
national recap 64/63/72: 7, 6 and 7 of 9 pages within the goal; the overview (CPU 7.7–8.8 ms) is
the one that misses in every run, by 1–14 ms.

Third session (2026-12-04 evening, the fixed cost of every page; instructions per request by
``valgrind --tool=callgrind`` of the production WSGI app in-process, national set, before → after):
the account, its unread count and the data revision in one statement (two fewer on every page);
the assessment heading (authz asked six times, a macro module imported) rendered once per the
reader's roles on the assessment and the data revision; the overview's step forms kept with a
CSRF placeholder and its history per the rows shown; translations kept per request beside their
locale, templates' ``_()`` in one call (74 K → 37 K instructions each); built addresses kept per
app; the recap filter's choices kept per language; the Redis client made at warm start (a
worker's first cached page imported redis-py, ~0.2 s). Overview 21.5 → 14.5 M, area page ~18.2 →
15.8 M, national dashboard 12.5 → 11.5 M, TPN queue 11.4 → 10.4 M, recap by area 16.4 → 13.2 M,
one instansi 15.9 → 14.4 M (XLSX and PortalRB unchanged). The PortalRB key's allowance is raised
for the bench (the limiter still runs): with 10 rounds half the calls were 429. Runs at 20:43–20:51
(idle but for this, load 0.8–1.9), p95 ms with ``--rounds=10`` (three runs): dashboard 71/57/61,
TPN queue 50/56/74, recap by area 47/63/51, one instansi 162/149/137 (p50 49–58, CPU 3.9–4.8 ms),
XLSX 104/99.5/80, overview 92/90/86, area page 95.5/85/61, PortalRB 123/93/63, national recap
72/75/52: 6, 8 and 8 of 9 within the goal; ``--rounds=3``: all 9 (49, 41, 63, 55, 86, 74, 69, 78,
58). The one-instansi page's tail (only in full runs) was the cyclic garbage collector: a
``gc.callbacks`` log in the workers showed generation-2 collections of 157–237 ms in all four
workers at once during that page, each walking the ~170,000 objects of the worker's start-up.
Warm start now ends with ``gc.collect(); gc.freeze()``: the same page's collections took 9–18 ms.
Two runs after it (21:00–21:05, load 1.0–1.6): dashboard 126 (its first requests met workers still
starting: cold 170 ms)/79, TPN queue 54/73, recap by area 61/70, one instansi 69/72, XLSX 105/110
(CPU ~7 ms: every download writes its audit row), overview 93/94, area page 86/87, PortalRB 85/95,
national recap 55/64: 7 and 8 of 9 within the goal.

Fourth session (2026-12-04, 22:00–23:20): the round trips of every request, and the audit writes.
On PostgreSQL reads run outside a transaction until the first statement that writes or locks
(``zi_assess.transactions``): a page that only reads no longer sends ``BEGIN`` and ``ROLLBACK`` (two
of its three to five round trips, each a wait for the scheduler under load); the audit chain's lock
and its last row go in one round trip (one fewer holding the lock); the recap CSV/XLSX comes from
the result cache with its row count before the audit row is written (no rows unpickled, no second
transaction); a PortalRB key's last use is written at most once a minute (20 clients queued on its
row); the overview makes its step forms only when their HTML is rendered (14.5 → 13.5 M
instructions). The bench now waits for every worker to load the app (``gunicorn_ready.py``).
``ab_scale.py bc69aa3 --rounds=10`` (23:09, interleaved), CPU ms/request and p95 ms, A → B:
dashboard 2.7–3.0 → 2.4–2.8 (38.5–56.3 → 33.2–38.5), TPN queue 2.5–3.2 → 2.5–2.7 (36.8–48.6 →
31.4–36.8), recap by area 3.0–3.5 → 2.8–3.1 (42.8–60.7 → 35.6–46.0), one instansi 3.3–3.6 → 3.0–3.4
(47.6–59.1 → 38.9–50.2), XLSX 4.6–5.6 → 3.5–4.1 (71.2–93.6 → 50.8–62.9), overview 4.0–4.5 → 3.4–4.0
(60.3–68.9 → 44.7–82.1), area page 3.8–4.4 → 3.5–4.1 (57.1–69.2 → 45.1–60.0), PortalRB 3.3–4.3 →
2.5–3.2 (54.3–72.1 → 38.2–50.6), national recap 3.0–3.6 → 2.8–3.4 (43.7–55.3 → 37.2–45.8).
Three runs of this script at 23:08–23:11 (load 0.4–3.3), p95 ms: dashboard 42/37/39, TPN queue
37/32/35, recap by area 41/42/40, one instansi 40/71/40, XLSX 73/54/63, overview 52/52/53, area page
55/51/54, PortalRB 66/40/46, national recap 43/49/43: 9 of 9 within the goal in all three
(300–630 req/s per page). The earlier runs' machine was busier: A's figures above are this
session's, on the same machine, for the comparison.

Usage: python benchmarks/bench_scale.py [DATABASE_URL] [--rounds=N]
(default $BENCH_SCALE_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/bench_scale; the
database is migrated, and the national set is generated into it once — about four minutes —
then kept: later runs reuse it. Each run adds one PortalRB API key.)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_web import CSRF  # benchmarks/ is the script's folder
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text

from zi_assess import create_app
from zi_assess.audit import Actor
from zi_assess.auth import totp
from zi_assess.demo import DEMO_PASSWORD, YEAR
from zi_assess.demo_national import MARKER, load_national, vacuum
from zi_assess.extensions import db
from zi_assess.interop import operations as iops
from zi_assess.models import Assessment, Instansi, Unit, User
from zi_assess.models.base import utcnow

ROOT = Path(__file__).resolve().parent.parent
PORT = 5151
WORKERS = 4
CLIENTS = 20
#: requests per client and page (after one warm-up each), ``--rounds=N``: with 3 (the earlier
#: runs) a page's p95 is its 57th of 60 requests, about a third of a second of load, which one
#: scheduler hiccup on this shared 2-core machine decides; 10 gives 200 per page
ROUNDS = 10
GOAL_MS = 100
#: the servers' Redis (BENCH_SCALE_REDIS_URL; empty: none, each worker caches for itself)
REDIS_URL = os.environ.get("BENCH_SCALE_REDIS_URL", "redis://127.0.0.1:6379/14")
#: the accounts the pages are read with (besides the PortalRB key)
READERS = ("manajer.nasional@demo.zi", "tpn@demo.zi")


def prepare(url: str) -> dict[str, str]:
    """Migrate, load the national set if missing; the ids and key the pages need."""
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    engine = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-scale-" * 4})
    with app.app_context():
        upgrade()
        if db.session.scalar(select(Instansi.id).where(Instansi.name == MARKER)) is None:
            started = time.perf_counter()
            load_national(echo=print)
            db.session.commit()
            vacuum()
            print(f"national data set generated in {time.perf_counter() - started:.0f} s")
        counts = {table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))
                  for table in ("unit", "assessment", "answer", "current_score", "audit_event")}
        print("data set: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
        # the K/L with the most proposals this year pulls its list through the API
        instansi_id, proposed = db.session.execute(
            select(Unit.instansi_id, func.count()).join(Assessment).where(
                Assessment.year == YEAR, Assessment.status == "proposed")
            .group_by(Unit.instansi_id).order_by(func.count().desc()).limit(1)).one()
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.zi"))
        _key, plain = iops.create_api_key(Actor(admin, "127.0.0.1"), instansi_id, "bench-scale")
        assessment = db.session.scalar(select(Assessment.id).where(
            Assessment.year == YEAR, Assessment.status == "tpn_desk").order_by(Assessment.id.desc()).limit(1))
        secrets = {}
        for email in READERS:  # their roles need a second factor: enrolled here, a code computed per sign-in
            user = db.session.scalar(select(User).where(User.email == email))
            if user.totp_secret is None:
                user.totp_secret, user.totp_enabled_at = totp.new_secret(), utcnow()
            user.totp_last_step = None  # one sign-in per reader and run
            secrets[f"totp:{email}"] = user.totp_secret
        db.session.commit()
        db.engine.dispose()
    print(f"PortalRB key of instansi {instansi_id} ({proposed} units proposed in {YEAR}); assessment {assessment}")
    return {"key": plain, "assessment": str(assessment), "instansi": str(instansi_id), **secrets}


def pages(ids: dict[str, str]) -> list[tuple[str, str, str]]:
    a, i = ids["assessment"], ids["instansi"]
    return [
        ("national dashboard (recap top 200, chart)", "manajer.nasional@demo.zi", "/dasbor/"),
        ("TPN queue (dashboard)", "tpn@demo.zi", "/dasbor/"),
        (f"recap page: {YEAR}, proposed, by area 3 ↑", "manajer.nasional@demo.zi",
         f"/rekap?tahun={YEAR}&status=proposed&urut=area_3&arah=naik"),
        (f"recap page: one instansi, {YEAR}, search", "manajer.nasional@demo.zi",
         f"/rekap?instansi={i}&tahun={YEAR}&cari=balai&urut=pengungkit"),
        (f"recap XLSX: {YEAR}, proposed", "manajer.nasional@demo.zi", f"/rekap.xlsx?tahun={YEAR}&status=proposed"),
        ("assessment overview", "tpn@demo.zi", f"/penilaian/{a}"),
        ("area page (area 3)", "tpn@demo.zi", f"/penilaian/{a}/area/3"),
        ("PortalRB unit-wbk", "API", f"/api/portalrb/pengusulan/unit-wbk?tahun={YEAR}"),
        (f"recap page: national, {YEAR} (2,204 rows, paged)", "manajer.nasional@demo.zi", f"/rekap?tahun={YEAR}"),
    ]


def start_gunicorn(url: str, port: int = PORT, root: Path = ROOT) -> subprocess.Popen[bytes]:
    """gunicorn serving the code of ``root`` (its own folder first on the path), with Redis as a
    deployment has it (deploy/zi-assess.env.example: the workers share the result cache); returned
    once every worker has loaded the app (``gunicorn_ready.py``)."""
    ready = Path(tempfile.mkdtemp(prefix="bench-ready-"))
    env = {**os.environ, "ZI_DATABASE_URL": url, "ZI_SECRET_KEY": "bench-scale-" * 4,
           "ZI_REDIS_URL": REDIS_URL, "BENCH_READY_DIR": str(ready),
           # the PortalRB key's allowance (120 a minute) raised: the limiter still counts every
           # call in Redis, but the 220 calls of a run are all served (else half are 429)
           "ZI_PORTALRB_RATE_LIMIT_PER_MINUTE": "1000000",
           "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    exe = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([exe, "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "-c", str(Path(__file__).with_name("gunicorn_ready.py")), "wsgi:app"],
                            cwd=root, env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if len(list(ready.iterdir())) >= WORKERS:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/masuk").status_code == 200:
                        return proc
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
    finally:
        shutil.rmtree(ready, ignore_errors=True)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def session_cookie(base: str, email: str, secret: str) -> str:
    with httpx.Client(base_url=base, timeout=30) as http:
        def post(path: str, data: dict[str, str]) -> httpx.Response:
            match = CSRF.search(http.get(path).text)
            assert match, "no csrf token"
            response = http.post(path, data={**data, "csrf_token": match.group(1) or match.group(2)})
            assert response.status_code == 302, response.text[:300]
            return response

        if post("/masuk", {"email": email, "password": DEMO_PASSWORD}).headers["location"].endswith("/masuk/kode"):
            post("/masuk/kode", {"code": totp.code_at(secret, totp.current_step())})
        return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


async def fetch(path: str, header: str, port: int = PORT) -> tuple[float, int]:
    """One GET over a fresh connection, bytes built by hand (a full client costs the server CPU)."""
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{header}\r\n\r\n".encode())
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        length = next((int(line.split(":", 1)[1]) for line in head[1:] if line.lower().startswith("content-length:")),
                      None)
        await (reader.readexactly(length) if length is not None else reader.read())
    finally:
        writer.close()
    return (time.perf_counter() - start) * 1000, status


async def load(path: str, header: str, port: int = PORT) -> tuple[list[float], list[int]]:
    async def client() -> list[tuple[float, int]]:
        await fetch(path, header, port)  # warm-up (not counted)
        return [await fetch(path, header, port) for _ in range(ROUNDS)]

    results = [r for one in await asyncio.gather(*(client() for _ in range(CLIENTS))) for r in one]
    return sorted(r[0] for r in results), [r[1] for r in results]


def workers_cpu(server: subprocess.Popen[bytes]) -> float:
    """User + system CPU seconds of the gunicorn workers (the master's children) so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.pid:  # ppid
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def bump_revision(url: str) -> None:
    """What a write does to the result cache: the next request of every page computes again."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        if conn.execute(text("SELECT to_regclass('data_revision')")).scalar() is not None:
            conn.execute(text("UPDATE data_revision SET revision = revision + 1"))
    engine.dispose()


def measure(url: str, server: subprocess.Popen[bytes], port: int, path: str, header: str) -> dict[str, float]:
    """Cold (one request after a revision bump), then the load: p50, p95, req/s, errors, CPU ms/request."""
    bump_revision(url)
    cold, _status = asyncio.run(fetch(path, header, port))
    cpu = workers_cpu(server)
    started = time.perf_counter()
    latencies, statuses = asyncio.run(load(path, header, port))
    wall = time.perf_counter() - started
    served = CLIENTS * (ROUNDS + 1)  # with the warm-up requests: the CPU counts them too
    return {"cold": cold, "p50": statistics.median(latencies), "p95": latencies[int(len(latencies) * .95) - 1],
            "rps": len(latencies) / wall, "errors": sum(1 for s in statuses if s != 200),
            "cpu": (workers_cpu(server) - cpu) * 1000 / served}


def main() -> None:
    global ROUNDS
    ROUNDS = int(next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--rounds=")), ROUNDS))
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    url = args[0] if args else os.environ.get(
        "BENCH_SCALE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_scale")
    ids = prepare(url)
    server = start_gunicorn(url)
    base = f"http://127.0.0.1:{PORT}"
    try:
        cookies = {email: session_cookie(base, email, ids[f"totp:{email}"]) for email in READERS}
        print(f"gunicorn {WORKERS} sync workers, {CLIENTS} concurrent clients, {ROUNDS} requests each per page; "
              f"goal p95 ≤ {GOAL_MS} ms")
        for label, who, path in pages(ids):
            header = f"Authorization: Bearer {ids['key']}" if who == "API" else f"Cookie: {cookies[who]}"
            m = measure(url, server, PORT, path, header)
            ok = m["p95"] <= GOAL_MS and not m["errors"]
            print(f"  {label:<46} cold {m['cold']:7.1f} ms  p50 {m['p50']:7.1f} ms  p95 {m['p95']:7.1f} ms  "
                  f"{m['rps']:5.1f} req/s  CPU {m['cpu']:5.1f} ms/req  errors {m['errors']:.0f}  "
                  f"{'ok' if ok else 'MISS'}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)


if __name__ == "__main__":
    main()
