"""Deadline day (issue #15 item 5), run by bench_web.py: 30 clients, each owning one area page
of its own assessment; 70 % reads of that page (revalidated with If-None-Match, as a browser
does), 30 % note saves, think time up to 0.5 s. A save is what the browser really sends while
someone types a note: the area page's autosave (area.js: the form's fields posted by fetch to
``/area/<area>/autosave``, answered with JSON holding the new versions — no redirect, no page);
``CLASSIC=1`` in the environment posts the form with its button instead (POST → 302 → GET);
``DEADLINE_CLIENTS=1`` runs one client alone (its latencies without a queue).
Each client remembers its last acknowledged note per indicator; after the run the database must
hold exactly those (0 lost writes).

Goal: ≥ 90 requests/s, read p95 ≤ 150 ms, save p95 ≤ 250 ms, no errors.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench_web import Client, form_fields
from sqlalchemy import create_engine, text

from zi_assess.assessments.forms import field_key
from zi_assess.domain import load_criteria

SECONDS = 40
READ_SHARE = 0.7
THINK = 0.5
PAGES = ("1", "2", "3", "4", "5", "6")
CLASSIC = os.environ.get("CLASSIC") == "1"


class PageOwner(Client):
    """A browser on one area page: keeps the page's ETag and the notes the server acknowledged."""

    def __init__(self, base: str, email: str, assessment_id: int, n: int) -> None:
        super().__init__(base, email, assessment_id)
        self.n, self.area = n, PAGES[n % len(PAGES)]
        self.path = f"/penilaian/{assessment_id}/area/{self.area}"
        self.etag: str | None = None
        self.acked: dict[str, str] = {}  # field key → last note the server acknowledged (200 ok / 302)
        self.results: list[tuple[str, float, int]] = []
        self.saves = 0

    async def load_form(self) -> None:
        _, page = await self.fetch("GET", self.path)
        self.form = form_fields(page.decode(), "area-form")
        self.keys = sorted(name[2:] for name in self.form if name.startswith("n_"))

    async def get(self, path: str, etag: str | None) -> tuple[int, bytes, dict[str, str]]:
        """A GET sending If-None-Match; the response's status, body and headers."""
        head = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close",
                "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items())]
        if etag:
            head.append(f"If-None-Match: {etag}")
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
            lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.lower()] = value.strip()
                if name.lower() == "set-cookie":
                    key, _, rest = value.strip().partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            length = int(headers.get("content-length", "0"))
            body = await reader.readexactly(length) if length else b""
        finally:
            writer.close()
        return int(lines[0].split()[1]), body, headers

    async def read(self) -> None:
        start = time.perf_counter()
        status, _body, headers = await self.get(self.path, self.etag)
        self.results.append(("read", (time.perf_counter() - start) * 1000, status))
        if status == 200:
            self.etag = headers.get("etag")

    async def save(self) -> None:
        key = random.choice(self.keys)
        self.saves += 1
        note = f"Catatan klien {self.n}, simpan {self.saves}: data dukung diperbarui."
        form = dict(self.form, **{f"n_{key}": note})
        start = time.perf_counter()
        try:
            if CLASSIC:
                status, _ = await self.fetch("POST", self.path, form)
            else:
                status, body = await self.fetch("POST", self.path + "/autosave", form,
                                                {"Accept": "application/json", "X-Requested-With": "fetch"})
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = 599
        self.results.append(("save", (time.perf_counter() - start) * 1000, status))
        if CLASSIC and status == 302:
            self.acked[key] = note
            self.form[f"n_{key}"] = note
            self.form[f"v_{key}"] = str(int(self.form.get(f"v_{key}") or 0) + 1)
            await self.read()  # the browser follows the redirect (the page shows "saved" once)
        elif not CLASSIC and status == 200 and json.loads(body)["ok"]:
            self.acked[key] = note
            self.form[f"n_{key}"] = note
            self.form.update(json.loads(body)["fields"])  # the new versions and fingerprints, as area.js does
        else:
            await self.load_form()

    async def run(self, until: float) -> None:
        while time.perf_counter() < until:
            await asyncio.sleep(random.uniform(0, THINK))
            if random.random() < READ_SHARE:
                await self.read()
            else:
                await self.save()


async def _run(base: str, users: list[tuple[str, int]],
               server_cpu: Callable[[], float]) -> tuple[list[PageOwner], float, float]:
    clients = [PageOwner(base, email, aid, n) for n, (email, aid) in enumerate(users)]
    await asyncio.gather(*(c.login() for c in clients))
    cpu = server_cpu()
    started = time.perf_counter()
    await asyncio.gather(*(c.run(started + SECONDS) for c in clients))
    return clients, time.perf_counter() - started, server_cpu() - cpu


def lost_writes(url: str, clients: list[PageOwner]) -> tuple[int, int]:
    """(acknowledged notes checked, notes the database does not hold)."""
    by_key = {field_key(ind_id): ind_id for ind_id in load_criteria().indicators}
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    checked = lost = 0
    with engine.connect() as conn:
        for client in clients:
            for key, note in client.acked.items():
                stored = conn.execute(text(
                    "SELECT note FROM answer WHERE assessment_id = :a AND indicator_id = :i AND layer = 'mandiri'"),
                    {"a": client.assessment_id, "i": by_key[key]}).scalar()
                checked += 1
                lost += stored != note
    engine.dispose()
    return checked, lost


def deadline_mix(base: str, url: str, users: list[tuple[str, int]], server_cpu: Callable[[], float]) -> dict[str, Any]:
    """Run the mix; ``server_cpu``: CPU seconds the server has used so far (its cost per request
    is what a shared machine's load does not distort)."""
    users = users[:int(os.environ.get("DEADLINE_CLIENTS") or len(users))]  # 1: one client's latencies alone
    clients, elapsed, cpu = asyncio.run(_run(base, users, server_cpu))
    results = [r for c in clients for r in c.results]
    reads = sorted(r[1] for r in results if r[0] == "read")
    saves = sorted(r[1] for r in results if r[0] == "save")
    errors = [r for r in results if r[2] not in (200, 302, 304)]  # a 409 or 422 on one's own page is one too
    not_modified = sum(1 for r in results if r[0] == "read" and r[2] == 304)
    checked, lost = lost_writes(url, clients)

    def p95(values: list[float]) -> float:
        return values[max(0, int(len(values) * .95) - 1)]

    rate = len(results) / elapsed
    print(f"deadline mix ({len(clients)} clients, one area page each, {READ_SHARE:.0%} reads / "
          f"{1 - READ_SHARE:.0%} note saves ({'form posts' if CLASSIC else 'autosave'}), think ≤ {THINK} s, "
          f"{elapsed:.0f} s):")
    print(f"  {len(results)} requests, {rate:.0f}/s  (goal ≥ 90/s)")
    print(f"  reads  n={len(reads):>5} ({not_modified} answered 304) p50 {statistics.median(reads):6.1f} ms "
          f"p95 {p95(reads):6.1f} ms  (goal ≤ 150 ms)")
    print(f"  saves  n={len(saves):>5} p50 {statistics.median(saves):6.1f} ms p95 {p95(saves):6.1f} ms  "
          f"(goal ≤ 250 ms)")
    print(f"  server CPU {cpu / elapsed:.2f} cores, {cpu * 1000 / len(results):.1f} ms per request "
          f"(reads and saves together; logins excluded)")
    print(f"  errors {len(errors)}; acknowledged saves checked {checked}, lost {lost}  (goal 0 and 0)")
    return {"rate": rate, "read_p95": p95(reads), "save_p95": p95(saves), "errors": len(errors), "lost": lost}
