"""Impact of a framework change on a ticket export: trigger, tier, level, owner and timing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import zip_longest

import duckdb

from escalations.criteria.calendars import MAX_DAYS, open_intervals_of_day
from escalations.criteria.sql import Span, _calendar_spans, _values, literal, quote, wait_seconds
from escalations.model.framework import Duration, Framework, Trigger

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
class _Wait:
    trigger: str
    position: int
    duration: Duration


def compare_outcomes(
    connection: duckdb.DuckDBPyConnection,
    *,
    revision: str,
    current: Framework,
    baseline: Framework,
    first_created: datetime,
    as_of: datetime,
) -> Comparison:
    """Compare tables `outcomes` (current) and `baseline` (ticket_id, escalated_at, trigger)."""
    depth = max(_depth(current), _depth(baseline))
    start = min(first_created, as_of).date() - timedelta(days=1)
    _route_table(connection, current, "outcomes", "after_routes", start, as_of, depth)
    _route_table(connection, baseline, "baseline", "before_routes", start, as_of, depth)
    connection.execute(f"CREATE OR REPLACE TABLE impact AS {_impact_sql(depth)}")
    counts = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE trigger_before IS NULL), "
        "count(*) FILTER (WHERE trigger_after IS NULL), "
        + ", ".join(f"count(*) FILTER (WHERE {kind}_changed)" for kind in KINDS)
        + " FROM impact"
    ).fetchone()
    assert counts is not None
    changed, newly, no_longer, *per_kind = (int(n) for n in counts)
    kinds = tuple(
        KindCount(kind, count, _examples(connection, kind, depth) if count else ())
        for kind, count in zip(KINDS, per_kind, strict=True)
    )
    other = per_kind[0] - newly - no_longer
    return Comparison(revision, changed, newly, no_longer, other, kinds)


def _route(framework: Framework, trigger: Trigger) -> tuple[list[str], list[str], list[Duration]]:
    """A trigger's levels after handoffs, their owners, and the waits before each moves on
    (up to the first level that never moves on)."""
    levels = framework.escalation_levels(trigger.path)
    waits: list[Duration] = []
    for level in levels[:-1]:
        if level.move_on is None:
            break
        waits.append(level.move_on.after)
    return [level.id for level in levels], [level.owner for level in levels], waits


def _depth(framework: Framework) -> int:
    return max((len(_route(framework, t)[2]) for t in framework.triggers), default=0)


def _route_table(
    connection: duckdb.DuckDBPyConnection,
    framework: Framework,
    source: str,
    name: str,
    start: date,
    as_of: datetime,
    depth: int,
) -> None:
    """Create table `name`: each escalated ticket of `source` with its tier, levels, owners
    and deadlines d_1..d_depth (when each level moves on if nobody acts; d_0 is the
    escalation time), computed as `criteria.calendars.due` does, one level after another."""
    routes: list[str] = []
    waits: list[_Wait] = []
    for trigger in framework.triggers:
        levels, owners, durations = _route(framework, trigger)
        routes.append(
            f"({literal(trigger.id)}, {literal(trigger.tier)}, "
            f"{literal(SEPARATOR.join(levels))}, {literal(SEPARATOR.join(owners))})"
        )
        waits.extend(_Wait(trigger.id, i + 1, d) for i, d in enumerate(durations))
    spans = f"{name}_spans"
    connection.execute(
        f"CREATE OR REPLACE TABLE {spans}(calendar, span_start, next_start, cum, cum_end) AS "
        + _values(_level_spans(framework, waits, start, as_of))
    )
    calendars = {c.id: c for c in framework.calendars}
    rows = [
        f"({literal(w.trigger)}, {w.position}, {literal(w.duration.clock)}, "
        f"{literal(w.duration.calendar)}, {wait_seconds(w.duration, calendars)!r})"
        for w in waits
    ]
    wait_values = (
        "VALUES " + ", ".join(rows)
        if rows
        else "SELECT CAST(NULL AS VARCHAR), 0, CAST(NULL AS VARCHAR), "
        "CAST(NULL AS VARCHAR), 0.0 WHERE FALSE"
    )
    route_values = (
        "VALUES " + ", ".join(routes)
        if routes
        else "SELECT CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), "
        "CAST(NULL AS VARCHAR) WHERE FALSE"
    )
    ctes = [
        f"routes(trigger, tier, levels, owners) AS ({route_values})",
        f"waits(trigger, position, clock, calendar, seconds) AS ({wait_values})",
        "step_0 AS (SELECT o.ticket_id, o.trigger, o.escalated_at AS d_0, r.tier, r.levels, "
        f"r.owners FROM {source} o JOIN routes r ON r.trigger = o.trigger)",
    ]
    ctes.extend(f"step_{k} AS ({_deadline_step(k, spans)})" for k in range(1, depth + 1))
    connection.execute(f"CREATE OR REPLACE TABLE {name} AS WITH {', '.join(ctes)} "
                       f"SELECT * FROM step_{depth}")  # fmt: skip


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
    framework: Framework, waits: list[_Wait], start: date, as_of: datetime
) -> list[Span]:
    """Open intervals of each calendar a business wait uses, from `start` until the open
    time of every wait on it has passed after `as_of` (a deadline may lie beyond it)."""
    calendars = {c.id: c for c in framework.calendars}
    needed: dict[str, float] = {}
    for wait in waits:
        if wait.duration.clock == "business":
            seconds = wait_seconds(wait.duration, calendars)
            needed[wait.duration.calendar] = needed.get(wait.duration.calendar, 0.0) + seconds
    rows: list[Span] = []
    for calendar_id in sorted(needed):
        calendar = calendars[calendar_id]
        end, found = as_of.date() + timedelta(days=1), 0.0
        for _ in range(MAX_DAYS):
            if found > needed[calendar_id]:
                break
            end += timedelta(days=1)
            found += sum((b - a).total_seconds() for a, b in open_intervals_of_day(calendar, end))
        rows.extend(_calendar_spans(calendar, start, end + timedelta(days=1)))
    return rows


def _impact_sql(depth: int) -> str:
    deadlines = [f"d_{k}" for k in range(depth + 1)]
    timing = " OR ".join(f"a.{d} IS DISTINCT FROM r.{d}" for d in deadlines)
    both = "o.trigger IS NOT NULL AND b.trigger IS NOT NULL"
    sides = ", ".join(
        f"r.{column} AS {column}_before, a.{column} AS {column}_after"
        for column in ("tier", "levels", "owners", *deadlines)
    )
    return (
        "SELECT * FROM (SELECT o.ticket_id, b.trigger AS trigger_before, "
        f"o.trigger AS trigger_after, {sides}, "
        "o.trigger IS DISTINCT FROM b.trigger AS trigger_changed, "
        f"({both} AND a.tier IS DISTINCT FROM r.tier) AS tier_changed, "
        f"({both} AND a.levels IS DISTINCT FROM r.levels) AS level_changed, "
        f"({both} AND a.owners IS DISTINCT FROM r.owners) AS owner_changed, "
        f"({both} AND ({timing})) AS timing_changed "
        "FROM outcomes o JOIN baseline b ON b.ticket_id = o.ticket_id "
        "LEFT JOIN after_routes a ON a.ticket_id = o.ticket_id "
        "LEFT JOIN before_routes r ON r.ticket_id = o.ticket_id) AS compared "
        "WHERE " + " OR ".join(f"{kind}_changed" for kind in KINDS)
    )


def _examples(connection: duckdb.DuckDBPyConnection, kind: str, depth: int) -> tuple[Example, ...]:
    columns = {
        "trigger": ["trigger"],
        "tier": ["tier"],
        "level": ["levels"],
        "owner": ["levels", "owners"],
        "timing": ["levels", *(f"d_{k}" for k in range(depth + 1))],
    }[kind]
    selected = ", ".join(f"{c}_before, {c}_after" for c in columns)
    rows = connection.execute(
        f"SELECT ticket_id, {selected} FROM impact WHERE {kind}_changed "
        f"ORDER BY ticket_id LIMIT {EXAMPLES}"
    ).fetchall()
    return tuple(_example(kind, str(row[0]), row[1:]) for row in rows)


def _example(kind: str, ticket: str, values: tuple[object, ...]) -> Example:
    if kind in ("trigger", "tier", "level"):
        before, after = values
        return Example(ticket, _text(before), _text(after))
    levels = _first([str(values[0]).split(SEPARATOR), str(values[1]).split(SEPARATOR)])
    if kind == "owner":
        owners = zip_longest(str(values[2]).split(SEPARATOR), str(values[3]).split(SEPARATOR))
        differing = [(n, b, a) for n, (b, a) in zip(levels, owners, strict=False) if b != a]
        level, before, after = differing[0] if differing else (None, None, None)
        return Example(ticket, before, after, level)
    pairs = list(zip(values[2::2], values[3::2], strict=True))
    for position, (before, after) in enumerate(pairs):
        if before != after:
            level = levels[position - 1] if 0 < position <= len(levels) else None
            return Example(ticket, _text(before), _text(after), level)
    return Example(ticket, None, None)


def _first(routes: list[list[str]]) -> list[str]:
    """The level names of the longer route (the after side on a tie)."""
    before, after = routes
    return before if len(before) > len(after) else after


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
