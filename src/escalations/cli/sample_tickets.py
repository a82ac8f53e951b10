"""`escalations sample-tickets`: a synthetic ticket export to try `simulate` on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .options import FrameworkOption
from .output import load


def sample_tickets(
    out: Annotated[Path, typer.Argument(help="The file to write: .csv, .jsonl or .parquet.")],
    framework: FrameworkOption = Path("framework"),
    count: Annotated[int, typer.Option(min=1, help="How many tickets.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")] = 7,
    weeks: Annotated[int, typer.Option(min=1, help="Weeks of history, ending 2026-11-02.")] = 26,
) -> None:
    """Write a synthetic ticket export shaped by the field catalog (to try `simulate`).

    Example:

        escalations sample-tickets tickets.csv --count 2000
    """
    # Imported here: numpy and DuckDB are for this command, not for every command's start.
    from escalations.tickets.synthetic import write_tickets

    written = write_tickets(load(framework), out, count=count, seed=seed, weeks=weeks)
    typer.echo(f"wrote {written:,} tickets to {out}")
