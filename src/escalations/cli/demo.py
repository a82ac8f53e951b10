"""`escalations demo`: the whole escalation loop in the sandbox, told as a timeline."""

from __future__ import annotations

from pathlib import Path

import typer

from escalations.notify.demo import render_timeline, run_demo
from escalations.publish.targets import SANDBOX_DIR

from .options import FrameworkOption
from .output import load

DEMO_DIR = Path(".escalations") / "demo"


def demo(framework: FrameworkOption = Path("framework")) -> None:
    """Run the escalation loop with no accounts: deploy the workflows to a HubSpot emulator
    whose workflows call the notifier, open two tickets that meet triggers, tell their owners
    in a Slack emulator, press Acknowledge on one, let the other move on a level, and print
    who was told what and when, and the Slack messages. The two tickets are then copied into
    the sandbox's HubSpot, so that `escalations report` counts them.

    Example:

        escalations demo
    """
    timeline = run_demo(load(framework), DEMO_DIR, sandbox=SANDBOX_DIR)
    typer.echo(render_timeline(timeline))
