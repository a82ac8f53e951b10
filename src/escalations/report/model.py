"""The report's values: every figure with the number of tickets it was computed from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

MEASURES = ("acknowledge", "first_response", "resolution")
"""What is timed from the escalation: its acknowledgement, the first agent reply, the resolution."""

DIMENSIONS = ("trigger", "type", "tier", "team", "root_cause")

AGES = ("under 1 day", "1-3 days", "3-7 days", "over 7 days")
"""Age bands of open escalations, in calendar time since they were escalated."""


@dataclass(frozen=True, slots=True)
class Figure:
    """A computed value and how many tickets it was computed from; None over 0 tickets."""

    value: float | None
    tickets: int


def figure(numerator: float, tickets: int, scale: float = 1.0) -> Figure:
    """numerator / tickets * scale, or None when there are no tickets."""
    return Figure(numerator / tickets * scale if tickets else None, tickets)


@dataclass(frozen=True, slots=True)
class Week:
    """One week (Monday, UTC) that overlaps the period."""

    start: date
    complete: bool
    """The whole week lies in the period; only then is a rate given, as tickets count per week."""
    escalations: int
    tickets: int | None
    """All tickets created that week (the rate's denominator); None when the history has none."""
    rate: Figure
    """Escalations per 100 tickets of the week."""


@dataclass(frozen=True, slots=True)
class Share:
    """The escalations of one value of a dimension (None: the value was not recorded)."""

    value: str | None
    known: bool
    escalations: int
    weekly: tuple[int, ...]
    """Escalations per week, in the order of Report.weeks."""
    rate: Figure
    """Escalations with this value per 100 tickets, over the complete weeks."""


@dataclass(frozen=True, slots=True)
class Split:
    dimension: str
    shares: tuple[Share, ...]


@dataclass(frozen=True, slots=True)
class Timing:
    """One measure for one tier (None: all tiers, each against its own targets)."""

    measure: str
    tier: str | None
    target: str | None
    """The tier's target as written (PT4H); None when the tiers have none for the measure."""
    clock: str | None
    business_median: Figure
    """Hours of open time on the tier's calendar, over the measured tickets."""
    business_p90: Figure
    calendar_median: Figure
    """Elapsed hours, over the measured tickets."""
    calendar_p90: Figure
    attainment: Figure
    """Percent of the decided tickets (met or breached) that met the target."""
    met: int
    breaches: tuple[str, ...]
    """Tickets past the target: measured later than it, or still waiting after it passed."""
    pending: int
    """Tickets still waiting whose target has not passed yet."""
    unmeasured: int
    """Tickets whose times cannot be measured (see the report's notes)."""


@dataclass(frozen=True, slots=True)
class WeeklyAttainment:
    measure: str
    tier: str
    week: date
    attainment: Figure


@dataclass(frozen=True, slots=True)
class Repeat:
    """A company escalated more than once in the period."""

    company: str
    escalations: int
    tickets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Backlog:
    """Escalations open at the report's time, at one level and age band."""

    level: int | None
    age: str
    escalations: int
    tickets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reached:
    """Escalations on a path whose highest level was `level`."""

    path: str
    level: int | None
    name: str | None
    escalations: int
    share: Figure
    """Percent of the path's escalations in the period."""


@dataclass(frozen=True, slots=True)
class SetApart:
    """An escalation left out of every figure, and why."""

    ticket_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Report:
    framework: str
    framework_version: str
    since: date
    until: date
    as_of: datetime
    """The instant open escalations and pending targets are judged at."""
    escalations: int
    tickets: int | None
    """All tickets created in the complete weeks of the period that have a count."""
    rate: Figure
    weeks: tuple[Week, ...]
    splits: tuple[Split, ...]
    timings: tuple[Timing, ...]
    weekly_attainment: tuple[WeeklyAttainment, ...]
    repeats: tuple[Repeat, ...]
    open: int
    backlog: tuple[Backlog, ...]
    reached: tuple[Reached, ...]
    set_apart: tuple[SetApart, ...]
    notes: tuple[str, ...]
    with_company: int = 0
    """Escalations of the period whose company is known: repeats are counted over them."""

    def split(self, dimension: str) -> Split:
        return next(s for s in self.splits if s.dimension == dimension)

    def timing(self, measure: str, tier: str | None) -> Timing:
        return next(t for t in self.timings if t.measure == measure and t.tier == tier)
