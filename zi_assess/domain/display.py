"""Rounding and number formatting for display and thresholds (decisions D6, D8).

The one rounding rule of zi-assess (``criteria/README.md``, "Rounding"): a value is first
normalised to **15 significant digits**, as Excel does before ``ROUND`` (a sum that is exactly
4.195 on paper but 4.194999999999999 in binary becomes 4.195 again), then rounded **half-up** to
two decimals. Python's ``round()`` works on the binary float and rounds 1.335 down to 1.33; the
official workbook and PortalRB show 1,34. Displays, threshold comparisons and shortfalls all use
:func:`round_half_up`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}

#: significant digits a value keeps before rounding (Excel's precision)
SIGNIFICANT_DIGITS = 15
_NORMAL = f".{SIGNIFICANT_DIGITS}g"


def normalize(value: float) -> Decimal:
    """``value`` at 15 significant digits, as an exact Decimal: ``4.194999999999999`` → ``4.195``."""
    return Decimal(format(value, _NORMAL))


def round_half_up(value: float, places: int = 2) -> Decimal:
    """``value`` normalised to 15 significant digits, then rounded half-up to ``places`` decimals.

    Never negative zero: a drift of ``-1e-17`` shows as ``0,00``.
    """
    rounded = Decimal(format(value, _NORMAL)).quantize(_QUANTA[places], rounding=ROUND_HALF_UP)
    return rounded if rounded or not rounded.is_signed() else rounded.copy_abs()


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
    places = max(2, -normalize(value).normalize().as_tuple().exponent)  # type: ignore[operator]
    return format_number(value, locale, min(places, 6))
