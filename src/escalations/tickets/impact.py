"""Impact of a framework change on a ticket export: trigger, tier, level, owner and timing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import zip_longest

import duckdb

from escalations.criteria.calendars import MAX_DAYS, open_intervals_of_day
from escalations.criteria.spans import Span, calendar_spans, span_values
from escalations.criteria.sql import wait_seconds
from escalations.criteria.sqltext import literal, quote
from escalations.model.framework import Calendar, Duration, Framework

EXAMPLES = 5
"""How many example tickets a comparison lists for each kind of change."""

KINDS = ("trigger", "tier", "level", "owner", "timing")
"""The ways a ticket can change, in the order they are reported."""

SEPARATOR = " > "
"""Joins the levels (and owners) of a route, in the order an escalation climbs them."""


@dataclass(frozen=True, slots=True)
class Example:
    """One ticket's change: before and after (None: not escalated, or no such level or
    deadline); `level` names the level whose owner or deadline differs (None for the
    escalation time)."""

    ticket: str
    before: str | None
    after: str | None
    level: str | None = None


@dataclass(frozen=True, slots=True)
class KindCount:
    kind: str
    tickets: int
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    """How the tickets' escalations differ from those of the framework at `revision`.

    Tier, level, owner and timing compare tickets escalated on both sides; a ticket newly
    or no longer escalated counts as a trigger change only. `changed` counts the tickets
    with a change of any kind, each once.
    """

    revision: str
    changed: int
    newly_escalated: int
    no_longer_escalated: int
    other_trigger: int
    kinds: tuple[KindCount, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """Where a trigger's escalations go: its tier, the levels of its path after handoffs
    with their owners, the waits before each moves on (up to the first level that never
    does), and those waits as their clocks count them (equal signatures, equal deadlines)."""

    tier: str
    levels: tuple[str, ...]
    owners: tuple[str, ...]
    waits: tuple[Duration, ...]
    signature: str


def routes_of(framework: Framework) -> dict[str, Route]:
    """The route of every trigger of the framework, by trigger id."""
    calendars = {c.id: c for c in framework.calendars}
    routes = {}
    for trigger in framework.triggers:
        levels = framework.escalation_levels(trigger.path)
        waits: list[Duration] = []
        for level in levels[:-1]:
            if level.move_on is None:
                break
            waits.append(level.move_on.after)
        routes[trigger.id] = Route(
            trigger.tier,
            tuple(level.id for level in levels),
            tuple(level.owner for level in levels),
            tuple(waits),
            _signature(waits, calendars),
        )
    return routes


def compare_outcomes(
    connection: duckdb.DuckDBPyConnection,
    *,
    revision: str,
    current: Framework,
    baseline: Framework,
    first_created: datetime,
    as_of: datetime,
) -> Comparison:
    """Compare tables `outcomes` (current) and `baseline` (ticket_id, escalated_at, trigger).

    What a ticket's tier, levels, owners and waits are follows from its two triggers, so they
    are compared once per pair of triggers; only the tickets with an equal escalation time
    and different waits need their deadlines computed.
    """
    before, after = routes_of(baseline), routes_of(current)
    depth = max((len(r.waits) for r in (*before.values(), *after.values())), default=0)
    connection.execute(f"CREATE OR REPLACE TABLE compared AS {_impact_sql(before, after)}")
    start = min(first_created, as_of).date() - timedelta(days=1)
    for framework, side, routes in ((current, "after", after), (baseline, "before", before)):
        _deadline_table(connection, framework, routes, side, start, as_of, depth)
    timing = " OR ".join(
        ["d_0_before IS DISTINCT FROM d_0_after"]
        + [f"d.d_{k}_before IS DISTINCT FROM d.d_{k}_after" for k in range(1, depth + 1)]
    )
    connection.execute(
        "CREATE OR REPLACE TABLE impact AS SELECT c.*, "
        f"(trigger_before IS NOT NULL AND trigger_after IS NOT NULL AND ({timing})) "
        "AS timing_changed FROM compared c LEFT JOIN deadlines d ON d.ticket_id = c.ticket_id"
    )
    counts = connection.execute(
        "SELECT count(*) FILTER (WHERE trigger_changed OR tier_changed OR level_changed "
        "OR owner_changed OR timing_changed), "
        "count(*) FILTER (WHERE trigger_before IS NULL), "
        "count(*) FILTER (WHERE trigger_after IS NULL), "
        + ", ".join(f"count(*) FILTER (WHERE {kind}_changed)" for kind in KINDS)
        + " FROM impact"
    ).fetchone()
    assert counts is not None
    changed, newly, no_longer, *per_kind = (int(n) for n in counts)
    kinds = tuple(
        KindCount(kind, count, _examples(connection, kind, depth, before, after) if count else ())
        for kind, count in zip(KINDS, per_kind, strict=True)
    )
    other = per_kind[0] - newly - no_longer
    return Comparison(revision, changed, newly, no_longer, other, kinds)


def _signature(waits: list[Duration], calendars: dict[str, Calendar]) -> str:
    parts = []
    for duration in waits:
        seconds = wait_seconds(duration, calendars)
        if duration.clock == "calendar":
            parts.append(f"calendar {seconds!r}")
            continue
        calendar = calendars[duration.calendar]
        definition = (calendar.timezone, calendar.hours, [h.date for h in calendar.holidays])
        digest = hashlib.sha256(repr(definition).encode()).hexdigest()[:16]
        parts.append(f"business {calendar.id} {digest} {seconds!r}")
    return SEPARATOR.join(parts)


def _impact_sql(before: dict[str, Route], after: dict[str, Route]) -> str:
    """The tickets that change trigger or escalation time, or whose pair of triggers changes
    tier, levels, owners or waits; `rescheduled` marks those whose deadlines need computing."""
    pairs = []
    for old, was in before.items():
        for new, now in after.items():
            flags = (was.tier != now.tier, was.levels != now.levels, was.owners != now.owners,
                     was.signature != now.signature)  # fmt: skip
            if any(flags):
                pairs.append(
                    f"({literal(old)}, {literal(new)}, " + ", ".join(map(literal, flags)) + ")"
                )
    empty = "CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), FALSE, FALSE, FALSE, FALSE"
    return (
        f"WITH pairs(before, after, tier, level, owner, waits) AS ({_rows(pairs, empty)}) "
        "SELECT o.ticket_id, b.trigger AS trigger_before, o.trigger AS trigger_after, "
        "b.escalated_at AS d_0_before, o.escalated_at AS d_0_after, "
        "o.trigger IS DISTINCT FROM b.trigger AS trigger_changed, "
        "coalesce(p.tier, FALSE) AS tier_changed, coalesce(p.level, FALSE) AS level_changed, "
        "coalesce(p.owner, FALSE) AS owner_changed, "
        "coalesce(p.waits AND o.escalated_at = b.escalated_at, FALSE) AS rescheduled "
        "FROM outcomes o JOIN baseline b ON b.ticket_id = o.ticket_id "
        "LEFT JOIN pairs p ON p.before = b.trigger AND p.after = o.trigger "
        "WHERE o.trigger IS DISTINCT FROM b.trigger "
        "OR o.escalated_at IS DISTINCT FROM b.escalated_at OR p.before IS NOT NULL"
    )


def _rows(rows: list[str], empty: str) -> str:
    """VALUES of `rows`, or a query of no rows typed by `empty` (VALUES needs a row)."""
    return "VALUES " + ", ".join(rows) if rows else f"SELECT {empty} WHERE FALSE"


def _deadline_table(
    connection: duckdb.DuckDBPyConnection,
    framework: Framework,
    routes: dict[str, Route],
    side: str,
    start: date,
    as_of: datetime,
    depth: int,
) -> None:
    """Create (before) or extend (after) table `deadlines`: for each rescheduled ticket,
    d_1_{side}..d_depth_{side}, when each level of its route moves on if nobody acts,
    computed as `criteria.calendars.due` does, one level after another."""
    calendars = {c.id: c for c in framework.calendars}
    waits = [(trigger, i + 1, wait) for trigger, route in routes.items()
             for i, wait in enumerate(route.waits)]  # fmt: skip
    spans = f"{side}_spans"
    connection.execute(
        f"CREATE OR REPLACE TABLE {spans}(calendar, span_start, next_start, cum, cum_end) AS "
        + span_values(_level_spans(calendars, [w for _, _, w in waits], start, as_of))
    )
    rows = [
        f"({literal(trigger)}, {position}, {literal(wait.clock)}, {literal(wait.calendar)}, "
        f"{wait_seconds(wait, calendars)!r})"
        for trigger, position, wait in waits
    ]
    empty = "CAST(NULL AS VARCHAR), 0, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), 0.0"
    ctes = [
        f"waits(trigger, position, clock, calendar, seconds) AS ({_rows(rows, empty)})",
        f"step_0 AS (SELECT ticket_id, trigger_{side} AS trigger, d_0_{side} AS d_0 "
        "FROM compared WHERE rescheduled)",
    ]
    ctes.extend(f"step_{k} AS ({_deadline_step(k, spans)})" for k in range(1, depth + 1))
    columns = "".join(f", d_{k} AS d_{k}_{side}" for k in range(1, depth + 1))
    query = f"WITH {', '.join(ctes)} SELECT ticket_id{columns} FROM step_{depth}"
    if side == "after":
        connection.execute(f"CREATE OR REPLACE TABLE after_deadlines AS {query}")
        return
    connection.execute(
        f"CREATE OR REPLACE TABLE deadlines AS SELECT * FROM after_deadlines "
        f"JOIN ({query}) AS before_deadlines USING (ticket_id)"
    )


def _deadline_step(k: int, spans: str) -> str:
    """d_k from d_(k-1): the same open-interval arithmetic as the criteria's business waits."""
    previous, current = f"x.d_{k - 1}", quote(f"d_{k}")
    offset = f"LEAST(EXTRACT(EPOCH FROM ({previous} - a.span_start)), a.cum_end - a.cum)"
    target = f"(a.cum + {offset} + w.seconds)"
    return (
        f"SELECT x.*, CASE WHEN w.clock = 'calendar' THEN {previous} + w.seconds * INTERVAL '1' "
        f"SECOND WHEN w.seconds = 0 THEN {previous} "
        f"ELSE b.span_start + ((a.cum - b.cum) + {offset} + w.seconds) * INTERVAL '1' SECOND "
        f"END AS {current} FROM step_{k - 1} x "
        f"LEFT JOIN waits w ON w.trigger = x.trigger AND w.position = {k} "
        f"LEFT JOIN {spans} a ON w.clock = 'business' AND a.calendar = w.calendar "
        f"AND a.span_start <= {previous} AND {previous} < a.next_start "
        f"LEFT JOIN {spans} b ON b.calendar = w.calendar AND b.cum < {target} "
        f"AND {target} <= b.cum_end"
    )


