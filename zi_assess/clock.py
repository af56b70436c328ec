"""Dates and times as the people using zi-assess read them: in ``ZI_TIMEZONE`` (Asia/Jakarta).

The database keeps every timestamp in UTC. This module is the one place that converts: pages
(the ``|localtime`` filter), PDFs, Excel files and deadlines all call it, so a submission at
23:30 WIB on a window's closing day is on time although it is 16:30 UTC, and a PDF made at
00:30 WIB is dated that day, whatever the server's own clock zone is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app

from zi_assess.config import DEFAULT_TIMEZONE


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """The configured time zone (validated at start by ``zi_assess.config.check``)."""
    return _zone(current_app.config.get("TIMEZONE") or DEFAULT_TIMEZONE)


def to_local(value: datetime) -> datetime:
    """A stored timestamp in the configured zone (a naive one, as SQLite returns it, is UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone())


def local_now(moment: datetime | None = None) -> datetime:
    """``moment`` (default: now) in the configured zone."""
    return to_local(moment or datetime.now(UTC))


def local_date(moment: datetime | None = None) -> date:
    """The calendar date at ``moment`` (default: now) in the configured zone: the "today" that
    deadlines, report dates and default years are judged by."""
    return local_now(moment).date()


def format_local(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """``value`` in the configured zone, formatted (``%Z`` gives the zone's abbreviation, WIB)."""
    return to_local(value).strftime(fmt) if value is not None else ""
