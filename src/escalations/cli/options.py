"""Option types shared by the commands, and the formats they print in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Format(StrEnum):
    text = "text"
    json = "json"
    github = "github"


class TestFormat(StrEnum):
    text = "text"
    github = "github"


class ReportFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class RenderFormat(StrEnum):
    json = "json"
    html = "html"


class Only(StrEnum):
    notion = "notion"
    hubspot = "hubspot"


FrameworkOption = Annotated[
    Path,
    typer.Option(
        "--framework",
        "-f",
        help="The framework directory.",
        envvar="ESCALATIONS_FRAMEWORK",
        show_default=True,
    ),
]
ReportFormatOption = Annotated[
    ReportFormat, typer.Option("--format", help="text, markdown, or json.")
]
TargetOption = Annotated[str, typer.Option("--target", "-t", help="A target of sync/targets.yaml.")]
TargetsFileOption = Annotated[Path, typer.Option("--targets-file", help="The targets file.")]
OnlyOption = Annotated[Only | None, typer.Option("--only", help="Only this remote (default: all).")]
AllowDeleteOption = Annotated[
    bool,
    typer.Option("--allow-delete", help="Move pages whose document is gone to the trash."),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Overwrite what was edited by hand in Notion or HubSpot; allow deleting many "
        "pages at once.",
    ),
]
EnableOption = Annotated[
    bool,
    typer.Option("--enable-workflows", help="Turn the HubSpot workflows on (created off)."),
]
VerifyOption = Annotated[
    bool,
    typer.Option(
        "--verify",
        help="Read every Notion page's blocks and compare them with the framework, instead of "
        "trusting the page's Hash (one read or more per page).",
    ),
]
VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Show the notes even when nothing changes in HubSpot, with the items of each.",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="The date overdue action items and the next review are judged on, as YYYY-MM-DD "
        "(default: today in UTC).",
        envvar="ESCALATIONS_TODAY",
        metavar="DATE",
    ),
]


def resolve_today(text: str | None) -> date:
    """A `--today` value (or ESCALATIONS_TODAY) as a date; today's UTC date without one."""
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"'{text}' is not a date; write it as YYYY-MM-DD.", param_hint="'--today'"
        ) from exc
