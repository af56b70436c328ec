"""Rounding and number formatting for display (decision D6).

Values are rounded **half-up on their decimal representation**: ``Decimal(repr(x))`` quantized
with ``ROUND_HALF_UP``. Python's ``round()`` works on the binary float and rounds 1.335 down to
1.33; the official workbook shows 1,34.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}


def round_half_up(value: float, places: int = 2) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals, as an exact Decimal."""
    return Decimal(repr(value)).quantize(_QUANTA[places], rounding=ROUND_HALF_UP)


def format_plain(value: float, places: int = 2) -> str:
    """``95.632601`` → ``"95.63"`` (dot decimal, no grouping): for CSV and JSON-facing text."""
    return f"{round_half_up(value, places):f}"


def format_id(value: float, places: int = 2, *, grouping: bool = True) -> str:
    """``95.632601`` → ``"95,63"``; ``1234.5`` → ``"1.234,50"`` (Indonesian format)."""
    text = f"{round_half_up(value, places):,f}" if grouping else format_plain(value, places)
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_percent_id(value: float, places: int = 2) -> str:
    """``66.666…`` → ``"66,67 %"``."""
    return f"{format_id(value, places)} %"


def format_number(value: float, locale: str = "id", places: int = 2) -> str:
    """Indonesian format for ``id``, English (``1,234.50``) for anything else."""
    if locale.startswith("id"):
        return format_id(value, places)
    return f"{round_half_up(value, places):,f}"


#: what a page or report prints where there is no value yet
NO_VALUE = "–"


def format_num(value: float | None, locale: str = "id", places: int = 2) -> str:
    """:func:`format_number`, or ``–`` for no value (the pages' ``|num``, the reports' ``fmt.num``)."""
    return NO_VALUE if value is None else format_number(value, locale, places)


def format_pct(value: float | None, locale: str = "id", places: int = 2) -> str:
    """A percentage: ``66,67 %`` (``66.67 %``), or ``–`` for no value."""
    return NO_VALUE if value is None else f"{format_number(value, locale, places)} %"


def format_minimum(value: float, locale: str = "id") -> str:
    """A threshold with as many decimals as it has (at least two): 5.625 → ``"5,625"``."""
    places = max(2, -Decimal(repr(value)).normalize().as_tuple().exponent)  # type: ignore[operator]
    return format_number(value, locale, min(places, 6))
