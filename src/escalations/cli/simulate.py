"""`escalations simulate`: the criteria over a ticket export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from escalations.model.durations import parse_datetime
from escalations.model.framework import Framework
from escalations.model.revision import framework_at, temporary_directory
from escalations.tickets import simulate as simulation
from escalations.tickets.exports import connect, load_tickets
from escalations.tickets.simulate import simulate as run_simulation

from .options import FrameworkOption, ReportFormat, ReportFormatOption
from .output import instant, load


class Dialect(StrEnum):
    """The engines whose SQL `--sql` prints (escalations.criteria.dialects.DIALECTS)."""

    duckdb = "duckdb"
    postgres = "postgres"
    bigquery = "bigquery"
    snowflake = "snowflake"


def simulate(
    tickets: Annotated[
        Path | None,
        typer.Argument(
            help="A ticket export: .csv, .jsonl (JSON Lines) or .parquet "
            "(with --sql --since, none is needed)."
        ),
    ] = None,
    framework: FrameworkOption = Path("framework"),
    at: Annotated[
        str | None,
        typer.Option(help="Evaluate as of this ISO 8601 date-time (default: now)."),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            help="Also evaluate the framework as it was at this git revision; report what changes."
        ),
    ] = None,
    output: ReportFormatOption = ReportFormat.text,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL that evaluates the tickets, and stop.")
    ] = False,
    dialect: Annotated[
        Dialect,
        typer.Option(help="With --sql: the engine whose SQL to print (transpiled from DuckDB's)."),
    ] = Dialect.duckdb,
    since: Annotated[
        str | None,
        typer.Option(
            help="With --sql: cover tickets created from this date (or ISO 8601 date-time) "
            "on, instead of reading an export to find the first (for a warehouse)."
        ),
    ] = None,
) -> None:
    """Evaluate the criteria over a ticket export: escalations per trigger, tier, owner, week.

    Example (after `escalations sample-tickets tickets.csv`):

        escalations simulate tickets.csv --at 2026-11-02T09:00:00Z

    With --compare REV, also the tickets whose trigger, tier, levels, owner or timing (the
    escalation time or a level's deadline) change: a count of each and up to 5 examples.

    With --sql, the query instead, to run where the tickets are (a relation named tickets):

        escalations simulate --sql --dialect postgres --since 2026-05-01
    """
    model = load(framework)
    as_of = instant(at) if at else datetime.now(UTC)
    if sql:
        typer.echo(_query(model, tickets, as_of, dialect, since))
        return
    if dialect is not Dialect.duckdb or since is not None:
        raise typer.BadParameter("only goes with --sql.", param_hint="'--dialect' / '--since'")
    if tickets is None:
        raise typer.BadParameter("give a ticket export to simulate.", param_hint="'TICKETS'")
    baseline = None
    with temporary_directory() as scratch:
        if compare:
            copy = framework_at(compare, framework, Path(scratch))
            baseline = (compare, load(copy, label=f"the framework at {compare}"))
        result = run_simulation(model, tickets, as_of=as_of, baseline=baseline)
    render = {
        ReportFormat.text: simulation.render_text,
        ReportFormat.markdown: simulation.render_markdown,
        ReportFormat.json: simulation.render_json,
    }
    typer.echo(render[output](result))


def _query(
    model: Framework, tickets: Path | None, as_of: datetime, dialect: Dialect, since: str | None
) -> str:
    # Imported here: sqlglot is only needed by this option, and every command imports this module.
    from escalations.criteria.dialects import compile_query

    if since is not None:
        first = _since(since)
    elif tickets is not None:
        first = load_tickets(connect(), tickets, model).first_created
    else:
        raise typer.BadParameter(
            "give a ticket export, or --since for the first creation date to cover.",
            param_hint="'TICKETS'",
        )
    return compile_query(model, as_of, first, dialect.value)


def _since(text: str) -> datetime:
    """A --since value: a date (midnight UTC) or a date-time with its offset."""
    try:
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    except ValueError:
        pass
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"'{text}' is not a date or a date-time; write it as 2026-01-01 or "
            "2026-01-01T00:00:00Z.",
            param_hint="'--since'",
        ) from exc
