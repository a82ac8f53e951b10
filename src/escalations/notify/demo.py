"""The whole escalation loop in the sandbox: workflows, the notifier, Slack, an acknowledgement."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hubspot import HubSpot
from hubspot.crm.tickets import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectInputForCreate,
)

from escalations.model.framework import Framework
from escalations.notify.acks import Acknowledgements
from escalations.notify.deliver import Ticket, Worker
from escalations.notify.events import Event
from escalations.notify.outbox import Outbox
from escalations.notify.receive import Settings as ReceiveSettings
from escalations.notify.service import INTERACTIVITY, WEBHOOK, build_app, serving
from escalations.notify.slackapi import slack_client
from escalations.notify.verify import Secrets
from escalations.publish.hubspot.compile import Settings, Webhook, compile_framework
from escalations.publish.hubspot.portal import Portal
from escalations.publish.hubspot.target import apply_portal, plan_portal
from escalations.publish.targets import SANDBOX_TOKEN, _hubspot, sandbox_lock
from escalations.sandbox.hubspot import HubSpotEmulator
from escalations.sandbox.hubspot.history import ensure_properties
from escalations.sandbox.slack import SlackEmulator

TOKEN = "demo-token"
CLIENT_SECRET = "demo-hubspot-client-secret"
SIGNING_SECRET = "demo-slack-signing-secret"
APP_ID = 1
TICKETS = (
    ("Our whole team is locked out: login returns 502",
     {"outage_reported": "true", "hs_ticket_priority": "URGENT", "hs_pipeline_stage": "1"}),
    ("I want to speak to a manager about this invoice",
     {"hs_ticket_priority": "HIGH", "hs_pipeline_stage": "1"}),
)  # fmt: skip
"""Two tickets that meet triggers at once: an outage, and a customer asking for a manager."""


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class Timeline:
    entries: tuple[Entry, ...]
    messages: tuple[tuple[str, str], ...]
    """Each Slack message as it reads at the end: (where, text)."""
    zone: str
    """The time zone of the framework's default calendar, in which times are shown."""
    kept: tuple[str, ...] = ()
    """The sandbox's ids of the demo's tickets, copied there at the end."""


