"""The flow that marks an escalation resolved: compiled, in the contract, run by the emulator."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from hubspot.crm.tickets import SimplePublicObjectInput, SimplePublicObjectInputForCreate

from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import RESOLVED_FLOW, Settings, Webhook, compile_framework
from escalations.publish.hubspot.portal import Portal
from escalations.publish.hubspot.target import apply_portal, plan_portal
from escalations.publish.targets import _hubspot
from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from escalations.sandbox.hubspot.shapes import iso

from .conftest import HUBSPOT_TOKEN
from .test_hubspot_contracts import problems
from .test_hubspot_webhooks import Receiver, _escalate, _owners, _query, receiver

__all__ = ["receiver"]  # the loopback notifier fixture

HOOK = Webhook("https://notify.example.com/hubspot/webhook", "signature", app_id=4242)


def _filter(prop: str, operation: dict[str, Any]) -> dict[str, Any]:
    return {"filterType": "PROPERTY", "property": prop, "operation": operation}


def test_a_closed_escalated_ticket_enrolls_and_is_marked_resolved_then_told(
    framework: Framework,
) -> None:
    flow = compile_framework(framework, _owners(framework), Settings(webhook=HOOK)).flows[
        RESOLVED_FLOW
    ]
    assert flow["name"] == "Escalation resolved [esc:escalation-resolved]"
    [group] = flow["enrollmentCriteria"]["listFilterBranch"]["filterBranches"]
    assert group["filters"] == [
        _filter("hs_pipeline_stage", {"operationType": "ENUMERATION", "operator": "IS_ANY_OF",
                                      "values": ["4"], "includeObjectsWithNoValueSet": False}),
        _filter("esc_escalated", {"operationType": "BOOL", "operator": "IS_EQUAL_TO",
                                  "value": True, "includeObjectsWithNoValueSet": False}),
        _filter("esc_status", {"operationType": "ENUMERATION", "operator": "IS_ANY_OF",
                               "values": ["open", "acknowledged"],
                               "includeObjectsWithNoValueSet": False}),
    ]  # fmt: skip
    status, resolved_at, webhook = flow["actions"]
    assert flow["startActionId"] == "1"
    assert status["fields"] == {
        "property_name": "esc_status",
        "value": {"type": "STATIC_VALUE", "staticValue": "resolved"},
    }
    assert status["connection"] == {"edgeType": "STANDARD", "nextActionId": "2"}
    assert resolved_at["fields"] == {
        "property_name": "esc_resolved_at",
        "value": {"type": "TIMESTAMP", "timestampType": "EXECUTION_TIME"},
    }
    assert resolved_at["connection"] == {"edgeType": "STANDARD", "nextActionId": "3"}
    assert (webhook["type"], webhook["webhookUrl"], webhook["authSettings"]) == (
        "WEBHOOK", HOOK.url, {"type": "SIGNATURE", "appId": 4242},
    )  # fmt: skip
    assert "connection" not in webhook
    assert webhook["queryParams"] == [
        {"name": "trigger", "value": {"type": "OBJECT_PROPERTY", "propertyName": "esc_trigger"}},
        {"name": "level", "value": {"type": "OBJECT_PROPERTY", "propertyName": "esc_level"}},
        {"name": "event", "value": {"type": "STATIC_VALUE", "staticValue": "resolved"}},
        {"name": "ticket", "value": {"type": "OBJECT_PROPERTY", "propertyName": "hs_object_id"}},
        {"name": "escalated_at",
         "value": {"type": "OBJECT_PROPERTY", "propertyName": "esc_escalated_at"}},
    ]  # fmt: skip
    assert problems("flow-create", flow) == []


def test_without_the_notifier_the_flow_only_sets_status_and_time(framework: Framework) -> None:
    flow = compile_framework(framework, _owners(framework), Settings()).flows[RESOLVED_FLOW]
    assert [a["fields"]["property_name"] for a in flow["actions"]] == [
        "esc_status",
        "esc_resolved_at",
    ]
    assert "connection" not in flow["actions"][-1]
    assert problems("flow-create", flow) == []


def test_a_catalog_without_a_closed_stage_compiles_no_resolved_flow(framework: Framework) -> None:
    fields = tuple(
        replace(f, options=tuple(o for o in f.options if o.value != "closed"))
        if f.hubspot_property == "hs_pipeline_stage" else f
        for f in framework.fields
    )  # fmt: skip
    # Without triggers too: some of them name the closed stage.
    model = replace(framework, fields=fields, triggers=())
    compiled = compile_framework(model, _owners(framework), Settings())
    assert RESOLVED_FLOW not in compiled.flows


def _deploy_frozen(framework: Framework, receiver: Receiver) -> tuple[HubSpotEmulator, Any]:
    """Deployed with the notifier's webhook, on a clock that moves only when advanced."""
    frozen = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    emulator = HubSpotEmulator(token=HUBSPOT_TOKEN, rate_limit=None, clock=lambda: frozen)
    emulator.start()
    for person in framework.people:
        first, _, last = person.name.partition(" ")
        emulator.add_owner(person.email, first, last)
    emulator.webhooks.apps[4242] = "app-secret"
    client = _hubspot(HUBSPOT_TOKEN, emulator.base_url)
    portal = Portal(client, "esc_")
    state = portal.observe()
    hook = Webhook(f"{receiver.base}/events", "signature", app_id=4242)
    compiled = compile_framework(framework, state.owners, Settings(webhook=hook))
    changes = plan_portal(compiled, state, allow_delete=False, force=False, enable=True)
    apply_portal(portal, compiled, state, changes, enable=True)
    return emulator, client