def _level_spans(
    calendars: dict[str, Calendar], waits: list[Duration], start: date, as_of: datetime
) -> list[Span]:
    """Open intervals of each calendar a business wait uses, from `start` until the open
    time of every wait on it has passed after `as_of` (a deadline may lie beyond it)."""
    needed: dict[str, float] = {}
    for wait in waits:
        if wait.clock == "business":
            needed[wait.calendar] = needed.get(wait.calendar, 0.0) + wait_seconds(wait, calendars)
    rows: list[Span] = []
    for calendar_id in sorted(needed):
        calendar = calendars[calendar_id]
        end, found = as_of.date() + timedelta(days=1), 0.0
        for _ in range(MAX_DAYS):
            if found > needed[calendar_id]:
                break
            end += timedelta(days=1)
            found += sum((b - a).total_seconds() for a, b in open_intervals_of_day(calendar, end))
        rows.extend(calendar_spans(calendar, start, end + timedelta(days=1)))
    return rows


def _examples(
    connection: duckdb.DuckDBPyConnection,
    kind: str,
    depth: int,
    before: dict[str, Route],
    after: dict[str, Route],
) -> tuple[Example, ...]:
    times = "".join(f", d.d_{k}_before, d.d_{k}_after" for k in range(1, depth + 1))
    rows = connection.execute(
        f"SELECT i.ticket_id, trigger_before, trigger_after, d_0_before, d_0_after{times} "
        f"FROM impact i LEFT JOIN deadlines d ON d.ticket_id = i.ticket_id "
        f"WHERE {kind}_changed ORDER BY i.ticket_id LIMIT {EXAMPLES}"
    ).fetchall()
    examples = []
    for ticket, old, new, *moments in rows:
        if kind == "trigger":
            examples.append(Example(str(ticket), old, new))
            continue
        was, now = before[old], after[new]
        examples.append(_example(kind, str(ticket), was, now, moments))
    return tuple(examples)


