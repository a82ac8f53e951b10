"""`escalations diff`: what a change means for the framework, in plain language."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escalations.model.revision import default_base, framework_at, temporary_directory
from escalations.review import diff as changes
from escalations.review.diff import diff_frameworks

from .options import FrameworkOption, ReportFormat, ReportFormatOption
from .output import load


def diff(
    base: Annotated[
        str | None,
        typer.Argument(help="Base git revision (default: the merge base with the default branch)."),
    ] = None,
    head: Annotated[
        str | None, typer.Argument(help="Head git revision (default: the working tree).")
    ] = None,
    framework: FrameworkOption = Path("framework"),
    output: ReportFormatOption = ReportFormat.text,
) -> None:
    """What a change means for the framework, entity by entity, in plain language.

    Example:

        escalations diff HEAD~1 --format markdown
    """
    with temporary_directory() as scratch:
        base_rev = base or default_base(framework)
        old = load(framework_at(base_rev, framework, Path(scratch) / "base"),
                   label=f"the framework at {base_rev}")  # fmt: skip
        if head is None:
            new = load(framework, label="the framework in the working tree")
        else:
            new = load(framework_at(head, framework, Path(scratch) / "head"),
                       label=f"the framework at {head}")  # fmt: skip
    statements = diff_frameworks(old, new)
    render = {
        ReportFormat.text: changes.render_text,
        ReportFormat.markdown: changes.render_markdown,
        ReportFormat.json: changes.render_json,
    }
    typer.echo(render[output](statements))
