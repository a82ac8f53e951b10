"""Publishing targets (sync/targets.yaml) and the sessions that reach them."""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from hubspot import HubSpot
from notion_client import APIResponseError, Client
from urllib3.util.retry import Retry

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.model.load import load_document
from escalations.model.problems import render_text
from escalations.model.schema import check_document
from escalations.publish.hubspot.portal import Portal
from escalations.publish.notion.http import Transport
from escalations.publish.notion.target import Handbook

if TYPE_CHECKING:
    from slack_sdk import WebClient

SANDBOX_DIR = Path(".escalations") / "sandbox"
"""Where the sandbox emulators keep their state, relative to the working directory."""
SANDBOX_TOKEN = "sandbox-token"
"""The sandbox emulator's token: not a secret, it opens nothing but a local emulator."""


@dataclass(frozen=True, slots=True)
class NotionSettings:
    parent_page: str
    database: str
    base_url: str | None
    requests_per_second: float
    """The client-side throttle; 0 turns it off."""


@dataclass(frozen=True, slots=True)
class HubSpotSettings:
    prefix: str
    slack_action_type: str | None
    base_url: str | None


SECRET_ENV = {"signature": "HUBSPOT_CLIENT_SECRET", "key": "ESCALATIONS_WEBHOOK_KEY"}
"""The default environment variable of each notify `auth`."""
SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"
"""The sandbox's webhook secret when `secret_env` is unset: it guards nothing but loopback."""


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """The notifier's webhook that HubSpot's workflows call where each level starts."""

    webhook_url: str
    auth: str
    """"signature" (v3 request signature with app `app_id`'s client secret) or "key"."""
    secret_env: str
    """The environment variable of the client secret or key; for "key" also the name of
    the HubSpot secret holding it."""
    app_id: int | None = None
    header: str | None = None
    changelog_channel: str | None = None
    """Where apply's changelog goes (None: the framework's owning team's channel)."""

    def secret(self, *, sandbox: bool = False) -> str:
        """The secret from the environment (the sandbox has a stand-in when it is unset)."""
        value = os.environ.get(self.secret_env)
        if value:
            return value
        if sandbox:
            return SANDBOX_WEBHOOK_SECRET
        what = "the HubSpot app's client secret" if self.auth == "signature" else "the key"
        raise EscalationsError(f"{self.secret_env} is not set; export {what} (notify.auth: "
                               f"{self.auth} in sync/targets.yaml).")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    description: str
    sandbox: bool
    notion: NotionSettings | None
    hubspot: HubSpotSettings | None = None
    notify: NotifySettings | None = None


def load_targets(path: Path) -> dict[str, Target]:
    """The targets of sync/targets.yaml; problems in the file are one clear error."""
    if not path.is_file():
        raise EscalationsError(f"{path} not found; create it (see the README, 'Publishing').")
    document, problems = load_document(path, "targets", str(path))
    if document is not None:
        problems += check_document(document)
    if document is None or problems:
        raise EscalationsError(f"{path} is not valid:\n{render_text(problems, 1)}")
    return {name: _target(name, data) for name, data in document.data["targets"].items()}


def _target(name: str, data: dict[str, Any]) -> Target:
    notion = data.get("notion")
    hubspot = data.get("hubspot")
    return Target(
        name,
        data.get("description", ""),
        data.get("sandbox", False),
        NotionSettings(
            notion["parent_page"],
            notion["database"],
            notion.get("base_url"),
            # Real Notion allows about 3 requests per second; the local emulator has no limit.
            float(notion.get("requests_per_second", 0 if data.get("sandbox") else 3)),
        )
        if notion
        else None,
        HubSpotSettings(
            hubspot.get("property_prefix", "esc_"),
            hubspot.get("slack_action_type"),
            hubspot.get("base_url"),
        )
        if hubspot
        else None,
        _notify(data["notify"]) if data.get("notify") else None,
    )


def _notify(data: dict[str, Any]) -> NotifySettings:
    """The schema has checked the shape (https, or http on loopback; app_id or header)."""
    auth = data["auth"]
    secret_env = data.get("secret_env", SECRET_ENV[auth])
    return NotifySettings(
        data["webhook_url"],
        auth,
        secret_env,
        data.get("app_id"),
        data.get("header"),
        data.get("changelog_channel"),
    )


def choose(targets: dict[str, Target], name: str) -> Target:
    if name not in targets:
        raise EscalationsError(
            f"no target named '{name}' in sync/targets.yaml; the targets are: "
            f"{', '.join(sorted(targets))}."
        )
    return targets[name]


