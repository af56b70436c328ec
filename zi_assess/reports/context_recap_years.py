"""The recap's years (issue 16): which years it covers, an instansi's trend over the years, and two
years side by side per unit — plain values for the recap page and its PDF (the exports read the
same :class:`~zi_assess.recap.YearPair` rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from zi_assess.recap_years import YearPair
from zi_assess.reports.context import Fmt
from zi_assess.reports.trends import InstansiTrend


@dataclass(frozen=True)
class CompareLine:
    unit_code: str
    unit_name: str
    instansi_name: str
    before: str
    now: str
    change: str
    #: "up", "down" or "" (no change, or not in both years)
    tone: str
    #: "" when the unit was assessed in both years, else which year it was assessed in
    note: str


@dataclass(frozen=True)
class RecapComparison:
    before_year: int
    now_year: int
    lines: tuple[CompareLine, ...]
    both: int
    only_before: int
    only_now: int
    average_before: str
    average_now: str
    average_change: str


@dataclass(frozen=True)
class RecapYears:
    """What the recap says about years, beside its rows."""

    #: evaluation years with assessments the reader may see, newest first
    available: tuple[int, ...]
    #: problems with the years asked for, in the reader's language (the page still renders)
    notices: tuple[str, ...]
    comparison: RecapComparison | None
    #: the instansi's figures per year (only on the recap of one instansi)
    trend: InstansiTrend | None


def _average(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def pair_note(pair: YearPair, before_year: int, now_year: int) -> str:
    """Which single year a unit was assessed in ("" when in both)."""
    if pair.before is None:
        return _("hanya dinilai %(year)s", year=now_year)
    if pair.now is None:
        return _("hanya dinilai %(year)s", year=before_year)
    return ""


def recap_comparison(pairs: Sequence[YearPair], before_year: int, now_year: int, locale: str) -> RecapComparison:
    """Per unit: the total of both years and the change; units of one year only say so."""
    fmt = Fmt(locale)
    lines = []
    for pair in pairs:
        change = pair.change
        tone = "" if change is None or abs(change) < 0.005 else ("up" if change > 0 else "down")
        lines.append(CompareLine(
            pair.unit_code, pair.unit_name, pair.instansi_name,
            fmt.num(pair.before.total if pair.before else None), fmt.num(pair.now.total if pair.now else None),
            fmt.signed(change), tone, pair_note(pair, before_year, now_year),
        ))
    both = [p for p in pairs if p.before is not None and p.now is not None]
    before = _average([p.before.total for p in pairs if p.before is not None])
    now = _average([p.now.total for p in pairs if p.now is not None])
    return RecapComparison(
        before_year, now_year, tuple(lines), len(both), sum(1 for p in pairs if p.now is None),
        sum(1 for p in pairs if p.before is None), fmt.num(before), fmt.num(now),
        fmt.signed(now - before if now is not None and before is not None else None),
    )
