"""`escalations test`: the framework's criteria test cases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escalations.criteria import cases as testing
from escalations.criteria.cases import run_cases

from .options import FrameworkOption, TestFormat
from .output import load


def test_cases(
    framework: FrameworkOption = Path("framework"),
    output: Annotated[
        TestFormat, typer.Option("--format", help="text, or github (workflow annotations).")
    ] = TestFormat.text,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List passing cases too.")
    ] = False,
) -> None:
    """Run the framework's criteria test cases (framework/tests/*.yaml).

    Example:

        escalations test --verbose
    """
    report = run_cases(load(framework))
    render = testing.render_github if output is TestFormat.github else testing.render_text
    typer.echo(render(report, verbose=verbose))
    raise typer.Exit(1 if report.failed else 0)
