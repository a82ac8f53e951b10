"""What the service does with a verified request: record events, keep and write acknowledgements."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from hubspot import HubSpot
from hubspot.crm.tickets import SimplePublicObjectInput
from hubspot.crm.tickets.exceptions import ApiException as TicketApiException
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.notify.acks import Acknowledgement, Acknowledgements
from escalations.notify.events import Event, Parsed, event_from_properties, parse_webhook
from escalations.notify.log import log
from escalations.notify.message import (
    ACK_ACTION,
    ROOT_CAUSE_ACTION,
    ROOT_CAUSE_BLOCK,
    response_due,
    root_cause_recorded,
)
from escalations.notify.outbox import Outbox
from escalations.notify.recipients import level_of, recipients
from escalations.publish.hubspot.http import Caller

ESC_PROPERTIES = ("escalated", "status", "trigger", "level", "escalated_at", "acknowledged_at",
                  "resolved_at", "response_due_at")  # fmt: skip
"""The ticket properties (after the prefix) a re-read asks for: what parse_webhook and
event_from_properties read."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The service's knobs; tests shorten the waits."""

    prefix: str = "esc_"
    max_body: int = 1 << 20
    public_url: str | None = None
    """The scheme and host HubSpot calls (`https://notify.example.com`) when a proxy ends TLS:
    signatures cover the URL as HubSpot sent it, not as the proxy forwards it."""
    reread_attempts: int = 3
    """HubSpot waits 30 s for an answer (reference §2.4): a few quick retries fit in that."""
    ack_timeout: tuple[float, float] = (1.0, 1.5)
    """Connect and read timeouts of the acknowledgement's write: Slack wants an answer in 3 s."""
    retry_every: float = 30.0
    """Seconds between passes over acknowledgements HubSpot has not taken yet."""
    first_backoff: timedelta = timedelta(minutes=1)
    max_backoff: timedelta = timedelta(minutes=30)
    max_delay: float = 2.0
    """The longest sleep between the re-read's retries."""


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP status and a JSON body (None: empty) for the route to send."""

    status: int
    body: dict[str, Any] | None = None
    after: Callable[[], None] | None = None
    """Work to do once the answer is sent (it must not delay HubSpot's call)."""


Outcome = Literal["written", "kept"]


@dataclass
class Receiver:
    """The service's state: the stores (used by one thread at a time), HubSpot, the clock, and
    the counters /metrics shows. Its methods block: the routes run them in worker threads."""

    outbox: Outbox
    acknowledgements: Acknowledgements
    framework: Framework
    hubspot: HubSpot
    clock: Callable[[], datetime]
    settings: Settings = field(default_factory=Settings)
    requests: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    slack: WebClient | None = None
    """Updates a root-cause question once answered (build_app does not pass it yet)."""

    def __post_init__(self) -> None:
        host = str(self.hubspot.config.get("host") or "https://api.hubapi.com")
        self._reread = Caller(host, attempts=self.settings.reread_attempts,
                              max_delay=self.settings.max_delay)  # fmt: skip
        # One attempt: a retry would not fit in Slack's 3 s; the retry pass takes it from there.
        self._write = Caller(host, attempts=1, timeout=self.settings.ack_timeout)

    # -- HubSpot's workflow webhook ---------------------------------------------------------

    def webhook(self, body: bytes, query: Mapping[str, str]) -> Answer:
        now = self.clock()
        prefix = self.settings.prefix
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            return Answer(400, {"error": "the body is not JSON"})
        if not isinstance(data, dict | list):
            return Answer(400, {"error": "the body is not a JSON object"})
        parsed = parse_webhook(body, query, now, prefix=prefix)
        event = parsed.event
        if event is None:
            if parsed.ticket_id is None:
                log("webhook_without_ticket", missing=list(parsed.missing))
                return Answer(400, {"error": "the webhook names no ticket"})
            try:
                properties = self._ticket(parsed.ticket_id)
            except EscalationsError as failure:
                self.failures["hubspot_reread"] += 1
                log("hubspot_down", ticket=parsed.ticket_id, error=str(failure))
                return Answer(503, {"error": "HubSpot did not answer; retry later"})
            if properties is None:
                # 200: HubSpot retries a 5xx for days, and the ticket will not come back.
                log("unknown_ticket", ticket=parsed.ticket_id)
                return Answer(200, {"ignored": "unknown ticket"})
            event = self._reparsed(parsed, properties, query, now)
            if event is None:
                log("not_escalated", ticket=parsed.ticket_id, missing=list(parsed.missing))
                return Answer(200, {"ignored": "the ticket has no escalation to tell"})
        return self._record(event, now)

    def _ticket(self, ticket_id: str) -> dict[str, Any] | None:
        """The ticket's escalation properties, None when HubSpot has no such ticket."""
        names = [f"{self.settings.prefix}{name}" for name in ESC_PROPERTIES]
        api = self.hubspot.crm.tickets.basic_api

        def get() -> dict[str, Any] | None:
            try:
                found = api.get_by_id(ticket_id, properties=names,
                                      _request_timeout=self._reread.timeout)  # fmt: skip
            except TicketApiException as exc:
                if exc.status == 404:
                    return None
                raise
            return dict(found.properties or {})

        return self._reread.read(f"reading ticket {ticket_id}", get)

    def _reparsed(self, parsed: Parsed, properties: Mapping[str, Any],
                  query: Mapping[str, str], now: datetime) -> Event | None:  # fmt: skip
        ticket_id = parsed.ticket_id or ""
        body = {"id": ticket_id, "properties": properties}
        again = parse_webhook(body, query, now, prefix=self.settings.prefix)
        if again.event is not None:
            return again.event
        if "kind" in again.missing:
            # A webhook without `event` (not a compiled one): the ticket tells what happened.
            return event_from_properties(ticket_id, properties, now, prefix=self.settings.prefix)
        return None

    def _record(self, event: Event, now: datetime) -> Answer:
        try:
            told = recipients(self.framework, event.trigger, event.level)
            if event.kind == "resolved":
                # The root-cause question is the owner's to answer, not the watchers'.
                told = (level_of(self.framework, event.trigger, event.level).owner,)
        except KeyError as unknown:
            # The framework deployed here does not know it; a retry would not either.
            log("unknown_trigger_or_level", key=event.key, error=str(unknown))
            return Answer(200, {"ignored": "unknown trigger or level"})
        with self.lock:
            fresh = self.outbox.record(event, told, now)
        log("event_recorded" if fresh else "event_repeated", key=event.key)
        after = None
        if fresh and event.kind in ("escalated", "moved"):
            after = lambda: self._write_due(event)  # noqa: E731
        return Answer(200, {"event": event.key, "recorded": fresh}, after)

    def _write_due(self, event: Event) -> None:
        """The level's response due time, in business time, on the ticket (HubSpot's delays
        cannot compute it). It only informs people: a failure is logged, not retried."""
        due = response_due(self.framework, event)
        update = SimplePublicObjectInput(
            properties={f"{self.settings.prefix}response_due_at": str(int(due.timestamp() * 1000))}
        )
        api = self.hubspot.crm.tickets.basic_api
        try:
            self._write.write(
                f"writing the response due time of ticket {event.ticket_id}",
                lambda: api.update(event.ticket_id, update, _request_timeout=self._write.timeout),
            )
        except (EscalationsError, TicketApiException) as failure:
            self.failures["hubspot_due"] += 1
            log("due_not_written", key=event.key, error=str(failure))
            return
        log("due_written", key=event.key, due=due.isoformat())

    # -- Slack's interactivity ---------------------------------------------------------------

    def interaction(self, payload: Mapping[str, Any]) -> Answer:
        """A block_actions payload: the Acknowledge button is kept, then written to HubSpot."""
        if payload.get("type") != "block_actions":
            return Answer(200)
        actions = [a for a in payload.get("actions") or [] if isinstance(a, Mapping)]
        chosen = [a for a in actions if a.get("action_id") == ROOT_CAUSE_ACTION]
        if chosen:
            return self._root_cause(payload, chosen[0])
        keys = [str(a.get("value")) for a in actions if a.get("action_id") == ACK_ACTION]
        if not keys:
            return Answer(200)
        now = self.clock()
        user_id, name = _user(payload)
        with self.lock:
            try:
                event = self.outbox.event(keys[0])
            except KeyError:
                log("unknown_event_acknowledged", key=keys[0], user=user_id)
                return Answer(200)
            fresh = self.acknowledgements.record(event.key, event.ticket_id, user_id, name, now)
            if fresh:
                acked = Event("acknowledged", event.ticket_id, event.trigger, event.level,
                              event.enrollment, now)  # fmt: skip
                self.outbox.record(acked, self._told(event), now)
        log("acknowledged" if fresh else "acknowledged_again", key=event.key, user=user_id)
        if fresh:
            self._write_acknowledgement(event.key)
        return Answer(200)

    def _root_cause(self, payload: Mapping[str, Any], action: Mapping[str, Any]) -> Answer:
        """A root cause chosen in the question: written to the ticket, then the question
        updated to say it. An unknown question or option is logged and left alone."""
        user_id, name = _user(payload)
        block = str(action.get("block_id") or "")
        key = block.removeprefix(ROOT_CAUSE_BLOCK) if block.startswith(ROOT_CAUSE_BLOCK) else ""
        option = action.get("selected_option")
        value = str(option.get("value") or "") if isinstance(option, Mapping) else ""
        with self.lock:
            try:
                event = self.outbox.event(key)
            except KeyError:
                event = None
        if event is None or event.kind != "resolved":
            log("unknown_root_cause_question", key=key, user=user_id)
            return Answer(200)
        cause = next((c for c in self.framework.root_causes if c.id == value), None)
        if cause is None:
            known = [c.id for c in self.framework.root_causes]
            log("unknown_root_cause", key=key, user=user_id, value=value, known=known)
            return Answer(200)
        update = SimplePublicObjectInput(properties={f"{self.settings.prefix}root_cause": cause.id})
        api = self.hubspot.crm.tickets.basic_api
        try:
            self._write.write(
                f"writing the root cause of ticket {event.ticket_id}",
                lambda: api.update(event.ticket_id, update, _request_timeout=self._write.timeout),
            )
        except (EscalationsError, TicketApiException) as failure:
            self.failures["hubspot_root_cause"] += 1
            log("root_cause_not_written", key=key, cause=cause.id, error=str(failure))
            return Answer(200)
        log("root_cause_written", key=key, ticket=event.ticket_id, cause=cause.id, user=user_id)
        who = next((p.name for p in self.framework.people if p.slack.lstrip("@") == name), name)
        return Answer(200, None, lambda: self._say_root_cause(payload, cause.name, who, key))

    def _say_root_cause(self, payload: Mapping[str, Any], cause: str, who: str, key: str) -> None:
        """Update the question (chat.update) to say the cause; it only informs, so a failure is
        logged, not retried."""
        found = payload.get("message")
        message: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        container = payload.get("container")
        where: Mapping[str, Any] = container if isinstance(container, Mapping) else {}
        channel, ts = str(where.get("channel_id") or ""), str(where.get("message_ts") or "")
        if self.slack is None or not channel or not ts:
            log("root_cause_not_shown", key=key, why="no Slack client or no message to update")
            return
        said = root_cause_recorded(str(message.get("text") or ""),
                                   list(message.get("blocks") or []), cause, who)  # fmt: skip
        try:
            self.slack.chat_update(channel=channel, ts=ts, text=said.text, blocks=list(said.blocks))
        except SlackApiError as failure:
            log("root_cause_not_shown", key=key, why=str(failure.response.get("error")))

    def _told(self, event: Event) -> tuple[str, ...]:
        try:
            return recipients(self.framework, event.trigger, event.level)
        except KeyError:
            return ()

    def retry_acknowledgements(self) -> dict[str, Outcome]:
        """Write every kept acknowledgement whose retry time has come."""
        with self.lock:
            due = self.acknowledgements.due(self.clock())
        return {ack.event_key: self._write_acknowledgement(ack.event_key, ack) for ack in due}

    def _write_acknowledgement(self, key: str, ack: Acknowledgement | None = None) -> Outcome:
        with self.lock:
            ack = ack or self.acknowledgements.get(key)
        assert ack is not None  # recorded before this is called
        p = self.settings.prefix
        at = str(int(ack.acknowledged_at.timestamp() * 1000))
        update = SimplePublicObjectInput(
            properties={f"{p}status": "acknowledged", f"{p}acknowledged_at": at}
        )
        api = self.hubspot.crm.tickets.basic_api
        try:
            # Setting the same two values twice is harmless, so no read-back is needed.
            self._write.write(
                f"acknowledging ticket {ack.ticket_id}",
                lambda: api.update(ack.ticket_id, update, _request_timeout=self._write.timeout),
            )
        except (EscalationsError, TicketApiException) as failure:
            now = self.clock()
            wait = min(self.settings.first_backoff * 2**ack.attempts, self.settings.max_backoff)
            with self.lock:
                self.acknowledgements.mark_failed(key, str(failure), now + wait, now)
            self.failures["hubspot_acknowledge"] += 1
            log("acknowledgement_kept", key=key, ticket=ack.ticket_id, error=str(failure))
            return "kept"
        with self.lock:
            self.acknowledgements.mark_written(key, self.clock())
        log("acknowledgement_written", key=key, ticket=ack.ticket_id)
        return "written"


def _user(payload: Mapping[str, Any]) -> tuple[str, str]:
    """The Slack user id and name of whoever pressed or chose."""
    found = payload.get("user")
    user: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    user_id = str(user.get("id") or "")
    return user_id, str(user.get("name") or user.get("username") or user_id)
