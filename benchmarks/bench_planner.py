"""Gap planner speed: plan() for 200 random realistic LKEs, both predicates, and a worst case.

Goal (issue #16): well under a second per plan on the real criteria: every plan of a realistic
LKE ≤ 0.1 s on this 2-core machine; the stress case (an empty LKE planned with random costs)
≤ 0.5 s. Realistic LKEs: random_answers() at a quality drawn from 0.3–0.9, with the external
surveys in range (3.60–4.00) for 80 % of the units, as for units that get proposed (the others
are unreachable: the planner then only scores the best answers). Run with `make bench-planner`.
"""

from __future__ import annotations

import random
import statistics
import time

from zi_assess.domain import load_criteria
from zi_assess.domain.answers import random_answers
from zi_assess.domain.planner import plan

N_LKES = 200
GOAL_REALISTIC = 0.1
GOAL_STRESS = 0.5


def realistic_lkes(criteria, rng: random.Random) -> list[dict]:
    lkes = []
    for _ in range(N_LKES):
        answers = random_answers(criteria, rng, quality=rng.uniform(0.3, 0.9))
        if rng.random() < 0.8:
            answers |= {"H1.a": round(rng.uniform(3.6, 4.0), 2), "H2.a": round(rng.uniform(3.6, 4.0), 2)}
        lkes.append(answers)
    return lkes


def timed(criteria, answers, predicate, **options) -> tuple[float, object]:
    start = time.perf_counter()
    result = plan(criteria, answers, predicate, **options)
    return time.perf_counter() - start, result


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{label:<34} median {statistics.median(times) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   "
          f"max {ordered[-1] * 1000:6.1f} ms")


def main() -> None:
    criteria = load_criteria()
    lkes = realistic_lkes(criteria, random.Random(16))
    plan(criteria, lkes[0], "WBK")  # warm the criteria caches
    worst = 0.0
    for predicate in ("WBK", "WBBM"):
        times, plans, unreachable, costs, changed = [], 0, 0, [], []
        wall = time.perf_counter()
        for answers in lkes:
            seconds, result = timed(criteria, answers, predicate)
            times.append(seconds)
            if result.reachable:
                plans += 1
                costs.append(result.total_cost)
                changed.append(len(result.improvements))
            else:
                unreachable += 1
        wall = time.perf_counter() - wall
        worst = max(worst, *times)
        report(f"{predicate}, {N_LKES} realistic LKEs", times)
        print(f"    {plans} plans (mean cost {statistics.mean(costs):.1f}, mean {statistics.mean(changed):.1f} "
              f"indicators), {unreachable} unreachable; {wall:.2f} s for all {N_LKES}")
    # the hardest input seen: an empty LKE, every indicator from its lowest answer, with random costs
    rng = random.Random(3)
    stress = []
    for _ in range(5):
        costs = {indicator_id: rng.randint(0, 50) for indicator_id in criteria.indicators}
        for predicate in ("WBK", "WBBM"):
            stress.append(timed(criteria, {"H1.a": 3.9, "H2.a": 3.9}, predicate, costs=costs)[0])
    report("empty LKE, random costs 0–50", stress)
    print(f"slowest realistic plan {worst * 1000:.1f} ms (goal ≤ {GOAL_REALISTIC * 1000:.0f} ms); "
          f"slowest stress plan {max(stress) * 1000:.1f} ms (goal ≤ {GOAL_STRESS * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
