"""A/B of the national pages (issue #15): the code of a git ref (A) against the working tree (B),
same database, same pages, same load as ``bench_scale``, interleaved (A then B, then B then A …).

Per page and side: cold (one request right after a data-revision bump), p50/p95 under the load and
the gunicorn workers' CPU time per request (their user + system time over the load, divided by the
requests served, warm-ups included). On a shared 2-core machine wall-clock figures move 2–3×
between runs; CPU per request moves least, so it is the figure to compare.

Usage: python benchmarks/ab_scale.py REF [DATABASE_URL] [--rounds=N] [--pages=WORDS]
(REF: a commit, e.g. ``main``; DATABASE_URL as bench_scale's; ``--pages``: only the pages whose
label holds WORDS.) The ref's tree is exported with ``git archive`` into a temporary folder and
served from there; the database is migrated by the working tree first (later migrations only
add what the old code does not read).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from bench_scale import (  # benchmarks/ is the script's folder
    PORT,
    READERS,
    ROOT,
    fetch,
    measure,
    pages,
    prepare,
    session_cookie,
    start_gunicorn,
)

PORT_A = PORT + 1


def export_tree(ref: str, into: Path) -> str:
    """The files of ``ref`` in ``into``; its commit id."""
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout.strip()
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, check=True,
                             capture_output=True).stdout
    tar_path = into / "tree.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into / "tree", filter="data")
    return commit


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    ref = args[0]
    url = args[1] if len(args) > 1 else os.environ.get(
        "BENCH_SCALE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_scale")
    rounds = int(next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--rounds=")), "2"))
    wanted = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--pages=")), "")
    ids = prepare(url)
    # both sides share one PortalRB key and serve it ~4× 80 requests in minutes: above its rate limit
    os.environ["ZI_PORTALRB_RATE_LIMIT_PER_MINUTE"] = "100000"
    with tempfile.TemporaryDirectory(prefix="ab-scale-") as tmp:
        commit = export_tree(ref, Path(tmp))
        servers = {"A": (start_gunicorn(url, PORT_A, Path(tmp) / "tree"), PORT_A),
                   "B": (start_gunicorn(url, PORT, ROOT), PORT)}
        try:
            # one sign-in per reader (a second factor code is accepted once): the cookie is signed with
            # the same secret key, so both servers accept it
            cookies = {email: session_cookie(f"http://127.0.0.1:{PORT}", email, ids[f"totp:{email}"])
                       for email in READERS}
            chosen = [p for p in pages(ids) if wanted in p[0]]
            results: dict[tuple[str, str], list[dict[str, float]]] = {}
            for _label, who, path in chosen:
                header = f"Authorization: Bearer {ids['key']}" if who == "API" else f"Cookie: {cookies[who]}"
                for side, (_server, port) in servers.items():
                    _ms, status = asyncio.run(fetch(path, header, port))
                    assert status == 200, (side, path, status)
            for n in range(rounds):
                for label, who, path in chosen:
                    header = f"Authorization: Bearer {ids['key']}" if who == "API" else f"Cookie: {cookies[who]}"
                    for side in ("AB" if n % 2 == 0 else "BA"):
                        server, port = servers[side]
                        results.setdefault((label, side), []).append(measure(url, server, port, path, header))
            print(f"A = {ref} ({commit}), B = working tree; {rounds} interleaved rounds; ranges over the rounds")
            print(f"{'page':<46} {'':2} {'CPU ms/req':>13} {'cold ms':>15} {'p50 ms':>15} {'p95 ms':>15} errors")
            for label, _who, _path in chosen:
                for side in "AB":
                    runs = results[(label, side)]

                    def span(key: str, runs: list[dict[str, float]] = runs) -> str:
                        values = sorted(r[key] for r in runs)
                        return f"{values[0]:6.1f}–{values[-1]:<6.1f}"

                    print(f"{label if side == 'A' else '':<46} {side:2} {span('cpu'):>13} {span('cold'):>15} "
                          f"{span('p50'):>15} {span('p95'):>15} {sum(r['errors'] for r in runs):.0f}")
        finally:
            for server, _port in servers.values():
                server.terminate()
                server.wait(15)


if __name__ == "__main__":
    main()
