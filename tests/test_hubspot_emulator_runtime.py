"""The HubSpot emulator's workflow runtime: enrollment, set-property and notification actions,
delays moved past with `advance`, list branches, and filter semantics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.tickets import SimplePublicObjectInput

from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from escalations.sandbox.hubspot.filters import matches_branch, matches_filter
from tests.test_hubspot_emulator import create_ticket, enum_filter, flows, make_client, prop

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SLACK = "1-179507819"
"""An integration (app) action type id: portal specific, so the portal installs it."""


@pytest.fixture
def hub() -> Iterator[HubSpotEmulator]:
    with HubSpotEmulator(clock=lambda: START) as emulator:
        emulator.install_action(SLACK, ("channel", "message"))
        yield emulator


@pytest.fixture
def client(hub: HubSpotEmulator) -> HubSpot:
    client = make_client(hub)
    api = client.crm.properties.core_api
    levels = [{"label": x, "value": x, "hidden": False} for x in ("l1", "l2")]
    api.create("tickets", property_create=prop("esc_level", options=levels))
    yes_no = [{"label": x, "value": x, "hidden": False} for x in ("true", "false")]
    acknowledged = prop(
        "esc_acknowledged", type="bool", field_type="booleancheckbox", options=yes_no
    )
    api.create("tickets", property_create=acknowledged)
    for name in ("esc_escalated_at", "esc_due"):
        api.create(
            "tickets", property_create=prop(name, type="datetime", field_type="date", options=[])
        )
    api.create(
        "tickets", property_create=prop("esc_note", type="string", field_type="text", options=[])
    )
    return client


def branch(*ands: list[dict[str, Any]]) -> dict[str, Any]:
    """An OR root whose AND children hold the given filter lists."""
    children = [
        {
            "filterBranchType": "AND",
            "filterBranchOperator": "AND",
            "filterBranches": [],
            "filters": f,
        }
        for f in ands
    ]
    return {
        "filterBranchType": "OR",
        "filterBranchOperator": "OR",
        "filters": [],
        "filterBranches": children,
    }


def known(name: str, operator: str = "IS_KNOWN") -> dict[str, Any]:
    return {
        "filterType": "PROPERTY",
        "property": name,
        "operation": {
            "operationType": "ALL_PROPERTY",
            "operator": operator,
            "includeObjectsWithNoValueSet": operator == "IS_UNKNOWN",
        },
    }


def flag(name: str, value: bool) -> dict[str, Any]:
    return {
        "filterType": "PROPERTY",
        "property": name,
        "operation": {
            "operationType": "BOOL",
            "operator": "IS_EQUAL_TO",
            "value": value,
            "includeObjectsWithNoValueSet": False,
        },
    }


def action(
    action_id: str, type_id: str, fields: dict[str, Any], next_id: str | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "actionId": action_id,
        "type": "SINGLE_CONNECTION",
        "actionTypeId": type_id,
        "actionTypeVersion": 0,
        "fields": fields,
    }
    if next_id is not None:
        result["connection"] = {"edgeType": "STANDARD", "nextActionId": next_id}
    return result


def set_value(name: str, value: str) -> dict[str, Any]:
    return {"property_name": name, "value": {"type": "STATIC_VALUE", "staticValue": value}}


def escalation_flow(enabled: bool = True, **criteria: Any) -> dict[str, Any]:
    """URGENT tickets: level l1, stamp, in-app note, wait an hour, then if still not
    acknowledged: level l2 and a Slack message."""
    not_acknowledged = branch(
        [known("esc_acknowledged", "IS_UNKNOWN")], [flag("esc_acknowledged", False)]
    )
    return {
        "type": "PLATFORM_FLOW",
        "flowType": "WORKFLOW",
        "objectTypeId": "0-5",
        "name": "[esc] urgent",
        "isEnabled": enabled,
        "startActionId": "1",
        "timeWindows": [],
        "blockedDates": [],
        "customProperties": {},
        "dataSources": [],
        "enrollmentCriteria": {
            "type": "LIST_BASED",
            "shouldReEnroll": False,
            "unEnrollObjectsNotMeetingCriteria": False,
            "reEnrollmentTriggersFilterBranches": [],
            "listFilterBranch": branch([enum_filter("hs_ticket_priority", "IS_ANY_OF", "URGENT")]),
            **criteria,
        },
        "actions": [
            action("1", "0-5", set_value("esc_level", "l1"), "2"),
            action(
                "2",
                "0-5",
                {
                    "property_name": "esc_escalated_at",
                    "value": {"type": "TIMESTAMP", "timestampType": "EXECUTION_TIME"},
                },
                "3",
            ),
            action(
                "3",
                "0-9",
                {"user_ids": ["7"], "delivery_method": "APP", "subject": "Urgent", "body": "b"},
                "4",
            ),
            action("4", "0-1", {"delta": "60", "time_unit": "MINUTES"}, "5"),
            {
                "actionId": "5",
                "type": "LIST_BRANCH",
                "defaultBranchName": "Acknowledged",
                "listBranches": [
                    {
                        "branchName": "Still not acknowledged",
                        "filterBranch": not_acknowledged,
                        "connection": {"edgeType": "STANDARD", "nextActionId": "6"},
                    }
                ],
            },
            action("6", "0-5", set_value("esc_level", "l2"), "7"),
            action("7", SLACK, {"channel": "#escalations", "message": "Level 2"}),
        ],
    }


def update(client: HubSpot, ticket_id: str, **properties: Any) -> None:
    request = SimplePublicObjectInput(properties=properties)
    client.crm.tickets.basic_api.update(ticket_id, simple_public_object_input=request)


def test_escalation_moves_on_after_the_delay(hub: HubSpotEmulator, client: HubSpot) -> None:
    flow = flows(client, "POST", body=escalation_flow()).json()
    ticket = create_ticket(client, subject="Down", hs_ticket_priority="URGENT").id
    values = hub.ticket(ticket)
    assert values["esc_level"] == "l1"
    assert values["esc_escalated_at"] == "2026-01-05T09:00:00.000Z"
    assert [(n["flowId"], n["actionId"], n["ticketId"]) for n in hub.notifications] == [
        (flow["id"], "3", ticket)
    ]
    hub.advance(timedelta(minutes=59))
    assert hub.ticket(ticket)["esc_level"] == "l1"
    hub.advance(timedelta(minutes=2))
    assert hub.ticket(ticket)["esc_level"] == "l2"
    slack = hub.notifications[-1]
    assert (slack["actionId"], slack["fields"]["channel"]) == ("7", "#escalations")
    assert slack["at"] == "2026-01-05T10:00:00.000Z"  # the run resumed when the delay ended
    assert hub.now() == START + timedelta(minutes=61)


def test_acknowledging_stops_the_move_on(hub: HubSpotEmulator, client: HubSpot) -> None:
    flows(client, "POST", body=escalation_flow())
    ticket = create_ticket(client, subject="Down", hs_ticket_priority="URGENT").id
    hub.advance(timedelta(minutes=30))
    update(client, ticket, esc_acknowledged="true")
    hub.advance(timedelta(hours=2))
    assert hub.ticket(ticket)["esc_level"] == "l1"
    assert [n["actionId"] for n in hub.notifications] == ["3"]


def test_enrolls_once_only_when_newly_meeting(hub: HubSpotEmulator, client: HubSpot) -> None:
    early = create_ticket(client, subject="before", hs_ticket_priority="URGENT").id
    flows(client, "POST", body=escalation_flow())
    update(client, early, subject="unrelated change")  # already met: not newly meeting
    assert hub.ticket(early).get("esc_level") is None
    ticket = create_ticket(client, subject="low", hs_ticket_priority="LOW").id
    assert hub.ticket(ticket).get("esc_level") is None
    update(client, ticket, hs_ticket_priority="URGENT")
    assert hub.ticket(ticket)["esc_level"] == "l1"
    update(client, ticket, hs_ticket_priority="LOW")
    update(client, ticket, hs_ticket_priority="URGENT")
    assert len(hub.notifications) == 1  # no re-enrollment


def test_disabled_and_deleted_flows_do_not_run(hub: HubSpotEmulator, client: HubSpot) -> None:
    disabled = flows(client, "POST", body=escalation_flow(enabled=False)).json()
    ticket = create_ticket(client, hs_ticket_priority="URGENT").id
    assert hub.ticket(ticket).get("esc_level") is None
    enabled = flows(client, "POST", body=escalation_flow()).json()
    other = create_ticket(client, hs_ticket_priority="URGENT").id
    flows(client, "DELETE", f"/{enabled['id']}")
    hub.advance(timedelta(hours=2))
    assert hub.ticket(other)["esc_level"] == "l1"
    assert disabled["isEnabled"] is False


def test_unenroll_when_no_longer_meeting(hub: HubSpotEmulator, client: HubSpot) -> None:
    flows(client, "POST", body=escalation_flow(unEnrollObjectsNotMeetingCriteria=True))
    ticket = create_ticket(client, hs_ticket_priority="URGENT").id
    update(client, ticket, hs_ticket_priority="HIGH")
    hub.advance(timedelta(hours=2))
    assert hub.ticket(ticket)["esc_level"] == "l1"


def test_delay_until_a_date_property_and_cascading_flows(
    hub: HubSpotEmulator, client: HubSpot
) -> None:
    due_flow = {
        **escalation_flow(),
        "name": "due",
        "enrollmentCriteria": {
            **escalation_flow()["enrollmentCriteria"],
            "listFilterBranch": branch([known("esc_due")]),
        },
        "actions": [
            action(
                "1",
                "0-35",
                {
                    "date": {"type": "OBJECT_PROPERTY", "propertyName": "esc_due"},
                    "delta": "0",
                    "time_unit": "MINUTES",
                },
                "2",
            ),
            action("2", "0-5", set_value("hs_ticket_priority", "URGENT")),
        ],
    }
    flows(client, "POST", body=due_flow)
    flows(client, "POST", body=escalation_flow())
    due = (START + timedelta(hours=3)).isoformat()
    ticket = create_ticket(client, hs_ticket_priority="LOW", esc_due=due).id
    hub.advance(timedelta(hours=2, minutes=59))
    assert hub.ticket(ticket)["hs_ticket_priority"] == "LOW"
    hub.advance(timedelta(minutes=1))
    values = hub.ticket(ticket)
    assert (values["hs_ticket_priority"], values["esc_level"]) == ("URGENT", "l1")
    hub.advance(timedelta(hours=1))
    assert hub.ticket(ticket)["esc_level"] == "l2"


def _op(operation_type: str, operator: str, **fields: Any) -> dict[str, Any]:
    return {
        "filterType": "PROPERTY",
        "property": "p",
        "operation": {"operationType": operation_type, "operator": operator, **fields},
    }


@pytest.mark.parametrize(
    ("item", "value", "expected"),
    [
        (_op("ENUMERATION", "IS_ANY_OF", values=["HIGH", "URGENT"]), "URGENT", True),
        (_op("ENUMERATION", "IS_ANY_OF", values=["HIGH"]), "low;high", True),
        (_op("ENUMERATION", "IS_NONE_OF", values=["HIGH"]), "LOW", True),
        (_op("ENUMERATION", "IS_NONE_OF", values=["HIGH"]), None, False),
        (
            _op("ENUMERATION", "IS_NONE_OF", values=["HIGH"], includeObjectsWithNoValueSet=True),
            None,
            True,
        ),
        (_op("STRING", "IS_EQUAL_TO", value="Billing"), "billing", True),
        (_op("STRING", "IS_NOT_EQUAL_TO", value="Billing"), "Refund", True),
        (_op("STRING", "CONTAINS", value="bill"), "Re: Billing", True),
        (_op("STRING", "STARTS_WITH", value="re:"), "Re: Billing", True),
        (_op("MULTISTRING", "CONTAINS", values=["outage", "DOWN"]), "Site is down", True),
        (_op("MULTISTRING", "CONTAINS", values=["outage"]), "Site is down", False),
        (_op("MULTISTRING", "DOES_NOT_CONTAIN", values=["outage"]), "Site is down", True),
        (_op("NUMBER", "IS_GREATER_THAN", value=3600000), "3600001", True),
        (_op("NUMBER", "IS_LESS_THAN_OR_EQUAL_TO", value="10"), "10", True),
        (_op("NUMBER_RANGED", "IS_BETWEEN", lowerBound=1, upperBound=5), "6", False),
        (_op("BOOL", "IS_EQUAL_TO", value=True), "true", True),
        (_op("BOOL", "IS_NOT_EQUAL_TO", value="true"), "false", True),
        (_op("ALL_PROPERTY", "IS_KNOWN"), "", False),
        (_op("ALL_PROPERTY", "IS_UNKNOWN"), None, True),
        (
            _op(
                "TIME_POINT",
                "IS_AFTER",
                timePoint={"timeType": "DATE", "year": 2026, "month": 1, "day": 1},
            ),
            "2026-01-02T00:00:00Z",
            True,
        ),
    ],
)
def test_filter_semantics(item: dict[str, Any], value: str | None, expected: bool) -> None:
    assert matches_filter(item, {"p": value}) is expected


def test_branch_semantics() -> None:
    yes = _op("ALL_PROPERTY", "IS_KNOWN")
    no = _op("ALL_PROPERTY", "IS_UNKNOWN")
    values = {"p": "x"}
    assert matches_branch(branch([yes], [no]), values)
    assert not matches_branch(branch([yes, no]), values)
    assert not matches_branch(branch(), values)
    nots = {"filterBranchType": "NOT_ANY", "filters": [no], "filterBranches": []}
    assert matches_branch(nots, values)
