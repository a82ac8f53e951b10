"""`escalations sandbox seed`: a year of tickets in the sandbox's HubSpot emulator."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from escalations.errors import EscalationsError
from escalations.publish.hubspot.portal import Portal
from escalations.publish.targets import (
    SANDBOX_DIR,
    SANDBOX_TOKEN,
    _hubspot,
    choose,
    load_targets,
    sandbox_lock,
)
from escalations.sandbox.hubspot.history import seed_history

from .options import FrameworkOption, TargetsFileOption
from .output import load

app = typer.Typer(
    name="sandbox", help="The local emulators of the sandbox target.", no_args_is_help=True
)


@app.command()
def seed(
    framework: FrameworkOption = Path("framework"),
    targets_file: TargetsFileOption = Path("sync/targets.yaml"),
    tickets: Annotated[int, typer.Option("--tickets", help="Tickets in the year.")] = 6000,
    seed: Annotated[int, typer.Option("--seed", help="The generator's seed.")] = 1,
) -> None:
    """Fill the sandbox's HubSpot with a year of tickets (about 5 % escalated).

    Running it again with the same seed adds nothing: each ticket's description carries
    the marker esc-seed-<seed>, and only the tickets after those found are created.

    Example:

        escalations sandbox seed --tickets 6000 --seed 1
    """
    model = load(framework)
    chosen = choose(load_targets(targets_file), "sandbox")
    if not chosen.sandbox or chosen.hubspot is None:
        raise EscalationsError("the target 'sandbox' is not a sandbox with hubspot settings.")
    from escalations.sandbox.hubspot.emulator import HubSpotEmulator

    # Started as publish/targets.py hubspot_session starts it, whose Portal hides the
    # emulator: the seed also records agents' replies, which only the emulator can.
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with sandbox_lock():
        emulator = HubSpotEmulator(SANDBOX_DIR / "hubspot.sqlite", token=SANDBOX_TOKEN)
        base_url = emulator.start()
        try:
            portal = Portal(_hubspot(SANDBOX_TOKEN, base_url), chosen.hubspot.prefix)
            known = portal.owners()
            for person in model.people:
                if person.email.lower() not in known:
                    first, _, last = person.name.partition(" ")
                    emulator.add_owner(person.email, first, last)
            with typer.progressbar(length=tickets, label="seeding", file=sys.stderr) as bar:
                done = [0]

                def step(count: int) -> None:
                    bar.update(count - done[0])
                    done[0] = count

                result = seed_history(
                    portal,
                    model,
                    tickets=tickets,
                    seed=seed,
                    end=end,
                    replies=emulator.record_replies,
                    progress=step,
                )
        finally:
            emulator.stop()
    typer.echo(
        f"seeded {result.created} tickets ({result.kept} of seed {seed} were there already; "
        f"{result.escalated} escalated in all) in {result.requests} batch requests"
    )
