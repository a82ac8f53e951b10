"""`escalations notify`: telling owners of escalations; `poll` learns of events by searching."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from escalations.model.framework import Framework
from escalations.notify.outbox import Outbox
from escalations.notify.poll import Pacer, Polled, poll_tickets
from escalations.publish.targets import Target, choose, hubspot_session, load_targets, sandbox_lock

from .options import FrameworkOption, TargetOption, TargetsFileOption
from .output import load

OUTBOX = Path(".escalations") / "notify" / "outbox.sqlite"

app = typer.Typer(
    name="notify",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Tell escalation owners on Slack: learn of events and keep them in the outbox.",
)


@app.command()
def poll(
    framework: FrameworkOption = Path("framework"),
    target: TargetOption = "sandbox",
    targets_file: TargetsFileOption = Path("sync/targets.yaml"),
    outbox: Annotated[
        Path, typer.Option("--outbox", help="The outbox's SQLite file.", show_default=True)
    ] = OUTBOX,
    watch: Annotated[
        bool, typer.Option("--watch", help="Poll again every --interval seconds until Ctrl-C.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=1.0, help="Seconds between passes with --watch.")
    ] = 60.0,
) -> None:
    """Search HubSpot for tickets whose escalation changed since the last pass, and record
    each new event in the outbox (one pass, for cron; --watch to keep polling).

    Example:

        escalations notify poll --target production --watch --interval 60
    """
    model = load(framework)
    chosen = choose(load_targets(targets_file), target)
    outbox.parent.mkdir(parents=True, exist_ok=True)
    with Outbox.open(outbox) as box:
        while True:
            polled = _pass(model, chosen, box)
            typer.echo(_summary(polled))
            for key in polled.unknown:
                typer.echo(
                    f"warning: event {key}: the framework has no such trigger level; not recorded",
                    err=True,
                )
            if not watch:
                return
            time.sleep(interval)


def _pass(framework: Framework, target: Target, outbox: Outbox) -> Polled:
    with ExitStack() as stack:
        if target.sandbox:  # the sandbox emulator's file is shared with plan and apply
            stack.enter_context(sandbox_lock())
        portal = stack.enter_context(hubspot_session(target, framework))
        return poll_tickets(
            portal.client, portal.prefix, outbox, framework, caller=portal.caller, pacer=Pacer()
        )
    raise AssertionError("unreachable")  # mypy: ExitStack may swallow exceptions


def _summary(polled: Polled) -> str:
    def count(number: int, noun: str, plural: str) -> str:
        return f"{number} {noun if number == 1 else plural}"

    return (
        f"polled: {count(polled.searches, 'search', 'searches')}, "
        f"{count(polled.tickets, 'ticket', 'tickets')}, "
        f"{count(polled.new, 'new event', 'new events')}"
    )
