"""`escalations notify …`: the notifier's commands (`serve`: the webhook and button service)."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from hubspot import HubSpot
from urllib3.util.retry import Retry

from escalations.errors import EscalationsError
from escalations.notify.acks import Acknowledgements
from escalations.notify.outbox import Outbox
from escalations.notify.receive import Settings
from escalations.notify.service import build_app
from escalations.notify.verify import Secrets
from escalations.publish.targets import Target, choose, load_targets

from .options import FrameworkOption, TargetOption, TargetsFileOption
from .output import load

app = typer.Typer(name="notify", no_args_is_help=True, help="Tell escalation owners on Slack.")


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
    ] = Path(".escalations/outbox.db"),
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
    (/slack/interactivity), /healthz and /metrics.

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
        service = build_app(box, acks, model, secrets, client, lambda: datetime.now(UTC),
                            settings=Settings(prefix=prefix, public_url=public_url))  # fmt: skip
        # proxy_headers: behind a TLS proxy the client's address comes from X-Forwarded-For.
        uvicorn.run(service, host=host, port=port, proxy_headers=True, access_log=False)
