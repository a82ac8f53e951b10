"""`escalations render`: what apply would send, as files, or an HTML preview."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from escalations.review.rendering import write_preview, write_rendering

from .options import FrameworkOption, RenderFormat
from .output import load, print_notes


def render(
    out: Annotated[Path, typer.Option("--out", help="The directory to write into.")],
    framework: FrameworkOption = Path("framework"),
    output: Annotated[
        RenderFormat,
        typer.Option("--format", help="json (what apply sends) or html (a preview of the pages)."),
    ] = RenderFormat.json,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List the items of each note.")
    ] = False,
) -> None:
    """Write what apply would send, as deterministic JSON (HubSpot properties and workflows,
    Notion pages; owner ids are placeholders), or an HTML preview of the Notion pages.

    Example:

        escalations render --out build --format html
    """
    model = load(framework)
    if output is RenderFormat.html:
        files = write_preview(model, out)
        typer.echo(
            f"wrote {len(files)} files to {out / 'html'}; open {out / 'html' / 'index.html'}"
        )
        return
    files, compiled = write_rendering(model, out)
    print_notes(compiled.notes, verbose=verbose, err=False)
    typer.echo(f"wrote {len(files)} files to {out}")
