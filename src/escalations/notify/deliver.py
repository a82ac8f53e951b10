"""The delivery worker: the outbox's due deliveries posted to Slack, and acknowledgements."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from escalations.model.framework import Framework
from escalations.notify.acks import Acknowledgements
from escalations.notify.delivery import (
    HALTING,
    Outcome,
    Policy,
    PostResult,
    after_post,
    next_slot,
    resolve_uncertain,
)
from escalations.notify.events import Event
from escalations.notify.message import Message, acknowledged_message, build_message
from escalations.notify.message import root_cause_question as question
from escalations.notify.outbox import Delivery, Outbox
from escalations.notify.recipients import Destination, Lookup, address, destination, level_of
from escalations.notify.slackapi import History, Unanswered, result_of, transient


@dataclass(frozen=True, slots=True)
class Ticket:
    """What the message says about the ticket; the service reads it from HubSpot."""

    properties: Mapping[str, Any]
    company: str | None
    ticket_url: str
    playbook_url: str


@dataclass(frozen=True, slots=True)
class Summary:
    """What one pass did: deliveries sent, scheduled again, given up, put back after a crash
    (`reposted`), found already posted after a crash (`recovered`), and the token error that
    halted the pass, if any. `notes` say, per delivery, why a message went elsewhere or failed."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0
    reposted: int = 0
    recovered: int = 0
    halted: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class _Tally:
    sent: int = 0
    retrying: int = 0
    given_up: int = 0
    reposted: int = 0
    recovered: int = 0
    halted: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> Summary:
        return Summary(
            self.sent,
            self.retrying,
            self.given_up,
            self.reposted,
            self.recovered,
            self.halted,
            tuple(self.notes),
        )


@dataclass(frozen=True, slots=True)
class Update:
    """What chat.update answered: ok, or Slack's error code."""

    ok: bool
    error: str | None = None


DEFAULT_POLICY = Policy()

Step = Callable[[str, Delivery], None]
"""Called after each durable step of a delivery ("claimed", "posted", "recorded")."""