def _example(kind: str, ticket: str, was: Route, now: Route, moments: list[object]) -> Example:
    if kind == "tier":
        return Example(ticket, was.tier, now.tier)
    if kind == "level":
        return Example(ticket, SEPARATOR.join(was.levels), SEPARATOR.join(now.levels))
    levels = now.levels if len(now.levels) >= len(was.levels) else was.levels
    if kind == "owner":
        owners = zip(levels, zip_longest(was.owners, now.owners), strict=False)
        level, (old, new) = next((n, pair) for n, pair in owners if pair[0] != pair[1])
        return Example(ticket, old, new, level)
    pairs = list(zip(moments[0::2], moments[1::2], strict=True))
    position = next(i for i, (old, new) in enumerate(pairs) if old != new)
    where = levels[position - 1] if position else None
    return Example(ticket, _text(pairs[position][0]), _text(pairs[position][1]), where)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return str(value)


# -- rendering -----------------------------------------------------------------------------

LABELS = {
    "trigger": "trigger",
    "tier": "tier",
    "level": "levels",
    "owner": "owner",
    "timing": "timing",
}
"""How each kind of change is named in text and Markdown."""


def describe_example(kind: str, example: Example) -> str:
    """One example as a line: the ticket, where it changes, before -> after."""
    if kind == "trigger":
        before, after = example.before or "not escalated", example.after or "not escalated"
        return f"{example.ticket}: {before} -> {after}"
    before, after = example.before or "none", example.after or "none"
    if kind == "owner":
        return f"{example.ticket} at {example.level}: {before} -> {after}"
    if kind == "timing":
        where = f"{example.level} moves on" if example.level else "escalated"
        return f"{example.ticket} {where}: {before} -> {after}"
    return f"{example.ticket}: {before} -> {after}"


