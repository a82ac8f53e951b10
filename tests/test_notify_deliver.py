"""The delivery worker through slack_sdk against the Slack emulator: recipients, faults, crashes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from escalations.model.framework import Framework
from escalations.notify.deliver import Summary, Ticket, Update, Worker
from escalations.notify.delivery import Policy
from escalations.notify.events import Event
from escalations.notify.outbox import Delivery, Outbox
from escalations.notify.recipients import recipients
from escalations.notify.slackapi import slack_client
from escalations.sandbox.slack import SlackEmulator

START = datetime(2026, 4, 2, 14, 0, tzinfo=UTC)
POLICY = Policy(first_backoff=timedelta(seconds=2), max_backoff=timedelta(seconds=60))
TRIGGER = "first-response-breach"
MARIA = "maria.lopez@acmecloud.example"
JONAS = "jonas.becker@acmecloud.example"
TEAM_CHANNELS = ("support-leads", "support-escalations", "support-frontline-emea")


class Clock:
    """One fake time for the worker (aware datetimes) and the emulator (epoch seconds)."""

    def __init__(self) -> None:
        self.now = START
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return self.now.timestamp()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


class Killed(BaseException):
    """The process dying at a step: nothing after it runs."""


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def slack(clock: Clock) -> Iterator[SlackEmulator]:
    with SlackEmulator(burst=1, clock=clock.seconds) as emulator:
        emulator.add_user(MARIA, "María López")
        for name in TEAM_CHANNELS:
            emulator.add_channel(name)
        yield emulator


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    with Outbox.open(tmp_path / "outbox.sqlite") as box:
        yield box


def ticket(event: Event) -> Ticket:
    return Ticket(
        {"subject": f"Export stuck {event.ticket_id}"},
        "Globex GmbH",
        f"https://app.hubspot.com/contacts/42/ticket/{event.ticket_id}",
        "https://www.notion.so/acme/technical-0123",
    )


def worker(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock, **options: object
) -> Worker:
    client = slack_client(slack.token, slack.base_url + "/api/")
    return Worker(
        outbox, client, framework, ticket=ticket, clock=clock, sleep=clock.sleep,
        policy=POLICY, **options,  # type: ignore[arg-type]
    )  # fmt: skip


def record(
    outbox: Outbox, framework: Framework, level: int, ticket_id: str = "1234", *only: str
) -> Event:
    event = Event("escalated", ticket_id, TRIGGER, level, "1775138400000", START)
    assert outbox.record(event, only or recipients(framework, TRIGGER, level), START)
    return event


def texts(slack: SlackEmulator, channel: str) -> list[str]:
    return [m.text for m in slack.messages(channel)]


def states(outbox: Outbox) -> list[tuple[str, str, str | None, str | None]]:
    return [(d.recipient, d.state, d.cause, d.channel) for d in outbox.deliveries()]


def test_a_team_level_posts_to_the_team_channel_and_its_watch_channel(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    record(outbox, framework, 1)
    summary = worker(outbox, slack, framework, clock).run_once()
    assert summary == Summary(sent=2)
    [leads] = slack.messages("support-leads")
    [watch] = slack.messages("support-escalations")
    assert leads.text.startswith("Escalated: ticket 1234 “Export stuck 1234” from Globex GmbH.")
    assert leads.blocks is not None and leads.blocks[0]["type"] == "header"
    assert states(outbox) == [
        ("team:support-leads", "sent", None, slack.channel("support-leads").id),
        ("#support-escalations", "sent", None, slack.channel("support-escalations").id),
    ]
    assert [d.ts for d in outbox.deliveries()] == [leads.ts, watch.ts]


def test_a_person_gets_a_direct_message_and_is_looked_up_once(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    record(outbox, framework, 3, "1", "person:maria-lopez")
    record(outbox, framework, 3, "2", "person:maria-lopez")
    summary = worker(outbox, slack, framework, clock).run_once()
    assert summary == Summary(sent=2)
    dm = outbox.deliveries()[0].channel
    assert dm is not None and dm.startswith("D")
    assert [d.channel for d in outbox.deliveries()] == [dm, dm]
    assert [t.split("”")[0] for t in texts(slack, dm)] == [
        "Escalated: ticket 1 “Export stuck 1", "Escalated: ticket 2 “Export stuck 2",
    ]  # fmt: skip
    assert slack.requests[("POST", "users.lookupByEmail")] == 1
    assert slack.requests[("POST", "chat.postMessage")] == 2
    # the second post to the same DM waited for the channel's one-second slot
    assert clock.slept == [1.0]


@pytest.mark.parametrize(("kind", "status", "cause"), [
    ("error", 503, "service_unavailable"), ("reset", None, "connection_error"),
])  # fmt: skip
def test_a_failed_lookup_is_retried_later_not_cached_and_not_diverted(
    outbox: Outbox,
    slack: SlackEmulator,
    framework: Framework,
    clock: Clock,
    kind: str,
    status: int | None,
    cause: str,
) -> None:
    slack.add_user(JONAS, "Jonas Becker")
    record(outbox, framework, 3, "1234", "person:jonas-becker")
    slack.inject(status, kind=kind, route="users.lookupByEmail")
    run = worker(outbox, slack, framework, clock)
    note = f"users.lookupByEmail failed: {cause}"
    assert run.run_once() == Summary(retrying=1, notes=(f"person:jonas-becker: {note}",))
    [delivery] = outbox.deliveries()
    assert (delivery.state, delivery.cause) == ("failed", note)
    assert delivery.next_attempt_at == START + timedelta(seconds=2)
    clock.now = delivery.next_attempt_at
    assert run.run_once() == Summary(sent=1)
    assert slack.requests[("POST", "users.lookupByEmail")] == 2
    assert slack.messages("support-leads") == []


def test_the_notify_list_tells_owner_person_team_and_channel(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    slack.add_user(JONAS, "Jonas Becker")
    record(outbox, framework, 2)
    summary = worker(outbox, slack, framework, clock).run_once()
    assert summary == Summary(sent=3)
    jonas = slack.add_user(JONAS, "Jonas Becker")
    dm = slack.messages(outbox.deliveries()[0].channel or "")
    assert slack.channel(dm[0].channel).user == jonas.id
    assert [d.recipient for d in outbox.deliveries()] == [
        "person:jonas-becker", "team:support-leads", "#support-escalations",
    ]  # fmt: skip
    assert len(slack.messages("support-leads")) == len(slack.messages("support-escalations")) == 1


@pytest.mark.parametrize("deactivated", [True, False])
def test_a_deactivated_or_unknown_person_is_told_through_their_team_channel(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock, deactivated: bool
) -> None:
    if deactivated:
        slack.add_user(JONAS, "Jonas Becker", deleted=True)
    record(outbox, framework, 3, "1234", "person:jonas-becker")
    summary = worker(outbox, slack, framework, clock).run_once()
    # Slack answers users_not_found for a deactivated account too (reference §1.6).
    assert summary == Summary(
        sent=1,
        notes=(
            f"person:jonas-becker: the Slack account of {JONAS} was not found: told #support-leads"
            " instead",
        ),
    )
    assert states(outbox) == [
        ("person:jonas-becker", "sent", None, slack.channel("support-leads").id)
    ]
    assert len(slack.messages("support-leads")) == 1


def test_a_direct_message_slack_refuses_goes_to_the_team_channel(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    jonas = slack.add_user(JONAS, "Jonas Becker")
    record(outbox, framework, 3, "1234", "person:jonas-becker")
    slack.inject(error="channel_not_found", route="chat.postMessage")
    summary = worker(outbox, slack, framework, clock).run_once()
    note = f"person:jonas-becker: channel_not_found for {jonas.id}: told #support-leads instead"
    assert summary == Summary(sent=1, notes=(note,))
    assert states(outbox) == [
        ("person:jonas-becker", "sent", None, slack.channel("support-leads").id)
    ]
    assert slack.requests[("POST", "chat.postMessage")] == 2


def test_a_person_without_a_team_or_account_is_given_up_with_the_reason(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    slack.add_user(MARIA, "María López", deleted=True)
    record(outbox, framework, 3, "1234", "person:maria-lopez")
    summary = worker(outbox, slack, framework, clock).run_once()
    note = f"the Slack account of {MARIA} was not found"
    assert summary == Summary(given_up=1, notes=(f"person:maria-lopez: {note}",))
    assert states(outbox) == [("person:maria-lopez", "failed", note, None)]
    assert outbox.deliveries()[0].next_attempt_at is None
    assert slack.requests[("POST", "chat.postMessage")] == 0


def test_a_429_is_honoured_for_the_delivery_and_its_channel(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    record(outbox, framework, 1, "1", "team:support-leads")
    record(outbox, framework, 1, "2", "team:support-leads")
    slack.inject(429, retry_after=7, route="chat.postMessage")
    run = worker(outbox, slack, framework, clock)
    assert run.run_once() == Summary(sent=1, retrying=1)
    first, second = outbox.deliveries()
    assert (first.state, first.cause, first.next_attempt_at) == (
        "failed", "ratelimited", START + timedelta(seconds=7),
    )  # fmt: skip
    assert second.state == "sent"
    # the second delivery to that channel waited out the Retry-After
    assert clock.slept == [7.0]
    assert run.run_once() == Summary(sent=1)
    assert clock.slept == [7.0, 1.0]
    assert [t.split("”")[0] for t in texts(slack, "support-leads")] == [
        "Escalated: ticket 2 “Export stuck 2", "Escalated: ticket 1 “Export stuck 1",
    ]  # fmt: skip


def test_slack_down_for_many_tries_backs_off_then_posts_once(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    record(outbox, framework, 1, "1234", "team:support-leads")
    slack.inject(503, times=5, route="chat.postMessage")
    run = worker(outbox, slack, framework, clock)
    waits = []
    for _ in range(5):
        assert run.run_once() == Summary(retrying=1)
        [delivery] = outbox.deliveries()
        assert delivery.cause == "service_unavailable"
        assert delivery.next_attempt_at is not None
        waits.append((delivery.next_attempt_at - clock.now).total_seconds())
        assert run.run_once() == Summary()  # not due yet
        clock.now = delivery.next_attempt_at
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert run.run_once() == Summary(sent=1)
    assert len(slack.messages("support-leads")) == 1
    assert outbox.deliveries()[0].attempts == 6


def test_slack_down_past_the_last_attempt_gives_up(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    record(outbox, framework, 1, "1234", "team:support-leads")
    slack.inject(500, times=20, route="chat.postMessage")
    run = worker(outbox, slack, framework, clock)
    for _ in range(POLICY.max_attempts - 1):
        assert run.run_once().retrying == 1
        clock.now = outbox.deliveries()[0].next_attempt_at or clock.now
    summary = run.run_once()
    cause = f"internal_error after {POLICY.max_attempts} attempts"
    assert summary == Summary(given_up=1, notes=(f"team:support-leads: gave up: {cause}",))
    assert states(outbox) == [("team:support-leads", "failed", cause, "#support-leads")]
    assert slack.messages("support-leads") == []


def test_a_token_error_halts_the_worker_and_keeps_the_delivery(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    record(outbox, framework, 1)
    client = slack_client("xoxb-revoked", slack.base_url + "/api/")
    broken = Worker(outbox, client, framework, ticket=ticket, clock=clock, sleep=clock.sleep)
    assert broken.run(threading.Event()) == Summary(halted="invalid_auth")
    assert [d.state for d in outbox.deliveries()] == ["pending", "pending"]
    assert slack.requests[("POST", "chat.postMessage")] == 1


def killed_at(step: str) -> Callable[[str, Delivery], None]:
    def die(name: str, _: Delivery) -> None:
        if name == step:
            raise Killed

    return die


@pytest.mark.parametrize(
    ("step", "summary"),
    [
        ("claimed", Summary(sent=1, reposted=1)),
        (
            "posted",
            Summary(recovered=1, notes=("team:support-leads: posted before the stop: recorded",)),
        ),
    ],
)
def test_a_worker_killed_mid_delivery_loses_nothing_and_posts_once(
    tmp_path: Path,
    slack: SlackEmulator,
    framework: Framework,
    clock: Clock,
    step: str,
    summary: Summary,
) -> None:
    path = tmp_path / "outbox.sqlite"
    with Outbox.open(path) as box:
        record(box, framework, 1, "1234", "team:support-leads")
        with pytest.raises(Killed):
            worker(box, slack, framework, clock, step=killed_at(step)).run_once()
    # a restart takes longer than the channel's one-second slot the dead worker was pacing
    clock.now += timedelta(seconds=1)
    with Outbox.open(path) as box:
        assert [(d.state, d.channel) for d in box.uncertain()] == [("sending", "#support-leads")]
        assert worker(box, slack, framework, clock).run_once() == summary
        [delivery] = box.deliveries()
        assert delivery.state == "sent"
    # Killed after the post, Slack has it and the outbox did not: the channel's history,
    # searched by the metadata every post carries, says so, and nothing is posted again.
    [message] = slack.messages("support-leads")
    assert (delivery.channel, delivery.ts) == (slack.channel("support-leads").id, message.ts)
    assert slack.requests[("POST", "conversations.history")] == 1
    assert slack.requests[("POST", "conversations.list")] == 1


def test_a_direct_message_interrupted_after_its_post_is_found_in_the_dm(
    tmp_path: Path, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    path = tmp_path / "outbox.sqlite"
    with Outbox.open(path) as box:
        record(box, framework, 2, "1234", "person:maria-lopez")
        with pytest.raises(Killed):
            worker(box, slack, framework, clock, step=killed_at("posted")).run_once()
    with Outbox.open(path) as box:
        assert [d.channel for d in box.uncertain()] == [slack.add_user(MARIA, "María López").id]
        summary = worker(box, slack, framework, clock).run_once()
        assert (summary.recovered, summary.sent, summary.reposted) == (1, 0, 0)
        [delivery] = box.deliveries()
    [message] = slack.messages(delivery.channel or "")
    assert delivery.ts == message.ts
    assert slack.requests[("POST", "conversations.open")] == 1


def test_a_restart_that_cannot_read_slack_waits_instead_of_posting_again(
    tmp_path: Path, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    path = tmp_path / "outbox.sqlite"
    with Outbox.open(path) as box:
        record(box, framework, 1, "1234", "team:support-leads")
        with pytest.raises(Killed):
            worker(box, slack, framework, clock, step=killed_at("posted")).run_once()
    clock.now += timedelta(seconds=1)
    slack.inject(503, times=1, route="conversations.list")
    with Outbox.open(path) as box:
        restarted = worker(box, slack, framework, clock)
        assert restarted.run_once() == Summary()
        assert [d.state for d in box.deliveries()] == ["sending"]
        assert restarted.run_once().recovered == 1
    assert len(slack.messages("support-leads")) == 1


def test_a_post_that_fell_back_to_the_team_is_looked_for_there(
    tmp_path: Path, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    """Jonas has no Slack account: his delivery goes to his team's channel, which already has
    the team's own; after a stop, the recipient in the metadata tells the two posts apart."""
    path = tmp_path / "outbox.sqlite"
    with Outbox.open(path) as box:
        record(box, framework, 2, "1234", "person:jonas-becker")
        worker(box, slack, framework, clock).run_once()
        [fallback] = [d.channel for d in box.deliveries()]
        assert fallback is not None
        team = [
            t.id
            for t in framework.teams
            if t.slack_channel.lstrip("#") == slack.channel(fallback).name
        ]
        record(box, framework, 2, "1235", f"team:{team[0]}", "person:jonas-becker")

        def die(name: str, delivery: Delivery) -> None:
            if name == "posted" and delivery.recipient == "person:jonas-becker":
                raise Killed

        clock.now += timedelta(seconds=1)
        with pytest.raises(Killed):
            worker(box, slack, framework, clock, step=die).run_once()
        assert [d.recipient for d in box.uncertain()] == ["person:jonas-becker"]
    clock.now += timedelta(seconds=1)
    with Outbox.open(path) as box:
        summary = worker(box, slack, framework, clock).run_once()
        assert (summary.recovered, summary.reposted) == (1, 0)
        told = {d.recipient: d.ts for d in box.deliveries() if d.event_key.startswith("1235:")}
    posts = [m for m in slack.messages(fallback) if "1235" in m.text]
    assert len(posts) == 2
    assert sorted(told.values()) == sorted(m.ts for m in posts)


