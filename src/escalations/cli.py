"""The command-line interface: parse arguments, call one core function, print, exit."""

from __future__ import annotations

import sys
import traceback
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import httpx
import typer
from notion_client import APIResponseError
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from escalations import __version__
from escalations.criteria import cases as testing
from escalations.criteria.cases import run_cases
from escalations.criteria.explain import explain_case
from escalations.errors import EscalationsError
from escalations.model.durations import parse_datetime
from escalations.model.framework import Framework
from escalations.model.problems import Severity, render_github, render_json, render_text
from escalations.model.revision import default_base, framework_at, temporary_directory
from escalations.model.validate import validate_framework
from escalations.publish import plan as plans
from escalations.publish.plan import Plan
from escalations.publish.publication import Publication, publication
from escalations.publish.targets import choose, load_targets
from escalations.review import diff as changes
from escalations.review.diff import diff_frameworks
from escalations.review.rendering import write_preview, write_rendering
from escalations.tickets import simulate as simulation
from escalations.tickets.exports import connect, load_tickets
from escalations.tickets.simulate import compile_sql
from escalations.tickets.simulate import simulate as run_simulation
from escalations.tickets.synthetic import write_tickets

app = typer.Typer(
    name="escalations",
    help="A customer-service escalation framework as code: validate it, test it, publish it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    text = "text"
    json = "json"
    github = "github"


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


@app.command()
def validate(
    framework: FrameworkOption = Path("framework"),
    output: Annotated[
        Format, typer.Option("--format", help="text, json, or github (workflow annotations).")
    ] = Format.text,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
) -> None:
    """Check the framework against its JSON Schemas and semantic rules."""
    result = validate_framework(framework)
    render = {Format.text: render_text, Format.json: render_json, Format.github: render_github}
    typer.echo(render[output](result.problems, len(result.documents)))
    failed = result.errors > 0 or (strict and result.warnings > 0)
    raise typer.Exit(1 if failed else 0)


class TestFormat(StrEnum):
    text = "text"
    github = "github"


@app.command("test")
def test_cases(
    framework: FrameworkOption = Path("framework"),
    output: Annotated[
        TestFormat, typer.Option("--format", help="text, or github (workflow annotations).")
    ] = TestFormat.text,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List passing cases too.")
    ] = False,
) -> None:
    """Run the framework's criteria test cases (framework/tests/*.yaml)."""
    report = run_cases(_load(framework))
    render = testing.render_github if output is TestFormat.github else testing.render_text
    typer.echo(render(report, verbose=verbose))
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def explain(
    case: Annotated[str, typer.Argument(help="The id of a test case in framework/tests/.")],
    framework: FrameworkOption = Path("framework"),
    at: Annotated[
        str | None,
        typer.Option(help="Evaluate at this ISO 8601 date-time instead of the case's `at`."),
    ] = None,
) -> None:
    """Explain, for a test case's ticket, what every trigger did and which leaves decided it."""
    model = _load(framework)
    typer.echo(explain_case(model, case, at))


class ReportFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command()
def simulate(
    tickets: Annotated[
        Path, typer.Argument(help="A ticket export: .csv, .jsonl (JSON Lines) or .parquet.")
    ],
    framework: FrameworkOption = Path("framework"),
    at: Annotated[
        str | None,
        typer.Option(help="Evaluate as of this ISO 8601 date-time (default: now)."),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(help="Also evaluate the framework as it was at this git revision."),
    ] = None,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="text, markdown, or json.")
    ] = ReportFormat.text,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL that evaluates the tickets, and stop.")
    ] = False,
) -> None:
    """Evaluate the criteria over a ticket export: escalations per trigger, tier, owner, week."""
    model = _load(framework)
    as_of = _instant(at) if at else datetime.now(UTC)
    if sql:
        connection = connect()
        table = load_tickets(connection, tickets, model)
        typer.echo(compile_sql(model, table, as_of))
        return
    baseline = None
    with temporary_directory() as scratch:
        if compare:
            copy = framework_at(compare, framework, Path(scratch))
            baseline = (compare, _load(copy, label=f"the framework at {compare}"))
        result = run_simulation(model, tickets, as_of=as_of, baseline=baseline)
    render = {
        ReportFormat.text: simulation.render_text,
        ReportFormat.markdown: simulation.render_markdown,
        ReportFormat.json: simulation.render_json,
    }
    typer.echo(render[output](result))


