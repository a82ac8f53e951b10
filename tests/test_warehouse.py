"""simulate --sql --dialect: the Postgres form run on a real server agrees with DuckDB and the
engine; the BigQuery and Snowflake forms parse back in their dialects."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from escalations.criteria.conditions import Condition, Leaf
from escalations.criteria.dialects import compile_query
from escalations.criteria.evaluate import Engine
from escalations.criteria.sql import SQL_TYPES
from escalations.criteria.sqltext import quote
from escalations.criteria.ticket import Ticket
from escalations.model.framework import Framework
from escalations.tickets.exports import connect, iter_tickets, load_tickets
from escalations.tickets.synthetic import write_tickets

from .conftest import FRAMEWORK, Result
from .postgres import MISSING, postgres_cluster, server_binaries
from .test_differential import EXAMPLE, WINDOW, instants, sql_outcomes, tickets, triggers

AS_OF = datetime(2026, 11, 2, tzinfo=UTC)
Outcomes = dict[str, tuple[str | None, datetime | None]]


@pytest.fixture(scope="module")
def postgres() -> Iterator[psycopg.Connection[Any]]:
    binaries = server_binaries()
    if binaries is None:
        pytest.skip(MISSING)
    with postgres_cluster(binaries) as dsn, psycopg.connect(dsn, autocommit=True) as connection:
        # Far from UTC, so that a result depending on the session's time zone shows.
        connection.execute("SET TimeZone = 'Pacific/Auckland'")
        yield connection


def load_into_postgres(
    connection: psycopg.Connection[Any], framework: Framework, rows: list[tuple[Any, ...]]
) -> None:
    """The `tickets` relation the header describes, in Postgres's types, holding `rows`."""
    columns = ", ".join(
        f"{quote(f.id)} "
        + exp.DataType.build(SQL_TYPES[f.type], dialect="duckdb").sql(dialect="postgres")
        for f in framework.fields
    )
    connection.execute("DROP TABLE IF EXISTS tickets")
    connection.execute(f"CREATE TABLE tickets (ticket_id TEXT, {columns})")
    with connection.cursor().copy("COPY tickets FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def postgres_outcomes(connection: psycopg.Connection[Any], sql: str) -> Outcomes:
    return {row[0]: (row[2], row[1]) for row in connection.execute(sql).fetchall()}


def engine_outcomes(framework: Framework, batch: list[Ticket], as_of: datetime) -> Outcomes:
    engine = Engine(framework)
    outcomes: Outcomes = {}
    for ticket in batch:
        escalation = engine.evaluate(ticket, as_of).escalation
        outcomes[ticket.id] = (escalation.trigger, escalation.at) if escalation else (None, None)
    return outcomes


def test_postgres_escalates_the_export_as_duckdb_and_the_engine_do(
    postgres: psycopg.Connection[Any],
    framework: Framework,
    tmp_path: Path,
    cli: Callable[..., Result],
) -> None:
    export = tmp_path / "tickets.csv"
    write_tickets(framework, export, count=1000, seed=5)
    duck = connect()
    load_tickets(duck, export, framework)
    names = ", ".join(quote(c) for c in ["ticket_id", *(f.id for f in framework.fields)])
    load_into_postgres(postgres, framework, duck.execute(f"SELECT {names} FROM tickets").fetchall())
    at = AS_OF.isoformat()
    printed = cli("simulate", str(export), "-f", str(FRAMEWORK), "--at", at, "--sql")
    assert printed.code == 0, printed.err
    in_postgres = cli(
        "simulate", str(export), "-f", str(FRAMEWORK), "--at", at, "--sql", "--dialect", "postgres"
    )
    assert in_postgres.code == 0, in_postgres.err
    assert in_postgres.out.startswith(
        "-- escalations: the criteria of acme-support 1.4.0, evaluated as of "
        "2026-11-02T00:00:00+00:00, in postgres SQL\n"
    )
    assert '--   "csat_score" DOUBLE PRECISION\n' in in_postgres.out
    expected = engine_outcomes(framework, list(iter_tickets(duck, framework)), AS_OF)
    assert {row[0]: (row[2], row[1]) for row in duck.execute(printed.out).fetchall()} == expected
    assert postgres_outcomes(postgres, in_postgres.out) == expected
    assert sum(1 for trigger, _ in expected.values() if trigger) > 50


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(data=st.data())
def test_postgres_agrees_on_generated_triggers_and_tickets(
    postgres: psycopg.Connection[Any], data: st.DataObject
) -> None:
    count = data.draw(st.integers(1, 4))
    framework = replace(EXAMPLE, triggers=tuple(data.draw(triggers(i + 1)) for i in range(count)))
    batch = [data.draw(tickets(i)) for i in range(data.draw(st.integers(1, 8)))]
    as_of = data.draw(instants) + WINDOW / 2
    load_into_postgres(
        postgres,
        framework,
        [(t.id, *(t.values.get(f.id) for f in framework.fields)) for t in batch],
    )
    first = min([as_of, *(t.created for t in batch if t.created)])
    expected = engine_outcomes(framework, batch, as_of)
    assert sql_outcomes(framework, batch, as_of) == expected
    sql = compile_query(framework, as_of, first, "postgres")
    assert postgres_outcomes(postgres, sql) == expected


TEXT_TESTS = Condition(
    (
        (Leaf("subject", "starts_with", ("50%_off",)), Leaf("content", "ends_with", ("a\\b",))),
        (Leaf("priority", "in", ("high",)),),
    )
)
"""Text tests whose LIKE patterns escape %, _ and backslash."""


def printed_in(dialect: str, framework: Framework = EXAMPLE) -> str:
    """The query printed for `dialect`, parsed back by sqlglot in that dialect (or a failure).
    Two weeks of tickets: the calendars' spans are most of the text, and of the time."""
    sql = compile_query(framework, AS_OF, AS_OF - timedelta(days=14), dialect)
    sqlglot.parse_one(sql, read=dialect)
    return sql


def with_text_tests(framework: Framework) -> Framework:
    first = replace(framework.triggers[0], when=TEXT_TESTS)
    return replace(framework, triggers=(first, *framework.triggers[1:]))


def test_bigquery_form_parses_and_avoids_what_bigquery_lacks() -> None:
    sql = printed_in("bigquery", with_text_tests(EXAMPLE))
    assert "--   `csat_score` FLOAT64\n" in sql
    # The spans table keeps its column names when sqlglot turns VALUES into UNNEST.
    assert "STRUCT(\n      'emea-business' AS calendar,\n" in sql
    assert "TIMESTAMP_DIFF(x.e_first_response_breach, a.span_start, MICROSECOND) / 1000000.0" in sql
    assert "TIMESTAMP_ADD(b.span_start, INTERVAL (CAST(ROUND(" in sql
    assert "LIKE '50\\\\%\\\\_off%'" in sql and "LIKE '%a\\\\\\\\b'" in sql
    for absent in ("ESCAPE", "EPOCH", "INTERVAL '1' SECOND", "e_first-response-breach", "(VALUES"):
        assert absent not in sql


def test_bigquery_least_skips_unknown_values_as_duckdb_does() -> None:
    sql = printed_in("bigquery")
    final = sqlglot.parse_one(sql, read="bigquery").find_all(exp.Least)
    widest = max(final, key=lambda node: len(node.expressions))
    items = [widest.this, *widest.expressions]
    assert len(items) == len(EXAMPLE.triggers)
    for i, item in enumerate(items):
        assert isinstance(item, exp.Coalesce)
        order = [item.this, *item.expressions]
        assert order[0].name == "f_" + EXAMPLE.triggers[i].id.replace("-", "_")
        assert sorted(node.name for node in order) == sorted(
            "f_" + t.id.replace("-", "_") for t in EXAMPLE.triggers
        )


def test_snowflake_form_parses_and_avoids_what_snowflake_lacks() -> None:
    sql = printed_in("snowflake", with_text_tests(EXAMPLE))
    assert sql.endswith(") AS winners")
    assert '--   "created_at" TIMESTAMPTZ\n' in sql
    assert (
        '-- Returns one row per ticket: ticket_id, escalated_at (NULL when not escalated), "trig'
        in sql
    )
    assert (
        'TIMESTAMPDIFF(MICROSECOND, a.span_start, x."e_first-response-breach") / 1000000.0' in sql
    )
    assert "TIMESTAMPADD(\n      MICROSECOND," in sql
    assert "LEAST_IGNORE_NULLS(" in sql and 'END AS "trigger"' in sql
    assert "LIKE '50\\\\%\\\\_off%' ESCAPE '\\\\'" in sql
    for absent in ("EPOCH", "INTERVAL '1 SECOND'", " LEAST("):
        assert absent not in sql


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_dialect_prints_generated_triggers_that_parse_back(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 4))
    framework = replace(EXAMPLE, triggers=tuple(data.draw(triggers(i + 1)) for i in range(count)))
    for dialect in ("postgres", "bigquery", "snowflake"):
        sql = printed_in(dialect, framework)
        assert "EPOCH" not in sql or dialect == "postgres"


