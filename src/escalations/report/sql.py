"""The report's headline figures as one SQL query, to run where the escalation history is.

The query reads two tables with the history's columns (report/history.py), the escalations
and the tickets per week, and returns one row per figure: `metric, dimension, item, value,
tickets`, ordered as the report shows them. The framework's triggers, tiers, targets and
calendars are written into it as literals, as the criteria SQL writes them, so it needs no
other table; it is written for DuckDB and transpiled like the criteria (criteria/dialects.py).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlglot import exp

from escalations.criteria.dialects import transpile_query
from escalations.criteria.sqltext import literal, quote, timestamp
from escalations.model.framework import Framework
from escalations.report.model import AGES, DIMENSIONS
from escalations.report.sql_timings import MEASURES, STATISTICS, timing_steps

READ = (
    ("ticket_id", "VARCHAR"),
    ("escalated_at", "TIMESTAMPTZ"),
    ("trigger", "VARCHAR"),
    ("type", "VARCHAR"),
    ("tier", "VARCHAR"),
    ("level", "INTEGER"),
    ("team", "VARCHAR"),
    ("status", "VARCHAR"),
    ("first_response_at", "TIMESTAMPTZ"),
    ("resolved_at", "TIMESTAMPTZ"),
    ("root_cause", "VARCHAR"),
)
"""The columns of the escalations table the figures read, with their types in the history."""

WEEK_COLUMNS = (("week", "DATE"), ("tickets", "BIGINT"))

_FIRST_MONDAY = date(1970, 1, 5)
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_AGE_LIMITS = (86400, 3 * 86400, 7 * 86400)
"""The upper bounds, in seconds, of the first age bands of AGES."""


def compile_report(
    framework: Framework,
    since: date,
    until: date,
    dialect: str = "duckdb",
    *,
    table: str = "escalations",
    weeks_table: str = "ticket_weeks",
) -> str:
    """The query, with its header, of the figures of `since` to `until` (both days included,
    UTC), judged at the end of the period as report.metrics.build judges them by default."""
    if until < since:
        raise ValueError(f"the period ends ({until}) before it starts ({since})")
    query = _query(framework, since, until, table_reference(table), table_reference(weeks_table))
    sql = transpile_query(query, dialect, framework)
    return _header(framework, since, until, dialect, table, weeks_table) + sql


def table_reference(name: str) -> str:
    """A table name as the user gave it (table, schema.table, project.dataset.table), each
    part quoted only when it is not a plain name, so unquoted names keep their engine's case
    rules."""
    parts = name.split(".")
    if not all(parts):
        raise ValueError(
            f"'{name}' is not a table name: write it as table, schema.table or "
            "database.schema.table."
        )
    return ".".join(part if _PLAIN.match(part) else quote(part) for part in parts)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(literal(v) for v in values)})" if values else "FALSE"


def _query(framework: Framework, since: date, until: date, table: str, weeks_table: str) -> str:
    start, end = _midnight(since), _midnight(until + timedelta(days=1))
    known = (
        f"{_in(quote('trigger'), [t.id for t in framework.triggers])} "
        f"AND {_in(quote('tier'), [t.id for t in framework.tiers])}"
    )
    week = (
        f"CAST(FLOOR((EXTRACT(EPOCH FROM {quote('escalated_at')}) - "
        f"{(_FIRST_MONDAY - date(1970, 1, 1)).days * 86400}) / 604800.0) AS BIGINT)"
    )
    columns = ", ".join(quote(name) for name, _ in READ)
    ctes = [
        f"kept AS (SELECT {columns}, {week} AS week_number FROM {table} "
        f"WHERE {quote('escalated_at')} >= {timestamp(start)} "
        f"AND {quote('escalated_at')} < {timestamp(end)} AND {known})",
        f"weeks(week_number, monday, label, complete) AS ({_week_values(since, until)})",
        "per_week AS (SELECT week_number, COUNT(*) AS escalations FROM kept GROUP BY week_number)",
        "weekly AS (SELECT w.week_number, w.label, w.complete, "
        f"COALESCE(p.escalations, 0) AS escalations, c.{quote('tickets')} AS tickets "
        "FROM weeks w LEFT JOIN per_week p ON p.week_number = w.week_number "
        f"LEFT JOIN {weeks_table} c ON c.{quote('week')} = w.monday)",
        # Local days either side: the calendars' days around the period's UTC instants.
        *timing_steps(framework, since - timedelta(days=1), until + timedelta(days=2), end),
        *_backlog_steps(table, known, end),
    ]
    branches = [
        *_period_figures(since, until),
        *_week_figures(),
        *_split_figures(),
        *_timing_figures(),
        _backlog_figure(),
    ]
    return (
        "WITH " + ",\n".join(ctes) + "\n"
        "SELECT metric, dimension, item, value, tickets FROM (\n"
        + "\nUNION ALL\n".join(branches)
        + "\n) AS figures\nORDER BY part, r1, r2, r3"
    )


def _week_values(since: date, until: date) -> str:
    """The weeks (Mondays, UTC) that overlap the period, numbered from 1970-01-05, and
    whether each lies wholly in it (only those have a rate, as tickets count per week)."""
    rows = []
    monday = since - timedelta(days=since.weekday())
    while monday <= until:
        complete = monday >= since and monday + timedelta(days=6) <= until
        rows.append(
            f"({(monday - _FIRST_MONDAY).days // 7}, CAST({literal(monday.isoformat())} AS DATE), "
            f"{literal(monday.isoformat())}, {literal(complete)})"
        )
        monday += timedelta(days=7)
    return "VALUES\n  " + ",\n  ".join(rows)


def _backlog_steps(table: str, known: str, end: datetime) -> list[str]:
    """The escalations still open at the end of the period, from before it too, by level and
    age band; a resolved status with no time counts as resolved (Row.resolved_by)."""
    moment = timestamp(end)
    resolved, status = quote("resolved_at"), quote("status")
    bands = " ".join(f"WHEN age < {limit} THEN {i}" for i, limit in enumerate(_AGE_LIMITS))
    return [
        f"open_now AS (SELECT {quote('level')} AS lvl, "
        f"EXTRACT(EPOCH FROM ({moment} - {quote('escalated_at')})) AS age FROM {table} "
        f"WHERE {quote('escalated_at')} < {moment} AND {known} AND ({resolved} > {moment} "
        f"OR ({resolved} IS NULL AND ({status} IS NULL OR {status} <> 'resolved'))))",
        f"banded AS (SELECT lvl, CASE {bands} ELSE {len(_AGE_LIMITS)} END AS band FROM open_now)",
        "backlog AS (SELECT lvl, band, COUNT(*) AS escalations FROM banded GROUP BY lvl, band)",
    ]


def _figure(
    metric: str,
    dimension: str,
    item: str,
    value: str,
    tickets: str,
    order: tuple[int, str, str, str],
    source: str,
) -> str:
    """One branch of the result: its five columns, and the keys it is ordered by."""
    part, first, second, third = order
    return (
        f"SELECT CAST({metric} AS VARCHAR) AS metric, CAST({dimension} AS VARCHAR) AS dimension, "
        f"CAST({item} AS VARCHAR) AS item, CAST({value} AS DOUBLE) AS value, "
        f"CAST({tickets} AS BIGINT) AS tickets, {part} AS part, CAST({first} AS DOUBLE) AS r1, "
        f"CAST({second} AS DOUBLE) AS r2, CAST({third} AS VARCHAR) AS r3 FROM {source}"
    )


def _period_figures(since: date, until: date) -> list[str]:
    label = literal(f"{since} to {until}")
    return [
        _figure(
            "'escalations'", "'period'", label, "COUNT(*)", "NULL", (0, "0", "0", "''"), "kept"
        ),
        _figure(
            "'escalation rate %'",
            "'period'",
            label,
            "CASE WHEN SUM(tickets) > 0 THEN 100.0 * SUM(escalations) / SUM(tickets) END",
            "SUM(tickets)",
            (0, "0", "1", "''"),
            "weekly WHERE complete AND tickets IS NOT NULL",
        ),
    ]


def _week_figures() -> list[str]:
    return [
        _figure(
            "'escalations'", "'week'", "label", "escalations", "NULL",
            (1, "week_number", "0", "''"), "weekly",
        ),
        _figure(
            "'escalation rate %'", "'week'", "label",
            "CASE WHEN tickets > 0 THEN 100.0 * escalations / tickets END", "tickets",
            (1, "week_number", "1", "''"), "weekly WHERE complete",
        ),
    ]  # fmt: skip


def _split_figures() -> list[str]:
    """Escalations per value of each dimension, most frequent first, unrecorded last."""
    branches = []
    for i, dimension in enumerate(DIMENSIONS):
        column = quote(dimension)
        order = (2 + i, f"CASE WHEN {column} IS NULL THEN 1 ELSE 0 END", "-COUNT(*)",
                 f"COALESCE({column}, '')")  # fmt: skip
        branches.append(
            _figure(
                "'escalations'",
                literal(dimension),
                column,
                "COUNT(*)",
                "NULL",
                order,
                f"kept GROUP BY {column}",
            )
        )
    return branches


def _timing_figures() -> list[str]:
    part = 2 + len(DIMENSIONS)
    branches = []
    for i, (column, name) in enumerate(STATISTICS):
        metric = "measure || ' ' || " + literal(name).replace("{clock}", "' || clock || '")
        branches.append(
            _figure(
                metric,
                "'tier'",
                "tier",
                column,
                f"{column}_n",
                (part, "measure_rank * 1000 + tier_rank", str(i), "''"),
                "timing",
            )
        )
    return branches


def _backlog_figure() -> str:
    names = " ".join(f"WHEN {i} THEN {literal('open ' + age)}" for i, age in enumerate(AGES))
    return _figure(
        f"CASE band {names} END", "'level'", "lvl", "escalations", "NULL",
        (3 + len(DIMENSIONS), "CASE WHEN lvl IS NULL THEN 1000000 ELSE lvl END", "band", "''"),
        "backlog",
    )  # fmt: skip


def _name(column: str, dialect: str) -> str:
    return exp.to_identifier(column, quoted=True).sql(dialect=dialect)


def _typed(columns: tuple[tuple[str, str], ...], dialect: str) -> str:
    return ", ".join(
        f"{_name(name, dialect)} {exp.DataType.build(kind, dialect='duckdb').sql(dialect=dialect)}"
        for name, kind in columns
    )


def _header(
    framework: Framework, since: date, until: date, dialect: str, table: str, weeks_table: str
) -> str:
    """SQL comments that say what the query reads (in the dialect's names) and returns."""
    version = f"{framework.id} {framework.version}"
    as_of = _midnight(until + timedelta(days=1)).isoformat()
    lines = [
        f"-- escalations: the report's figures of {version} for {since} to {until} (UTC), "
        f"in {dialect} SQL",
        f"-- Open escalations and targets not met yet are judged at {as_of}, the period's end.",
        f"-- Reads {table}: {_typed(READ, dialect)}",
        f"-- and {weeks_table}: {_typed(WEEK_COLUMNS, dialect)} (the Monday, UTC, and all "
        "tickets created that week).",
        f"-- Escalations whose trigger or tier {version} does not have are left out, as the "
        "report leaves them out.",
        "-- Returns one row per figure: metric, dimension and item (the period, week, value, "
        "tier or level it is of), value, and tickets (how many a rate, attainment or time is "
        "computed from).",
        f"-- Measures: {', '.join(MEASURES)}; hours are calendar hours or open hours of the "
        "tier's calendar.",
    ]
    return "\n".join(lines) + "\n"
