"""Impact simulation: the framework's criteria over a ticket export, and how a change moves it."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from escalations.criteria.sql import Compiler
from escalations.criteria.sqltext import literal, quote
from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.tickets.exports import (
    TicketSource,
    TicketTable,
    connect,
    explain_bad_values,
    load_tickets,
    open_export,
    run_sql,
)
from escalations.tickets.impact import (
    Comparison,
    compare_outcomes,
    comparison_markdown,
    comparison_text,
)

MEMORY_LIMIT = "192MB"
"""DuckDB's memory for a simulation: the streaming query needs a few buffers per thread;
beyond it, a comparison's tables of tickets and outcomes spill to disk."""

WINDOW = timedelta(days=366)
"""How far before the evaluation time the calendars reach at first: most exports hold the
tickets of the last months, so that one read of the file suffices."""


@dataclass(frozen=True, slots=True)
class TriggerCount:
    trigger: str
    name: str
    tier: str
    owner: str
    escalated: int
    rate: float


@dataclass(frozen=True, slots=True)
class Simulation:
    source: str
    as_of: datetime
    framework: str
    tickets: int
    escalated: int
    triggers: tuple[TriggerCount, ...]
    by_tier: tuple[tuple[str, int], ...]
    by_owner: tuple[tuple[str, int], ...]
    weekly: tuple[tuple[date, int], ...]
    ignored_columns: tuple[str, ...]
    missing_fields: tuple[str, ...]
    comparison: Comparison | None


def compile_sql(framework: Framework, table: TicketTable, as_of: datetime) -> str:
    """The evaluation query for the tickets of `table`, calendars covering their dates."""
    compiler = Compiler(framework)
    return compiler.header(as_of) + compiler.query_for(as_of, table.first_created)


def evaluate_table(
    connection: duckdb.DuckDBPyConnection,
    framework: Framework,
    table: TicketTable,
    as_of: datetime,
    name: str,
) -> None:
    """Create table `name` (ticket_id, escalated_at, trigger) from table `tickets`."""
    sql = compile_sql(framework, table, as_of)
    connection.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")


def simulate(
    framework: Framework,
    path: Path,
    *,
    as_of: datetime,
    baseline: tuple[str, Framework] | None = None,
) -> Simulation:
    """Evaluate every ticket of the export; with a baseline (revision, framework), compare."""
    with tempfile.TemporaryDirectory(prefix="escalations-") as scratch:
        connection = connect()
        # DuckDB keeps what it reads cached up to its memory limit (80% of the machine by
        # default), so without one the memory would grow with the export; the tables a
        # comparison needs spill to the scratch directory instead.
        connection.execute(f"SET temp_directory = {literal(scratch)}")
        connection.execute(f"SET memory_limit = {literal(MEMORY_LIMIT)}")
        try:
            if baseline is None:
                return _stream(connection, framework, path, as_of)
            return _compare(connection, framework, path, as_of, baseline)
        finally:
            connection.close()


def _compare(
    connection: duckdb.DuckDBPyConnection,
    framework: Framework,
    path: Path,
    as_of: datetime,
    baseline: tuple[str, Framework],
) -> Simulation:
    table = load_tickets(connection, path, framework)
    evaluate_table(connection, framework, table, as_of, "outcomes")
    evaluate_table(connection, baseline[1], table, as_of, "baseline")
    comparison = compare_outcomes(
        connection,
        revision=baseline[0],
        current=framework,
        baseline=baseline[1],
        first_created=table.first_created,
        as_of=as_of,
    )
    counts = connection.execute(
        "SELECT trigger, CAST(date_trunc('week', escalated_at) AS DATE) AS week, count(*) "
        "FROM outcomes WHERE trigger IS NOT NULL GROUP BY trigger, week"
    ).fetchall()
    return _summarize(
        framework, table.path, table.rows, (table.ignored, table.missing), as_of, counts, comparison
    )


def _stream(
    connection: duckdb.DuckDBPyConnection, framework: Framework, path: Path, as_of: datetime
) -> Simulation:
    """Type, evaluate and count the tickets in one streaming query: no table of tickets or
    outcomes, so memory does not grow with the export, and the file is read once. The
    business calendars must cover the tickets' dates: the query assumes the tickets of the
    `WINDOW` before `as_of` and says how old the oldest is; the rare export with older tickets
    is evaluated again with calendars that reach back to it."""
    source = open_export(connection, path, framework)
    assumed = as_of - WINDOW
    counts, rows, oldest = _count_escalations(connection, framework, source, as_of, assumed)
    if oldest is not None and oldest < assumed:
        counts, rows, oldest = _count_escalations(connection, framework, source, as_of, oldest)
    if not rows:
        raise EscalationsError(f"{path}: the file holds no tickets.")
    if any(flagged for *_, flagged in counts):
        explain_bad_values(connection, source, framework)
    escalated = [row[:3] for row in counts if row[0] is not None]
    notes = (source.ignored, source.missing)
    return _summarize(framework, path, rows, notes, as_of, escalated, None)