@app.command("sample-tickets")
def sample_tickets(
    out: Annotated[Path, typer.Argument(help="The file to write: .csv, .jsonl or .parquet.")],
    framework: FrameworkOption = Path("framework"),
    count: Annotated[int, typer.Option(min=1, help="How many tickets.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")] = 7,
    weeks: Annotated[int, typer.Option(min=1, help="Weeks of history, ending 2026-11-02.")] = 26,
) -> None:
    """Write a synthetic ticket export shaped by the field catalog (to try `simulate`)."""
    written = write_tickets(_load(framework), out, count=count, seed=seed, weeks=weeks)
    typer.echo(f"wrote {written:,} tickets to {out}")


def _instant(text: str) -> datetime:
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise EscalationsError(f"--at: {exc}") from exc


class Only(StrEnum):
    notion = "notion"
    hubspot = "hubspot"


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


@app.command()
def plan(
    framework: FrameworkOption = Path("framework"),
    target: TargetOption = "sandbox",
    targets_file: TargetsFileOption = Path("sync/targets.yaml"),
    only: OnlyOption = None,
    output: Annotated[
        ReportFormat, typer.Option("--format", help="text, markdown, or json.")
    ] = ReportFormat.text,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="Exit 0 when there is nothing to do, 2 when there are changes, 1 on error.",
        ),
    ] = False,
    allow_delete: AllowDeleteOption = False,
    force: ForceOption = False,
    enable_workflows: EnableOption = False,
    verify: VerifyOption = False,
) -> None:
    """Show what apply would change in Notion and HubSpot, without changing anything."""
    model = _load(framework)
    chosen = choose(load_targets(targets_file), target)
    options = {"allow_delete": allow_delete, "force": force, "enable_workflows": enable_workflows}
    with publication(model, chosen, only=only, verify=verify, **options) as planned:
        typer.echo(_render_plan(planned.plan, output))
        _notes(planned.notes)
        _verify_note(planned)
    if planned.plan.errors:
        raise typer.Exit(1)
    if detailed_exitcode and planned.plan.changes:
        raise typer.Exit(2)


@app.command()
def apply(
    framework: FrameworkOption = Path("framework"),
    target: TargetOption = "sandbox",
    targets_file: TargetsFileOption = Path("sync/targets.yaml"),
    only: OnlyOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    allow_delete: AllowDeleteOption = False,
    force: ForceOption = False,
    enable_workflows: EnableOption = False,
    verify: VerifyOption = False,
) -> None:
    """Publish: Notion pages and HubSpot properties and workflows (created off)."""
    model = _load(framework)
    chosen = choose(load_targets(targets_file), target)
    options = {"allow_delete": allow_delete, "force": force, "enable_workflows": enable_workflows}
    with publication(model, chosen, only=only, verify=verify, **options) as planned:
        typer.echo(_render_plan(planned.plan, ReportFormat.text))
        _notes(planned.notes)
        _verify_note(planned)
        if planned.plan.errors:
            raise EscalationsError("the plan has errors (above); nothing applied.")
        pending = planned.plan.pending
        if not pending:
            return
        if not yes:
            _confirm(chosen.name)
        steps = sum(2 if c.action == "create" and c.kind == "page" else 1 for c in pending)
        with typer.progressbar(length=steps, label="publishing", file=sys.stderr) as bar:
            counts = planned.apply(progress=lambda _: bar.update(1))
    requests = "; ".join(
        f"{remote}: {sent['read']} reads, {sent['write']} writes" for remote, sent in counts.items()
    )
    typer.echo(f"applied {len(pending)} changes to {chosen.name} ({requests})")


def _notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        typer.echo(f"note: {note}", err=True)


def _verify_note(planned: Publication) -> None:
    notion = planned.notion
    if notion is not None and notion.verify_reads is not None:
        pages = len(notion.observed.rows)
        typer.echo(
            f"note: --verify read the blocks of {pages} Notion pages ({notion.verify_reads} reads)",
            err=True,
        )


def _confirm(target: str) -> None:
    if not sys.stdin.isatty():
        raise EscalationsError(
            "apply needs a confirmation and standard input is not a terminal; "
            "pass --yes to apply without asking."
        )
    if not typer.confirm(f"Apply these changes to {target}?", default=False):
        raise EscalationsError("nothing applied.")


