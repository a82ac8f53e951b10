"""Time to acknowledge, to first response and to resolve, against each tier's targets."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from escalations.criteria.calendars import due, open_time_between
from escalations.model.framework import Calendar, Duration, Framework, Tier
from escalations.report.model import MEASURES, Figure, Timing, WeeklyAttainment, figure
from escalations.report.rows import Row

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One ticket's time for one measure: measured, or still waiting at the report's time."""

    row: Row
    measure: str
    business: timedelta | None
    calendar: timedelta | None
    met: bool | None
    """None when the target does not decide: no target, still pending, or not measurable."""
    breached: bool
    measurable: bool


def week_of(at: datetime) -> date:
    day = at.date()
    return day - timedelta(days=day.weekday())


def outcomes(framework: Framework, rows: Iterable[Row], as_of: datetime) -> list[Outcome]:
    """Every row timed for every measure."""
    calendars = {c.id: c for c in framework.calendars}
    found: list[Outcome] = []
    for row in rows:
        tier = framework.tier(row.tier or "")
        for measure in MEASURES:
            found.append(_outcome(row, measure, tier, calendars, as_of))
    return found


def _end(row: Row, measure: str) -> datetime | None:
    if measure == "acknowledge":
        return row.acknowledged_at
    if measure == "first_response":
        return row.first_response_at
    return row.resolved_at


def target_of(tier: Tier, measure: str) -> Duration | None:
    """The tier's target for a measure; acknowledgement has none (paths time it, not tiers)."""
    if measure == "first_response":
        return tier.targets.first_response
    if measure == "resolution":
        return tier.targets.resolution
    return None


def _outcome(
    row: Row, measure: str, tier: Tier, calendars: dict[str, Calendar], as_of: datetime
) -> Outcome:
    start = row.escalated_at
    end = _end(row, measure)
    target = target_of(tier, measure)
    calendar = calendars[tier.targets.first_response.calendar]
    if end is not None and end < start:
        # The tiers count from the escalation: a reply before it is not the reply they time.
        return Outcome(row, measure, None, None, None, False, False)
    if end is None and measure == "resolution" and row.status == "resolved":
        return Outcome(row, measure, None, None, None, False, False)
    limit = due(target, start, calendars) if target is not None else None
    if end is not None and end <= as_of:
        met = None if limit is None else end <= limit
        business = open_time_between(calendar, start, end)
        return Outcome(row, measure, business, end - start, met, met is False, True)
    if limit is not None and limit <= as_of:
        return Outcome(row, measure, None, None, False, True, True)
    return Outcome(row, measure, None, None, None, False, True)


def summarize(measure: str, tier: Tier | None, found: list[Outcome]) -> Timing:
    """One Timing over the outcomes of one measure (of one tier, or of all for None)."""
    target = target_of(tier, measure) if tier is not None else None
    business = [o.business / HOUR for o in found if o.business is not None]
    elapsed = [o.calendar / HOUR for o in found if o.calendar is not None]
    met = sum(1 for o in found if o.met is True)
    breaches = tuple(sorted(o.row.ticket_id for o in found if o.breached))
    decided = met + len(breaches)
    has_target = target is not None or (tier is None and measure != "acknowledge")
    return Timing(
        measure=measure,
        tier=tier.id if tier is not None else None,
        target=target.text if target is not None else None,
        clock=target.clock if target is not None else None,
        business_median=_median(business),
        business_p90=_p90(business),
        calendar_median=_median(elapsed),
        calendar_p90=_p90(elapsed),
        attainment=figure(met, decided, 100.0) if has_target else Figure(None, 0),
        met=met,
        breaches=breaches,
        pending=sum(1 for o in found if o.measurable and o.calendar is None and not o.breached),
        unmeasured=sum(1 for o in found if not o.measurable),
    )


def timings(framework: Framework, found: list[Outcome]) -> tuple[Timing, ...]:
    """Each measure for each tier of the framework, then for all tiers together."""
    result = []
    for measure in MEASURES:
        of_measure = [o for o in found if o.measure == measure]
        for tier in framework.tiers:
            of_tier = [o for o in of_measure if o.row.tier == tier.id]
            result.append(summarize(measure, tier, of_tier))
        result.append(summarize(measure, None, of_measure))
    return tuple(result)


def weekly_attainment(
    framework: Framework, found: list[Outcome], weeks: list[date]
) -> tuple[WeeklyAttainment, ...]:
    """First-response and resolution attainment per tier and week of escalation."""
    met: Counter[tuple[str, str | None, date]] = Counter()
    decided: Counter[tuple[str, str | None, date]] = Counter()
    for o in found:
        if o.met is True or o.breached:
            cell = (o.measure, o.row.tier, week_of(o.row.escalated_at))
            decided[cell] += 1
            met[cell] += o.met is True
    cells = [
        (measure, tier.id, week)
        for measure in ("first_response", "resolution")
        for tier in framework.tiers
        for week in weeks
    ]
    return tuple(WeeklyAttainment(*cell, figure(met[cell], decided[cell], 100.0)) for cell in cells)


def _median(values: list[float]) -> Figure:
    return Figure(statistics.median(values) if values else None, len(values))


def _p90(values: list[float]) -> Figure:
    """The 90th percentile by nearest rank: the smallest value at or above 90 % of them."""
    if not values:
        return Figure(None, 0)
    ordered = sorted(values)
    return Figure(ordered[math.ceil(0.9 * len(ordered)) - 1], len(ordered))
