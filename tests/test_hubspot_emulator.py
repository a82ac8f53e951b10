"""The HubSpot emulator through the real `hubspot-api-client`: properties, groups, owners,
pipelines, flows, tickets and search, limits, errors, injected faults and persistence."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.properties import ApiException as PropertiesError
from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate, PropertyUpdate
from hubspot.crm.tickets import PublicObjectSearchRequest, SimplePublicObjectInputForCreate

from escalations.sandbox.hubspot.emulator import HubSpotEmulator


def make_client(hub: HubSpotEmulator, token: str | None = None) -> HubSpot:
    """Every generated client (`host`) and `api_request` (`base_url`) at the emulator."""
    return HubSpot(access_token=token or hub.token, host=hub.base_url, base_url=hub.base_url)


@pytest.fixture
def hub() -> Iterator[HubSpotEmulator]:
    with HubSpotEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(hub: HubSpotEmulator) -> HubSpot:
    return make_client(hub)


def error_body(error: Exception) -> dict[str, Any]:
    body = json.loads(error.body)  # type: ignore[attr-defined]
    assert body["status"] == "error"
    assert body["correlationId"]
    return dict(body)


def prop(name: str = "esc_tier", **overrides: Any) -> PropertyCreate:
    fields: dict[str, Any] = {
        "name": name,
        "label": "Escalation tier",
        "type": "enumeration",
        "field_type": "select",
        "group_name": "ticketinformation",
        "options": [
            {"label": "Tier 1", "value": "tier_1", "hidden": False},
            {"label": "Tier 2", "value": "tier_2", "hidden": False},
        ],
    }
    fields.update(overrides)
    return PropertyCreate(**fields)


def flow_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "PLATFORM_FLOW",
        "flowType": "WORKFLOW",
        "objectTypeId": "0-5",
        "name": "[esc] urgent",
        "isEnabled": False,
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
            "listFilterBranch": or_and(enum_filter("hs_ticket_priority", "IS_ANY_OF", "URGENT")),
        },
        "actions": [
            {
                "actionId": "1",
                "type": "SINGLE_CONNECTION",
                "actionTypeId": "0-1",
                "actionTypeVersion": 0,
                "fields": {"delta": "60", "time_unit": "MINUTES"},
                "connection": {"edgeType": "STANDARD", "nextActionId": "2"},
            },
            {
                "actionId": "2",
                "type": "SINGLE_CONNECTION",
                "actionTypeId": "0-9",
                "actionTypeVersion": 0,
                "fields": {
                    "user_ids": ["1"],
                    "delivery_method": "APP",
                    "subject": "s",
                    "body": "b",
                },
            },
        ],
    }
    body.update(overrides)
    return body


RESPONSE_ONLY = (
    "createdAt",
    "updatedAt",
    "crmObjectCreationStatus",
    "nextAvailableActionId",
    "dataSources",
)


def put_body(flow: dict[str, Any]) -> dict[str, Any]:
    """A GET answer made a PUT body the way reference §3.5 says: strip the response-only keys."""
    return {k: v for k, v in flow.items() if k not in RESPONSE_ONLY}


def enum_filter(name: str, operator: str, *values: str) -> dict[str, Any]:
    return {
        "filterType": "PROPERTY",
        "property": name,
        "operation": {
            "operationType": "ENUMERATION",
            "operator": operator,
            "values": list(values),
            "includeObjectsWithNoValueSet": False,
        },
    }


def or_and(*filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "filterBranchType": "OR",
        "filterBranchOperator": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranchOperator": "AND",
                "filterBranches": [],
                "filters": list(filters),
            }
        ],
    }


def flows(client: HubSpot, method: str, path: str = "", body: Any = None, **qs: Any) -> Any:
    options: dict[str, Any] = {"method": method, "path": f"/automation/v4/flows{path}"}
    if body is not None:
        options["body"] = body
    if qs:
        options["qs"] = qs
    return client.api_request(options)


def create_ticket(client: HubSpot, **properties: Any) -> Any:
    request = SimplePublicObjectInputForCreate(properties=properties)
    return client.crm.tickets.basic_api.create(simple_public_object_input_for_create=request)


def search(client: HubSpot, **fields: Any) -> Any:
    request = PublicObjectSearchRequest(**fields)
    return client.crm.tickets.search_api.do_search(public_object_search_request=request)


# -- auth and schema ----------------------------------------------------------------------


def test_wrong_or_missing_token_is_401(hub: HubSpotEmulator) -> None:
    with pytest.raises(PropertiesError) as caught:
        make_client(hub, "wrong").crm.properties.core_api.get_all("tickets")
    assert caught.value.status == 401
    assert error_body(caught.value)["category"] == "INVALID_AUTHENTICATION"
    response = HubSpot(base_url=hub.base_url).api_request(
        {"method": "GET", "path": "/automation/v4/flows"}
    )
    assert response.status_code == 401


def test_seeded_ticket_properties_are_hubspot_defined(client: HubSpot) -> None:
    results = client.crm.properties.core_api.get_all("tickets").results
    by_name = {p.name: p for p in results}
    for name in ("subject", "hs_pipeline_stage", "hubspot_owner_id", "time_to_close"):
        assert by_name[name].hubspot_defined is True
        assert by_name[name].modification_metadata.read_only_definition is True
        assert by_name[name].group_name == "ticketinformation"
    priorities = [o.value for o in by_name["hs_ticket_priority"].options]
    assert priorities == ["LOW", "MEDIUM", "HIGH", "URGENT"]
    assert client.crm.properties.core_api.get_by_name("0-5", "subject").label == "Ticket name"
    groups = client.crm.properties.groups_api.get_all("tickets").results
    assert [g.name for g in groups] == ["ticketinformation"]


def test_property_crud_and_archive(client: HubSpot) -> None:
    api = client.crm.properties.core_api
    created = api.create("tickets", property_create=prop())
    assert created.name == "esc_tier" and created.hubspot_defined is False
    assert [o.value for o in created.options] == ["tier_1", "tier_2"]
    updated = api.update("tickets", "esc_tier", property_update=PropertyUpdate(label="Tier"))
    assert updated.label == "Tier" and updated.options[1].label == "Tier 2"
    assert updated.updated_at >= created.updated_at
    api.archive("tickets", "esc_tier")
    with pytest.raises(PropertiesError) as caught:
        api.get_by_name("tickets", "esc_tier")
    assert caught.value.status == 404
    assert error_body(caught.value)["category"] == "OBJECT_NOT_FOUND"
    archived = api.get_all("tickets", archived=True).results
    assert [p.name for p in archived] == ["esc_tier"] and archived[0].archived is True
    assert api.get_by_name("tickets", "esc_tier", archived=True).archived is True
    assert api.create("tickets", property_create=prop(label="Again")).label == "Again"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"label": None}, "[label]"),
        ({"group_name": None}, "[groupName]"),
        ({"name": "Esc-Tier"}, "invalid"),
        ({"name": "1tier"}, "invalid"),
        ({"name": "a" * 101}, "invalid"),
        ({"type": "string", "field_type": "select"}, "does not support fieldType"),
        ({"type": "number", "field_type": "text"}, "does not support fieldType"),
        ({"type": "color"}, "Invalid property type"),
        ({"group_name": "nosuchgroup"}, "does not exist"),
        ({"options": [{"label": "x", "hidden": False}]}, "not set: [options[0].value]"),
        (
            {
                "options": [
                    {"label": f"o{i}", "value": f"v{i}", "hidden": False} for i in range(5001)
                ]
            },
            "at most 5000",
        ),
    ],
)
def test_property_create_validation(
    client: HubSpot, overrides: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(PropertiesError) as caught:
        client.crm.properties.core_api.create("tickets", property_create=prop(**overrides))
    assert caught.value.status == 400
    body = error_body(caught.value)
    assert body["category"] == "VALIDATION_ERROR"
    assert fragment in body["message"]


def test_property_rules_duplicates_hubspot_defined_and_object_type(client: HubSpot) -> None:
    api = client.crm.properties.core_api
    api.create("tickets", property_create=prop())
    with pytest.raises(PropertiesError) as caught:
        api.create("0-5", property_create=prop())
    assert caught.value.status == 409
    assert error_body(caught.value)["category"] == "OBJECT_ALREADY_EXISTS"
    for call in (
        lambda: api.update(
            "tickets", "hs_ticket_priority", property_update=PropertyUpdate(label="P")
        ),
        lambda: api.archive("tickets", "subject"),
    ):
        with pytest.raises(PropertiesError) as caught:
            call()
        assert caught.value.status == 400
    with pytest.raises(PropertiesError) as caught:
        api.get_all("widgets")
    assert caught.value.status == 400
    three = [{"label": "Low", "value": "low", "hidden": False}]
    with pytest.raises(PropertiesError):
        api.update("tickets", "esc_tier", property_update=PropertyUpdate(field_type="text"))
    assert api.update("tickets", "esc_tier", property_update=PropertyUpdate(options=three)).options[
        0
    ].value == ("low")


def test_groups_crud_and_archive_rule(client: HubSpot) -> None:
    groups = client.crm.properties.groups_api
    created = groups.create(
        "tickets", property_group_create=PropertyGroupCreate(name="esc", label="Esc")
    )
    assert (created.name, created.label) == ("esc", "Esc")
    with pytest.raises(PropertiesError) as caught:
        groups.create("tickets", property_group_create=PropertyGroupCreate(name="esc", label="E"))
    assert caught.value.status == 409
    assert groups.update("tickets", "esc", property_group_update={"label": "Escalation"}).label == (
        "Escalation"
    )
    client.crm.properties.core_api.create("tickets", property_create=prop(group_name="esc"))
    with pytest.raises(PropertiesError) as caught:
        groups.archive("tickets", "esc")
    assert caught.value.status == 400 and "active properties" in error_body(caught.value)["message"]
    client.crm.properties.core_api.archive("tickets", "esc_tier")
    groups.archive("tickets", "esc")
    with pytest.raises(PropertiesError) as caught:
        groups.get_by_name("tickets", "esc")
    assert caught.value.status == 404


def test_human_edit_property_bumps_updated_at(hub: HubSpotEmulator, client: HubSpot) -> None:
    api = client.crm.properties.core_api
    before = api.create("tickets", property_create=prop())
    time.sleep(0.002)
    hub.human_edit_property("esc_tier", label="Edited in UI")
    after = api.get_by_name("tickets", "esc_tier")
    assert after.label == "Edited in UI" and after.updated_at > before.updated_at


# -- owners and pipelines -----------------------------------------------------------------


def test_owners_paging_and_email_filter(hub: HubSpotEmulator, client: HubSpot) -> None:
    for number in range(7):
        hub.add_owner(f"agent{number}@example.com", "Agent", str(number))
    special = hub.add_owner("lead@example.com", "Lea", "Lead", owner_id="555", user_id=42)
    api = client.crm.owners.owners_api
    page = api.get_page(limit=3)
    assert len(page.results) == 3 and page.paging.next.after == "3"
    assert len(client.crm.owners.get_all()) == 8
    found = api.get_page(email="LEAD@example.com").results
    assert [o.id for o in found] == ["555"] and found[0].user_id == 42
    owner = api.get_by_id("555")
    assert (owner.first_name, owner.type, owner.archived, owner.teams) == (
        "Lea",
        "PERSON",
        False,
        [],
    )
    assert special["userIdIncludingInactive"] == 42
    with pytest.raises(Exception) as caught:
        api.get_page(limit=501)
    assert caught.value.status == 400  # type: ignore[attr-defined]
    with pytest.raises(Exception) as caught:
        api.get_by_id("999")
    assert caught.value.status == 404  # type: ignore[attr-defined]


def test_default_ticket_pipeline(client: HubSpot) -> None:
    (pipeline,) = client.crm.pipelines.pipelines_api.get_all("tickets").results
    assert pipeline.id == "0"
    stages = [(s.id, s.label, s.metadata["ticketState"]) for s in pipeline.stages]
    assert stages == [
        ("1", "New", "OPEN"),
        ("2", "Waiting on contact", "OPEN"),
        ("3", "Waiting on us", "OPEN"),
        ("4", "Closed", "CLOSED"),
    ]
    assert client.crm.pipelines.pipelines_api.get_by_id("tickets", "0").label == "Support Pipeline"


# -- flows --------------------------------------------------------------------------------


def test_flow_create_get_put_delete(client: HubSpot) -> None:
    response = flows(client, "POST", body=flow_body())
    assert response.status_code == 201
    created = response.json()
    assert created["revisionId"] == "1" and created["crmObjectCreationStatus"] == "PENDING"
    assert created["nextAvailableActionId"] == "3"
    for key, default in (("timeWindows", []), ("blockedDates", []), ("customProperties", {})):
        assert created[key] == default
    assert created["dataSources"] == [] and created["uuid"]
    flow_id = created["id"]
    first = flows(client, "GET", f"/{flow_id}").json()
    assert first["crmObjectCreationStatus"] == "PENDING"
    current = flows(client, "GET", f"/{flow_id}").json()
    assert current["crmObjectCreationStatus"] == "COMPLETE"
    put = flows(client, "PUT", f"/{flow_id}", {**put_body(current), "name": "renamed"})
    assert put.status_code == 200
    assert (put.json()["revisionId"], put.json()["name"]) == ("2", "renamed")
    stale = flows(client, "PUT", f"/{flow_id}", {**put_body(current), "name": "stale"})
    assert stale.status_code == 409 and "current revisionId is 2" in stale.json()["message"]
    untyped = {k: v for k, v in put_body(put.json()).items() if k != "type"}
    missing = flows(client, "PUT", f"/{flow_id}", untyped)
    assert missing.status_code == 400
    assert missing.json()["message"] == "Some required fields were not set: [type]"
    listing = flows(client, "GET").json()["results"]
    assert [(f["id"], f["revisionId"], f["name"]) for f in listing] == [(flow_id, "2", "renamed")]
    batch = flows(
        client, "POST", "/batch/read", {"inputs": [{"type": "FLOW_ID", "flowId": flow_id}]}
    )
    assert batch.status_code == 200 and batch.json()["results"][0]["id"] == flow_id
    partial = flows(
        client,
        "POST",
        "/batch/read",
        {"inputs": [{"type": "FLOW_ID", "flowId": flow_id}, {"type": "FLOW_ID", "flowId": "9"}]},
    )
    assert partial.status_code == 207 and partial.json()["numErrors"] == 1
    deleted = flows(client, "DELETE", f"/{flow_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert flows(client, "GET", f"/{flow_id}").status_code == 404


def test_flow_put_while_pending_and_full_replace(client: HubSpot) -> None:
    created = flows(client, "POST", body=flow_body()).json()
    pending = flows(client, "PUT", f"/{created['id']}", put_body(created))
    assert pending.status_code == 400 and "PENDING" in pending.json()["message"]
    flows(client, "GET", f"/{created['id']}")
    bare = {
        "type": "PLATFORM_FLOW",
        "revisionId": "1",
        "name": "bare",
        "isEnabled": False,
        "actions": [],
        "timeWindows": [],
        "blockedDates": [],
        "customProperties": {},
    }
    replaced = flows(client, "PUT", f"/{created['id']}", bare).json()
    assert replaced["actions"] == [] and "enrollmentCriteria" not in replaced


def test_human_edit_flow_bumps_revision(hub: HubSpotEmulator, client: HubSpot) -> None:
    created = flows(client, "POST", body=flow_body()).json()
    hub.human_edit_flow(created["id"], name="Edited in UI")
    current = flows(client, "GET", f"/{created['id']}").json()
    assert (current["revisionId"], current["name"]) == ("2", "Edited in UI")
    assert (
        flows(
            client, "PUT", f"/{created['id']}", {**put_body(created), "revisionId": "1"}
        ).status_code
        == 409
    )


def test_flow_list_paging(client: HubSpot) -> None:
    ids = [flows(client, "POST", body=flow_body(name=f"f{i}")).json()["id"] for i in range(5)]
    first = flows(client, "GET", limit=2).json()
    assert [f["id"] for f in first["results"]] == ids[:2]
    rest = flows(client, "GET", after=first["paging"]["next"]["after"], limit=10).json()
    assert [f["id"] for f in rest["results"]] == ids[2:] and "paging" not in rest


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def _action(body: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    actions = [dict(a) for a in body["actions"]]
    actions[index].update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del actions[index][key]
    return {**body, "actions": actions}


def _filter(body: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    criteria = {**body["enrollmentCriteria"], "listFilterBranch": or_and(item)}
    return {**body, "enrollmentCriteria": criteria}


BASE = flow_body()
LIST_BRANCH = {
    "actionId": "3",
    "type": "LIST_BRANCH",
    "listBranches": [
        {
            "branchName": "urgent",
            "filterBranch": or_and(enum_filter("hs_ticket_priority", "IS_ANY_OF", "URGENT")),
            "connection": {"edgeType": "STANDARD", "nextActionId": "2"},
        }
    ],
}


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (_without(BASE, "type"), 400, "Some required fields were not set: [type]"),
        (_without(BASE, "flowType"), 400, "Some required fields were not set: [flowType]"),
        ({**BASE, "objectTypeId": "0-1"}, 400, 'Expected an object type other than "0-1"'),
        ({**BASE, "type": "CONTACT_FLOW"}, 400, "CONTACT_FLOW"),
        (_without(BASE, "isEnabled"), 400, "[isEnabled]"),
        ({**BASE, "startActionId": "9"}, 400, "startActionId"),
        (_action(BASE, 1, actionId="1"), 400, "Duplicate actionId"),
        (
            _action(BASE, 0, connection={"edgeType": "STANDARD", "nextActionId": "7"}),
            400,
            "nextActionId 7",
        ),
        (_action(BASE, 1, fields=None), 400, "not set: [actions[1].fields]"),
        (_action(BASE, 1, actionTypeId="0-13"), 500, "internal error"),
        (
            _action(BASE, 1, actionTypeId="0-5", fields={"property": "x", "value": {}}),
            500,
            "internal error",
        ),
        ({**BASE, "actions": [*BASE["actions"], {**LIST_BRANCH, "defaultBranch": {}}]}, 500, ""),
        (
            {**BASE, "actions": [*BASE["actions"], _without(LIST_BRANCH, "listBranches")]},
            400,
            "listBranches",
        ),
        (
            _filter(BASE, enum_filter("hs_ticket_priority", "IS_NOT_EQUAL_TO", "LOW")),
            400,
            "operator IS_NOT_EQUAL_TO is not valid for operationType ENUMERATION",
        ),
        (_filter(BASE, enum_filter("no_such_prop", "IS_ANY_OF", "x")), 400, "does not exist"),
        (
            {
                **BASE,
                "enrollmentCriteria": _without(BASE["enrollmentCriteria"], "shouldReEnroll"),
            },
            400,
            "not set: [enrollmentCriteria.shouldReEnroll]",
        ),
        (
            {
                **BASE,
                "enrollmentCriteria": {
                    **BASE["enrollmentCriteria"],
                    "listFilterBranch": or_and()["filterBranches"][0],
                },
            },
            400,
            "must be an OR branch",
        ),
    ],
)
def test_flow_create_validation(
    client: HubSpot, body: dict[str, Any], status: int, fragment: str
) -> None:
    response = flows(client, "POST", body=body)
    assert response.status_code == status
    assert fragment in response.json()["message"]
    assert flows(client, "GET").json()["results"] == []


def test_list_branch_without_default_is_accepted(client: HubSpot) -> None:
    body = {**BASE, "actions": [*BASE["actions"], LIST_BRANCH]}
    assert flows(client, "POST", body=body).status_code == 201
