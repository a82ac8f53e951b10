"""The delivery worker beside the service: its own outbox connection, tickets read from HubSpot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hubspot import HubSpot

from escalations.model.framework import Framework
from escalations.notify.acks import Acknowledgements
from escalations.notify.deliver import Ticket, Worker
from escalations.notify.events import Event
from escalations.notify.log import log
from escalations.notify.outbox import Outbox
from escalations.notify.slackapi import slack_client
from escalations.publish.hubspot.http import Caller

TICKET_URL = "https://app.hubspot.com/contacts/{portal}/record/0-5/{ticket}"
PLAYBOOK_URL = "https://www.notion.so/search?q={playbook}"
"""Where the message's buttons lead: HubSpot's ticket page needs the portal id; the playbook's
Notion page is looked up by its title unless a template gives the handbook's own URLs."""


@dataclass(frozen=True, slots=True)
class Links:
    portal: str = "0"
    ticket: str = TICKET_URL
    playbook: str = PLAYBOOK_URL


def ticket_reader(
    hubspot: HubSpot, framework: Framework, prefix: str, links: Links, caller: Caller
) -> Callable[[Event], Ticket]:
    """The ticket's properties for an event's message, read from HubSpot when it is sent."""
    names = ["subject", "content", *(f"{prefix}{n}" for n in ("trigger", "level", "status",
             "owner", "escalated_at", "tier"))]  # fmt: skip

    def read(event: Event) -> Ticket:
        api = hubspot.crm.tickets.basic_api
        found = caller.read(
            f"reading ticket {event.ticket_id}",
            lambda: api.get_by_id(
                event.ticket_id, properties=names, _request_timeout=caller.timeout
            ),
        )
        playbook = framework.playbook_for(framework.trigger(event.trigger).escalation_type)
        return Ticket(
            dict(found.properties or {}),
            None,
            links.ticket.format(portal=links.portal, ticket=event.ticket_id),
            links.playbook.format(playbook=playbook.name.replace(" ", "%20")),
        )

    return read


def start_worker(
    outbox_path: Path,
    framework: Framework,
    *,
    slack_token: str,
    slack_url: str,
    ticket: Callable[[Event], Ticket],
    poll: float = 1.0,
) -> tuple[threading.Thread, threading.Event]:
    """Run the delivery worker in a thread until the returned event is set."""
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            # Opened inside the loop: a file another connection is creating can refuse the
            # WAL switch at once (SQLITE_BUSY without the busy timeout), and a pass that fails
            # mid-delivery is settled by the next worker's recovery.
            try:
                with Outbox.open(outbox_path) as box, Acknowledgements.open(outbox_path) as acks:
                    worker = Worker(box, slack_client(slack_token, slack_url), framework,
                                    ticket=ticket, clock=lambda: datetime.now(UTC),
                                    acknowledgements=acks)  # fmt: skip
                    summary = worker.run(stop, poll=poll)
            except Exception as failure:  # one bad pass must not end delivery for good
                log("delivery_pass_failed", error=f"{type(failure).__name__}: {failure}")
                stop.wait(poll)
                continue
            if summary.halted:
                log("delivery_halted", error=summary.halted)
                return

    thread = threading.Thread(target=work, name="escalations-delivery", daemon=True)
    thread.start()
    return thread, stop
