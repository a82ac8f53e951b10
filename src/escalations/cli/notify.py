"""`escalations notify`: telling owners of escalations: `serve` (webhooks and buttons), `poll`."""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from hubspot import HubSpot
from slack_sdk import WebClient
from urllib3.util.retry import Retry

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.notify.acks import Acknowledgements
from escalations.notify.outbox import Outbox
from escalations.notify.poll import Pacer, Polled, poll_tickets
from escalations.notify.receive import Settings
from escalations.notify.run import PLAYBOOK_URL, TICKET_URL, Links, start_worker, ticket_reader
from escalations.notify.service import build_app
from escalations.notify.slackapi import slack_client
from escalations.notify.verify import Secrets
from escalations.publish.hubspot.http import Caller
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


def _env(name: str, why: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise EscalationsError(f"{name} is not set; export {why}.")
    return value


def _secrets(target: Target) -> Secrets:
    signing = _env("SLACK_SIGNING_SECRET", "the Slack app's signing secret (Basic Information)")
    notify = target.notify
    if notify is None:
        raise EscalationsError(
            f"target '{target.name}' has no notify section in sync/targets.yaml; add one "
            "(webhook_url, auth, secret_env) so HubSpot's workflows call the service."
        )
    secret = notify.secret(sandbox=target.sandbox)
    if notify.auth == "signature":
        return Secrets(signing, hubspot_client_secret=secret)
    return Secrets(signing, hubspot_key=secret, hubspot_key_header=notify.header or "")


@app.command()
def serve(
    framework: FrameworkOption = Path("framework"),
    target: TargetOption = "sandbox",
    targets_file: TargetsFileOption = Path("sync/targets.yaml"),
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8790,
    outbox: Annotated[
        Path, typer.Option("--outbox", help="The outbox's SQLite file (created if absent).")
    ] = OUTBOX,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            envvar="ESCALATIONS_PUBLIC_URL",
            help="The https://host HubSpot calls, when a proxy ends TLS (signatures cover it).",
        ),
    ] = None,
) -> None:
    """Serve HubSpot's workflow webhook (/hubspot/webhook), Slack's Acknowledge button
    (/slack/interactivity), /healthz and /metrics, and deliver the events to Slack (with
    SLACK_BOT_TOKEN set; SLACK_API_URL for another Slack API base URL).

    Example:

        escalations notify serve --target production --host 0.0.0.0 --port 8080
    """
    model = load(framework)
    chosen = choose(load_targets(targets_file), target)
    secrets = _secrets(chosen)
    token = _env("HUBSPOT_ACCESS_TOKEN", "the HubSpot private app's token (scope: tickets)")
    base = (chosen.hubspot.base_url if chosen.hubspot else None) or "https://api.hubapi.com"
    prefix = chosen.hubspot.prefix if chosen.hubspot else "esc_"
    # Caller applies HubSpot's retry rules; urllib3's own retries would double them.
    client = HubSpot(access_token=token, host=base, base_url=base, retry=Retry(total=0))
    outbox.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with Outbox.open(outbox) as box, Acknowledgements.open(outbox) as acks:
        delivery = _worker(model, client, prefix, outbox)  # once the file and its tables exist
        service = build_app(box, acks, model, secrets, client, lambda: datetime.now(UTC),
                            settings=Settings(prefix=prefix, public_url=public_url),
                            slack=_slack())  # fmt: skip
        try:
            # proxy_headers: behind a TLS proxy the client's address comes from X-Forwarded-For.
            uvicorn.run(service, host=host, port=port, proxy_headers=True, access_log=False)
        finally:
            if delivery is not None:
                thread, stop = delivery
                stop.set()
                thread.join(10)


def _slack() -> WebClient | None:
    token = os.environ.get("SLACK_BOT_TOKEN")
    if not token:
        return None
    return slack_client(token, os.environ.get("SLACK_API_URL", "https://slack.com/api/"))


def _worker(
    model: Framework, client: HubSpot, prefix: str, outbox: Path
) -> tuple[threading.Thread, threading.Event] | None:
    """The delivery worker beside the service, when SLACK_BOT_TOKEN is set."""
    token = os.environ.get("SLACK_BOT_TOKEN")
    if not token:
        typer.echo(
            "note: SLACK_BOT_TOKEN is not set: events are received and recorded, not delivered; "
            "export the Slack app's bot token to deliver them.",
            err=True,
        )
        return None
    links = Links(
        os.environ.get("HUBSPOT_PORTAL_ID", "0"),
        os.environ.get("ESCALATIONS_TICKET_URL", TICKET_URL),
        os.environ.get("ESCALATIONS_PLAYBOOK_URL", PLAYBOOK_URL),
    )
    base = client.config.get("base_url") or "https://api.hubapi.com"
    reader = ticket_reader(client, model, prefix, links, Caller(str(base)))
    slack_url = os.environ.get("SLACK_API_URL", "https://slack.com/api/")
    return start_worker(outbox, model, slack_token=token, slack_url=slack_url, ticket=reader)
