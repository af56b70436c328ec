"""Scoring speed. Run with `make bench`; exits 1 when the batch goal of issue #10 is missed.

1. In-process: score() per complete LKE (goal ≤ 20 µs, issue #3) and score() + verdicts().
2. `zi-assess score --batch --summary` on 10,000 tidy LKEs (goal ≤ 0.6 s wall on this 2-core
   machine, interpreter start included, issue #3).
3. The same command on 10,000 LKEs shaped like real files — independent random counts (a
   numerator above its denominator on most lines, zero denominators, whole floats), choices in
   mixed case and padded (" a "), surveys as int or float — against a straightforward
   pure-Python reference pipeline timed in the same run (json.loads → score on the engine's
   careful path → json.dumps, per line). Goal (issue #10): the command takes ≤ 0.4× the
   reference's time. Both outputs are compared line by line.
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
RATIO_GOAL = 0.4
EXE = str(Path(sys.executable).with_name("zi-assess"))


def real_world_answers(criteria, rng: random.Random) -> dict:
    """One complete LKE as real files have them."""
    answers = {}
    for ind_id, ind in criteria.indicators.items():
        if ind.kind == "choice":
            key = rng.choice(ind.scale.keys)
            answers[ind_id] = rng.choice([key, key, key, key.lower(), key.upper(), f" {key} ", f"{key.lower()} "])
        elif ind.kind == "survey":
            answers[ind_id] = rng.randint(0, 4) if rng.random() < 0.2 else round(rng.uniform(0, 4), 2)
        else:
            counts = {}
            for item in ind.inputs:
                count = 0 if rng.random() < 0.05 else rng.randint(0, 40)
                counts[item.key] = float(count) if rng.random() < 0.1 else count
            answers[ind_id] = counts
    return answers


def reference_pipeline(src: Path, dst: Path, criteria) -> None:
    """The plain way: parse, score on the careful path, build the output object, dump — per line."""
    lines = []
    for line in src.read_bytes().splitlines():
        request = json.loads(line)
        sheet = score(criteria, request["answers"], careful=True)
        result = {
            "id": request.get("id"),
            "criteria": criteria.id,
            "complete": sheet.complete,
            "missing": list(sheet.missing),
            "warnings": [{"indicator": w.indicator, "code": w.code, "message": w.message} for w in sheet.warnings],
            "total": sheet.total,
            "pengungkit": sheet.pengungkit,
            "pemenuhan": sheet.pemenuhan,
            "reform": sheet.reform,
            "hasil": sheet.hasil,
            "areas": {area_id: {"bobot": node.bobot, "nilai": node.nilai, "persen": node.persen}
                      for area_id, node in sheet.areas.items()},
            "verdicts": {
                predicate: {
                    "passed": verdict.passed,
                    "failures": [{"rule": c.rule, "actual": c.actual, "required": c.required,
                                  "shortfall": c.shortfall} for c in verdict.failures],
                }
                for predicate, verdict in verdicts(sheet).items()
            },
        }
        lines.append(json.dumps(result, ensure_ascii=False, separators=(",", ":")))
    dst.write_text("\n".join(lines) + "\n")


def run_cli(src: Path, dst: Path) -> float:
    """Wall time of the command, output to a file as a pipeline would."""
    with dst.open("wb") as out:
        start = time.perf_counter()
        subprocess.run([EXE, "score", "--batch", "--summary", str(src)], stdout=out, check=True)
        return time.perf_counter() - start


def in_process(criteria) -> None:
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


def tidy_batch(criteria) -> None:
    path = OUT / "lkes-10000.jsonl"
    rng = random.Random(90)
    with path.open("w") as fh:
        for i in range(N_BATCH):
            fh.write(json.dumps({"id": i, "answers": random_answers(criteria, rng)}) + "\n")
    result = OUT / "scored-10000.jsonl"
    walls = [run_cli(path, result) for _ in range(7)]
    lines = result.read_bytes().count(b"\n")
    assert lines == N_BATCH, lines
    print(f"zi-assess score --batch --summary, {N_BATCH:,} tidy LKEs: median {statistics.median(walls):.3f} s, "
          f"best {min(walls):.3f} s  (goal ≤ 0.6 s)")


def real_world_batch(criteria) -> bool:
    """The issue #10 goal; True when met."""
    path = OUT / "lkes-real-10000.jsonl"
    rng = random.Random(10)
    lkes = [real_world_answers(criteria, rng) for _ in range(N_BATCH)]
    with path.open("w") as fh:
        for i, answers in enumerate(lkes):
            fh.write(json.dumps({"id": i, "answers": answers}) + "\n")
    sheets = [score(criteria, answers) for answers in lkes[:2000]]
    warned = sum(1 for s in sheets if s.warnings) / len(sheets)
    fast = sum(1 for s in sheets if s.fast_path) / len(sheets)
    print(f"real-world LKEs: {warned:.0%} with a warning, {fast:.0%} take the fast path (of the first 2,000)")

    cli_out, ref_out = OUT / "scored-real-10000.jsonl", OUT / "reference-real-10000.jsonl"
    cli_walls, ref_walls = [], []
    for _ in range(3):  # interleaved, so machine load touches both alike
        start = time.perf_counter()
        reference_pipeline(path, ref_out, criteria)
        ref_walls.append(time.perf_counter() - start)
        cli_walls += [run_cli(path, cli_out), run_cli(path, cli_out)]
    cli_lines = cli_out.read_bytes().splitlines()
    ref_lines = ref_out.read_bytes().splitlines()
    assert len(cli_lines) == len(ref_lines) == N_BATCH, (len(cli_lines), len(ref_lines))
    for number, (mine, theirs) in enumerate(zip(cli_lines, ref_lines, strict=True), start=1):
        assert json.loads(mine) == json.loads(theirs), f"line {number}: the command and the reference differ"
    ratio = min(cli_walls) / min(ref_walls)
    print(f"reference pipeline (json + careful score + json), {N_BATCH:,} lines: best {min(ref_walls):.3f} s "
          f"({N_BATCH / min(ref_walls):,.0f} lines/s)")
    print(f"zi-assess score --batch --summary, {N_BATCH:,} real-world LKEs: best {min(cli_walls):.3f} s, "
          f"median {statistics.median(cli_walls):.3f} s ({N_BATCH / min(cli_walls):,.0f} lines/s); outputs identical")
    met = ratio <= RATIO_GOAL
    print(f"ratio command / reference: {ratio:.2f}  (goal ≤ {RATIO_GOAL}) {'OK' if met else 'MISSED'}")
    return met


def main() -> int:
    criteria = load_criteria()
    OUT.mkdir(exist_ok=True)
    in_process(criteria)
    tidy_batch(criteria)
    return 0 if real_world_batch(criteria) else 1


if __name__ == "__main__":
    sys.exit(main())
