"""ISO 8601 durations (weeks, days, hours, minutes, seconds) and dates, parsed strictly."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """`PT4H` -> 4 hours. Years and months are refused: their length depends on the date."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not an ISO 8601 duration such as PT4H, P1D or P1DT12H")
    parts = {name: int(value) for name, value in match.groupdict().items() if value}
    return timedelta(**parts)


@lru_cache(maxsize=256)  # a report asks it of the same few targets for every escalation
def duration_parts(text: str) -> tuple[int, int, timedelta]:
    """Weeks, days, and the hours-minutes-seconds rest of a duration, kept apart because on a
    business clock a day is a business day, not 24 hours."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not an ISO 8601 duration such as PT4H, P1D or P1DT12H")
    parts = {name: int(value or 0) for name, value in match.groupdict().items()}
    rest = timedelta(hours=parts["hours"], minutes=parts["minutes"], seconds=parts["seconds"])
    return parts["weeks"], parts["days"], rest


def format_duration(value: timedelta) -> str:
    """A duration in words: `4 hours`, `1 day 2 hours`, `30 minutes`."""
    seconds = int(value.total_seconds())
    units = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))
    words = []
    for name, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            words.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(words) or "0 seconds"


def parse_date(text: str) -> date:
    return date.fromisoformat(text)


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date-time that must carry its UTC offset (or Z)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"'{text}' has no UTC offset; add one such as +01:00 or Z")
    return value
