"""`escalations simulate`: the criteria over a ticket export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from escalations.model.revision import framework_at, temporary_directory
from escalations.tickets import simulate as simulation
from escalations.tickets.exports import connect, load_tickets
from escalations.tickets.simulate import compile_sql
from escalations.tickets.simulate import simulate as run_simulation

from .options import FrameworkOption, ReportFormat, ReportFormatOption
from .output import instant, load


def simulate(
    tickets: Annotated[
        Path, typer.Argument(help="A ticket export: .csv, .jsonl (JSON Lines) or .parquet.")
    ],
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
) -> None:
    """Evaluate the criteria over a ticket export: escalations per trigger, tier, owner, week.

    Example (after `escalations sample-tickets tickets.csv`):

        escalations simulate tickets.csv --at 2026-11-02T09:00:00Z

    With --compare REV, also the tickets whose trigger, tier, levels, owner or timing (the
    escalation time or a level's deadline) change: a count of each and up to 5 examples.
    """
    model = load(framework)
    as_of = instant(at) if at else datetime.now(UTC)
    if sql:
        connection = connect()
        table = load_tickets(connection, tickets, model)
        typer.echo(compile_sql(model, table, as_of))
        return
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
