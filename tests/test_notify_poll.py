"""The poller through hubspot-api-client against the HubSpot emulator: events recorded once,
pages, the 10,000-result restart, the search pace, retries, the durable cursor, the command."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.tickets import SimplePublicObjectInput, SimplePublicObjectInputForCreate

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.notify.outbox import Outbox
from escalations.notify.poll import Pacer, Polled, poll_tickets
from escalations.notify.recipients import recipients
from escalations.publish.hubspot.http import Caller
from escalations.publish.hubspot.portal import Portal
from escalations.publish.targets import SANDBOX_TOKEN, _hubspot
from escalations.sandbox.hubspot.emulator import HubSpotEmulator

from .conftest import FRAMEWORK, ROOT, Result
from .test_hubspot_deploy import deploy

START = datetime(2026, 1, 9, 15, 0, tzinfo=UTC)
SEARCH = ("POST", "/crm/v3/objects/tickets/search")


class Clock:
    """The emulator's clock: each ticket write happens at the moment the test chose."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class Paced:
    """A pacer on a clock that moves only when it waits; each wait is recorded, then slept for
    real so that the emulator's own search window (wall time) sees the same pace."""

    def __init__(self) -> None:
        self.at = 0.0
        self.waits: list[float] = []
        self.pacer = Pacer(clock=lambda: self.at, sleep=self.sleep)

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.at += seconds
        time.sleep(seconds)


def seed(hub: HubSpotEmulator, framework: Framework) -> None:
    for person in framework.people:
        first, _, last = person.name.partition(" ")
        hub.add_owner(person.email, first, last)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub(framework: Framework, clock: Clock) -> Iterator[HubSpotEmulator]:
    server = HubSpotEmulator(token=SANDBOX_TOKEN, rate_limit=None, clock=clock)
    server.start()
    seed(server, framework)
    portal = Portal(_hubspot(SANDBOX_TOKEN, server.base_url), "esc_")
    deploy(portal, framework)
    yield server
    server.stop()


@pytest.fixture
def client(hub: HubSpotEmulator) -> HubSpot:
    return _hubspot(SANDBOX_TOKEN, hub.base_url)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    with Outbox.open(tmp_path / "outbox.sqlite") as box:
        yield box


def escalate(client: HubSpot, clock: Clock, minute: int, level: int = 1, **more: str) -> str:
    """An escalated ticket written at START + `minute` minutes."""
    clock.now = START + timedelta(minutes=minute)
    properties = {
        "subject": f"ticket {minute}",
        "esc_escalated": "true",
        "esc_trigger": "first-response-breach",
        "esc_level": str(level),
        "esc_status": "open",
        "esc_escalated_at": "2026-01-09T14:00:00.000Z",
        **more,
    }
    request = SimplePublicObjectInputForCreate(properties=properties)
    created = client.crm.tickets.basic_api.create(simple_public_object_input_for_create=request)
    return str(created.id)


def poll(client: HubSpot, outbox: Outbox, framework: Framework, **options: Any) -> Polled:
    caller = options.pop("caller", None) or Caller("emulator", max_delay=0.05)
    pacer = options.pop("pacer", None) or Paced().pacer
    now = START + timedelta(hours=1)
    return poll_tickets(client, "esc_", outbox, framework, caller=caller, pacer=pacer,
                        clock=lambda: now, **options)  # fmt: skip


def searches(hub: HubSpotEmulator) -> list[dict[str, Any]]:
    return [body for method, route, _, body in hub.journal if (method, route) == SEARCH]