def _count_escalations(
    connection: duckdb.DuckDBPyConnection,
    framework: Framework,
    source: TicketSource,
    as_of: datetime,
    first_created: datetime,
) -> tuple[list[tuple[Any, ...]], int, datetime | None]:
    """Escalations by (trigger, week) with whether any row is bad, with calendars covering
    tickets created from `first_created` on; the tickets counted and the oldest's creation."""
    compiler = Compiler(framework)
    keep = ("_bad", source.created)
    evaluated = compiler.query_for(as_of, first_created, tickets=source.query, keep=keep)
    groups = run_sql(
        connection,
        source.path,
        "SELECT trigger, CAST(date_trunc('week', escalated_at) AS DATE) AS week, count(*), "
        f"bool_or(_bad), min({quote(source.created)}) FROM ({evaluated}) AS outcomes "
        "GROUP BY trigger, week",
    )
    oldest = min((row[4] for row in groups if row[4] is not None), default=None)
    counts = [row[:4] for row in groups]
    return counts, sum(int(row[2]) for row in groups), oldest  # type: ignore[return-value]


def _summarize(
    framework: Framework,
    path: Path,
    tickets: int,
    notes: tuple[tuple[str, ...], tuple[str, ...]],
    as_of: datetime,
    counts: Sequence[tuple[Any, ...]],
    comparison: Comparison | None,
) -> Simulation:
    """The simulation from the escalations counted by (trigger, week starting Monday)."""
    per_trigger: dict[str, int] = {}
    per_week: dict[date, int] = {}
    for trigger, week, count in counts:
        per_trigger[trigger] = per_trigger.get(trigger, 0) + int(count)
        per_week[week] = per_week.get(week, 0) + int(count)
    rows: list[TriggerCount] = []
    by_tier: dict[str, int] = {}
    by_owner: dict[str, int] = {}
    for trigger in framework.triggers:
        owner = framework.path(trigger.path).levels[0].owner
        count = per_trigger.get(trigger.id, 0)
        rows.append(
            TriggerCount(trigger.id, trigger.name, trigger.tier, owner, count, count / tickets)
        )
        by_tier[trigger.tier] = by_tier.get(trigger.tier, 0) + count
        by_owner[owner] = by_owner.get(owner, 0) + count
    return Simulation(
        source=str(path),
        as_of=as_of,
        framework=f"{framework.id} {framework.version}",
        tickets=tickets,
        escalated=sum(r.escalated for r in rows),
        triggers=tuple(rows),
        by_tier=tuple(sorted(by_tier.items())),
        by_owner=tuple(sorted(by_owner.items(), key=lambda item: -item[1])),
        weekly=tuple(sorted(per_week.items())),
        ignored_columns=notes[0],
        missing_fields=notes[1],
        comparison=comparison,
    )


# -- rendering -----------------------------------------------------------------------------


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


def render_text(result: Simulation) -> str:
    lines = [
        f"{result.tickets:,} tickets from {result.source}, as of "
        f"{result.as_of.isoformat(timespec='minutes')}, framework {result.framework}",
        f"escalated: {result.escalated:,} ({_percent(result.escalated, result.tickets)})",
        "",
        f"{'trigger':<28} {'tier':<8} {'owner':<26} {'escalated':>10} {'rate':>7}",
    ]
    for row in result.triggers:
        lines.append(
            f"{row.trigger:<28} {row.tier:<8} {row.owner:<26} {row.escalated:>10,} "
            f"{_percent(row.escalated, result.tickets):>7}"
        )
    lines.append("")
    lines.append("by tier: " + ", ".join(f"{t} {n:,}" for t, n in result.by_tier))
    lines.append("by owner: " + ", ".join(f"{o} {n:,}" for o, n in result.by_owner))
    lines.append("weekly volume (week starting Monday):")
    lines.extend(f"  {week.isoformat()}  {n:>8,}" for week, n in result.weekly)
    if result.comparison is not None:
        lines.extend(["", *comparison_text(result.comparison)])
    lines.extend(_notes(result))
    return "\n".join(lines)


def _notes(result: Simulation) -> list[str]:
    notes = []
    if result.missing_fields:
        notes.append(
            "note: fields not in the file, read as unknown: " + ", ".join(result.missing_fields)
        )
    if result.ignored_columns:
        shown = ", ".join(result.ignored_columns[:10])
        more = len(result.ignored_columns) - 10
        notes.append(
            f"note: columns not in the field catalog, ignored: {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    return notes


def render_markdown(result: Simulation) -> str:
    lines = [
        f"**{result.escalated:,} of {result.tickets:,} tickets escalate** "
        f"({_percent(result.escalated, result.tickets)}), framework {result.framework}, "
        f"as of {result.as_of.isoformat(timespec='minutes')}",
        "",
        "| trigger | tier | owner | escalated | rate |",
        "|---|---|---|---:|---:|",
    ]
    lines.extend(
        f"| {r.trigger} | {r.tier} | {r.owner} | {r.escalated:,} | "
        f"{_percent(r.escalated, result.tickets)} |"
        for r in result.triggers
    )
    if result.comparison is not None:
        lines.extend(["", *comparison_markdown(result.comparison)])
    lines.extend(f"\n_{note}_" for note in _notes(result))
    return "\n".join(lines)


def render_json(result: Simulation) -> str:
    def default(value: Any) -> str:
        return value.isoformat() if isinstance(value, date | datetime) else str(value)

    payload = asdict(result)
    payload["weekly"] = [{"week": week, "escalated": n} for week, n in result.weekly]
    payload["by_tier"] = dict(result.by_tier)
    payload["by_owner"] = dict(result.by_owner)
    return json.dumps(payload, indent=2, default=default)
