"""What one indicator can become: where planning starts from, and the moves up its scale with their cost.

Values here are exact :class:`~fractions.Fraction` objects read from the decimal literals of the
criteria (0.67 is 67/100, a survey score 3.6 is 36/10), so the search can add them without drift.

* **Choice** indicators move up their scale (Tidak → Ya; C → B → A; E → … → A). A step is named
  by the option it reaches: going from C to A crosses the steps ``B`` and ``A``.
* **Percentage** indicators move between discrete levels, 25 / 50 / 75 / 100 % by default. The
  planner keeps the denominator the unit entered (its population: change agents, services,
  officials who must report) and changes only what the unit controls: it raises the numerator's
  own counts, or lowers the counts that are subtracted (R3.iii.a: this year's violations), to the
  smallest counts whose value reaches the level. A step is named by the level reached (``"75%"``)
  and a move crosses every level between the current value and the new one. When the denominator
  is zero and its rule gives less than 100 %, the one move is to a denominator of 1 at 100 %.
* **Survey** indicators (IPAK, IPKP) are external and move only when the caller makes them
  actionable; they then move on a grid of 0.10 score points, each grid point one step (``"3.60"``).

Unanswered indicators (and percentage rows with a count missing) are planned from their lowest
answer: the lowest option, a survey score of 0, or counts worth 0 % with a denominator of 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from zi_assess.domain.answer_values import normalize_choice, parse_counts, survey_value
from zi_assess.domain.criteria import Criteria, Indicator, PercentFormula, Scale

DEFAULT_PERCENT_LEVELS: tuple[int, ...] = (25, 50, 75, 100)
#: an actionable survey moves by this many score points per step
SURVEY_STEP = Fraction(1, 10)

#: a cost key: an indicator id (every step of it) or (indicator id, step name)
CostKey = str | tuple[str, str]
StepCost = Callable[[str, str], int]


class PlanningError(ValueError):
    """The planner cannot run with these inputs. ``code`` is stable; the message is English."""

    def __init__(self, code: str, message: str, indicator: str | None = None) -> None:
        self.code = code
        self.indicator = indicator
        self.problem = message
        super().__init__(f"{indicator}: {message}" if indicator else message)


@lru_cache(maxsize=4096)
def exact(value: float) -> Fraction:
    """A float of the criteria or an answer as the decimal it was written as (0.67 → 67/100)."""
    return Fraction(repr(value))


@dataclass(frozen=True, slots=True)
class Start:
    """Where planning starts for one indicator."""

    answer: Any
    value: Fraction
    #: the indicator is unanswered: ``answer`` is its lowest answer, assumed for planning
    assumed: bool


@dataclass(frozen=True, slots=True)
class Move:
    """One way to raise an indicator: the answer it ends at, the steps crossed, their cost."""

    target: Any
    steps: tuple[str, ...]
    cost: int
    value: Fraction


def percent_exact(formula: PercentFormula, counts: Mapping[str, int]) -> Fraction:
    """The exact value of a percentage indicator, as the engine computes it (clamped to [0, 1])."""
    numerator = sum(counts[k] for k in formula.numerator) - sum(counts[k] for k in formula.minus)
    denominator = sum(counts[k] for k in formula.denominator)
    if denominator == 0:
        rule = formula.when_denominator_zero
        return exact((rule[0] if numerator == 0 else rule[1]) if isinstance(rule, tuple) else rule)
    return min(Fraction(1), max(Fraction(0), Fraction(numerator, denominator)))


def _formula(indicator: Indicator) -> PercentFormula:
    assert indicator.formula is not None
    return indicator.formula


def _ascending(indicator: Indicator) -> tuple[tuple[str, Fraction], ...]:
    """Options of a choice scale from the lowest value up (ties keep display order)."""
    return _ascending_scale(indicator.scale)


@lru_cache(maxsize=64)
def _ascending_scale(scale: Scale) -> tuple[tuple[str, Fraction], ...]:
    return tuple(sorted(((key, exact(value)) for key, value in scale.values), key=lambda kv: kv[1]))


def lowest_counts(indicator: Indicator) -> dict[str, int]:
    """Counts worth 0 % with a denominator of 1: the lowest answer of a percentage indicator."""
    formula = _formula(indicator)
    counts = dict.fromkeys((i.key for i in indicator.inputs), 0)
    counts[formula.denominator[0]] = 1
    net = sum(counts[k] for k in formula.numerator)
    if net and formula.minus:
        counts[formula.minus[0]] = net
    return counts


def start_of(indicator: Indicator, raw: Any) -> Start:
    """The answer planning starts from (validated; the lowest one when unanswered)."""
    if indicator.kind == "choice":
        if raw is None or raw == "":
            key, value = _ascending(indicator)[0]
            return Start(key, value, True)
        key = normalize_choice(indicator, raw)
        return Start(key, exact(dict(indicator.scale.values)[key]), False)
    if indicator.kind == "survey":
        if raw is None or raw == "":
            return Start(0.0, Fraction(0), True)
        score = survey_value(indicator, raw)
        return Start(score, exact(score) / exact(indicator.scale.maximum), False)
    counts = parse_counts(indicator, raw) if raw is not None and raw != "" else {}
    if len(counts) < len(indicator.inputs):
        counts = lowest_counts(indicator)
        return Start(counts, percent_exact(_formula(indicator), counts), True)
    return Start(counts, percent_exact(_formula(indicator), counts), False)


def step_names(indicator: Indicator, levels: Sequence[int]) -> tuple[str, ...]:
    """Every step an indicator has, lowest first (the names a cost may be given for)."""
    if indicator.kind == "choice":
        return tuple(key for key, _v in _ascending(indicator)[1:])
    if indicator.kind == "percent":
        return tuple(f"{level}%" for level in levels)
    return tuple(_survey_label(point) for point in _survey_grid(indicator, Fraction(0)))


def _survey_grid(indicator: Indicator, above: Fraction) -> list[Fraction]:
    maximum = exact(indicator.scale.maximum)
    points = [SURVEY_STEP * k for k in range(math.floor(above / SURVEY_STEP) + 1, math.ceil(maximum / SURVEY_STEP))]
    return [p for p in points if p > above] + ([maximum] if maximum > above else [])


def _survey_label(point: Fraction) -> str:
    return f"{float(point):.2f}"


def _raise_to(formula: PercentFormula, counts: dict[str, int], level: Fraction) -> dict[str, int] | None:
    """The smallest change of the counts the unit controls that brings the value to ``level``."""
    denominator = sum(counts[k] for k in formula.denominator)
    net = sum(counts[k] for k in formula.numerator) - sum(counts[k] for k in formula.minus)
    missing = math.ceil(level * denominator) - net
    if missing <= 0:
        return None
    target = dict(counts)
    for key in formula.minus:
        take = min(target[key], missing)
        target[key] -= take
        missing -= take
    if missing:
        free = [k for k in formula.numerator if k not in formula.denominator]
        if not free:
            return None
        target[free[0]] += missing
    return target


def _percent_targets(indicator: Indicator, counts: dict[str, int], levels: Sequence[int]) -> list[dict[str, int]]:
    formula = _formula(indicator)
    if sum(counts[k] for k in formula.denominator):
        found = [_raise_to(formula, counts, Fraction(level, 100)) for level in levels]
        return [t for t in found if t is not None]
    # Denominator zero: its rule decides the value. Clearing (or setting) the unit's own counts may
    # already give the full value (R3.iii.a with no violations last year); else count one.
    free = [k for k in formula.numerator if k not in formula.denominator]
    cleared = dict(counts) | dict.fromkeys((*formula.minus, *free), 0)
    targets = [cleared] + ([cleared | {free[0]: 1}] if free else [])
    with_one = counts | {formula.denominator[0]: 1}
    raised = _raise_to(formula, with_one, Fraction(1))
    return [*targets, raised if raised is not None else with_one]


def moves_of(indicator: Indicator, start: Start, step_cost: StepCost, levels: Sequence[int]) -> tuple[Move, ...]:
    """Every move that raises the indicator's value, lowest value first, each with its cost."""
    steps: list[tuple[Any, Fraction, tuple[str, ...]]] = []
    if indicator.kind == "choice":
        above = [(key, value) for key, value in _ascending(indicator) if value > start.value]
        steps = [(key, value, tuple(k for k, _v in above[: i + 1])) for i, (key, value) in enumerate(above)]
    elif indicator.kind == "survey":
        maximum = exact(indicator.scale.maximum)
        grid = _survey_grid(indicator, start.value * maximum)
        steps = [(float(p), p / maximum, tuple(_survey_label(q) for q in grid[: i + 1])) for i, p in enumerate(grid)]
    else:
        formula = _formula(indicator)
        seen: set[Fraction] = set()
        for target in _percent_targets(indicator, start.answer, levels):
            value = percent_exact(formula, target)
            if value <= start.value or value in seen:
                continue
            seen.add(value)
            crossed = [lv for lv in levels if start.value < Fraction(lv, 100) <= value]
            if not crossed:  # a rule value between two levels: the step it works toward
                crossed = [next(lv for lv in levels if Fraction(lv, 100) > start.value)]
            steps.append((target, value, tuple(f"{lv}%" for lv in crossed)))
        steps.sort(key=lambda s: s[1])
    return tuple(
        Move(target, names, sum(step_cost(indicator.id, name) for name in names), value)
        for target, value, names in steps
    )