def test_sql_for_a_warehouse_needs_no_export(cli: Callable[..., Result]) -> None:
    args = ("simulate", "-f", str(FRAMEWORK), "--at", "2026-11-02T00:00:00Z", "--sql")
    result = cli(*args, "--dialect", "snowflake", "--since", "2026-10-01")
    assert result.code == 0, result.err
    assert (
        result.out
        == compile_query(EXAMPLE, AS_OF, datetime(2026, 10, 1, tzinfo=UTC), "snowflake") + "\n"
    )
    missing = cli(*args)
    assert missing.code == 2
    assert "give a ticket export, or --since for the first creation date to cover." in missing.err
    wrong = cli(*args, "--since", "last week")
    assert wrong.code == 2
    assert "'last week' is not a date or a date-time; write it as 2026-01-01" in wrong.err
    alone = cli(*args[:-1], "--dialect", "postgres")
    assert alone.code == 2
    assert "Invalid value for '--dialect' / '--since': only goes with --sql." in alone.err
    unknown = cli(*args, "--since", "2026-10-01", "--dialect", "oracle")
    assert unknown.code == 2
    assert "'oracle' is not one of" in unknown.err


def test_postgres_computes_the_report_figures_as_duckdb_and_the_report_do(
    postgres: psycopg.Connection[Any],
) -> None:
    from datetime import date

    from escalations.report.history import connect as history
    from escalations.report.metrics import build
    from escalations.report.sql import compile_report

    from .report_history import COLUMNS, ROWS, insert
    from .test_report_sql import (
        EXTRA,
        PERIODS,
        differences,
        figures_of,
        generated_rows,
        report_figures,
        targets_of,
        with_other_calendars,
    )

    framework = with_other_calendars(EXAMPLE)
    duck = history(None)
    insert(duck, [*ROWS, *EXTRA, *generated_rows(framework, 7)])
    weeks = [(date(2026, 9, 21) + timedelta(weeks=n), 400 + n) for n in range(8) if n != 5]
    duck.executemany("INSERT INTO ticket_weeks VALUES (?, ?)", weeks)
    # The user's own tables: a schema, a name that needs quoting.
    times = {"created_at", "escalated_at", "acknowledged_at", "first_response_at", "resolved_at"}
    columns = ", ".join(
        f"{c} {'TIMESTAMPTZ' if c in times else 'INTEGER' if c == 'level' else 'TEXT'}"
        for c in COLUMNS
    )
    postgres.execute("DROP SCHEMA IF EXISTS support CASCADE")
    postgres.execute("CREATE SCHEMA support")
    postgres.execute(f"CREATE TABLE support.escalation_history ({columns})")
    postgres.execute('CREATE TABLE "weekly-tickets" (week DATE, tickets BIGINT)')
    with postgres.cursor().copy(
        f"COPY support.escalation_history ({', '.join(COLUMNS)}) FROM STDIN"
    ) as copy:
        for row in duck.execute(f"SELECT {', '.join(COLUMNS)} FROM escalations").fetchall():
            copy.write_row(row)
    with postgres.cursor().copy('COPY "weekly-tickets" FROM STDIN') as copy:
        for row in weeks:
            copy.write_row(row)
    tables = {"table": "support.escalation_history", "weeks_table": "weekly-tickets"}
    for since, until in PERIODS:
        sql = compile_report(framework, since, until, "postgres", **tables)
        in_postgres = figures_of(postgres.execute(sql).fetchall())
        in_duckdb = figures_of(duck.execute(compile_report(framework, since, until)).fetchall())
        assert differences(in_postgres, in_duckdb) == []
        assert targets_of(in_postgres) == targets_of(in_duckdb)
        assert differences(in_postgres, report_figures(build(duck, framework, since, until))) == []
        assert in_postgres[("escalations", "period", f"{since} to {until}")][0] > 100