def _close(client: Any, ticket: str) -> None:
    update = SimplePublicObjectInput(properties={"hs_pipeline_stage": "4"})
    client.crm.tickets.basic_api.update(ticket, simple_public_object_input=update)


def test_closing_an_escalated_ticket_resolves_it_and_calls_the_notifier(
    framework: Framework, receiver: Receiver
) -> None:
    emulator, client = _deploy_frozen(framework, receiver)
    try:
        ticket = _escalate(client)
        assert emulator.ticket(ticket)["esc_status"] == "open"
        _close(client, ticket)
        values = emulator.ticket(ticket)
        assert (values["esc_status"], values["esc_resolved_at"]) == (
            "resolved",
            iso(emulator.now()),
        )
        escalated, resolved = receiver.requests
        assert _query(escalated["path"])["event"] == "escalated"
        assert urlsplit(resolved["path"]).path == "/events"
        assert _query(resolved["path"]) == {
            "trigger": values["esc_trigger"],
            "level": "1",
            "event": "resolved",
            "ticket": ticket,
            "escalated_at": values["esc_escalated_at"],
        }
        _close(client, ticket)  # closed again: no new enrollment, no second event
        assert len(receiver.requests) == 2
    finally:
        emulator.stop()


def test_an_acknowledged_escalation_resolves_and_an_unescalated_ticket_does_not(
    framework: Framework, receiver: Receiver
) -> None:
    emulator, client = _deploy_frozen(framework, receiver)
    try:
        ticket = _escalate(client)
        acked = SimplePublicObjectInput(properties={"esc_status": "acknowledged"})
        client.crm.tickets.basic_api.update(ticket, simple_public_object_input=acked)
        _close(client, ticket)
        assert emulator.ticket(ticket)["esc_status"] == "resolved"
        quiet = SimplePublicObjectInputForCreate(
            properties={"subject": "Password reset", "hs_pipeline_stage": "1"}
        )
        other = str(
            client.crm.tickets.basic_api.create(simple_public_object_input_for_create=quiet).id
        )
        _close(client, other)
        values = emulator.ticket(other)
        assert (values.get("esc_status"), values.get("esc_resolved_at")) == (None, None)
        assert [_query(r["path"])["ticket"] for r in receiver.requests] == [ticket, ticket]
    finally:
        emulator.stop()
