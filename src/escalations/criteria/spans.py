"""Calendars' open intervals as SQL VALUES tables, the lookups of business time in a query.

Each span carries the open seconds before it and up to its end, so a query finds a wait's due
time, or the open time between two instants, by an equality key (a UTC day, a day of open
time) refined by range conditions (criteria/sql.py, report/sql_timings.py, tickets/impact.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from escalations.criteria.calendars import open_intervals_of_day
from escalations.criteria.sqltext import literal, timestamp
from escalations.model.framework import Calendar

Span = tuple[str, datetime, datetime, float, float]
"""A calendar's open interval: calendar id, start, start of the next interval (the end of
time for the last), open seconds before it (cum) and up to its end (cum_end)."""

_BEGINNING_OF_TIME = datetime(1970, 1, 1, tzinfo=UTC)
_END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)


def calendar_spans(calendar: Calendar, start: date, end: date) -> Iterator[Span]:
    intervals = [
        span
        for offset in range((end - start).days + 1)
        for span in open_intervals_of_day(calendar, start + timedelta(days=offset))
    ]
    if intervals:
        # A closed stretch from the beginning of time, so that a wait starting before the
        # first open interval starts counting at its opening.
        yield calendar.id, _BEGINNING_OF_TIME, intervals[0][0], 0.0, 0.0
    cum = 0.0
    for i, (begin, finish) in enumerate(intervals):
        following = intervals[i + 1][0] if i + 1 < len(intervals) else _END_OF_TIME
        length = (finish - begin).total_seconds()
        yield calendar.id, begin, following, cum, cum + length
        cum += length


def span_values(rows: list[Span]) -> str:
    if not rows:
        return (
            "SELECT CAST(NULL AS VARCHAR), CAST(NULL AS TIMESTAMPTZ), CAST(NULL AS TIMESTAMPTZ), "
            "0.0, 0.0 WHERE FALSE"
        )
    body = ",\n  ".join(
        f"({literal(c)}, {timestamp(s)}, {timestamp(n)}, {a!r}, {b!r})" for c, s, n, a, b in rows
    )
    return f"VALUES\n  {body}"


DAY = 86400.0
"""Seconds in the buckets of the spans' lookup keys (a UTC day, a day of open time)."""


def _day_of(moment: datetime) -> int:
    return math.floor(moment.timestamp() / DAY)


def day_range(spans: list[Span]) -> tuple[int, int]:
    """The first and last UTC day of the spans' boundaries (the ends of time left out)."""
    days = [
        _day_of(moment)
        for _, start, following, _, _ in spans
        for moment in (start, following)
        if moment not in (_BEGINNING_OF_TIME, _END_OF_TIME)
    ]
    return (min(days), max(days)) if days else (0, 0)


def day_values(spans: list[Span], days: tuple[int, int]) -> str:
    """Each span once for every UTC day it touches, clamped to `days` as the lookup is."""
    first, last = days
    rows: list[str] = []
    for calendar, start, following, cum, cum_end in spans:
        since = min(max(_day_of(start), first), last)
        until = min(max(_day_of(following), first), last)
        rows.extend(
            f"({literal(calendar)}, {day}, {timestamp(start)}, {timestamp(following)}, "
            f"{cum!r}, {cum_end!r})"
            for day in range(since, until + 1)
        )
    if not rows:
        return (
            "SELECT CAST(NULL AS VARCHAR), CAST(0 AS BIGINT), CAST(NULL AS TIMESTAMPTZ), "
            "CAST(NULL AS TIMESTAMPTZ), 0.0, 0.0 WHERE FALSE"
        )
    return "VALUES\n  " + ",\n  ".join(rows)


def open_day_values(spans: list[Span]) -> str:
    """Each span with open time once for every day of open time (`DAY` seconds from the
    first opening) that its open seconds (cum, cum_end] touch."""
    rows = [
        f"({literal(calendar)}, {day}, {timestamp(start)}, {cum!r}, {cum_end!r})"
        for calendar, start, _, cum, cum_end in spans
        if cum_end > cum
        for day in range(math.floor(cum / DAY), math.floor(cum_end / DAY) + 1)
    ]
    if not rows:
        return (
            "SELECT CAST(NULL AS VARCHAR), CAST(0 AS BIGINT), CAST(NULL AS TIMESTAMPTZ), "
            "0.0, 0.0 WHERE FALSE"
        )
    return "VALUES\n  " + ",\n  ".join(rows)
