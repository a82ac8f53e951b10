"""`escalations init`: a new framework repository that installs escalations as a dependency."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escalations.scaffold.create import create_repository


def init(
    directory: Annotated[Path, typer.Argument(help="The new repository's folder (new or empty).")],
    example: Annotated[
        bool,
        typer.Option("--example", help="Start from Acme Cloud's example instead of a minimal one."),
    ] = False,
) -> None:
    """Start a framework repository of your own: framework, targets, workflows and hooks.

    Example:

        escalations init support-escalations && cd support-escalations
    """
    written = create_repository(directory, example=example)
    kind = "Acme Cloud's example framework" if example else "a minimal framework"
    typer.echo(f"created {directory} with {kind} ({len(written)} files)")
    typer.echo(
        f"next: cd {directory} && python3 -m venv .venv && .venv/bin/pip install -r "
        "requirements.txt && . .venv/bin/activate && escalations validate && escalations test"
    )