class Worker:
    """Delivers what `outbox.due(now)` returns, one pass per `run_once()`.

    `ticket` gives the ticket's properties and links for an event's message; `clock` the
    current time (aware); `sleep` waits a number of seconds (for a channel's pacing and its
    Retry-After); `step` is told after each durable step. Pass a client built by
    `slack_client` (no SDK retries). Lookups of people by email are cached for the worker's
    lifetime, found and not-found alike; errors are not."""

    def __init__(
        self,
        outbox: Outbox,
        client: WebClient,
        framework: Framework,
        *,
        ticket: Callable[[Event], Ticket],
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        policy: Policy = DEFAULT_POLICY,
        step: Step | None = None,
        acknowledgements: Acknowledgements | None = None,
    ) -> None:
        self._outbox = outbox
        self._acknowledgements = acknowledgements
        self._client = client
        self._framework = framework
        self._ticket = ticket
        self._clock = clock
        self._sleep = sleep
        self._policy = policy
        self._step = step
        self._lookups: dict[str, Lookup] = {}
        self._ids: dict[str, str] = {}
        """A channel name or user id posted to -> the channel id Slack answered."""
        self._last_post: dict[str, datetime] = {}
        """Channel id (or name until known) -> when the worker may post there next."""
        self._recovered = False
        self._history = History(client)

    def run(self, stop: threading.Event, *, poll: float = 1.0) -> Summary:
        """Pass after pass until `stop` is set or a token error halts; the last pass's summary."""
        summary = Summary()
        while not stop.is_set():
            summary = self.run_once()
            if summary.halted is not None:
                break
            stop.wait(poll)
        return summary

    def run_once(self) -> Summary:
        """One pass: until it succeeds, settle the deliveries a stopped worker left `sending`;
        then deliver every due one, oldest first, until done or halted."""
        tally = _Tally()
        if not self._recovered:
            self._recovered = self._recover(tally)
        for delivery in self._outbox.due(self._clock()):
            self._deliver(delivery, tally)
            if tally.halted is not None:
                break
        return tally.summary()

    def acknowledge(self, event_key: str, channel: str, ts: str, who: str, at: datetime) -> Update:
        """Update the message (`channel` id, `ts`) of an event to say who acknowledged it when."""
        event = self._outbox.event(event_key)
        trigger = self._framework.trigger(event.trigger)
        calendar = self._framework.tier(trigger.tier).targets.first_response.calendar
        timezone = self._framework.calendar(calendar).timezone
        message = acknowledged_message(self._message(event), who, at, timezone)
        try:
            self._client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=list(message.blocks)
            )
        except SlackApiError as failure:
            return Update(False, str(failure.response.get("error")))
        return Update(True)

    # -- one delivery -----------------------------------------------------------------------

    def _recover(self, tally: _Tally) -> bool:
        """Each delivery a stopped worker left `sending` is looked for in its channel's history
        (by the metadata every post carries): found, it is recorded as sent; not found, it is
        posted again. False when Slack could not be asked (an outage): try again next pass."""
        settled = True
        for delivery in self._outbox.uncertain():
            if delivery.channel is None:
                # claimed for no post (a lookup that failed first, or an update of a message)
                self._outbox.release(delivery.id, self._clock())
                continue
            try:
                channel, history = self._history.since(delivery.channel, delivery.updated_at)
            except Unanswered:
                settled = False
                continue
            resolution = resolve_uncertain(delivery.event_key, delivery.recipient, history)
            now = self._clock()
            if resolution.action == "sent" and channel is not None and resolution.ts:
                if self._outbox.mark_sent(delivery.id, channel, resolution.ts, now):
                    tally.recovered += 1
                    tally.notes.append(f"{delivery.recipient}: {resolution.note}")
            elif self._outbox.release(delivery.id, now):
                tally.reposted += 1
                if resolution.note:
                    tally.notes.append(f"{delivery.recipient}: {resolution.note}")
        return settled

    def _deliver(self, delivery: Delivery, tally: _Tally) -> None:
        event = self._outbox.event(delivery.event_key)
        if event.kind == "acknowledged" and self._update_acknowledged(delivery, event, tally):
            return
        level = level_of(self._framework, event.trigger, event.level)
        target = address(self._framework, level, delivery.recipient)
        lookup: Lookup | None = None
        lookup_answer = PostResult(200)
        if target.email is not None:
            lookup, lookup_answer = self._lookup(target.email)
        if lookup is not None and lookup.error in HALTING:
            tally.halted = lookup.error
            return
        where = destination(target, lookup)
        if lookup is not None and lookup.error and transient(lookup_answer):
            # An outage is no reason to tell the team instead: ask again later.
            note = f"users.lookupByEmail failed: {lookup.error}"
            where = Destination("retry", None, note)
        if where.action != "post" or where.channel is None:
            self._fail_before_post(delivery, where.action, where.note, lookup_answer, tally)
            return
        if where.note:
            tally.notes.append(f"{delivery.recipient}: {where.note}")
        self._pace(where.channel)
        aimed = self._ids.get(where.channel, where.channel)
        if not self._outbox.mark_sending(delivery.id, self._clock(), aimed):
            return  # another worker has it, or it is sent
        self._stepped("claimed", delivery)
        message = self._message(event)
        fallback = target.fallback if target.email is not None and where.note is None else None
        result = self._post(where.channel, message, delivery.recipient)
        outcome = self._after(delivery, result, fallback is not None)
        if outcome.action == "fallback" and fallback is not None:
            why = f"{outcome.cause} for {where.channel}"
            tally.notes.append(f"{delivery.recipient}: {why}: told {fallback} instead")
            self._pace(fallback)
            self._outbox.aim(delivery.id, self._ids.get(fallback, fallback))
            result = self._post(fallback, message, delivery.recipient)
            outcome = self._after(delivery, result, False)
        self._stepped("posted", delivery)
        self._record(delivery, result, outcome, tally)

    def _update_acknowledged(self, delivery: Delivery, event: Event, tally: _Tally) -> bool:
        """An acknowledgement pressed in Slack is told by updating the message the recipient
        already has (the button goes, who and when are said), not by a new message; False when
        it was not pressed through the service (the poller saw it): then it is posted."""
        if self._acknowledgements is None:
            return False
        for kind in ("escalated", "moved"):
            original = replace(event, kind=kind)
            ack = self._acknowledgements.get(original.key) if self._acknowledgements else None
            if ack is None:
                continue
            told = [d for d in self._outbox.deliveries(original.key)
                    if d.recipient == delivery.recipient and d.state == "sent"]  # fmt: skip
            if not self._outbox.mark_sending(delivery.id, self._clock()):
                return True
            for sent in told:
                assert sent.channel is not None and sent.ts is not None
                update = self.acknowledge(original.key, sent.channel, sent.ts,
                                          ack.user_name, ack.acknowledged_at)  # fmt: skip
                if not update.ok:
                    tally.notes.append(f"{delivery.recipient}: chat.update: {update.error}")
            channel, ts = (told[0].channel or "", told[0].ts or "") if told else ("", "")
            self._outbox.mark_sent(delivery.id, channel, ts, self._clock())
            tally.sent += 1
            return True
        return False

    def _fail_before_post(
        self,
        delivery: Delivery,
        action: str,
        note: str | None,
        answer: PostResult,
        tally: _Tally,
    ) -> None:
        now = self._clock()
        if not self._outbox.mark_sending(delivery.id, now):
            return
        retry_at = None
        if action == "retry":
            outcome = after_post(
                answer, delivery.attempts + 1, now, self._policy, has_fallback=False
            )
            retry_at = outcome.at if outcome.action == "retry" else None
        self._outbox.mark_failed(delivery.id, note or action, retry_at, now)
        if retry_at is None:
            tally.given_up += 1
        else:
            tally.retrying += 1
        tally.notes.append(f"{delivery.recipient}: {note}")
        self._stepped("recorded", delivery)

    def _after(self, delivery: Delivery, result: PostResult, has_fallback: bool) -> Outcome:
        return after_post(
            result, delivery.attempts + 1, self._clock(), self._policy, has_fallback=has_fallback
        )

    def _record(
        self, delivery: Delivery, result: PostResult, outcome: Outcome, tally: _Tally
    ) -> None:
        now = self._clock()
        if outcome.action == "sent" and result.channel and result.ts:
            self._outbox.mark_sent(delivery.id, result.channel, result.ts, now)
            tally.sent += 1
        elif outcome.action == "halt":
            # Nothing was posted: the delivery waits for a working token, untouched otherwise.
            self._outbox.release(delivery.id, now)
            tally.halted = outcome.cause
        elif outcome.action == "retry":
            self._outbox.mark_failed(delivery.id, outcome.cause or "retry", outcome.at, now)
            tally.retrying += 1
        else:
            self._outbox.mark_failed(delivery.id, outcome.cause or "failed", None, now)
            tally.given_up += 1
            tally.notes.append(f"{delivery.recipient}: gave up: {outcome.cause}")
        self._stepped("recorded", delivery)

    # -- Slack ------------------------------------------------------------------------------

    def _lookup(self, email: str) -> tuple[Lookup, PostResult]:
        key = email.lower()
        if key in self._lookups:
            return self._lookups[key], PostResult(200)
        try:
            answer = self._client.users_lookupByEmail(email=email)
        except SlackApiError as failure:
            result = result_of(failure)
            lookup = Lookup(error=result.error)
            if result.error == "users_not_found":
                self._lookups[key] = lookup
            return lookup, result
        except (OSError, http.client.HTTPException):
            return Lookup(error="connection_error"), PostResult(0, "connection_error")
        user = answer.get("user") or {}
        lookup = Lookup(str(user.get("id")), bool(user.get("deleted")))
        self._lookups[key] = lookup
        return lookup, PostResult(200)

    def _post(self, channel: str, message: Message, recipient: str) -> PostResult:
        key = self._ids.get(channel, channel)
        # the recipient too: one event can reach one channel twice (a team, and a person's
        # fallback to it), and a restart must tell the two posts apart
        payload = {**message.metadata["event_payload"], "recipient": recipient}
        try:
            answer = self._client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=list(message.blocks),
                metadata={**message.metadata, "event_payload": payload},
            )
        except SlackApiError as failure:
            result = result_of(failure)
        except (OSError, http.client.HTTPException):
            result = PostResult(0, "connection_error")
        else:
            result = PostResult(200, channel=answer.get("channel"), ts=answer.get("ts"))
            if result.channel:
                self._ids[channel] = key = result.channel
        now = self._clock()
        hold = next_slot(now, now, self._policy)
        if result.retry_after is not None:
            hold = max(hold, now + _seconds(result.retry_after))
        self._last_post[key] = hold
        return result

    def _pace(self, channel: str) -> None:
        """Wait for the channel's next slot: a second after its last post, or its Retry-After."""
        key = self._ids.get(channel, channel)
        now = self._clock()
        slot = self._last_post.get(key, now)
        if slot > now:
            self._sleep((slot - now).total_seconds())

    def _message(self, event: Event) -> Message:
        ticket = self._ticket(event)
        if event.kind == "resolved":  # asks the owner for the root cause (receive.py records it)
            return question(self._framework, event, ticket.properties, ticket_url=ticket.ticket_url)
        return build_message(
            self._framework,
            event,
            ticket.properties,
            company=ticket.company,
            ticket_url=ticket.ticket_url,
            playbook_url=ticket.playbook_url,
        )

    def _stepped(self, name: str, delivery: Delivery) -> None:
        if self._step is not None:
            self._step(name, delivery)


def _seconds(header: str) -> timedelta:
    try:
        return timedelta(seconds=max(float(header), 0.0))
    except ValueError:
        return timedelta()
