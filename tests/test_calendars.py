"""Business time: open hours in the calendar's zone, holidays skipped, DST changes correct."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.criteria.calendars import (
    add_open_time,
    business_day,
    due,
    intervals_from,
    open_time_between,
)
from escalations.model.framework import Calendar, Duration, Holiday, Source

NINE_TO_SIX = ((9 * 60, 18 * 60),)
BERLIN = Calendar(
    "berlin",
    "Berlin office",
    "Europe/Berlin",
    (NINE_TO_SIX,) * 5 + ((), ()),
    (Holiday(date(2026, 4, 3), "Good Friday"), Holiday(date(2026, 4, 6), "Easter Monday")),
    Source("calendars.yaml", 1),
)
ALWAYS_BERLIN = Calendar(
    "always", "Always open", "Europe/Berlin", (((0, 1440),),) * 7, (), Source("c", 1)
)
SPLIT = Calendar(
    "split",
    "Lunch break, short Friday",
    "America/New_York",
    (((9 * 60, 12 * 60), (13 * 60, 17 * 60)),) * 4 + (((9 * 60, 13 * 60),), (), ()),
    (),
    Source("c", 1),
)
CALENDARS = {c.id: c for c in (BERLIN, ALWAYS_BERLIN, SPLIT)}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def business(text: str, value: timedelta, calendar: str = "berlin") -> Duration:
    return Duration(text, value, "business", calendar)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        ("2026-03-03T10:00:00+01:00", 4, "2026-03-03T14:00:00+01:00"),  # same day
        ("2026-03-06T15:00:00+01:00", 4, "2026-03-09T10:00:00+01:00"),  # over the weekend
        ("2026-03-07T12:00:00+01:00", 1, "2026-03-09T10:00:00+01:00"),  # starts when closed
        ("2026-03-03T07:00:00+01:00", 9, "2026-03-03T18:00:00+01:00"),  # before opening
        ("2026-04-02T16:00:00+02:00", 4, "2026-04-07T11:00:00+02:00"),  # Easter holidays
        ("2026-03-27T16:00:00+01:00", 4, "2026-03-30T11:00:00+02:00"),  # across spring DST
        ("2026-03-03T18:00:00+01:00", 0, "2026-03-03T18:00:00+01:00"),  # nothing to wait
    ],
)
def test_add_business_hours(start: str, hours: int, expected: str) -> None:
    assert add_open_time(BERLIN, at(start), timedelta(hours=hours)) == at(expected)


def test_daylight_saving_days_are_as_long_as_they_really_are() -> None:
    spring = open_time_between(
        ALWAYS_BERLIN, at("2026-03-29T00:00:00+01:00"), at("2026-03-30T00:00:00+02:00")
    )
    autumn = open_time_between(
        ALWAYS_BERLIN, at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00")
    )
    assert (spring, autumn) == (timedelta(hours=23), timedelta(hours=25))


def test_business_day_is_the_most_common_open_day() -> None:
    assert business_day(BERLIN) == timedelta(hours=9)
    assert business_day(SPLIT) == timedelta(hours=7)
    assert business_day(ALWAYS_BERLIN) == timedelta(hours=24)


def test_a_business_day_from_friday_afternoon_ends_monday_afternoon() -> None:
    one_day = business("P1D", timedelta(days=1))
    assert due(one_day, at("2026-03-06T15:00:00+01:00"), CALENDARS) == at(
        "2026-03-09T15:00:00+01:00"
    )


def test_lunch_breaks_and_short_fridays_do_not_count() -> None:
    four = business("PT4H", timedelta(hours=4), "split")
    assert due(four, at("2026-03-05T11:00:00-05:00"), CALENDARS) == at("2026-03-05T16:00:00-05:00")
    assert due(four, at("2026-03-06T11:00:00-05:00"), CALENDARS) == at("2026-03-09T11:00:00-04:00")


def test_calendar_clock_counts_elapsed_time() -> None:
    four = Duration("PT4H", timedelta(hours=4), "calendar", "berlin")
    start = at("2026-03-29T00:30:00+01:00")  # the spring-forward night
    assert due(four, start, CALENDARS) == start + timedelta(hours=4)


def test_open_time_between_instants() -> None:
    friday, monday = at("2026-03-06T15:00:00+01:00"), at("2026-03-09T10:00:00+01:00")
    assert open_time_between(BERLIN, friday, monday) == timedelta(hours=4)
    assert open_time_between(BERLIN, monday, friday) == timedelta()


def walked(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Open time between two instants, interval by interval (what the running totals save)."""
    total = timedelta()
    for begin, finish in intervals_from(calendar, start):
        if begin >= end:
            break
        total += max(min(finish, end) - max(begin, start), timedelta())
    return total


@settings(max_examples=300, deadline=None)
@given(
    calendar=st.sampled_from([BERLIN, ALWAYS_BERLIN, SPLIT]),
    start=st.datetimes(datetime(2025, 10, 1), datetime(2026, 12, 31), timezones=st.just(UTC)),
    length=st.timedeltas(timedelta(0), timedelta(days=60)),
    earlier=st.booleans(),
)
def test_open_time_between_is_the_sum_of_the_open_intervals(
    calendar: Calendar, start: datetime, length: timedelta, earlier: bool
) -> None:
    # Asking for a later span first, then an earlier one, grows the totals both ways.
    if earlier:
        open_time_between(calendar, start + timedelta(days=90), start + timedelta(days=95))
    end = start + length
    assert open_time_between(calendar, start, end) == walked(calendar, start, end)