def _split(comparison: Comparison) -> str:
    return (
        f"{comparison.newly_escalated:,} newly escalated, {comparison.no_longer_escalated:,} "
        f"no longer escalated, {comparison.other_trigger:,} by another trigger"
    )


def comparison_text(comparison: Comparison) -> list[str]:
    """The comparison as text lines: the total, then each kind with its examples."""
    lines = [
        f"compared with {comparison.revision}: {comparison.changed:,} tickets change "
        "(a ticket that changes in several ways counts under each)"
    ]
    for count in comparison.kinds:
        split = f" ({_split(comparison)})" if count.kind == "trigger" and count.tickets else ""
        lines.append(f"  {LABELS[count.kind] + ':':<9}{count.tickets:>9,}{split}")
        lines.extend(f"    {describe_example(count.kind, e)}" for e in count.examples)
        if count.tickets > len(count.examples):
            lines.append(f"    ... and {count.tickets - len(count.examples):,} more")
    return lines


def comparison_markdown(comparison: Comparison) -> list[str]:
    """The comparison as Markdown: the total, then a table of the kinds with examples."""
    lines = [
        f"Compared with `{comparison.revision}`: **{comparison.changed:,} tickets change** "
        "(a ticket that changes in several ways counts under each).",
        "",
        "| change | tickets | examples |",
        "|---|---:|---|",
    ]
    for count in comparison.kinds:
        split = f" ({_split(comparison)})" if count.kind == "trigger" and count.tickets else ""
        examples = [describe_example(count.kind, e) for e in count.examples]
        if count.tickets > len(count.examples):
            examples.append(f"... and {count.tickets - len(count.examples):,} more")
        cell = "<br>".join(e.replace("|", "\\|") for e in examples)
        lines.append(f"| {LABELS[count.kind]} | {count.tickets:,}{split} | {cell} |")
    return lines