def test_new_escalations_become_events_once(
    hub: HubSpotEmulator, client: HubSpot, clock: Clock, outbox: Outbox, framework: Framework
) -> None:
    first = escalate(client, clock, 1)
    second = escalate(client, clock, 2, level=2)
    client.crm.tickets.basic_api.create(
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"subject": "not escalated"}
        )
    )
    assert poll(client, outbox, framework) == Polled(1, 2, 2)
    keys = sorted(d.event_key for d in outbox.deliveries())
    assert f"{first}:1:escalated:2026-01-09T14:00:00.000Z" in keys
    assert f"{second}:2:moved:2026-01-09T14:00:00.000Z" in keys
    told = [d.recipient for d in outbox.deliveries(f"{first}:1:escalated:2026-01-09T14:00:00.000Z")]
    assert told == list(recipients(framework, "first-response-breach", 1))

    # Only the ticket of the cursor's millisecond is read again, and it is nothing new.
    assert poll(client, outbox, framework) == Polled(1, 1, 0)
    assert searches(hub)[-1]["filterGroups"] == [
        {"filters": [
            {"propertyName": "hs_lastmodifieddate", "operator": "GTE",
             "value": str(int((START + timedelta(minutes=2)).timestamp() * 1000))},
            {"propertyName": "esc_escalated", "operator": "HAS_PROPERTY"},
        ]}
    ]  # fmt: skip
    assert searches(hub)[-1]["sorts"] == [
        {"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}
    ]
    assert searches(hub)[-1]["limit"] == 200

    clock.now = START + timedelta(minutes=3)
    update = SimplePublicObjectInput(
        properties={"esc_status": "acknowledged", "esc_acknowledged_at": "2026-01-09T15:03:00Z"}
    )
    client.crm.tickets.basic_api.update(first, simple_public_object_input=update)
    assert poll(client, outbox, framework) == Polled(1, 2, 1)
    assert outbox.event(f"{first}:1:acknowledged:2026-01-09T14:00:00.000Z").occurred_at == (
        START + timedelta(minutes=3)
    )


def test_pages_are_read_through_after_and_the_cursor_moves_per_page(
    hub: HubSpotEmulator, client: HubSpot, clock: Clock, outbox: Outbox, framework: Framework
) -> None:
    for minute in range(1, 6):
        escalate(client, clock, minute)
    assert poll(client, outbox, framework, page=2) == Polled(3, 5, 5)
    assert [(body.get("after"), body["limit"]) for body in searches(hub)] == [
        (None, 2), ("2", 2), ("4", 2),
    ]  # fmt: skip
    assert outbox.cursor("tickets:esc_") == int((START + timedelta(minutes=5)).timestamp() * 1000)


def test_a_query_that_would_pass_the_cap_restarts_from_the_last_change_seen(
    hub: HubSpotEmulator, client: HubSpot, clock: Clock, outbox: Outbox, framework: Framework
) -> None:
    for minute in range(1, 8):
        escalate(client, clock, minute)
    assert poll(client, outbox, framework, page=2, cap=4) == Polled(4, 8, 7)
    millis = [f["filters"][0]["value"] for f in (b["filterGroups"][0] for b in searches(hub))]
    fourth = str(int((START + timedelta(minutes=4)).timestamp() * 1000))
    assert millis == ["0", "0", fourth, fourth]
    assert [body.get("after") for body in searches(hub)] == [None, "2", None, "2"]


def test_more_than_a_cap_of_tickets_in_one_millisecond_is_a_clear_error(
    hub: HubSpotEmulator, client: HubSpot, clock: Clock, outbox: Outbox, framework: Framework
) -> None:
    for _ in range(5):
        escalate(client, clock, 1)
    with pytest.raises(EscalationsError) as caught:
        poll(client, outbox, framework, page=2, cap=4)
    assert str(caught.value) == (
        "more than 4 escalated tickets were modified in the same millisecond "
        "(2026-01-09T15:01:00.000Z); the poller cannot page past them."
    )


def test_searches_keep_to_four_a_second(
    hub: HubSpotEmulator, client: HubSpot, clock: Clock, outbox: Outbox, framework: Framework
) -> None:
    for minute in range(1, 10):
        escalate(client, clock, minute)
    paced = Paced()
    caller = Caller("emulator", max_delay=0.05, sleep=lambda _: None)
    assert poll(client, outbox, framework, page=2, pacer=paced.pacer, caller=caller) == Polled(
        5, 9, 9
    )
    assert paced.waits == [1.0]
    assert caller.counts["read"] == 5, "no search was answered 429"


def test_a_rate_limited_search_is_retried(
    hub: HubSpotEmulator, client: HubSpot, clock: Clock, outbox: Outbox, framework: Framework
) -> None:
    escalate(client, clock, 1)
    hub.inject(429, times=2, method="POST", route="/crm/v3/objects/tickets/search")
    slept: list[float] = []
    caller = Caller("emulator", max_delay=0.05, sleep=slept.append)
    assert poll(client, outbox, framework, caller=caller) == Polled(3, 1, 1)
    assert len(slept) == 2


def test_a_search_refused_is_one_clear_error_and_the_cursor_stays(
    hub: HubSpotEmulator, client: HubSpot, clock: Clock, outbox: Outbox, framework: Framework
) -> None:
    escalate(client, clock, 1)
    hub.inject(kind="daily", route="POST /crm/v3/objects/tickets/search")
    with pytest.raises(EscalationsError, match=r"daily API limit is used up"):
        poll(client, outbox, framework)
    assert outbox.cursor("tickets:esc_") is None


def test_the_cursor_survives_reopening_the_outbox(
    hub: HubSpotEmulator, client: HubSpot, clock: Clock, tmp_path: Path, framework: Framework
) -> None:
    escalate(client, clock, 1)
    escalate(client, clock, 2)
    with Outbox.open(tmp_path / "outbox.sqlite") as box:
        assert poll(client, box, framework) == Polled(1, 2, 2)
    with Outbox.open(tmp_path / "outbox.sqlite") as box:
        assert box.cursor("tickets:esc_") == int((START + timedelta(minutes=2)).timestamp() * 1000)
        assert poll(client, box, framework) == Polled(1, 1, 0)


def test_an_event_of_a_trigger_the_framework_lacks_is_reported_not_recorded(
    hub: HubSpotEmulator, client: HubSpot, clock: Clock, outbox: Outbox, framework: Framework
) -> None:
    ticket = escalate(client, clock, 1, level=9)
    assert poll(client, outbox, framework) == Polled(
        1, 1, 0, (f"{ticket}:9:moved:2026-01-09T14:00:00.000Z",)
    )
    assert outbox.deliveries() == []


def test_the_command_polls_once_and_prints_one_line(
    tmp_path: Path,
    framework: Framework,
    monkeypatch: pytest.MonkeyPatch,
    cli: Callable[..., Result],
) -> None:
    clock = Clock()
    sandbox = tmp_path / ".escalations" / "sandbox"
    sandbox.mkdir(parents=True)
    with HubSpotEmulator(sandbox / "hubspot.sqlite", token=SANDBOX_TOKEN, clock=clock) as server:
        seed(server, framework)
        client = _hubspot(SANDBOX_TOKEN, server.base_url)
        deploy(Portal(client, "esc_"), framework)
        escalate(client, clock, 1)
        escalate(client, clock, 2)
    monkeypatch.chdir(tmp_path)
    options = ("--framework", str(FRAMEWORK), "--targets-file", str(ROOT / "sync/targets.yaml"))
    first = cli("notify", "poll", *options)
    assert (first.code, first.out, first.err) == (
        0,
        "polled: 1 search, 2 tickets, 2 new events\n",
        "",
    )
    assert (tmp_path / ".escalations" / "notify" / "outbox.sqlite").is_file()
    second = cli("notify", "poll", *options, "--outbox", str(tmp_path / "other.sqlite"))
    assert second.out == "polled: 1 search, 2 tickets, 2 new events\n"
    third = cli("notify", "poll", *options)
    assert third.out == "polled: 1 search, 1 ticket, 0 new events\n"


def test_watch_polls_until_interrupted(
    tmp_path: Path,
    framework: Framework,
    monkeypatch: pytest.MonkeyPatch,
    cli: Callable[..., Result],
) -> None:
    clock = Clock()
    sandbox = tmp_path / ".escalations" / "sandbox"
    sandbox.mkdir(parents=True)
    with HubSpotEmulator(sandbox / "hubspot.sqlite", token=SANDBOX_TOKEN, clock=clock) as server:
        seed(server, framework)
        client = _hubspot(SANDBOX_TOKEN, server.base_url)
        deploy(Portal(client, "esc_"), framework)
        escalate(client, clock, 1)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", sleep)
    monkeypatch.chdir(tmp_path)
    options = ("--framework", str(FRAMEWORK), "--targets-file", str(ROOT / "sync/targets.yaml"))
    result = cli("notify", "poll", *options, "--watch", "--interval", "30")
    assert result.code == 130
    assert result.out == (
        "polled: 1 search, 1 ticket, 1 new event\npolled: 1 search, 1 ticket, 0 new events\n"
    )
    assert slept == [30.0, 30.0]
