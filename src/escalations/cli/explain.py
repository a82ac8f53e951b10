"""`escalations explain`: what every trigger did with a test case's ticket."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escalations.criteria.explain import explain_case

from .options import FrameworkOption
from .output import load


def explain(
    case: Annotated[str, typer.Argument(help="The id of a test case in framework/tests/.")],
    framework: FrameworkOption = Path("framework"),
    at: Annotated[
        str | None,
        typer.Option(help="Evaluate at this ISO 8601 date-time instead of the case's `at`."),
    ] = None,
) -> None:
    """Explain, for a test case's ticket, what every trigger did and which leaves decided it.

    Example:

        escalations explain manager-request-in-subject
    """
    typer.echo(explain_case(load(framework), case, at))
