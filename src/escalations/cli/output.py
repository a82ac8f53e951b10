"""Printing helpers: the framework or its problems, and notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import typer

from escalations.errors import EscalationsError
from escalations.model.durations import parse_datetime
from escalations.model.framework import Framework
from escalations.model.problems import Severity, render_text
from escalations.model.validate import validate_framework
from escalations.publish.notes import Note


def load(directory: Path, label: str = "the framework") -> Framework:
    """The framework model, or its validation errors and exit 1."""
    result = validate_framework(directory)
    if result.framework is None:
        errors = [p for p in result.problems if p.severity is Severity.ERROR]
        typer.echo(render_text(errors, len(result.documents)), err=True)
        typer.echo(f"error: {label} is not valid; fix the problems above.", err=True)
        raise typer.Exit(1)
    return result.framework


def instant(text: str) -> datetime:
    """An `--at` value as a date-time, or a one-line error."""
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise EscalationsError(f"--at: {exc}") from exc


def note_lines(notes: Sequence[Note], *, verbose: bool) -> list[str]:
    """One line per note; with `verbose`, its items below it, else a hint that they exist."""
    lines = []
    for note in notes:
        if verbose and note.details:
            lines.append(f"note: {note.summary}:")
            lines += [f"  {detail}" for detail in note.details]
        elif note.details:
            lines.append(f"note: {note.summary}; `--verbose` lists them")
        else:
            lines.append(f"note: {note.summary}")
    return lines


def print_notes(notes: Sequence[Note], *, verbose: bool, err: bool = True) -> None:
    for line in note_lines(notes, verbose=verbose):
        typer.echo(line, err=err)
