"""`escalations report`: volume, trends and target attainment of a period's escalations."""

from __future__ import annotations

import calendar
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.targets import Target, choose, load_targets, notion_session, sandbox_lock

if TYPE_CHECKING:
    from escalations.report.model import Report
    from escalations.report.pull import Progress
    from escalations.report.sources import Source

from .options import FrameworkOption, TargetOption, TargetsFileOption
from .output import load
from .simulate import Dialect


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"'{text}' is not a date; write it as YYYY-MM-DD.",
                                 param_hint=f"'{option}'") from exc  # fmt: skip


def report(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="First day (UTC) of the period (default: 4 weeks before --until).",
            metavar="DATE",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="Last day (UTC) of the period (default: today).", metavar="DATE"
        ),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Read a ticket export (CSV, JSON Lines, Parquet with "
            "HubSpot's property names) instead of the target's HubSpot.",
            metavar="FILE",
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="text, markdown, html or json.")] = "text",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write report.<format> (and the charts) here.", metavar="DIR"),
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish the period to the target's Notion handbook.")
    ] = False,
    framework: FrameworkOption = Path("framework"),
    target: TargetOption = "sandbox",
    targets_file: TargetsFileOption = Path("sync/targets.yaml"),
    sql: Annotated[
        bool,
        typer.Option(
            "--sql", help="Print the SQL that computes the figures in a warehouse, and stop."
        ),
    ] = False,
    dialect: Annotated[
        Dialect,
        typer.Option(help="With --sql: the engine whose SQL to print (transpiled from DuckDB's)."),
    ] = Dialect.duckdb,
    table: Annotated[
        str,
        typer.Option(
            "--table",
            help="With --sql: the table of escalations (the history's columns).",
            metavar="NAME",
        ),
    ] = "escalations",
    weeks_table: Annotated[
        str,
        typer.Option(
            "--weeks-table",
            help="With --sql: the table of tickets created per week.",
            metavar="NAME",
        ),
    ] = "ticket_weeks",
) -> None:
    """Volume, escalation rate and trends, time to acknowledge, respond and resolve against
    each tier's targets, repeats and open escalations, for the escalations of a period.

    Example:

        escalations report --since 2026-11-01 --until 2026-11-30 --format markdown --out report

    With --sql, the query of the headline figures instead, to run where the history is (the
    tables escalations and ticket_weeks, or --table and --weeks-table):

        escalations report --sql --dialect postgres --since 2026-10-05 --until 2026-10-18
    """
    # imported here: matplotlib and DuckDB would slow every other command's start
    from escalations.report import formats, metrics

    fmt = formats.parse_format(output)
    model = load(framework)
    now = datetime.now(UTC)
    first, last = _period_of(since, until, now.date())
    if sql:
        if export is not None or out is not None or publish or output != "text":
            hint = "'--from' / '--out' / '--publish' / '--format'"
            raise typer.BadParameter("does not go with --sql.", param_hint=hint)
        typer.echo(_query(model, first, last, dialect, table, weeks_table))
        return
    if dialect is not Dialect.duckdb or table != "escalations" or weeks_table != "ticket_weeks":
        hint = "'--dialect' / '--table' / '--weeks-table'"
        raise typer.BadParameter("only goes with --sql.", param_hint=hint)
    chosen = choose(load_targets(targets_file), target)
    with _source(export, chosen, model) as source:
        typer.echo(source.described, err=True)
        for note in source.notes:
            typer.echo(f"note: {note}", err=True)
        as_of = now if last >= now.date() else None
        built = metrics.build(source.con, model, first, last, as_of=as_of)
    if out is not None:
        for path in formats.write(built, fmt, out):
            typer.echo(f"wrote {path}", err=True)
    else:
        typer.echo(formats.render(built, fmt), nl=False)
    if publish:
        _publish(built, chosen, first, last)


def _period_of(since: str | None, until: str | None, today: date) -> tuple[date, date]:
    last = _day(until, "--until") or today
    first = _day(since, "--since") or last - timedelta(days=27)
    if last < first:
        raise typer.BadParameter(f"the period ends ({last}) before it starts ({first}).",
                                 param_hint="'--since'")  # fmt: skip
    return first, last


def _query(
    model: Framework, first: date, last: date, dialect: Dialect, table: str, weeks_table: str
) -> str:
    # Imported here: sqlglot is only needed by this option.
    from escalations.report.sql import compile_report, table_reference

    for name, option in ((table, "--table"), (weeks_table, "--weeks-table")):
        try:
            table_reference(name)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from exc
    return compile_report(model, first, last, dialect.value, table=table, weeks_table=weeks_table)


def _source(
    export: Path | None, target: Target, model: Framework
) -> AbstractContextManager[Source]:
    from escalations.report.sources import from_export

    if export is not None:
        prefix = target.hubspot.prefix if target.hubspot else "esc_"
        return from_export(export, model, prefix)
    return _pulled(target, model)


@contextmanager
def _pulled(target: Target, model: Framework) -> Iterator[Source]:
    """The history pulled from the target's HubSpot, with a progress bar that ends (and ends
    its line) once the pull is done, or failed."""
    from escalations.report.sources import from_target

    with ExitStack() as stack:
        with typer.progressbar(length=1, label="reading HubSpot", file=sys.stderr) as bar:

            def progress(seen: Progress) -> None:
                bar.length = max(seen.expected, 1)
                bar.update(seen.stored - bar.pos)

            source = stack.enter_context(from_target(target, model, progress))
        yield source


def _publish(built: Report, target: Target, first: date, last: date) -> None:
    from escalations.publish.notion.report import publish_report
    from escalations.publish.notion.report_blocks import Chart
    from escalations.report import charts, formats

    if target.notion is None:
        raise EscalationsError(f"target '{target.name}' has no notion settings to publish to.")
    drawn = charts.charts_of(built)
    images = {chart.name: f"{chart.name}.png" for chart in drawn}
    markdown = formats.render(built, "markdown", images=images)
    tables = {
        images[chart.name]: Chart(chart.alt, *charts.chart_table(built, chart)) for chart in drawn
    }
    lock = sandbox_lock() if target.sandbox else nullcontext()
    with lock, notion_session(target) as session:
        published = publish_report(session.handbook, markdown, tables, _period(first, last))
    typer.echo(f"report {published.period} {published.outcome} in Notion: {published.url}")


def _period(first: date, last: date) -> str:
    """A whole calendar month is named as one (2026-11); another period by its days."""
    month_end = calendar.monthrange(first.year, first.month)[1]
    if first.day == 1 and last == first.replace(day=month_end):
        return f"{first:%Y-%m}"
    return f"{first} to {last}"
