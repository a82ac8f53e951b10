"""`escalations codeowners`: .github/CODEOWNERS written from the framework, or checked."""

from __future__ import annotations

import difflib
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from escalations.errors import EscalationsError
from escalations.review.codeowners import build_codeowners, unowned_note

from .options import FrameworkOption
from .output import load


def codeowners(
    framework: FrameworkOption = Path("framework"),
    out: Annotated[
        Path, typer.Option("--out", help="The CODEOWNERS file to write or check.")
    ] = Path(".github/CODEOWNERS"),
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 when the file is not current."),
    ] = False,
) -> None:
    """Make the owners of each level, trigger and playbook its reviewers on GitHub.

    Run it from the repository's top: the patterns are relative to it.

    Example:

        escalations codeowners --check
    """
    model = load(framework)
    owners = build_codeowners(model, _from_top(framework))
    wanted = owners.render()
    if owners.unowned:
        typer.echo(f"note: {unowned_note(owners.unowned, framework.as_posix())}", err=True)
    current = out.read_text(encoding="utf-8") if out.is_file() else None
    rules = f"{len(owners.rules)} rule{'s' if len(owners.rules) != 1 else ''}"
    if check:
        if current is None:
            raise EscalationsError(
                f"{out} does not exist; run `escalations codeowners` and commit it."
            )
        if current != wanted:
            typer.echo("".join(_diff(current, wanted, out)), nl=False)
            raise EscalationsError(
                f"{out} is not current with {framework} (the changes it needs are above); run "
                "`escalations codeowners` and commit the result."
            )
        typer.echo(f"{out} is current ({rules})")
        return
    if current == wanted:
        typer.echo(f"{out} is already current ({rules})")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(wanted, encoding="utf-8")
    typer.echo(f"wrote {out} ({rules})")


def _from_top(framework: Path) -> PurePosixPath:
    """The framework folder relative to the working directory, the repository's top."""
    top = Path.cwd().resolve()
    try:
        return PurePosixPath(framework.resolve().relative_to(top).as_posix())
    except ValueError as exc:
        raise EscalationsError(
            f"the framework {framework} is outside the working directory; run "
            "`escalations codeowners` from the top of the repository that holds it."
        ) from exc


def _diff(current: str, wanted: str, out: Path) -> list[str]:
    return list(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            wanted.splitlines(keepends=True),
            fromfile=f"{out} (committed)",
            tofile=f"{out} (from the framework)",
        )
    )
