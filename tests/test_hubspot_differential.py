"""The local engine and the deployed workflows, running in the HubSpot emulator, escalate the
same tickets to the same trigger, tier, level and owner, moving up levels as time passes.

Calendars are made round-the-clock here: HubSpot delays count calendar time, so business-hour
waits can only be compared where business time is calendar time (the plan says so for the
others)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from escalations.criteria.evaluate import Engine, level_at
from escalations.criteria.ticket import make_ticket
from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import Owner, Settings, compile_framework
from escalations.publish.hubspot.portal import Portal
from escalations.publish.hubspot.target import apply_portal, plan_portal
from escalations.publish.targets import _hubspot
from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from escalations.sandbox.hubspot.shapes import parse_time

TOKEN = "differential"
WORDS = ["Export fails", "Please speak to a manager", "chargeback on our card", "formal complaint",
         "Slow board", "we were charged twice"]  # fmt: skip
WRITABLE = ("priority", "pipeline_stage", "csat_score", "sentiment", "outage_reported",
            "reopen_count", "account_tier")  # fmt: skip


def round_the_clock(framework: Framework) -> Framework:
    calendars = tuple(
        replace(c, timezone="UTC", hours=(((0, 1440),),) * 7, holidays=())
        for c in framework.calendars
    )
    return replace(framework, calendars=calendars)


@pytest.fixture(scope="module")
def deployed(
    framework: Framework,
) -> Iterator[tuple[Framework, HubSpotEmulator, Portal, dict[str, Owner]]]:
    model = round_the_clock(framework)
    # A clock that moves only when the test advances it: with the wall clock, the few
    # milliseconds a run takes made a delay that ends exactly at the end of a scenario end
    # just after it (the engine said level 3, the emulator still level 2).
    frozen = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    emulator = HubSpotEmulator(token=TOKEN, rate_limit=None, clock=lambda: frozen)
    emulator.start()
    for person in model.people:
        first, _, last = person.name.partition(" ")
        emulator.add_owner(person.email, first, last)
    portal = Portal(_hubspot(TOKEN, emulator.base_url), "esc_")
    state = portal.observe()
    compiled = compile_framework(model, state.owners, Settings())
    changes = plan_portal(compiled, state, allow_delete=False, force=False, enable=True)
    apply_portal(portal, compiled, state, changes, enable=True)
    yield model, emulator, portal, state.owners
    emulator.stop()


def field_values(framework: Framework, name: str) -> st.SearchStrategy[Any]:
    item = framework.field(name)
    if item.type == "enumeration":
        return st.sampled_from([o.value for o in item.options])
    if name == "csat_score":
        return st.none() | st.integers(1, 5)
    if name == "reopen_count":
        return st.integers(0, 3)
    if name == "arr":
        return st.sampled_from([5_000, 99_999, 100_000, 250_000])
    if item.type == "bool":
        return st.booleans()
    return st.sampled_from(WORDS)


@st.composite
def scenarios(draw: st.DrawFn, framework: Framework) -> dict[str, Any]:
    names = ["subject", "content", "priority", "category", "pipeline_stage", "source", "csat_score",
             "account_tier", "arr", "reopen_count", "sentiment", "outage_reported"]  # fmt: skip
    values = {name: draw(field_values(framework, name)) for name in names}
    changes = []
    for _ in range(draw(st.integers(0, 2))):
        minutes = draw(st.integers(1, 600))
        name = draw(st.sampled_from(WRITABLE))
        changes.append((minutes, name, draw(field_values(framework, name))))
    return {"values": values, "changes": sorted(changes, key=lambda c: c[0]),
            "end": draw(st.integers(1, 60 * 30))}  # fmt: skip


def to_hubspot(framework: Framework, name: str, value: Any) -> str:
    item = framework.field(name)
    if item.type == "enumeration":
        return next(o.hubspot for o in item.options if o.value == value)
    if item.type == "bool":
        return "true" if value else "false"
    return str(value)


SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_engine_and_workflows_escalate_alike(
    deployed: tuple[Framework, HubSpotEmulator, Portal, dict[str, Owner]], data: st.DataObject
) -> None:
    framework, emulator, portal, owners = deployed
    scenario = data.draw(scenarios(framework))
    start = emulator.now()
    tickets = portal.client.crm.tickets.basic_api
    properties = {framework.field(n).hubspot_property: to_hubspot(framework, n, v)
                  for n, v in scenario["values"].items() if v is not None}  # fmt: skip
    properties["createdate"] = start.isoformat()
    properties["hs_pipeline"] = "0"
    created = tickets.create(simple_public_object_input_for_create={"properties": properties})
    local_changes = []
    for minutes, name, value in scenario["changes"]:
        at = start + timedelta(minutes=minutes)
        if at > emulator.now():
            emulator.advance(at - emulator.now())
        if value is not None:
            prop = framework.field(name).hubspot_property
            tickets.update(
                created.id,
                simple_public_object_input={
                    "properties": {prop: to_hubspot(framework, name, value)}
                },
            )
        local_changes.append((at, [(name, value)]))
    end = start + timedelta(
        minutes=max(scenario["end"], *(m for m, _, _ in scenario["changes"]), 0)
    )
    if end > emulator.now():
        emulator.advance(end - emulator.now())

    values = [(n, v) for n, v in scenario["values"].items()] + [("created_at", start)]
    ticket = make_ticket(framework, created.id, values, [(at, pairs) for at, pairs in local_changes
                                                          if pairs[0][1] is not None])  # fmt: skip
    escalation = Engine(framework).evaluate(ticket, end).escalation
    remote = emulator.ticket(created.id)
    if escalation is None:
        event("not escalated")
        assert remote.get("esc_trigger") in (None, ""), remote
        return
    resolved = resolved_at(scenario, start, escalation.at)
    # a close written at the scenario's last moment is in (resolved_at adds a microsecond
    # for its order against the level moves of that moment)
    done = resolved is not None and resolved - timedelta(microseconds=1) <= end
    if done:
        event("resolved")
    # A resolved escalation is past acknowledgement too: the compiled flows move a level on
    # only while its status is open (not_acknowledged) or not resolved.
    level, owner = level_at(framework, escalation, end, acknowledged_at=resolved,
                            resolved_at=resolved)  # fmt: skip
    event(f"escalated, level {min(level, 3)}{'+' if level >= 3 else ''}")
    kind, _, key = owner.partition(":")
    person = framework.person(framework.team(key).lead.partition(":")[2] if kind == "team" else key)
    assert (remote.get("esc_trigger"), remote.get("esc_tier"), remote.get("esc_level")) == (
        escalation.trigger,
        escalation.tier,
        str(level),
    )
    assert remote.get("esc_owner") == owners[person.email.lower()].owner_id
    assert remote.get("esc_status") == ("resolved" if done else "open")
    if done:
        assert resolved is not None
        at = parse_time(remote.get("esc_resolved_at"))
        assert at is not None and abs(at - resolved) < timedelta(milliseconds=1)


def resolved_at(scenario: dict[str, Any], start: datetime, escalated: datetime) -> datetime | None:
    """When the escalation resolves: its ticket closed at escalation, or the first close after."""
    stages = [(start, scenario["values"]["pipeline_stage"])]
    stages += [(start + timedelta(minutes=m), v) for m, name, v in scenario["changes"]
               if name == "pipeline_stage" and v is not None]  # fmt: skip
    before = [value for at, value in stages if at <= escalated]
    if before and before[-1] == "closed":
        return escalated
    later = [at for at, value in stages if at > escalated and value == "closed"]
    # emulator.advance resumes the delays ending at a change's moment before the test writes
    # the change: a close at the end of a level's wait comes after that level moved on.
    return later[0] + timedelta(microseconds=1) if later else None


def test_start_of_emulator_clock_is_aware(
    deployed: tuple[Framework, HubSpotEmulator, Portal, dict[str, Owner]],
) -> None:
    assert isinstance(deployed[1].now(), datetime) and deployed[1].now().tzinfo is not None
