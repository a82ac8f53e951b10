"""The report's times against each tier's targets, as SQL steps over the rows it keeps.

The steps read a relation `kept` (the escalations of the period the framework can place,
with the history's column names) and end in `timing`: one row per tier and measure with the
target, the tickets met, breached and pending, and the median and p90 of calendar and
business hours. Business time is read off the calendars' open intervals, written as VALUES
as the criteria SQL writes them (criteria/sql.py), so each instant costs one equality lookup.
"""

from __future__ import annotations

from datetime import date, datetime

from escalations.criteria.calendars import open_time_of
from escalations.criteria.spans import (
    DAY,
    Span,
    calendar_spans,
    day_range,
    day_values,
    open_day_values,
)
from escalations.criteria.sqltext import literal, quote, timestamp
from escalations.model.framework import Duration, Framework
from escalations.report.timings import target_of

MEASURES = ("first_response", "resolution")
"""The measures the tiers have targets for, in the report's order."""

STATISTICS = (
    ("target", "target {clock} hours"),
    ("met", "met"),
    ("breached", "breached"),
    ("pending", "pending"),
    ("attainment", "attainment %"),
    ("calendar_median", "calendar median hours"),
    ("calendar_p90", "calendar p90 hours"),
    ("business_median", "business median hours"),
    ("business_p90", "business p90 hours"),
)
"""Each figure of a tier's measure: its column in `timing`, and its name after the measure's."""


def timing_steps(framework: Framework, start: date, end: date, as_of: datetime) -> list[str]:
    """The CTEs from `kept` to `timing`, with the spans of the calendars from `start` to `end`
    (local dates: a day either side of the instants they must place)."""
    spans = _spans(framework, start, end)
    days = day_range(spans)
    moment = timestamp(as_of)
    ends = " ".join(f"WHEN {literal(m)} THEN k.{quote(_end_column(m))}" for m in MEASURES)
    return [
        f"targets(tier, measure, clock, target_hours, calendar, due_calendar, amount, "
        f"tier_rank, measure_rank) AS ({_target_values(framework)})",
        "spans_by_day(calendar, day, span_start, next_start, cum, cum_end) AS "
        f"({day_values(spans, days)})",
        f"spans_by_open_day(calendar, day, span_start, cum, cum_end) AS ({open_day_values(spans)})",
        f"timed AS (SELECT t.tier, t.measure, t.clock, t.amount, t.calendar, t.due_calendar, "
        f"k.{quote('escalated_at')} AS start_at, CASE t.measure {ends} END AS end_at, "
        f"k.{quote('status')} AS status "
        f"FROM kept k JOIN targets t ON t.tier = k.{quote('tier')})",
        _placed(days),
        _due(),
        _outcomes(moment),
        "hours(tier, measure, kind, h) AS ("
        "SELECT tier, measure, 'calendar', calendar_hours FROM outcomes "
        "WHERE calendar_hours IS NOT NULL UNION ALL "
        "SELECT tier, measure, 'business', business_hours FROM outcomes "
        "WHERE business_hours IS NOT NULL)",
        "ranked AS (SELECT tier, measure, kind, h, "
        "ROW_NUMBER() OVER (PARTITION BY tier, measure, kind ORDER BY h) AS rn, "
        "COUNT(*) OVER (PARTITION BY tier, measure, kind) AS n FROM hours)",
        # statistics.median: the middle value, or the mean of the two middle ones; the p90 by
        # nearest rank: the value at rank ceil(0.9 n), in exact arithmetic.
        "spread AS (SELECT tier, measure, kind, COUNT(*) AS n, "
        "AVG(CASE WHEN rn = FLOOR((n + 1) / 2.0) OR rn = FLOOR((n + 2) / 2.0) THEN h END) "
        "AS median, MAX(CASE WHEN rn = CEIL(9 * n / 10.0) THEN h END) AS p90 "
        "FROM ranked GROUP BY tier, measure, kind)",
        "tally AS (SELECT tier, measure, "
        + ", ".join(
            f"SUM(CASE WHEN outcome = {literal(o)} THEN 1 ELSE 0 END) AS {o}"
            for o in ("met", "breached", "pending")
        )
        + " FROM outcomes GROUP BY tier, measure)",
        _timing(),
    ]


def _end_column(measure: str) -> str:
    return "first_response_at" if measure == "first_response" else "resolved_at"


def _spans(framework: Framework, start: date, end: date) -> list[Span]:
    """Open intervals of every calendar the tiers time business hours or due times on."""
    used = set()
    for tier in framework.tiers:
        used.add(tier.targets.first_response.calendar)
        for measure in MEASURES:
            target = target_of(tier, measure)
            if target is not None and target.clock == "business":
                used.add(target.calendar)
    calendars = {c.id: c for c in framework.calendars}
    return [span for cid in sorted(used) for span in calendar_spans(calendars[cid], start, end)]


def _target_values(framework: Framework) -> str:
    """Each tier's target for each measure: its clock, its hours on that clock, the calendar
    business hours are counted on (the first-response target's, as the report counts them),
    the calendar of the due time and the seconds of its clock it asks for."""
    rows = []
    for rank, tier in enumerate(framework.tiers):
        for order, measure in enumerate(MEASURES):
            target = target_of(tier, measure)
            assert target is not None
            amount = _seconds(target, framework)
            rows.append(
                f"({literal(tier.id)}, {literal(measure)}, {literal(target.clock)}, "
                f"{amount / 3600!r}, {literal(tier.targets.first_response.calendar)}, "
                f"{literal(target.calendar)}, {amount!r}, {rank}, {order})"
            )
    return "VALUES\n  " + ",\n  ".join(rows)


