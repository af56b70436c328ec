"""Validating one answer and turning it into a value in [0, 1] (decisions D3–D5).

Shared by the scoring engine and by every input path (forms, Excel import, API, CLI), so an
answer means the same thing wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zi_assess.domain.criteria import Indicator, PercentFormula


class AnswerError(ValueError):
    """An answer cannot be scored. ``code`` is stable; ``message`` is English."""

    def __init__(self, indicator: str, code: str, message: str) -> None:
        self.indicator = indicator
        self.code = code
        self.problem = message
        super().__init__(f"{indicator}: {message}")


def normalize_choice(indicator: Indicator, raw: object) -> str:
    """The canonical option key for a choice answer (``"ya"`` → ``"Ya"``), or AnswerError."""
    if not isinstance(raw, str):
        raise AnswerError(indicator.id, "invalid_type", f"expected one of {_keys(indicator)}, got {raw!r}")
    text = raw.strip().lower()
    for key in indicator.scale.keys:
        if key.lower() == text:
            return key
    raise AnswerError(
        indicator.id, "invalid_option", f"{raw!r} is not an option of {indicator.scale.label} ({_keys(indicator)})"
    )


def _keys(indicator: Indicator) -> str:
    return ", ".join(indicator.scale.keys)


def count_value(indicator_id: str, key: str, raw: object) -> int:
    """A count input as a non-negative integer, or AnswerError."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise AnswerError(indicator_id, "invalid_count", f"{key} must be a non-negative integer, got {raw!r}")
    if isinstance(raw, float):
        if not raw.is_integer():
            raise AnswerError(indicator_id, "invalid_count", f"{key} must be a whole number, got {raw!r}")
        raw = int(raw)
    if raw < 0:
        raise AnswerError(indicator_id, "invalid_count", f"{key} must not be negative, got {raw}")
    return raw


def survey_value(indicator: Indicator, raw: object) -> float:
    """A survey score as a float in [0, maximum], or AnswerError."""
    maximum = indicator.scale.maximum
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw:
        raise AnswerError(indicator.id, "invalid_survey", f"expected a survey score 0–{maximum:g}, got {raw!r}")
    if not 0 <= raw <= maximum:
        raise AnswerError(indicator.id, "invalid_survey", f"survey score {raw!r} outside 0–{maximum:g}")
    return float(raw)


def percent_value(
    indicator_id: str, formula: PercentFormula, counts: Mapping[str, int]
) -> tuple[float, bool]:
    """The clamped ratio of a percentage indicator and whether the numerator exceeded the denominator."""
    numerator = sum(counts[k] for k in formula.numerator) - sum(counts[k] for k in formula.minus)
    denominator = sum(counts[k] for k in formula.denominator)
    return percent_of(formula, numerator, denominator)


def percent_of(formula: PercentFormula, numerator: int, denominator: int) -> tuple[float, bool]:
    """The value of ``numerator`` ÷ ``denominator`` under ``formula``'s rules (decision D4) and
    whether the numerator is above its denominator (the value is then capped at 1, with a warning).

    The one home of the rule: the scoring engine's fast path calls it with counts it summed itself.
    """
    if denominator == 0:
        rule = formula.when_denominator_zero
        if isinstance(rule, tuple):
            return (rule[0] if numerator == 0 else rule[1]), False
        return rule, False
    if numerator > denominator:
        return 1.0, True
    return (numerator / denominator if numerator > 0 else 0.0), False


def parse_counts(indicator: Indicator, raw: object) -> dict[str, int]:
    """Validate a percentage answer: known keys, non-negative integers. Missing keys are allowed."""
    if not isinstance(raw, Mapping):
        raise AnswerError(
            indicator.id, "invalid_type", f"expected an object with counts {[i.key for i in indicator.inputs]}"
        )
    known = {i.key for i in indicator.inputs}
    counts = {}
    for key, value in raw.items():
        if key not in known:
            raise AnswerError(
                indicator.id, "unknown_input", f"unknown input {key!r} (expected {', '.join(sorted(known))})"
            )
        if value is None:
            continue
        counts[key] = count_value(indicator.id, key, value)
    return counts


def normalize_answer(indicator: Indicator, raw: Any) -> Any:
    """The stored form of an answer: canonical option key, survey score as float, or counts.

    ``None`` (and, for percentage indicators, an empty mapping) means unanswered. Partially
    filled counts are kept as given (the indicator stays unanswered until every count is there).
    Raises :class:`AnswerError` for anything the scale does not accept.
    """
    if raw is None or raw == "":
        return None
    if indicator.kind == "choice":
        return normalize_choice(indicator, raw)
    if indicator.kind == "survey":
        return survey_value(indicator, raw)
    counts = parse_counts(indicator, raw)
    return counts or None
