"""Printing helpers: the framework or its problems, plans, and notes."""

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
from escalations.publish import plan as plans
from escalations.publish.notes import Note
from escalations.publish.plan import Plan
from escalations.publish.publication import Publication

from .options import ReportFormat


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


def render_plan(result: Plan, output: ReportFormat) -> str:
    render = {
        ReportFormat.text: plans.render_text,
        ReportFormat.markdown: plans.render_markdown,
        ReportFormat.json: plans.render_json,
    }
    return render[output](result)


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


def print_publication_notes(planned: Publication, *, verbose: bool) -> None:
    """The notes that matter: with changes to HubSpot pending, or all of them with `verbose`."""
    hubspot_pending = any(c.target == "hubspot" for c in planned.plan.pending)
    if verbose or hubspot_pending:
        print_notes(planned.notes, verbose=verbose)
    notion = planned.notion
    if notion is not None and notion.verify_reads is not None:
        pages = len(notion.observed.rows)
        typer.echo(
            f"note: --verify read the blocks of {pages} Notion pages ({notion.verify_reads} reads)",
            err=True,
        )
    if notion is not None and notion.detail_reads[0]:
        pages, reads = notion.detail_reads
        which = (
            "the Notion page that changes"
            if pages == 1
            else f"the {pages} Notion pages that change"
        )
        typer.echo(
            f"note: the plan read the blocks of {which}, to say what changes ({reads} reads)",
            err=True,
        )
