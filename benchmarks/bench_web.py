"""Web speed (issue #5): gunicorn (2 workers) on PostgreSQL, loopback load.

1. Open loop: 100 requests/s offered for 30 s by 30 signed-in clients (area form pages, saves,
   dashboards) — goal p95 ≤ 50 ms and no errors.
2. Closed loop: wrk on the area form page — goal ≥ 200 requests/s.
3. Deadline day (bench_deadline.py): 30 clients each on its own area page, 70 % reads and 30 %
   note saves — goal ≥ 90 requests/s, read p95 ≤ 150 ms, save p95 ≤ 250 ms, 0 errors, 0 lost writes.

Usage: python benchmarks/bench_web.py [DATABASE_URL] [--only=deadline]   (BENCH_WEB_PORT: 5077)
(default postgresql://postgres@127.0.0.1:5432/bench_web, created if missing and emptied).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import httpx
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from zi_assess import create_app
from zi_assess.assessments import operations as ops
from zi_assess.audit import SYSTEM, Actor
from zi_assess.domain import load_criteria
from zi_assess.domain.answers import random_answers
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import InstansiKind, Predicate, Role
from zi_assess.org import operations as org

ROOT = Path(__file__).resolve().parent.parent
N_CLIENTS = 30
RATE = 100
SECONDS = 30
PASSWORD = "kopi tubruk di sore hari bench"
AREAS = ("1", "2", "3", "4", "5", "6", "H")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def prepare(url: str) -> list[tuple[str, int]]:
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    engine = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "FAST_PASSWORD_HASHING": False})
    users = []
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        criteria = load_criteria()
        rng = random.Random(5)
        instansi = org.create_instansi(SYSTEM, "Kementerian Bench", InstansiKind.KEMENTERIAN)
        for i in range(N_CLIENTS):
            unit = org.create_unit(SYSTEM, instansi, f"Unit Bench {i:02d}", f"UB-{i:02d}")
            user = org.create_user(SYSTEM, f"op{i}@bench.zi", f"Operator {i}", PASSWORD)
            org.assign_role(SYSTEM, user, Role.UNIT_HEAD, unit=unit)
            actor = Actor(user, "127.0.0.1")
            assessment = ops.create_assessment(actor, unit, 2026, Predicate.WBK)
            notes = "Dokumen pendukung telah diunggah dan direviu tim kerja. " * 3
            ops.save_answers(actor, assessment.id, Layer.MANDIRI, [
                ops.AnswerInput(k, v, notes) for k, v in random_answers(criteria, rng).items()])
            users.append((user.email, assessment.id))
        manager = org.create_user(SYSTEM, "manager@bench.zi", "Manager", PASSWORD)
        org.assign_role(SYSTEM, manager, Role.MANAGER, instansi=instansi)
        db.session.commit()
        db.engine.dispose()
    return users


def start_gunicorn(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "ZI_DATABASE_URL": url, "ZI_SECRET_KEY": "bench"}
    exe = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([exe, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                            cwd=ROOT, env=env)
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/masuk").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no csrf token"
    return match.group(1) or match.group(2)


class _FormParser(HTMLParser):
    """The fields a browser would submit with one form (hidden, checked radios, numbers, textareas)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields, self.textarea = form_id, False, {}, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif self.inside and tag == "input" and "form" not in a and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("hidden", "number", "text") or (kind == "radio" and "checked" in a):
                self.fields[a["name"]] = a.get("value", "")
        elif self.inside and tag == "textarea":
            self.textarea = a.get("name")
            self.fields[self.textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.fields[self.textarea] += data


def form_fields(html: str, form_id: str) -> dict[str, str]:
    parser = _FormParser(form_id)
    parser.feed(html)
    return parser.fields


class Client:
    """One signed-in browser: its cookies, and the versions of the answers it saves.

    Requests go over plain asyncio sockets with the bytes built by hand: a full HTTP client
    costs several milliseconds of CPU per request, which on a 2-core machine is taken from the
    server being measured and shows up as its latency.
    """

    def __init__(self, base: str, email: str, assessment_id: int) -> None:
        self.base, self.email, self.assessment_id = base, email, assessment_id
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.cookies: dict[str, str] = {}
        self.form: dict[str, str] = {}
        # a person saves one form at a time: the next save waits for the previous answer
        self.saving = asyncio.Lock()

    async def login(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=10) as http:
            page = await http.get("/masuk")
            response = await http.post("/masuk", data={"email": self.email, "password": PASSWORD,
                                                       "csrf_token": token(page.text)})
            assert response.status_code == 302, response.text[:300]
            self.cookies = dict(http.cookies.items())
        await self.load_form()

    async def fetch(self, method: str, path: str, form: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        body = urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close",
                "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                *(f"{k}: {v}" for k, v in (headers or {}).items())]
        if form is not None:
            head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status, length = int(lines[0].split()[1]), None
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "set-cookie":
                    key, _, rest = value.strip().partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            content = await reader.readexactly(length) if length is not None else await reader.read()
        finally:
            writer.close()
        return status, content

    async def load_form(self) -> None:
        _, page = await self.fetch("GET", f"/penilaian/{self.assessment_id}/area/1")
        self.form = form_fields(page.decode(), "area-form")

    async def request(self, kind: str) -> tuple[float, int]:
        start = time.perf_counter()
        try:
            return await self._request(kind, start)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            return (time.perf_counter() - start) * 1000, 599

    async def _request(self, kind: str, start: float) -> tuple[float, int]:
        if kind == "area":
            status, _ = await self.fetch("GET", f"/penilaian/{self.assessment_id}/area/{random.choice(AREAS)}")
        elif kind == "dashboard":
            status, _ = await self.fetch("GET", "/dasbor/")
        else:
            async with self.saving:
                start = time.perf_counter()
                # change one answer for real (a save that changes nothing would write nothing)
                value = "A" if self.form.get("a_P1_i_b") == "B" else "B"
                status, _ = await self.fetch("POST", f"/penilaian/{self.assessment_id}/area/1",
                                             dict(self.form, a_P1_i_b=value))
                if status == 302:
                    self.form["a_P1_i_b"] = value
                    self.form["v_P1_i_b"] = str(int(self.form.get("v_P1_i_b") or 0) + 1)
                else:
                    await self.load_form()
        return (time.perf_counter() - start) * 1000, status


async def open_loop(base: str, users: list[tuple[str, int]]) -> None:
    clients = [Client(base, email, aid) for email, aid in users]
    await asyncio.gather(*(c.login() for c in clients))
    kinds = ["area"] * 2 + ["dashboard"] + ["save"]
    results: list[tuple[str, float, int]] = []
    tasks = []

    async def one(client: Client, kind: str) -> None:
        latency, status = await client.request(kind)
        results.append((kind, latency, status))

    start = time.perf_counter()
    for i in range(RATE * SECONDS):
        delay = start + i / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(clients[i % len(clients)], kinds[i % len(kinds)])))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    latencies = sorted(r[1] for r in results)
    errors = [r for r in results if r[2] not in (200, 302)]
    print(f"open loop: {len(results)} requests in {elapsed:.1f} s ({len(results) / elapsed:.0f}/s offered {RATE}/s, "
          f"{N_CLIENTS} clients): p50 {statistics.median(latencies):.1f} ms, "
          f"p95 {latencies[int(len(latencies) * .95)]:.1f} ms, p99 {latencies[int(len(latencies) * .99)]:.1f} ms, "
          f"errors {len(errors)}  (goal p95 ≤ 50 ms, no errors)")
    if errors:
        from collections import Counter

        print("  errors by kind and status:", dict(Counter((r[0], r[2]) for r in errors)))
    stored = sum(1 for r in results if r[0] == "save" and r[2] == 302)
    print(f"  saves stored (302 redirect after a real change): {stored} of {sum(r[0] == 'save' for r in results)}")
    for kind in ("area", "dashboard", "save"):
        own = sorted(r[1] for r in results if r[0] == kind)
        print(f"  {kind:<9} n={len(own):>4} p50 {statistics.median(own):.1f} ms p95 {own[int(len(own) * .95)]:.1f} ms")


