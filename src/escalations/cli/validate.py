"""`escalations validate`: the framework against its schemas and rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escalations.model.problems import render_github, render_json, render_text
from escalations.model.validate import validate_framework

from .options import Format, FrameworkOption, TodayOption, resolve_today


def validate(
    framework: FrameworkOption = Path("framework"),
    output: Annotated[
        Format, typer.Option("--format", help="text, json, or github (workflow annotations).")
    ] = Format.text,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    today: TodayOption = None,
) -> None:
    """Check the framework against its JSON Schemas and semantic rules.

    Example:

        escalations validate --strict
    """
    result = validate_framework(framework, today=resolve_today(today))
    render = {Format.text: render_text, Format.json: render_json, Format.github: render_github}
    typer.echo(render[output](result.problems, len(result.documents)))
    failed = result.errors > 0 or (strict and result.warnings > 0)
    raise typer.Exit(1 if failed else 0)
