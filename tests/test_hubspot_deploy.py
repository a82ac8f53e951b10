"""Deploying to the HubSpot emulator through hubspot-api-client: converges, diffs by meaning."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import RESOLVED_FLOW, Settings, compile_framework
from escalations.publish.hubspot.http import Caller
from escalations.publish.hubspot.portal import Portal
from escalations.publish.hubspot.target import apply_portal, option_problems, plan_portal
from escalations.publish.plan import PENDING
from escalations.publish.targets import _hubspot
from escalations.sandbox.hubspot.emulator import HubSpotEmulator

from .conftest import HUBSPOT_TOKEN

TOKEN = HUBSPOT_TOKEN


@pytest.fixture
def emulator(hubspot_emulator: HubSpotEmulator) -> HubSpotEmulator:
    return hubspot_emulator


@pytest.fixture
def portal(emulator: HubSpotEmulator) -> Portal:
    caller = Caller(emulator.base_url, max_delay=0.05)  # retries without waiting long
    return Portal(_hubspot(TOKEN, emulator.base_url), "esc_", caller=caller)


def deploy(portal: Portal, framework: Framework, **flags: bool) -> list[str]:
    state = portal.observe()
    compiled = compile_framework(framework, state.owners, Settings())
    enable = flags.get("enable", False)
    allow_delete, force = flags.get("allow_delete", False), flags.get("force", False)
    changes = plan_portal(compiled, state, allow_delete=allow_delete, force=force, enable=enable)
    apply_portal(portal, compiled, state, changes, enable=enable)
    return [f"{c.action} {c.kind} {c.key}" for c in changes]


def pending(portal: Portal, framework: Framework, **flags: bool) -> list[str]:
    state = portal.observe()
    compiled = compile_framework(framework, state.owners, Settings())
    changes = plan_portal(compiled, state, allow_delete=False, force=False, **flags)
    return [
        f"{c.action} {c.kind} {c.key}" for c in changes if c.action in (*PENDING, "drift", "error")
    ]


READ_POSTS = ("/automation/v4/flows/batch/read", "/crm/v3/objects/tickets/search")


def flow_count(framework: Framework) -> int:
    """A flow per trigger, and the one that marks escalations resolved."""
    return len(framework.triggers) + 1


def writes(emulator: HubSpotEmulator) -> int:
    return sum(n for (method, route), n in emulator.requests.items()
               if method != "GET" and route not in READ_POSTS)  # fmt: skip


def reads(emulator: HubSpotEmulator) -> int:
    return sum(emulator.requests.values()) - writes(emulator)


def test_deploying_twice_leaves_nothing_to_do(
    emulator: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    first = deploy(portal, framework)
    assert "create group esc_escalation" in first
    assert sum(c.startswith("create flow") for c in first) == flow_count(framework)
    emulator.reset_counts()
    assert pending(portal, framework) == []
    assert writes(emulator) == 0


def test_reads_do_not_grow_with_the_number_of_properties(
    emulator: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    deploy(portal, framework)
    emulator.reset_counts()
    portal.observe()
    before = reads(emulator)
    more = replace(framework, root_causes=framework.root_causes[:2])  # same number of properties
    deploy(portal, more)
    emulator.reset_counts()
    portal.observe()
    assert reads(emulator) == before
    property_reads = sum(n for (m, r), n in emulator.requests.items() if "properties" in r)
    assert property_reads == 2  # the groups and every ticket property, in one call each


def test_changing_one_tier_target_updates_only_the_flows_that_wait_for_it(
    emulator: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    deploy(portal, framework)
    tier = framework.tier("tier-1")
    faster = replace(tier.targets.first_response, text="PT2H", value=timedelta(hours=2))
    tiers = tuple(
        replace(t, targets=replace(t.targets, first_response=faster)) if t.id == "tier-1" else t
        for t in framework.tiers
    )
    triggers = tuple(
        replace(t, after=replace(t.after, duration=faster))
        if t.after and t.after.target == "tier-1.first_response" else t
        for t in framework.triggers
    )  # fmt: skip
    changed = replace(framework, tiers=tiers, triggers=triggers)
    assert pending(portal, changed) == ["update flow first-response-breach"]
    emulator.reset_counts()
    deploy(portal, changed)
    assert writes(emulator) == 1  # one PUT of the whole flow
    assert pending(portal, changed) == []


def test_a_flow_edited_in_hubspot_is_drift_until_forced(
    emulator: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    deploy(portal, framework)
    flow = portal.observe().flows["manager-request"]
    emulator.human_edit_flow(str(flow["id"]), name="Manager request (edited) [esc:manager-request]")
    assert pending(portal, framework) == ["drift flow manager-request"]
    deploy(portal, framework, force=True)
    assert pending(portal, framework) == []


def test_a_flow_renamed_by_hand_is_found_by_its_mark_not_made_again(
    emulator: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    deploy(portal, framework)
    flow = portal.observe().flows["manager-request"]
    emulator.human_edit_flow(str(flow["id"]), name="Manager request (renamed, tag removed)")
    assert portal.observe().flows["manager-request"]["id"] == flow["id"]
    assert pending(portal, framework) == ["drift flow manager-request"]
    deploy(portal, framework, force=True)
    assert pending(portal, framework) == []
    state = portal.observe()
    assert state.flows["manager-request"]["name"].endswith("[esc:manager-request]")
    assert len(state.flows) == flow_count(framework) and state.duplicates == {}


def test_flows_made_twice_by_overlapping_deploys_are_planned_away_keeping_the_oldest(
    emulator: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    # Two deploys that both planned on a fresh portal each create every flow.
    first, second = portal.observe(), portal.observe()
    for state in (first, second):
        compiled = compile_framework(framework, state.owners, Settings())
        apply_portal(portal, compiled, state,
                     plan_portal(compiled, state, allow_delete=False, force=False))  # fmt: skip
    state = portal.observe()
    assert sorted(state.duplicates) == sorted([*(t.id for t in framework.triggers), RESOLVED_FLOW])
    kept = state.flows["manager-request"]["id"]
    younger = state.duplicates["manager-request"][0]["id"]
    assert int(kept) < int(younger)
    compiled = compile_framework(framework, state.owners, Settings())
    changes = plan_portal(compiled, state, allow_delete=False, force=False)
    duplicate = next(c for c in changes if c.key == "manager-request")
    assert (duplicate.action, duplicate.kind) == ("delete", "flow")
    assert duplicate.detail == (
        f"duplicates of flow {kept} made by an overlapping deploy: {younger}; the oldest is kept"
    )
    assert pending(portal, framework).count("delete flow manager-request") == 1
    deploy(portal, framework)  # no --allow-delete needed: they are ours
    after = portal.observe()
    assert after.duplicates == {} and after.flows["manager-request"]["id"] == kept
    assert pending(portal, framework) == []


def test_workflows_are_created_off_and_enabled_on_request(
    portal: Portal, framework: Framework
) -> None:
    deploy(portal, framework)
    assert not any(f.get("isEnabled") for f in portal.observe().flows.values())
    deploy(portal, framework, enable=True)
    assert all(f.get("isEnabled") for f in portal.observe().flows.values())


def test_an_unknown_owner_email_is_a_plan_error_naming_the_person(
    emulator: HubSpotEmulator, framework: Framework
) -> None:
    server = HubSpotEmulator(token=TOKEN, rate_limit=None)
    server.start()
    try:
        portal = Portal(_hubspot(TOKEN, server.base_url), "esc_")
        errors = [c for c in pending(portal, framework) if c.startswith("error")]
        assert errors, "every person is missing from an empty portal"
        state = portal.observe()
        compiled = compile_framework(framework, state.owners, Settings())
        changes = plan_portal(compiled, state, allow_delete=False, force=False)
        message = next(c.title for c in changes if c.action == "error")
        assert "people.yaml:" in message and "is not a HubSpot owner" in message
        with pytest.raises(EscalationsError, match="plan has errors"):
            apply_portal(portal, compiled, state, changes)
    finally:
        server.stop()


def test_a_name_taken_by_a_hubspot_defined_property_is_refused(
    portal: Portal, framework: Framework
) -> None:
    state = portal.observe()
    compiled = compile_framework(framework, state.owners, Settings(prefix="hs_ticket_"))
    taken = {**compiled.properties[0], "name": "hs_ticket_priority"}
    compiled = replace(compiled, properties=(taken, *compiled.properties[1:]))
    changes = plan_portal(compiled, state, allow_delete=False, force=False)
    errors = [c for c in changes if c.action == "error"]
    assert [(c.key, "HubSpot-defined" in c.title) for c in errors] == [("hs_ticket_priority", True)]


def test_removed_triggers_are_archived_only_with_allow_delete(
    portal: Portal, framework: Framework
) -> None:
    deploy(portal, framework)
    fewer = replace(framework, triggers=framework.triggers[1:])
    gone = framework.triggers[0].id
    assert f"orphan flow {gone}" in [
        f"{c.action} {c.kind} {c.key}"
        for c in plan_portal(compile_framework(fewer, portal.observe().owners, Settings()),
                             portal.observe(), allow_delete=False, force=False)
    ]  # fmt: skip
    deploy(portal, fewer, allow_delete=True)
    assert gone not in portal.observe().flows


def test_a_rate_limited_deploy_retries_and_converges(
    emulator: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    emulator.inject(429, times=2, method="POST", route="/automation/v4/flows")
    deploy(portal, framework)
    assert pending(portal, framework) == []
    assert len(portal.observe().flows) == flow_count(framework)


def test_a_catalog_option_the_portal_lacks_is_a_plan_error(
    portal: Portal, framework: Framework
) -> None:
    fields = tuple(
        replace(f, options=tuple(
            replace(o, hubspot="CRITICAL") if o.value == "urgent" else o for o in f.options))
        if f.id == "priority" else f
        for f in framework.fields
    )  # fmt: skip
    problems = option_problems(replace(framework, fields=fields), portal.observe())
    assert [p.key for p in problems] == ["hs_ticket_priority"]
    assert "has no option CRITICAL" in problems[0].title and "fields.yaml:" in problems[0].title
    assert option_problems(framework, portal.observe()) == []


def test_a_failed_flow_create_converges_without_duplicates(
    emulator: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    emulator.inject(500, times=1, method="POST", route="/automation/v4/flows", commit=True)
    deploy(portal, framework)  # the flow is found saved, not created twice
    assert pending(portal, framework) == []
    names = [f["name"] for f in portal.observe().flows.values()]
    assert len(names) == len(set(names)) == flow_count(framework)


def test_a_flow_deleted_in_hubspot_is_created_again(portal: Portal, framework: Framework) -> None:
    deploy(portal, framework)
    flow = portal.observe().flows["billing-dispute"]
    portal.delete_flow(flow)
    assert pending(portal, framework) == ["create flow billing-dispute"]
    deploy(portal, framework)
    assert pending(portal, framework) == []


def test_a_real_target_needs_hubspot_access_token(
    framework: Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    from escalations.publish.targets import HubSpotSettings, Target, hubspot_session

    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    target = Target("production", "", False, None, HubSpotSettings("esc_", None, None))
    session = hubspot_session(target, framework)
    with pytest.raises(EscalationsError, match="HUBSPOT_ACCESS_TOKEN is not set"):
        session.__enter__()
