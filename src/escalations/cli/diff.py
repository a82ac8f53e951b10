"""`escalations diff`: what a change means for the framework, in plain language."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escalations.model.revision import default_base, framework_at, temporary_directory
from escalations.review import diff as changes
from escalations.review.diff import diff_frameworks, judge_version

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
    check_version: Annotated[
        bool,
        typer.Option(
            "--check-version",
            help="Exit 1 when framework.yaml's version is not bumped as much as the change "
            "calls for.",
        ),
    ] = False,
) -> None:
    """What a change means for the framework, entity by entity, in plain language, and
    which part of the version it calls for.

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
    verdict = judge_version(old.version, new.version, statements)
    render = {
        ReportFormat.text: changes.render_text,
        ReportFormat.markdown: changes.render_markdown,
        ReportFormat.json: changes.render_json,
    }
    typer.echo(render[output](statements, verdict))
    if check_version and not verdict.ok:
        typer.echo(
            f"error: the framework changed but its version was not bumped enough: set "
            f"version: {verdict.suggested} in framework.yaml (a {verdict.required} bump).",
            err=True,
        )
        raise typer.Exit(1)
