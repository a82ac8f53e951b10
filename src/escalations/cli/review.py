"""`escalations review`: start the next review record (`new`), measure done items (`check`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from escalations.errors import EscalationsError
from escalations.model.durations import parse_duration
from escalations.model.framework import Framework
from escalations.publish.targets import choose, load_targets
from escalations.report import history, metrics
from escalations.report.improvement import describe, done_items, measure_improvements
from escalations.report.review_figures import review_figures
from escalations.report.sources import from_target
from escalations.review.record import Figure, Figures, parse_period, write_review

from .options import FrameworkOption, TargetOption, TargetsFileOption, TodayOption, resolve_today
from .output import load

app = typer.Typer(
    name="review",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Escalation reviews: start the next record, check whether done action items worked.",
)

HistoryOption = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="A history file (DuckDB) to read the figures from (default: the target's "
        "history, refreshed from its HubSpot).",
        envvar="ESCALATIONS_HISTORY",
        metavar="FILE",
    ),
]


@app.command()
def new(
    period: Annotated[str, typer.Option("--period", help="The month reviewed, as YYYY-MM.")],
    framework: FrameworkOption = Path("framework"),
    history_file: HistoryOption = None,
    target: TargetOption = "sandbox",
    targets_file: TargetsFileOption = Path("sync/targets.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing record.")] = False,
) -> None:
    """Write framework/reviews/<period>.md: the period's figures, its top root causes and the
    open action items of earlier reviews, with prompts for the meeting to fill in.

    Example:

        escalations review new --period 2026-11
    """
    start, end = parse_period(period)
    record = framework / "reviews" / f"{period}.md"
    if record.exists() and not force:
        raise EscalationsError(f"{record} already exists; pass --force to overwrite it.")
    model = load(framework)
    figures = _figures(model, history_file, target, targets_file, start, end)
    text = write_review(model, period, figures)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {record}; complete it in the review meeting, then run escalations validate")


@app.command()
def check(
    framework: FrameworkOption = Path("framework"),
    history_file: HistoryOption = None,
    target: TargetOption = "sandbox",
    targets_file: TargetsFileOption = Path("sync/targets.yaml"),
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            help="Length of each window before and after done_on, an ISO 8601 duration in "
            "whole weeks (default: the framework's review_cadence).",
            metavar="DURATION",
        ),
    ] = None,
    today: TodayOption = None,
) -> None:
    """Say, for each done action item, whether escalations with the root cause it addresses
    became fewer: per 100 tickets, in equal windows before and after its done_on.

    Example:

        escalations review check --target production
    """
    model = load(framework)
    dated, undated = done_items(model)
    lines = [
        f"{item.id}: done but has no done_on; add the date it was finished to measure it"
        for item in undated
    ]
    if dated:
        with _history(model, history_file, target, targets_file) as con:
            found = measure_improvements(
                con, model, today=resolve_today(today), length=_window(window)
            )
        lines = [describe(improvement) for improvement in found] + lines
    if not dated and not undated:
        lines.append("no action item is done yet; nothing to measure")
    typer.echo("\n".join(lines))


def _window(text: str | None) -> timedelta | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--window'") from exc


@contextmanager
def _history(
    model: Framework, path: Path | None, target: str, targets_file: Path
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The history file `path` when given, else the target's history refreshed from its
    HubSpot."""
    if path is not None:
        if not path.is_file():
            raise EscalationsError(f"{path}: no such history file; leave out --history to "
                                   "read the target's HubSpot.")  # fmt: skip
        con = history.connect(path)
        try:
            yield con
        finally:
            con.close()
        return
    chosen = choose(load_targets(targets_file), target)
    with from_target(chosen, model, lambda _: None) as source:
        typer.echo(source.described, err=True)
        yield source.con


def _figures(
    model: Framework, path: Path | None, target: str, targets_file: Path, start: date, end: date
) -> Figures:
    """The period's figures from the report over the history (see `_history`)."""
    with _history(model, path, target, targets_file) as con:
        found = review_figures(metrics.build(con, model, start, end), model)
    note = None
    if found.left_out:
        note = f"not measured (no tickets to measure them on): {', '.join(found.left_out)}"
    return Figures(
        tuple(Figure(m.metric, m.value, m.target, m.unit) for m in found.metrics),
        tuple((c.cause, c.escalations) for c in found.root_causes),
        note,
    )
