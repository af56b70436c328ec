from __future__ import annotations

from decimal import Decimal

import pytest

from zi_assess.domain.display import (
    format_id,
    format_minimum,
    format_number,
    format_percent_id,
    format_plain,
    normalize,
)


@pytest.mark.parametrize(
    ("value", "indonesian", "plain"),
    [(95.632601, "95,63", "95.63"), (1.335, "1,34", "1.34"), (0.665, "0,67", "0.67"), (74.995, "75,00", "75.00"),
     (74.994, "74,99", "74.99"), (100.0, "100,00", "100.00"), (0.0, "0,00", "0.00"), (1234.5, "1.234,50", "1234.50"),
     # 15 significant digits first, as Excel: a binary sum one ulp under x.xx5 is x.xx5 (D6) ...
     (4.194999999999999, "4,20", "4.20"), (5.624999999999999, "5,63", "5.63"), (74.99499999999999, "75,00", "75.00"),
     # ... a value genuinely under it is not, and a drift below zero is no "-0,00"
     (4.19499999999, "4,19", "4.19"), (74.9949999999, "74,99", "74.99"), (-1e-17, "0,00", "0.00")],
)
def test_half_up_two_decimals(value, indonesian, plain):
    assert format_id(value) == indonesian
    assert format_plain(value) == plain


def test_normalize_keeps_15_significant_digits():
    assert normalize(4.194999999999999) == Decimal("4.195") and normalize(0.1 + 0.2) == Decimal("0.3")
    assert normalize(1 / 3) == Decimal("0.333333333333333")


def test_other_formats():
    assert format_percent_id(66.66666) == "66,67 %"
    assert format_number(1234.5, "en") == "1,234.50"
    assert format_minimum(5.625) == "5,625" and format_minimum(75.0) == "75,00" and format_minimum(4.8, "en") == "4.80"