def run_demo(framework: Framework, directory: Path, *, sandbox: Path | None = None) -> Timeline:
    """Deploy to a HubSpot emulator whose workflows call the notifier, open two tickets, tell
    their owners in a Slack emulator, acknowledge one from Slack, and let the other move on a
    level. Everything runs on one clock that starts now and jumps when the demo says so.
    With `sandbox` (the sandbox's directory), the tickets as they end are then copied into
    the sandbox's HubSpot, so that `escalations report` counts them (see `keep_in_sandbox`)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "outbox.sqlite").unlink(missing_ok=True)
    start = datetime.now(UTC).replace(microsecond=0)
    entries: list[Entry] = []
    with ExitStack() as stack:
        hub = stack.enter_context(HubSpotEmulator(token=TOKEN, rate_limit=None,
                                                  clock=lambda: start))  # fmt: skip
        slack = stack.enter_context(
            SlackEmulator(rate_limits=False, clock=lambda: hub.now().timestamp())
        )
        _people(framework, hub, slack)
        outbox = stack.enter_context(Outbox.open(directory / "outbox.sqlite"))
        acks = stack.enter_context(Acknowledgements.open(directory / "outbox.sqlite"))
        client = _hubspot(TOKEN, hub.base_url)
        secrets = Secrets(SIGNING_SECRET, hubspot_client_secret=CLIENT_SECRET)
        app = build_app(outbox, acks, framework, secrets, client, hub.now,
                        settings=ReceiveSettings(retry_every=3600),
                        slack=slack_client(slack.token, slack.base_url + "/api/"))  # fmt: skip
        base = stack.enter_context(serving(app))
        hub.webhooks.apps[APP_ID] = CLIENT_SECRET
        _deploy(framework, client, Webhook(base + WEBHOOK, "signature", app_id=APP_ID))
        worker = Worker(outbox, slack_client(slack.token, slack.base_url + "/api/"), framework,
                        ticket=_ticket_of(hub, framework), clock=hub.now,
                        sleep=lambda _: None, acknowledgements=acks)  # fmt: skip
        opened = []
        for subject, values in TICKETS:
            opened.append(_open(client, subject, values))
            entries.append(Entry(hub.now(), f"ticket {opened[-1]} opened: {subject!r}"))
        worker.run_once()
        entries += _told(framework, outbox, set())
        acknowledged = _acknowledge(framework, outbox, slack, base, opened[0])
        if acknowledged is not None:
            worker.run_once()
            entries.append(Entry(hub.now(), acknowledged))
        seen = {d.id for d in outbox.deliveries()}
        for _ in range(8):  # the path's waits, in steps, as time passes
            hub.advance(timedelta(minutes=15))
            worker.run_once()
        entries += _told(framework, outbox, seen)
        for ticket_id in opened:
            state = hub.ticket(ticket_id)
            entries.append(Entry(hub.now(), f"ticket {ticket_id} now: status "
                                 f"{state.get('esc_status')}, level {_level(state)}"))  # fmt: skip
        messages = _messages(framework, outbox, slack)
        final = [hub.ticket(ticket_id) for ticket_id in opened]
        emails = {o.owner_id: e for e, o in Portal(client, "esc_").owners().items()}
    zone = framework.calendar(framework.default_calendar).timezone
    kept = keep_in_sandbox(framework, final, emails, sandbox) if sandbox is not None else ()
    return Timeline(tuple(sorted(entries, key=lambda e: e.at)), messages, zone, kept)


def keep_in_sandbox(
    framework: Framework,
    tickets: list[dict[str, str | None]],
    emails: Mapping[str, str],
    directory: Path,
    prefix: str = "esc_",
) -> tuple[str, ...]:
    """Create the demo's tickets, with the values they ended with, in the sandbox's HubSpot
    (under the sandbox lock, one batch create; owner ids mapped through their emails) and
    return their ids there. Only tickets are written: the demo's workflows call a notifier
    that stops with the demo, so they stay in the demo's own emulator."""
    with sandbox_lock(directory):
        emulator = HubSpotEmulator(directory / "hubspot.sqlite", token=SANDBOX_TOKEN)
        base_url = emulator.start()
        try:
            portal = Portal(_hubspot(SANDBOX_TOKEN, base_url), prefix)
            known = portal.owners()
            for person in framework.people:
                if person.email.lower() not in known:
                    first, _, last = person.name.partition(" ")
                    emulator.add_owner(person.email, first, last)
            owners = {e: o.owner_id for e, o in portal.owners().items()}
            ensure_properties(portal, framework)
            writable = {p["name"] for p in portal.properties()
                        if not p["modificationMetadata"].get("readOnlyValue")}  # fmt: skip
            inputs = [
                SimplePublicObjectBatchInputForCreate(
                    properties=_copied(values, writable, emails, owners, prefix), associations=[]
                )
                for values in tickets
            ]
            api = portal.client.crm.tickets.batch_api
            answer = api.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs))
            return tuple(sorted((str(r.id) for r in answer.results), key=int))
        finally:
            emulator.stop()


def _copied(
    values: Mapping[str, str | None],
    writable: set[str],
    emails: Mapping[str, str],
    owners: Mapping[str, str],
    prefix: str,
) -> dict[str, str]:
    """A ticket's values that the API takes (and its creation time), owners as the sandbox's."""
    copied = {k: v for k, v in values.items() if v and (k in writable or k == "createdate")}
    for name in ("hubspot_owner_id", f"{prefix}owner"):
        if name in copied:
            copied[name] = owners.get(emails.get(copied[name], ""), "")
    copied["content"] = "Opened by `escalations demo`."
    return copied


def render_timeline(timeline: Timeline) -> str:
    lines = [f"What happened, as the people involved saw it (times {timeline.zone}):", ""]
    zone = ZoneInfo(timeline.zone)
    lines += [f"  {e.at.astimezone(zone):%H:%M}  {e.text}" for e in timeline.entries]
    lines += ["", "The Slack messages, as they read at the end:"]
    for where, text in timeline.messages:
        lines += ["", f"  [{where}]", *(f"    {line}" for line in text.splitlines())]
    if timeline.kept:
        lines += ["", f"The tickets are kept in the sandbox's HubSpot as tickets "
                  f"{' and '.join(timeline.kept)}: `escalations report` counts them."]  # fmt: skip
    return "\n".join(lines)