@contextmanager
def sandbox_lock(directory: Path = SANDBOX_DIR) -> Iterator[None]:
    """One local run at a time on the sandbox: a second run waits for the first to finish
    (the emulators share their SQLite state, and two publishes at once would both create)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class NotionSession:
    handbook: Handbook
    transport: Transport


@contextmanager
def notion_session(target: Target, *, rate: float | None = None) -> Iterator[NotionSession]:
    """A Handbook reached through notion-client: the sandbox emulator for a sandbox target,
    else Notion (or the target's base_url) with NOTION_TOKEN."""
    settings = target.notion
    if settings is None:
        raise EscalationsError(f"target '{target.name}' has no notion settings.")
    transport = Transport(rate=rate if rate is not None else settings.requests_per_second)
    if target.sandbox:
        from escalations.sandbox.notion.emulator import NotionEmulator

        SANDBOX_DIR.mkdir(parents=True, exist_ok=True)
        emulator = NotionEmulator(SANDBOX_DIR / "notion.sqlite", token=SANDBOX_TOKEN)
        base_url = emulator.start()
        try:
            page_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox:{settings.parent_page}"))
            client = _client(SANDBOX_TOKEN, base_url, transport)
            _ensure_root(client, emulator, page_id, settings.parent_page)
            handbook = Handbook(client, parent_page=page_id, title=settings.database)
            yield NotionSession(handbook, transport)
        finally:
            emulator.stop()
        return
    token = os.environ.get("NOTION_TOKEN")
    if not token:
        raise EscalationsError(
            "NOTION_TOKEN is not set; export the internal integration's secret "
            "(Notion: Settings > Connections > Develop or manage integrations)."
        )
    client = _client(token, settings.base_url or "https://api.notion.com", transport)
    yield NotionSession(
        Handbook(client, parent_page=settings.parent_page, title=settings.database), transport
    )


def _client(token: str, base_url: str, transport: Transport) -> Client:
    http = httpx.Client(transport=transport, timeout=httpx.Timeout(60.0))
    # notion-client logs each failed request; our own message says what failed and what to do.
    options = {"auth": token, "base_url": base_url, "retry": False, "log_level": logging.ERROR}
    return Client(options, client=http)


def _ensure_root(client: Client, emulator: Any, page_id: str, title: str) -> None:
    try:
        client.pages.retrieve(page_id=page_id)
    except APIResponseError:
        emulator.add_root_page(title, page_id=page_id)


@contextmanager
def hubspot_session(target: Target, framework: Framework) -> Iterator[Portal]:
    """A Portal reached through hubspot-api-client: the sandbox emulator (with an owner for
    every person of the framework) for a sandbox target, else HubSpot with
    HUBSPOT_ACCESS_TOKEN."""
    settings = target.hubspot
    if settings is None:
        raise EscalationsError(f"target '{target.name}' has no hubspot settings.")
    if target.sandbox:
        from escalations.sandbox.hubspot.emulator import HubSpotEmulator

        SANDBOX_DIR.mkdir(parents=True, exist_ok=True)
        emulator = HubSpotEmulator(SANDBOX_DIR / "hubspot.sqlite", token=SANDBOX_TOKEN)
        if settings.slack_action_type:  # as if the portal had the Slack app installed
            emulator.install_action(settings.slack_action_type, ("channel", "message"))
        if target.notify is not None:  # the portal's side of the notifier's secret
            secret = target.notify.secret(sandbox=True)
            if target.notify.app_id is not None:
                emulator.webhooks.apps[target.notify.app_id] = secret
            emulator.webhooks.secrets[target.notify.secret_env] = secret
        base_url = emulator.start()
        try:
            portal = Portal(_hubspot(SANDBOX_TOKEN, base_url), settings.prefix)
            known = portal.owners()
            for person in framework.people:
                if person.email.lower() not in known:
                    first, _, last = person.name.partition(" ")
                    emulator.add_owner(person.email, first, last)
            yield portal
        finally:
            emulator.stop()
        return
    token = os.environ.get("HUBSPOT_ACCESS_TOKEN")
    if not token:
        raise EscalationsError(
            "HUBSPOT_ACCESS_TOKEN is not set; export the token of the HubSpot private app or "
            "service key (scopes: tickets, crm.objects.owners.read, automation)."
        )
    yield Portal(_hubspot(token, settings.base_url or "https://api.hubapi.com"), settings.prefix)


@contextmanager
def slack_session(target: Target, framework: Framework) -> Iterator[WebClient | None]:
    """A Slack client: the sandbox's Slack emulator (a channel for every team, a member for
    every person) for a sandbox target, else Slack with SLACK_BOT_TOKEN (SLACK_API_URL for
    another base URL); None when the token is not set."""
    from escalations.notify.slackapi import slack_client

    if target.sandbox:
        from escalations.sandbox.slack import SlackEmulator

        SANDBOX_DIR.mkdir(parents=True, exist_ok=True)
        emulator = SlackEmulator(SANDBOX_DIR / "slack.sqlite", token=SANDBOX_TOKEN)
        for team in framework.teams:
            emulator.add_channel(team.slack_channel)
        for person in framework.people:
            emulator.add_user(person.email, person.name)
        base_url = emulator.start()
        try:
            yield slack_client(SANDBOX_TOKEN, base_url + "/api/")
        finally:
            emulator.stop()
        return
    token = os.environ.get("SLACK_BOT_TOKEN")
    if not token:
        yield None
        return
    yield slack_client(token, os.environ.get("SLACK_API_URL", "https://slack.com/api/"))


def _hubspot(token: str, base_url: str) -> HubSpot:
    """Generated clients take `host`, api_request takes `base_url`. urllib3 retries nothing:
    hubspot/http.py retries by HubSpot's rules, and knows which writes may have landed (left
    to urllib3, a closed port took 16 s of silent retries)."""
    retry = Retry(total=0, redirect=0, raise_on_status=False)
    return HubSpot(access_token=token, host=base_url, base_url=base_url, retry=retry)