def _render_plan(result: Plan, output: ReportFormat) -> str:
    render = {
        ReportFormat.text: plans.render_text,
        ReportFormat.markdown: plans.render_markdown,
        ReportFormat.json: plans.render_json,
    }
    return render[output](result)


@app.command()
def diff(
    base: Annotated[
        str | None,
        typer.Argument(help="Base git revision (default: the merge base with the default branch)."),
    ] = None,
    head: Annotated[
        str | None, typer.Argument(help="Head git revision (default: the working tree).")
    ] = None,
    framework: FrameworkOption = Path("framework"),
    output: Annotated[
        ReportFormat, typer.Option("--format", help="text, markdown, or json.")
    ] = ReportFormat.text,
) -> None:
    """What a change means for the framework, entity by entity, in plain language."""
    with temporary_directory() as scratch:
        base_rev = base or default_base(framework)
        old = _load(framework_at(base_rev, framework, Path(scratch) / "base"),
                    label=f"the framework at {base_rev}")  # fmt: skip
        if head is None:
            new = _load(framework, label="the framework in the working tree")
        else:
            new = _load(framework_at(head, framework, Path(scratch) / "head"),
                        label=f"the framework at {head}")  # fmt: skip
    statements = diff_frameworks(old, new)
    render = {
        ReportFormat.text: changes.render_text,
        ReportFormat.markdown: changes.render_markdown,
        ReportFormat.json: changes.render_json,
    }
    typer.echo(render[output](statements))


class RenderFormat(StrEnum):
    json = "json"
    html = "html"


@app.command()
def render(
    out: Annotated[Path, typer.Option("--out", help="The directory to write into.")],
    framework: FrameworkOption = Path("framework"),
    output: Annotated[
        RenderFormat,
        typer.Option("--format", help="json (what apply sends) or html (a preview of the pages)."),
    ] = RenderFormat.json,
) -> None:
    """Write what apply would send, as deterministic JSON (HubSpot properties and workflows,
    Notion pages; owner ids are placeholders), or an HTML preview of the Notion pages."""
    model = _load(framework)
    if output is RenderFormat.html:
        files = write_preview(model, out)
        typer.echo(
            f"wrote {len(files)} files to {out / 'html'}; open {out / 'html' / 'index.html'}"
        )
        return
    files, compiled = write_rendering(model, out)
    for note in compiled.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"wrote {len(files)} files to {out}")


@app.command()
def version() -> None:
    """Print the version of escalations."""
    typer.echo(__version__)


def _load(directory: Path, label: str = "the framework") -> Framework:
    """The framework model, or its validation errors and exit 1."""
    result = validate_framework(directory)
    if result.framework is None:
        errors = [p for p in result.problems if p.severity is Severity.ERROR]
        typer.echo(render_text(errors, len(result.documents)), err=True)
        typer.echo(f"error: {label} is not valid; fix the problems above.", err=True)
        raise typer.Exit(1)
    return result.framework


def _host(exc: httpx.HTTPError) -> str:
    try:
        return str(exc.request.url.host)
    except RuntimeError:  # an error raised before any request was made
        return "the remote"


def main() -> None:
    """Entry point: one line for an expected failure (exit 1), a traceback only for a bug (3)."""
    try:
        app()
    except EscalationsError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except APIResponseError as exc:
        typer.echo(f"error: Notion answered {exc.status} {exc.code}: {exc}", err=True)
        sys.exit(1)
    except HTTPResponseError as exc:  # not Notion's JSON: a gateway's page, for example
        kind = exc.headers.get("content-type", "no content type").split(";")[0]
        typer.echo(
            f"error: Notion answered {exc.status} with a {kind} body instead of its JSON "
            "(a gateway or outage); try again later (apply is safe to run again).",
            err=True,
        )
        sys.exit(1)
    except RequestTimeoutError:
        typer.echo("error: Notion did not answer in time; try again later.", err=True)
        sys.exit(1)
    except httpx.HTTPError as exc:
        typer.echo(f"error: cannot reach {_host(exc)}: {exc}; check the network.", err=True)
        sys.exit(1)
    except Exception:
        traceback.print_exc()
        typer.echo(
            "internal error: this is a bug in escalations; please report it with the output above.",
            err=True,
        )
        sys.exit(3)
