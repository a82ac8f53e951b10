"""`escalations plan` and `escalations apply`: the framework published to a target."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from escalations.errors import EscalationsError
from escalations.notify.changelog import tell_channel
from escalations.publish import plan as plans
from escalations.publish.plan import Plan
from escalations.publish.publication import Publication, publication
from escalations.publish.targets import choose, load_targets

from .options import (
    AllowDeleteOption,
    EnableOption,
    ForceOption,
    FrameworkOption,
    OnlyOption,
    ReportFormat,
    ReportFormatOption,
    TargetOption,
    TargetsFileOption,
    VerboseOption,
    VerifyOption,
)
from .output import load, print_notes


def plan(
    framework: FrameworkOption = Path("framework"),
    target: TargetOption = "sandbox",
    targets_file: TargetsFileOption = Path("sync/targets.yaml"),
    only: OnlyOption = None,
    output: ReportFormatOption = ReportFormat.text,
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
    verbose: VerboseOption = False,
) -> None:
    """Show what apply would change in Notion and HubSpot, without changing anything.

    Example:

        escalations plan --only hubspot --detailed-exitcode --verbose
    """
    model = load(framework)
    chosen = choose(load_targets(targets_file), target)
    options = {"allow_delete": allow_delete, "force": force, "enable_workflows": enable_workflows}
    with publication(model, chosen, only=only, verify=verify, **options) as planned:
        typer.echo(render_plan(planned.plan, output))
        print_publication_notes(planned, verbose=verbose)
    if planned.plan.errors:
        raise typer.Exit(1)
    if detailed_exitcode and planned.plan.changes:
        raise typer.Exit(2)


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
    verbose: VerboseOption = False,
) -> None:
    """Publish: Notion pages and HubSpot properties and workflows (created off).

    Example:

        escalations apply --target sandbox --yes
    """
    model = load(framework)
    chosen = choose(load_targets(targets_file), target)
    options = {"allow_delete": allow_delete, "force": force, "enable_workflows": enable_workflows}
    with publication(model, chosen, only=only, verify=verify, **options) as planned:
        typer.echo(render_plan(planned.plan, ReportFormat.text))
        print_publication_notes(planned, verbose=verbose)
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
    typer.echo(f"note: {tell_channel(framework, model, chosen)}", err=True)


def _confirm(target: str) -> None:
    if not sys.stdin.isatty():
        raise EscalationsError(
            "apply needs a confirmation and standard input is not a terminal; "
            "pass --yes to apply without asking."
        )
    if not typer.confirm(f"Apply these changes to {target}?", default=False):
        raise EscalationsError("nothing applied.")


def render_plan(result: Plan, output: ReportFormat) -> str:
    render = {
        ReportFormat.text: plans.render_text,
        ReportFormat.markdown: plans.render_markdown,
        ReportFormat.json: plans.render_json,
    }
    return render[output](result)


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
