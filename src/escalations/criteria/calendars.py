"""Business time: open intervals of a calendar, and durations counted on its clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from escalations.model.durations import duration_parts
from escalations.model.framework import Calendar, Duration

MAX_DAYS = 3 * 366
"""How far ahead a due time is searched before the calendar is declared to have no time."""


@cache
def open_intervals_of_day(calendar: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The open intervals of a local date, as UTC instants; none on holidays.

    Intervals are local wall-clock times converted one by one, so a day with a
    daylight-saving change is as long as it really is (23 or 25 hours for 00:00-24:00).
    """
    if day in _holidays(calendar):
        return ()
    zone = ZoneInfo(calendar.timezone)
    spans = []
    for start, end in calendar.hours[day.weekday()]:
        begin = _local(day, start, zone)
        finish = _local(day, end, zone)
        if finish > begin:
            spans.append((begin, finish))
    return tuple(spans)


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    # Wall-clock arithmetic: 09:00 means 09:00 local on that day, whatever the offset at midnight.
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=zone).astimezone(UTC)


@cache
def _holidays(calendar: Calendar) -> frozenset[date]:
    return frozenset(holiday.date for holiday in calendar.holidays)


def intervals_from(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals that end after `start`, in order, for up to MAX_DAYS days."""
    zone = ZoneInfo(calendar.timezone)
    day = start.astimezone(zone).date() - timedelta(days=1)
    for offset in range(MAX_DAYS):
        for begin, end in open_intervals_of_day(calendar, day + timedelta(days=offset)):
            if end > start:
                yield begin, end


def add_open_time(calendar: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The instant when `amount` of open time has passed since `start`."""
    if amount <= timedelta():
        return start
    remaining = amount
    for begin, end in intervals_from(calendar, start):
        begin = max(begin, start)
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise ValueError(f"calendar '{calendar.id}' has no open time within {MAX_DAYS} days")


def open_time_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """How much open time lies between two instants: the parts of the first and last local
    days, and the whole days between from the calendar's running totals (a report times
    every escalation, many of them days long)."""
    if end <= start:
        return timedelta()
    zone = ZoneInfo(calendar.timezone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    if first == last:
        return _open_within(calendar, first, start, end)
    between = _ledger(calendar).before(last) - _ledger(calendar).before(first + timedelta(days=1))
    return (
        _open_within(calendar, first, start, end)
        + between
        + _open_within(calendar, last, start, end)
    )


def _open_within(calendar: Calendar, day: date, start: datetime, end: datetime) -> timedelta:
    total = timedelta()
    for begin, finish in open_intervals_of_day(calendar, day):
        if finish > start and begin < end:
            total += min(finish, end) - max(begin, start)
    return total


class _Ledger:
    """A calendar's open time from its first day asked for to the start of each local day,
    extended as days further out are asked for."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.base: date | None = None
        self.after = [timedelta()]
        """after[i]: the open time of the i days from `base` on."""
        self.before_base = [timedelta()]
        """before_base[i]: the open time of the i days just before `base`."""

    def before(self, day: date) -> timedelta:
        """The open time from `base` to the start of `day` (negative before `base`)."""
        if self.base is None:
            self.base = day
        offset = (day - self.base).days
        while offset >= len(self.after):
            opened = self.base + timedelta(days=len(self.after) - 1)
            self.after.append(self.after[-1] + _open_on(self.calendar, opened))
        while -offset >= len(self.before_base):
            opened = self.base - timedelta(days=len(self.before_base))
            self.before_base.append(self.before_base[-1] + _open_on(self.calendar, opened))
        return self.after[offset] if offset >= 0 else -self.before_base[-offset]


@cache
def _ledger(calendar: Calendar) -> _Ledger:
    return _Ledger(calendar)


def _open_on(calendar: Calendar, day: date) -> timedelta:
    return sum((end - begin for begin, end in open_intervals_of_day(calendar, day)), timedelta())


@cache
def business_day(calendar: Calendar) -> timedelta:
    """The open time of the calendar's most common business day (9 hours for 09:00-18:00)."""
    lengths = Counter(
        sum(end - start for start, end in day) for day in calendar.hours if day
    ).most_common()
    minutes = max(lengths, key=lambda item: (item[1], item[0]))[0] if lengths else 0
    return timedelta(minutes=minutes)


@cache
def business_week(calendar: Calendar) -> timedelta:
    """The open time of a whole week of the calendar, holidays aside."""
    return timedelta(minutes=sum(end - start for day in calendar.hours for start, end in day))


def open_time_of(duration: Duration, calendar: Calendar) -> timedelta:
    """How much open time a business-clock duration asks for: hours, minutes and seconds as
    written; a day is one business day of the calendar, a week one business week."""
    weeks, days, rest = duration_parts(duration.text)
    return weeks * business_week(calendar) + days * business_day(calendar) + rest


def due(duration: Duration, start: datetime, calendars: dict[str, Calendar]) -> datetime:
    """When a duration that starts at `start` has passed, on its own clock."""
    if duration.clock == "calendar":
        return start + duration.value
    calendar = calendars[duration.calendar]
    return add_open_time(calendar, start, open_time_of(duration, calendar))
