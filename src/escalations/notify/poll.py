"""The poller: escalation events learned by searching tickets changed since a stored cursor."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hubspot import HubSpot
from hubspot.crm.tickets import PublicObjectSearchRequest
from hubspot.crm.tickets import models as ticket_models

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.notify.events import event_from_properties
from escalations.notify.outbox import Outbox
from escalations.notify.recipients import recipients
from escalations.publish.hubspot.http import Caller

PAGE = 200
"""The largest page a search returns (ref §3.3)."""
CAP = 10_000
"""Results one query can page through; paging past it answers 400 (ref §3.3)."""
SEARCHES_PER_SECOND = 4
"""The search limit per token (ref §4.2)."""
MODIFIED = "hs_lastmodifieddate"
FIELDS = ("escalated", "trigger", "type", "tier", "level", "status", "owner", "escalated_at",
          "response_due_at", "acknowledged_at", "resolved_at")  # fmt: skip
"""The escalation properties a search returns (those `event_from_properties` reads, and more)."""


@dataclass(frozen=True, slots=True)
class Polled:
    """What one pass did: searches sent, tickets read, events new to the outbox."""

    searches: int
    tickets: int
    new: int
    unknown: tuple[str, ...] = ()
    """Keys of events whose trigger or level the framework lacks: not recorded."""


class Pacer:
    """At most `limit` calls in any `window` seconds: waits (through `sleep`) before a call
    that would pass it, so the search limit is kept rather than answered with 429s."""

    def __init__(
        self,
        limit: int = SEARCHES_PER_SECOND,
        window: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.sleep = sleep
        self.calls = 0
        self._stamps: deque[float] = deque(maxlen=limit)

    def wait(self) -> None:
        if len(self._stamps) == self.limit:
            wait = self._stamps[0] + self.window - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._stamps.append(self.clock())
        self.calls += 1


def poll_tickets(
    client: HubSpot,
    prefix: str,
    outbox: Outbox,
    framework: Framework,
    *,
    caller: Caller,
    pacer: Pacer | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    page: int = PAGE,
    cap: int = CAP,
) -> Polled:
    """One pass: every escalated ticket modified at or after the cursor, oldest change first,
    each turned into its latest event and recorded (the outbox drops what it has). The cursor
    moves after each page is recorded, so a crash re-reads a page and never skips one; GTE
    re-reads the tickets of the cursor's millisecond, so none modified in it is lost."""
    pacer = pacer or Pacer()
    name = f"tickets:{prefix}"
    start = outbox.cursor(name) or 0
    after: str | None = None
    read = tickets = new = 0
    unknown: list[str] = []
    last = start
    while True:
        if after is not None and read + page > cap:
            # Paging on would pass the cap: query again from the newest change seen instead.
            if last <= start:
                raise EscalationsError(
                    f"more than {cap} escalated tickets were modified in the same millisecond "
                    f"({_iso(start)}); the poller cannot page past them."
                )
            start, after, read = last, None, 0
        answer = _search(client, caller, pacer, prefix, start, after, page)
        now = clock()
        for ticket in answer.results:
            tickets += 1
            properties: dict[str, Any] = ticket.properties or {}
            event = event_from_properties(str(ticket.id), properties, now, prefix=prefix)
            if event is None:
                continue
            try:
                told = recipients(framework, event.trigger, event.level)
            except KeyError:
                unknown.append(event.key)
                continue
            new += outbox.record(event, told, now)
        read += len(answer.results)
        if answer.results:
            last = max(last, _millis(answer.results[-1].properties.get(MODIFIED), start))
            outbox.move_cursor(name, last, now)
        following = answer.paging.next.after if answer.paging and answer.paging.next else None
        if not following:
            return Polled(pacer.calls, tickets, new, tuple(unknown))
        after = str(following)


def _search(
    client: HubSpot,
    caller: Caller,
    pacer: Pacer,
    prefix: str,
    start: int,
    after: str | None,
    page: int,
) -> Any:
    api = client.crm.tickets.search_api
    request = PublicObjectSearchRequest(
        filter_groups=[
            {
                "filters": [
                    {"propertyName": MODIFIED, "operator": "GTE", "value": str(start)},
                    {"propertyName": f"{prefix}escalated", "operator": "HAS_PROPERTY"},
                ]
            }
        ],
        sorts=[{"propertyName": MODIFIED, "direction": "ASCENDING"}],
        properties=[*(prefix + field for field in FIELDS), "subject", "createdate", MODIFIED],
        limit=page,
        after=after,
    )

    def call() -> Any:
        pacer.wait()
        return api.do_search(public_object_search_request=request, _request_timeout=caller.timeout)

    what = f"searching tickets modified since {_iso(start)}"
    model = "CollectionResponseWithTotalSimplePublicObjectForwardPaging"
    return caller.read(what, call, models=ticket_models, api=api.api_client, model=model)


def _millis(value: Any, default: int) -> int:
    """HubSpot writes datetimes as ISO 8601 or epoch milliseconds."""
    text = str(value or "").strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return default
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def _iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
