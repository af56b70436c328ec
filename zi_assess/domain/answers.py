"""Answer sets built from the criteria: the best possible LKE and random ones (tests, demo, benchmarks)."""

from __future__ import annotations

import random
from typing import Any

from zi_assess.domain.criteria import Criteria, Indicator


def best_counts(indicator: Indicator) -> dict[str, int]:
    """Counts that give a percentage indicator its full value (every formula input filled)."""
    assert indicator.formula is not None
    formula = indicator.formula
    counts = dict.fromkeys((i.key for i in indicator.inputs), 0)
    for key in formula.denominator:
        counts[key] = 1
    for key in formula.numerator:
        if key not in formula.denominator:
            counts[key] = len(formula.denominator)
    return counts


def best_answer(indicator: Indicator) -> Any:
    """The answer worth the indicator's full bobot."""
    if indicator.kind == "choice":
        return indicator.scale.values[0][0]
    if indicator.kind == "survey":
        return indicator.scale.maximum
    return best_counts(indicator)


def best_answers(criteria: Criteria) -> dict[str, Any]:
    """Every indicator at its best answer: the regulation's printed sample, total 100."""
    return {ind_id: best_answer(ind) for ind_id, ind in criteria.indicators.items()}


def random_answers(criteria: Criteria, rng: random.Random, *, quality: float = 0.7) -> dict[str, Any]:
    """A plausible complete LKE: each answer is the best with probability ``quality``."""
    answers: dict[str, Any] = {}
    for ind_id, ind in criteria.indicators.items():
        if ind.kind == "choice":
            keys = ind.scale.keys
            answers[ind_id] = keys[0] if rng.random() < quality else rng.choice(keys)
        elif ind.kind == "survey":
            answers[ind_id] = round(rng.uniform(2.8, 4.0), 2)
        else:
            counts = {i.key: rng.randint(0, 40) for i in ind.inputs}
            assert ind.formula is not None
            for key in ind.formula.numerator:
                if key not in ind.formula.denominator:
                    total = sum(counts[k] for k in ind.formula.denominator)
                    counts[key] = min(total, rng.randint(int(total * quality), total)) if total else 0
            for key in ind.formula.minus:
                counts[key] = rng.randint(0, 5)
            answers[ind_id] = counts
    return answers