def check_levels(levels: Sequence[int]) -> tuple[int, ...]:
    """Percentage levels: whole percentages, increasing, ending at 100."""
    out = tuple(levels)
    if (not out or any(isinstance(v, bool) or not isinstance(v, int) for v in out) or out[-1] != 100
            or any(a >= b for a, b in zip((0, *out), out, strict=False))):
        raise PlanningError("invalid_levels", f"percentage levels must be whole percentages rising to 100, got {out!r}")
    return out


def cost_function(criteria: Criteria, costs: Mapping[CostKey, Any] | None, levels: Sequence[int]) -> StepCost:
    """Validate the unit's costs and return ``(indicator, step) → cost`` (1 when not given).

    ``costs`` maps an indicator id to the cost of each of its steps, or ``(indicator id, step)``
    to the cost of that step (it wins). Costs are whole numbers ≥ 0 (0: a step that is free).
    """
    given: dict[CostKey, int] = {}
    for key, raw in (costs or {}).items():
        indicator_id, step = (key if isinstance(key, tuple) and len(key) == 2 else (key, None))
        if not isinstance(indicator_id, str) or indicator_id not in criteria.indicators:
            raise PlanningError("unknown_indicator", f"cost for an unknown indicator {indicator_id!r}")
        indicator = criteria.indicators[indicator_id]
        if step is not None and step not in step_names(indicator, levels):
            raise PlanningError("unknown_step", f"{step!r} is not a step of this indicator "
                                f"({', '.join(step_names(indicator, levels))})", indicator_id)
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            raise PlanningError("invalid_cost", f"a cost must be a whole number ≥ 0, got {raw!r}", indicator_id)
        given[(indicator_id, step) if step is not None else indicator_id] = raw

    def step_cost(indicator_id: str, step: str) -> int:
        return given.get((indicator_id, step), given.get(indicator_id, 1))

    return step_cost
