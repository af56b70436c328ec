"""An answer as people read it, for pages, PDFs and history alike (one home for the wording).

A percentage indicator is entered as counts; people read it as the counts with their labels and
the percentage they give: "36 dari 40 → 90,00 %". The percentage is the domain's value
(:func:`zi_assess.domain.answer_values.percent_value`), never recomputed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from zi_assess.domain import Indicator
from zi_assess.domain.answer_values import percent_value
from zi_assess.domain.display import NO_VALUE, format_number, format_pct


@dataclass(frozen=True)
class PercentAnswer:
    """The counts of a percentage answer with their labels, and what they make."""

    #: (input label, count or None when not filled), in the criteria's order
    inputs: tuple[tuple[str, int | None], ...]
    numerator: int | None
    denominator: int | None
    #: the indicator's value × 100 (capped at 100 %), None while a count is missing
    percent: float | None
    #: the numerator is above the denominator (the value is capped; shown as a warning)
    capped: bool
    #: one line: "36 dari 40 → 90,00 %" (or "–" while a count is missing)
    summary: str


def percent_answer(indicator: Indicator, counts: Mapping[str, Any] | None, locale: str = "id") -> PercentAnswer:
    """The readable form of a percentage indicator's counts."""
    counts = counts if isinstance(counts, Mapping) else {}
    inputs = tuple((inp.label, _as_count(counts.get(inp.key))) for inp in indicator.inputs)
    formula = indicator.formula
    filled = {inp.key: _as_count(counts.get(inp.key)) for inp in indicator.inputs}
    if formula is None or any(filled[k] is None for k in formula.scored_keys):
        return PercentAnswer(inputs, None, None, None, False, NO_VALUE)
    known = {k: v for k, v in filled.items() if v is not None}
    numerator = sum(known[k] for k in formula.numerator) - sum(known[k] for k in formula.minus)
    denominator = sum(known[k] for k in formula.denominator)
    value, capped = percent_value(indicator.id, formula, known)
    percent = value * 100.0
    summary = _("%(numerator)s dari %(denominator)s → %(percent)s", numerator=format_number(numerator, locale, 0),
                denominator=format_number(denominator, locale, 0), percent=format_pct(percent, locale))
    return PercentAnswer(inputs, numerator, denominator, percent, capped, summary)


def answer_text(indicator: Indicator, value: Any, locale: str = "id") -> str:
    """One line for any answer: ``B``, ``3,60``, ``36 dari 40 → 90,00 %``; ``–`` when unanswered."""
    if value is None:
        return NO_VALUE
    if indicator.kind == "choice":
        return str(value)
    if indicator.kind == "survey":
        return format_number(float(value), locale)
    return percent_answer(indicator, value, locale).summary


def _as_count(raw: Any) -> int | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return None