def _people(framework: Framework, hub: HubSpotEmulator, slack: SlackEmulator) -> None:
    for person in framework.people:
        first, _, last = person.name.partition(" ")
        hub.add_owner(person.email, first, last)
        slack.add_user(person.email, person.name)
    for channel in _channels(framework):
        slack.add_channel(channel)


def _channels(framework: Framework) -> list[str]:
    names = {t.slack_channel.removeprefix("#") for t in framework.teams if t.slack_channel}
    for path in framework.paths:
        for level in path.levels:
            names |= {n.to.removeprefix("#") for n in level.notify if n.to.startswith("#")}
    return sorted(names)


def _messages(
    framework: Framework, outbox: Outbox, slack: SlackEmulator
) -> tuple[tuple[str, str], ...]:
    """Every message the notifier posted, as it reads now (after any update)."""
    posted: dict[str, str] = {}
    for delivery in outbox.deliveries():
        if delivery.state == "sent" and delivery.ts and delivery.ts not in posted:
            posted[delivery.ts] = _name(framework, delivery.recipient)
    return tuple((who, slack.message(ts).text) for ts, who in posted.items())


def _deploy(framework: Framework, client: HubSpot, hook: Webhook) -> None:
    portal = Portal(client, "esc_")
    state = portal.observe()
    compiled = compile_framework(framework, state.owners, Settings(webhook=hook))
    changes = plan_portal(compiled, state, allow_delete=False, force=False, enable=True)
    apply_portal(portal, compiled, state, changes, enable=True)


def _open(client: HubSpot, subject: str, values: dict[str, str]) -> str:
    request = SimplePublicObjectInputForCreate(properties={"subject": subject, **values})
    created = client.crm.tickets.basic_api.create(simple_public_object_input_for_create=request)
    return str(created.id)


def _ticket_of(hub: HubSpotEmulator, framework: Framework) -> Callable[[Event], Ticket]:
    def ticket(event: Event) -> Ticket:
        values = hub.ticket(event.ticket_id)
        kind = framework.trigger(event.trigger).escalation_type
        return Ticket(values, None, f"{hub.base_url}/contacts/tickets/{event.ticket_id}",
                      f"https://www.notion.so/escalation-handbook/playbook-{kind}")  # fmt: skip

    return ticket


def _told(framework: Framework, outbox: Outbox, seen: set[int]) -> list[Entry]:
    entries = []
    for delivery in outbox.deliveries():
        if delivery.id in seen or delivery.state != "sent":
            continue
        event = outbox.event(delivery.event_key)
        what = {"escalated": "escalated", "moved": f"moved to level {event.level}",
                "acknowledged": "acknowledged"}.get(event.kind, event.kind)  # fmt: skip
        name = _name(framework, delivery.recipient)
        verb = "message updated for" if event.kind == "acknowledged" else "told"
        entries.append(Entry(event.occurred_at, f"ticket {event.ticket_id} {what} by "
                                                f"{event.trigger}: {verb} {name}"))  # fmt: skip
    return entries


def _acknowledge(framework: Framework, outbox: Outbox, slack: SlackEmulator, base: str,
                 ticket_id: str) -> str | None:  # fmt: skip
    """The level's owner presses Acknowledge on the first message about the ticket."""
    for delivery in outbox.deliveries():
        event = outbox.event(delivery.event_key)
        if event.ticket_id != ticket_id or delivery.state != "sent" or not delivery.ts:
            continue
        level = framework.path(framework.trigger(event.trigger).path).levels[event.level - 1]
        kind, _, key = level.owner.partition(":")
        lead = framework.team(key).lead.partition(":")[2] if kind == "team" else key
        person = framework.person(lead)
        slack.click(delivery.ts, "acknowledge", person.email, base + INTERACTIVITY, SIGNING_SECRET)
        return f"{person.name} pressed Acknowledge on the message about ticket {ticket_id}"
    return None


def _name(framework: Framework, reference: str) -> str:
    kind, _, key = reference.partition(":")
    if kind == "person":
        return framework.person(key).name
    if kind == "team":
        team = framework.team(key)
        return f"{team.name} ({team.slack_channel})"
    return reference


def _level(values: Mapping[str, str | None]) -> str:
    raw = values.get("esc_level") or "0"
    return str(int(float(raw)))