def _seconds(target: Duration, framework: Framework) -> float:
    if target.clock == "calendar":
        return target.value.total_seconds()
    calendar = next(c for c in framework.calendars if c.id == target.calendar)
    return open_time_of(target, calendar).total_seconds()


def _day_key(moment: str, days: tuple[int, int]) -> str:
    """The UTC day of an instant, clamped to the spans' days as their rows are."""
    return (
        f"LEAST(GREATEST(CAST(FLOOR(EXTRACT(EPOCH FROM {moment}) / {DAY!r}) AS BIGINT), "
        f"{days[0]}), {days[1]})"
    )


def _lookup(alias: str, calendar: str, moment: str, days: tuple[int, int]) -> str:
    """The span of `calendar` that holds `moment`."""
    return (
        f"LEFT JOIN spans_by_day {alias} ON {alias}.calendar = {calendar} "
        f"AND {alias}.day = {_day_key(moment, days)} "
        f"AND {alias}.span_start <= {moment} AND {moment} < {alias}.next_start"
    )


def _open_before(alias: str, moment: str) -> str:
    """Open seconds from the start of span `alias` (which holds `moment`) to `moment`."""
    return (
        f"LEAST(EXTRACT(EPOCH FROM ({moment} - {alias}.span_start)), {alias}.cum_end - {alias}.cum)"
    )


def _placed(days: tuple[int, int]) -> str:
    """Business seconds from the escalation to the end (open seconds before the end minus
    before the start), and where the due time's count starts on the due calendar."""
    start, end = "x.start_at", "x.end_at"
    return (
        "placed AS (SELECT x.*, "
        f"(e.cum + {_open_before('e', end)}) - (a.cum + {_open_before('a', start)}) "
        "AS business_seconds, "
        f"d.cum + {_open_before('d', start)} AS due_cum "
        "FROM timed x "
        f"{_lookup('a', 'x.calendar', start, days)} "
        f"{_lookup('e', 'x.calendar', end, days)} "
        f"{_lookup('d', 'x.due_calendar', start, days)})"
    )


def _due() -> str:
    """When the target falls due: the span of open time the target's count ends in, on the
    due calendar; a count past the last span is due after the period, hence NULL."""
    target = "(p.due_cum + p.amount)"
    return (
        "due AS (SELECT p.*, CASE "
        "WHEN p.clock = 'calendar' THEN p.start_at + p.amount * INTERVAL '1' SECOND "
        "WHEN p.amount <= 0 THEN p.start_at "
        "ELSE b.span_start + ((p.due_cum - b.cum) + p.amount) * INTERVAL '1' SECOND "
        "END AS due_at FROM placed p "
        "LEFT JOIN spans_by_open_day b ON p.clock = 'business' "
        "AND b.calendar = p.due_calendar "
        f"AND b.day = CAST(FLOOR({target} / {DAY!r}) AS BIGINT) "
        f"AND b.cum < {target} AND {target} <= b.cum_end)"
    )


def _outcomes(moment: str) -> str:
    """Each ticket's outcome for a measure, in the order report/timings.py decides it."""
    measured = f"start_at <= end_at AND end_at <= {moment}"
    return (
        "outcomes AS (SELECT tier, measure, CASE "
        "WHEN end_at < start_at THEN 'unmeasured' "
        "WHEN end_at IS NULL AND measure = 'resolution' AND status = 'resolved' "
        "THEN 'unmeasured' "
        f"WHEN end_at <= {moment} THEN "
        "CASE WHEN due_at IS NULL OR end_at <= due_at THEN 'met' ELSE 'breached' END "
        f"WHEN due_at <= {moment} THEN 'breached' "
        "ELSE 'pending' END AS outcome, "
        f"CASE WHEN {measured} THEN EXTRACT(EPOCH FROM (end_at - start_at)) / 3600.0 END "
        "AS calendar_hours, "
        f"CASE WHEN {measured} THEN business_seconds / 3600.0 END AS business_hours "
        "FROM due)"
    )


def _timing() -> str:
    decided = "(COALESCE(c.met, 0) + COALESCE(c.breached, 0))"
    spread = " ".join(
        f"LEFT JOIN spread {alias} ON {alias}.tier = t.tier AND {alias}.measure = t.measure "
        f"AND {alias}.kind = {literal(kind)}"
        for alias, kind in (("cal", "calendar"), ("bus", "business"))
    )
    return (
        "timing AS (SELECT t.tier, t.measure, t.clock, t.tier_rank, t.measure_rank, "
        "t.target_hours AS target, CAST(NULL AS BIGINT) AS target_n, "
        "COALESCE(c.met, 0) AS met, CAST(NULL AS BIGINT) AS met_n, "
        "COALESCE(c.breached, 0) AS breached, CAST(NULL AS BIGINT) AS breached_n, "
        "COALESCE(c.pending, 0) AS pending, CAST(NULL AS BIGINT) AS pending_n, "
        f"CASE WHEN {decided} > 0 THEN 100.0 * COALESCE(c.met, 0) / {decided} END "
        f"AS attainment, {decided} AS attainment_n, "
        "cal.median AS calendar_median, COALESCE(cal.n, 0) AS calendar_median_n, "
        "cal.p90 AS calendar_p90, COALESCE(cal.n, 0) AS calendar_p90_n, "
        "bus.median AS business_median, COALESCE(bus.n, 0) AS business_median_n, "
        "bus.p90 AS business_p90, COALESCE(bus.n, 0) AS business_p90_n "
        "FROM targets t LEFT JOIN tally c ON c.tier = t.tier AND c.measure = t.measure "
        f"{spread})"
    )