def test_run_loops_until_stopped(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    stop = threading.Event()
    record(outbox, framework, 1)

    def stop_when_done(name: str, _: Delivery) -> None:
        if name == "recorded" and all(d.state == "sent" for d in outbox.deliveries()):
            stop.set()

    assert worker(outbox, slack, framework, clock, step=stop_when_done).run(stop) == Summary(sent=2)


def test_acknowledge_updates_the_message(
    outbox: Outbox, slack: SlackEmulator, framework: Framework, clock: Clock
) -> None:
    event = record(outbox, framework, 1, "1234", "team:support-leads")
    run = worker(outbox, slack, framework, clock)
    run.run_once()
    [delivery] = outbox.deliveries()
    assert delivery.channel is not None and delivery.ts is not None
    at = datetime(2026, 4, 2, 14, 5, tzinfo=UTC)
    assert run.acknowledge(event.key, delivery.channel, delivery.ts, "Jonas Becker", at) == (
        Update(True)
    )
    [message] = slack.messages("support-leads")
    [update] = message.updates
    assert update.text.endswith(" Acknowledged by Jonas Becker at 16:05.")
    assert update.blocks is not None
    assert update.blocks[-1]["elements"][0]["text"] == "✅ Acknowledged by Jonas Becker at 16:05"
    actions = next(b for b in update.blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["ticket", "playbook"]
    assert run.acknowledge(event.key, "support-leads", delivery.ts, "Jonas", at) == Update(
        False, "channel_not_found"
    )
