"""Scoring speed: in-process score() per complete LKE, and `zi-assess score --batch --summary`.

Goals (issue #3): ≤ 20 µs per complete LKE in-process; ≤ 0.6 s wall for 10,000 LKEs through the
CLI on this 2-core machine, interpreter start included. Run with `make bench`.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path

from zi_assess.domain import load_criteria, score, verdicts
from zi_assess.domain.answers import random_answers

OUT = Path(__file__).resolve().parent / "out"
N_BATCH = 10_000


def main() -> None:
    criteria = load_criteria()
    rng = random.Random(2026)
    lkes = [random_answers(criteria, rng) for _ in range(200)]

    def run_score() -> None:
        for answers in lkes:
            score(criteria, answers)

    def run_full() -> None:
        for answers in lkes:
            verdicts(score(criteria, answers))

    per = min(timeit.repeat(run_score, number=20, repeat=7)) / (20 * len(lkes)) * 1e6
    full = min(timeit.repeat(run_full, number=5, repeat=5)) / (5 * len(lkes)) * 1e6
    print(f"score() per complete LKE:            {per:6.1f} µs  (goal ≤ 20 µs)")
    print(f"score() + verdicts() per LKE:        {full:6.1f} µs")

    OUT.mkdir(exist_ok=True)
    path = OUT / "lkes-10000.jsonl"
    rng = random.Random(90)
    with path.open("w") as fh:
        for i in range(N_BATCH):
            fh.write(json.dumps({"id": i, "answers": random_answers(criteria, rng)}) + "\n")
    exe = str(Path(sys.executable).with_name("zi-assess"))
    walls = []
    result = OUT / "scored-10000.jsonl"
    for _ in range(7):
        with result.open("wb") as out:  # to a file, as a pipeline would: the clock measures the CLI alone
            start = time.perf_counter()
            subprocess.run([exe, "score", "--batch", "--summary", str(path)], stdout=out, check=True)
            walls.append(time.perf_counter() - start)
    lines = result.read_bytes().count(b"\n")
    assert lines == N_BATCH, lines
    print(f"zi-assess score --batch --summary, {N_BATCH:,} LKEs: median {statistics.median(walls):.3f} s, "
          f"best {min(walls):.3f} s  (goal ≤ 0.6 s)")


if __name__ == "__main__":
    main()