def closed_loop(base: str, email: str, assessment_id: int) -> None:
    if not shutil.which("wrk"):
        print("closed loop: wrk is not installed (apt-get install wrk)")
        return
    with httpx.Client(base_url=base) as http:
        page = http.get("/masuk")
        http.post("/masuk", data={"email": email, "password": PASSWORD, "csrf_token": token(page.text)})
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    url = f"{base}/penilaian/{assessment_id}/area/5"
    out = subprocess.run(["wrk", "-t2", "-c8", "-d15s", "--latency", "-H", f"Cookie: {cookie}", url],
                         capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(f"closed loop (wrk, 8 connections, area form page of 22 indicators): {float(rate):.0f} requests/s, "
          f"p99 {p99}, non-2xx {non2xx.group(1) if non2xx else 0}  (goal ≥ 200/s)")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    only = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")), None)
    url = args[0] if args else "postgresql://postgres@127.0.0.1:5432/bench_web"
    users = prepare(url)
    port = int(os.environ.get("BENCH_WEB_PORT", "5077"))
    server = start_gunicorn(url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        if only in (None, "deadline"):
            from bench_deadline import deadline_mix

            deadline_mix(base, url, users, lambda: cpu_seconds(server.pid))
        if only == "deadline":
            return
        server_before, client_before = cpu_seconds(server.pid), resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        asyncio.run(open_loop(base, users))
        wall = time.perf_counter() - started
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
        print(f"  CPU during the open loop: app {(cpu_seconds(server.pid) - server_before) / wall:.2f} cores, "
              f"load generator {client_cpu / wall:.2f} cores (of 2)")
        closed_loop(base, *users[0])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(10)


if __name__ == "__main__":
    main()
