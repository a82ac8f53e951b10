"""The HubSpot emulator refuses what the published contract refuses: each bad body gets a 400
VALIDATION_ERROR naming the field (through `hubspot-api-client`), and a minimal valid body
per request kind is accepted."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.owners import ApiException as OwnersError
from hubspot.crm.properties import ApiException as PropertiesError
from hubspot.crm.tickets import ApiException as TicketsError
from hubspot.crm.tickets import PublicObjectSearchRequest

from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from tests.test_hubspot_emulator import error_body, flows, make_client

Body = dict[str, Any]
Mutation = Callable[[Body], None]


@pytest.fixture
def hub() -> Iterator[HubSpotEmulator]:
    with HubSpotEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(hub: HubSpotEmulator) -> HubSpot:
    return make_client(hub)


def operation(kind: str, operator: str, **value: Any) -> Body:
    return {"operationType": kind, "operator": operator, "includeObjectsWithNoValueSet": False,
            **value}  # fmt: skip


def prop_filter(name: str, op: Body) -> Body:
    return {"filterType": "PROPERTY", "property": name, "operation": op}


def or_and(*filters: Body) -> Body:
    child = {"filterBranchType": "AND", "filterBranchOperator": "AND", "filterBranches": [],
             "filters": list(filters)}  # fmt: skip
    return {"filterBranchType": "OR", "filterBranchOperator": "OR", "filters": [],
            "filterBranches": [child]}  # fmt: skip


def single(action_id: str, type_id: str, fields: Body, next_id: str | None = None) -> Body:
    action: Body = {"actionId": action_id, "type": "SINGLE_CONNECTION", "actionTypeId": type_id,
                    "actionTypeVersion": 0, "fields": fields}  # fmt: skip
    if next_id is not None:
        action["connection"] = {"edgeType": "STANDARD", "nextActionId": next_id}
    return action


DATE_POINT = {"timeType": "DATE", "year": 2026, "month": 1, "day": 2, "zoneId": "UTC"}


def valid_flow() -> Body:
    """A minimal ApiPlatformFlowCreateRequest that uses each checked filter kind once."""
    filters = [
        prop_filter("hs_ticket_priority", operation("ENUMERATION", "IS_ANY_OF", values=["HIGH"])),
        prop_filter("time_to_close", operation("NUMBER", "IS_GREATER_THAN", value=100000)),
        prop_filter("subject", operation("STRING", "IS_EQUAL_TO", value="Down")),
        prop_filter(
            "closed_date",
            operation("TIME_POINT", "IS_AFTER", type="TIME_POINT", timePoint=dict(DATE_POINT)),
        ),
        prop_filter("content", operation("ALL_PROPERTY", "IS_KNOWN")),
    ]
    return {
        "type": "PLATFORM_FLOW",
        "flowType": "WORKFLOW",
        "objectTypeId": "0-5",
        "name": "[esc] contract",
        "isEnabled": False,
        "startActionId": "1",
        "actions": [
            single("1", "0-1", {"delta": "60", "time_unit": "MINUTES"}, "2"),
            single(
                "2",
                "0-5",
                {
                    "property_name": "hs_ticket_priority",
                    "value": {"type": "STATIC_VALUE", "staticValue": "URGENT"},
                },
                "3",
            ),
            single(
                "3",
                "0-9",
                {"user_ids": ["1"], "delivery_method": "APP", "subject": "s", "body": "b"},
            ),
        ],
        "enrollmentCriteria": {
            "type": "LIST_BASED",
            "shouldReEnroll": False,
            "unEnrollObjectsNotMeetingCriteria": False,
            "reEnrollmentTriggersFilterBranches": [],
            "listFilterBranch": or_and(*filters),
        },
        "timeWindows": [],
        "blockedDates": [],
        "customProperties": {},
        "dataSources": [],
    }


def at(body: Body, *keys: str | int) -> Any:
    for key in keys:
        body = body[key]  # type: ignore[index]
    return body


F = ("enrollmentCriteria", "listFilterBranch", "filterBranches", 0, "filters")
OP = "enrollmentCriteria.listFilterBranch.filterBranches[0].filters"


def drop(*keys: str | int) -> Mutation:
    return lambda body: at(body, *keys[:-1]).pop(keys[-1])


def put(value: Any, *keys: str | int) -> Mutation:
    return lambda body: at(body, *keys[:-1]).__setitem__(keys[-1], value)


def add_action(action: Body) -> Mutation:
    return lambda body: body["actions"].append(action)


WEBHOOK = {"actionId": "4", "type": "WEBHOOK", "method": "POST", "webhookUrl": "https://x",
           "queryParams": []}  # fmt: skip

FLOW_CASES: list[tuple[Mutation, str]] = [
    (drop("dataSources"), "Some required fields were not set: [dataSources]"),
    (drop("timeWindows"), "Some required fields were not set: [timeWindows]"),
    (drop("customProperties"), "Some required fields were not set: [customProperties]"),
    (drop("actions"), "Some required fields were not set: [actions]"),
    (put("no", "isEnabled"),
     'isEnabled must be a boolean (ApiPlatformFlowCreateRequest.isEnabled), got "no"'),
    (put("3", "nextAvailableActionId"), 'Unrecognized field "nextAvailableActionId": '
     "ApiPlatformFlowCreateRequest has no field nextAvailableActionId"),
    (put("7", "id"), 'Unrecognized field "id": ApiPlatformFlowCreateRequest has no field id'),
    (put("1", "revisionId"), 'Unrecognized field "revisionId"'),
    (put("COMPLETE", "crmObjectCreationStatus"), 'Unrecognized field "crmObjectCreationStatus"'),
    (put("2026-01-01T00:00:00Z", "createdAt"), 'Unrecognized field "createdAt"'),
    (put("2026-01-01T00:00:00Z", "updatedAt"), 'Unrecognized field "updatedAt"'),
    (put([{"day": "MONDAY", "startTime": {"hour": "9", "minute": 0}}], "timeWindows"),
     'timeWindows[0].startTime.hour must be an integer (ApiTimeOfDay.hour), got "9"'),
    (put([{"dayOfMonth": 1, "month": "JAN"}], "blockedDates"),
     "blockedDates[0].month must be one of JANUARY"),
    (drop("enrollmentCriteria", "unEnrollObjectsNotMeetingCriteria"),
     "Some required fields were not set: [enrollmentCriteria.unEnrollObjectsNotMeetingCriteria]"),
    (put("false", "enrollmentCriteria", "shouldReEnroll"),
     "enrollmentCriteria.shouldReEnroll must be a boolean"),
    (drop("enrollmentCriteria", "listFilterBranch", "filterBranchOperator"),
     "not set: [enrollmentCriteria.listFilterBranch.filterBranchOperator]"),
    (drop(*F[:-1], "filterBranches"),
     "not set: [enrollmentCriteria.listFilterBranch.filterBranches[0].filterBranches]"),
    (put("100000", *F, 1, "operation", "value"),
     f'{OP}[1].operation.value must be a number (PublicNumberPropertyOperation.value), '
     'got "100000"'),
    (drop(*F, 1, "operation", "value"), f"not set: [{OP}[1].operation.value]"),
    (put(prop_filter("content", operation("BOOL", "IS_EQUAL_TO", value="true")), *F, 4),
     f'{OP}[4].operation.value must be a boolean (PublicBoolPropertyOperation.value), '
     'got "true"'),
    (put(7, *F, 2, "operation", "value"),
     f"{OP}[2].operation.value must be a string (PublicStringPropertyOperation.value), got 7"),
    (put(["HIGH", 3], *F, 0, "operation", "values"), f"{OP}[0].operation.values[1] must be a "
     "string (PublicEnumerationPropertyOperation.values[]), got 3"),
    (put("HIGH", *F, 0, "operation", "values"), f"{OP}[0].operation.values must be an array"),
    (drop(*F, 0, "operation", "includeObjectsWithNoValueSet"),
     f"not set: [{OP}[0].operation.includeObjectsWithNoValueSet]"),
    (drop(*F, 3, "operation", "type"), f"not set: [{OP}[3].operation.type]"),
    (put({"timeType": "DATE", "zoneId": "UTC", "date": "2026-01-02"}, *F, 3, "operation",
         "timePoint"),
     f"not set: [{OP}[3].operation.timePoint.year, {OP}[3].operation.timePoint.month, "
     f"{OP}[3].operation.timePoint.day]"),
    (put("1", *F, 3, "operation", "timePoint", "month"),
     f'{OP}[3].operation.timePoint.month must be an integer (PublicDatePoint.month), got "1"'),
    (drop(*F, 3, "operation", "timePoint", "zoneId"),
     f"not set: [{OP}[3].operation.timePoint.zoneId]"),
    (put("NOW", *F, 3, "operation", "timePoint", "timeType"),
     f"{OP}[3].operation.timePoint.timeType must be one of DATE, INDEXED, PROPERTY_REFERENCED"),
    (drop(*F, 4, "property"), f"not set: [{OP}[4].property]"),
    (put("0", "actions", 0, "actionTypeVersion"),
     'actions[0].actionTypeVersion must be an integer (ApiSingleConnectionAction.'
     'actionTypeVersion), got "0"'),
    (drop("actions", 0, "actionTypeId"), "not set: [actions[0].actionTypeId]"),
    (put({"edgeType": "JUMP", "nextActionId": "2"}, "actions", 0, "connection"),
     "actions[0].connection.edgeType must be one of GOTO, STANDARD"),
    (put({"edgeType": "STANDARD"}, "actions", 0, "connection"),
     "not set: [actions[0].connection.nextActionId]"),
    (put({"edgeType": "STANDARD", "nextActionId": "9"}, "actions", 0, "connection"),
     "action 1: nextActionId 9 does not name an action of this flow"),
    (put("9", "startActionId"), "startActionId 9 does not name an action of this flow"),
    (put("0-99999", "actions", 2, "actionTypeId"),
     "actions[2].actionTypeId 0-99999 is not an action type of this portal"),
    (put({}, "actions", 2, "fields"),
     "not set: [actions[2].fields.user_ids, actions[2].fields.delivery_method, "
     "actions[2].fields.subject, actions[2].fields.body]"),
    (put("1", "actions", 2, "fields", "channel"),
     "actions[2].fields.channel is not a field of action type 0-9"),
    (drop("actions", 0, "fields", "time_unit"), "not set: [actions[0].fields.time_unit]"),
    (put({"type": "STATIC_VALUE"}, "actions", 1, "fields", "value"),
     "not set: [actions[1].fields.value.staticValue]"),
    (put({"type": "TIMESTAMP"}, "actions", 1, "fields", "value"),
     "not set: [actions[1].fields.value.timestampType]"),
    (put({"type": "OBJECT_PROPERTY"}, "actions", 1, "fields", "value"),
     "not set: [actions[1].fields.value.propertyName]"),
    (put({"type": "GUESS"}, "actions", 1, "fields", "value"),
     "actions[1].fields.value.type must be one of STATIC_VALUE, OBJECT_PROPERTY"),
    (add_action({"actionId": "4", "type": "LIST_BRANCH"}),
     "not set: [actions[3].listBranches]"),
    (add_action({"actionId": "4", "type": "STATIC_BRANCH", "staticBranches": [{}],
                 "inputValue": {"type": "OBJECT_PROPERTY", "propertyName": "subject"}}),
     "not set: [actions[3].staticBranches[0].branchValue]"),
    (add_action({"actionId": "4", "type": "STATIC_BRANCH", "staticBranches": []}),
     "not set: [actions[3].inputValue]"),
    (add_action({"actionId": "4", "type": "CUSTOM_CODE", "runtime": "NODE20X",
                 "sourceCode": "x"}),
     "not set: [actions[3].inputFields, actions[3].outputFields, actions[3].secretNames]"),
    (add_action({k: v for k, v in WEBHOOK.items() if k != "queryParams"}),
     "not set: [actions[3].queryParams]"),
    (add_action({**WEBHOOK, "method": "SEND"}), "actions[3].method must be one of CONNECT"),
    (add_action({**WEBHOOK, "authSettings": {"type": "AUTH_KEY", "name": "k"}}),
     "not set: [actions[3].authSettings.location, actions[3].authSettings.secretName]"),
    (add_action({**WEBHOOK, "authSettings": {"type": "SIGNATURE", "appId": "12"}}),
     'actions[3].authSettings.appId must be an integer (ApiSignatureWebhookAuthSettings.appId)'),
    (add_action({**WEBHOOK, "authSettings": {"type": "OAUTH"}}),
     "actions[3].authSettings.type must be one of AUTH_KEY, SIGNATURE"),
    (add_action({**WEBHOOK, "queryParams": [{"name": "q"}]}),
     "not set: [actions[3].queryParams[0].value]"),
    (add_action({"actionId": "4", "type": "GOTO"}),
     "actions[3].type must be one of SINGLE_CONNECTION, LIST_BRANCH"),
]  # fmt: skip


def assert_refused(response: Any, message: str) -> Body:
    assert response.status_code == 400, response.text
    body = dict(response.json())
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    assert message in body["message"]
    assert body["correlationId"] and body["errors"]
    assert all(error["message"] and error["in"] and error["code"] for error in body["errors"])
    return body


def test_a_minimal_valid_flow_is_created_and_replaced(client: HubSpot) -> None:
    created = flows(client, "POST", body=valid_flow())
    assert created.status_code == 201, created.text
    flow = flows(client, "GET", f"/{created.json()['id']}").json()
    response_only = ("createdAt", "updatedAt", "crmObjectCreationStatus",
                     "nextAvailableActionId", "dataSources")  # fmt: skip
    body = {k: v for k, v in flow.items() if k not in response_only}
    replaced = flows(client, "PUT", f"/{flow['id']}", {**body, "name": "renamed"})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == "renamed"


@pytest.mark.parametrize(("mutate", "message"), FLOW_CASES)
def test_flow_create_refuses(client: HubSpot, mutate: Mutation, message: str) -> None:
    body = copy.deepcopy(valid_flow())
    mutate(body)
    assert_refused(flows(client, "POST", body=body), message)
    assert flows(client, "GET").json()["results"] == []


def test_refusals_carry_hubspot_error_details(client: HubSpot) -> None:
    body = valid_flow()
    del body["dataSources"]
    body["nextAvailableActionId"] = "4"
    refused = assert_refused(flows(client, "POST", body=body), "[dataSources]")
    assert refused["message"] == (
        "Some required fields were not set: [dataSources]; Unrecognized field "
        '"nextAvailableActionId": ApiPlatformFlowCreateRequest has no field '
        "nextAvailableActionId"
    )
    assert refused["errors"] == [
        {"message": "dataSources is required", "in": "dataSources", "code": "REQUIRED_FIELD",
         "context": {"schema": ["ApiPlatformFlowCreateRequest"]}},
        {"message": refused["message"].split("; ")[1], "in": "nextAvailableActionId",
         "code": "UNRECOGNIZED_FIELD", "context": {"schema": ["ApiPlatformFlowCreateRequest"]}},
    ]  # fmt: skip


def test_legacy_list_action_is_an_opaque_500(client: HubSpot) -> None:
    body = valid_flow()
    body["actions"][2] = single("3", "0-13", {"operation": "ADD", "list_id": "178"})
    response = flows(client, "POST", body=body)
    assert (response.status_code, response.json()["message"]) == (500, "internal error")


def test_integration_actions_are_known_once_installed(hub: HubSpotEmulator) -> None:
    client = make_client(hub)
    body = valid_flow()
    body["actions"][2] = single("3", "1-4242", {"channel": "#esc", "message": "m"})
    assert_refused(flows(client, "POST", body=body), "1-4242 is not an action type of this portal")
    hub.install_action("1-4242", ("channel", "message"), optional=("mention",))
    body["actions"][2]["fields"]["mention"] = "@here"
    assert flows(client, "POST", body=body).status_code == 201
    del body["actions"][2]["fields"]["message"]
    assert_refused(flows(client, "POST", body=body), "not set: [actions[2].fields.message]")


def ready_flow(client: HubSpot) -> Body:
    created = flows(client, "POST", body=valid_flow()).json()
    flows(client, "GET", f"/{created['id']}")
    return dict(flows(client, "GET", f"/{created['id']}").json())


PUT_REQUIRED = ("actions", "blockedDates", "customProperties", "isEnabled", "revisionId",
                "timeWindows")  # fmt: skip


@pytest.mark.parametrize("missing", PUT_REQUIRED)
def test_flow_put_requires_its_fields(client: HubSpot, missing: str) -> None:
    flow = ready_flow(client)
    keep = ("type", "name", "startActionId", "enrollmentCriteria", *PUT_REQUIRED)
    body = {k: v for k, v in flow.items() if k in keep and k != missing}
    assert_refused(flows(client, "PUT", f"/{flow['id']}", body),
                   f"Some required fields were not set: [{missing}]")  # fmt: skip


@pytest.mark.parametrize(
    "field", ["dataSources", "createdAt", "updatedAt", "crmObjectCreationStatus",
              "nextAvailableActionId"],
)  # fmt: skip
def test_flow_put_refuses_response_only_fields(client: HubSpot, field: str) -> None:
    flow = ready_flow(client)
    keep = ("id", "type", "flowType", "objectTypeId", "name", "startActionId",
            "enrollmentCriteria", *PUT_REQUIRED, field)  # fmt: skip
    body = {k: v for k, v in flow.items() if k in keep}
    assert_refused(flows(client, "PUT", f"/{flow['id']}", body),
                   f'Unrecognized field "{field}": ApiPlatformFlowPutRequest')  # fmt: skip


# -- properties and groups ----------------------------------------------------------------

OPTION = {"label": "High", "value": "high", "hidden": False, "displayOrder": 0}
PROPERTY = {"name": "esc_tier", "label": "Tier", "type": "enumeration", "fieldType": "select",
            "groupName": "ticketinformation", "options": [OPTION]}  # fmt: skip

PROPERTY_CASES: list[tuple[Body, str]] = [
    ({"name": None}, "Some required fields were not set: [name]"),
    ({"fieldType": None}, "Some required fields were not set: [fieldType]"),
    ({"displayOrder": "first"},
     'displayOrder must be an integer (PropertyCreate.displayOrder), got "first"'),
    ({"hidden": "false"}, 'hidden must be a boolean (PropertyCreate.hidden), got "false"'),
    ({"formField": 1}, "formField must be a boolean (PropertyCreate.formField), got 1"),
    ({"colour": "red"}, 'Unrecognized field "colour": PropertyCreate has no field colour'),
    ({"options": [{"label": "High", "value": "high"}]},
     "Some required fields were not set: [options[0].hidden]"),
    ({"options": [{**OPTION, "hidden": "no"}]},
     'options[0].hidden must be a boolean (OptionInput.hidden), got "no"'),
    ({"options": [{**OPTION, "displayOrder": "1"}]},
     'options[0].displayOrder must be an integer (OptionInput.displayOrder), got "1"'),
    ({"options": [{**OPTION, "colour": "red"}]}, 'Unrecognized field "options[0].colour"'),
    ({"type": "string", "fieldType": "select", "options": []}, "does not support fieldType"),
]  # fmt: skip


def test_valid_property_and_group_bodies_are_accepted(client: HubSpot) -> None:
    groups = client.crm.properties.groups_api
    group = groups.create("tickets", property_group_create={"name": "esc", "label": "Esc",
                                                             "displayOrder": 2})  # fmt: skip
    assert group.display_order == 2
    updated = groups.update("tickets", "esc", property_group_update={"displayOrder": -1})
    assert updated.display_order == -1
    api = client.crm.properties.core_api
    created = api.create("tickets", property_create={**PROPERTY, "displayOrder": 3})
    assert created.display_order == 3 and created.options[0].value == "high"
    changed = api.update("tickets", "esc_tier", property_update={"label": "T", "hidden": True})
    assert (changed.label, changed.hidden) == ("T", True)


@pytest.mark.parametrize(("changes", "message"), PROPERTY_CASES)
def test_property_create_refuses(client: HubSpot, changes: Body, message: str) -> None:
    body = {k: v for k, v in {**PROPERTY, **changes}.items() if v is not None}
    with pytest.raises(PropertiesError) as caught:
        client.crm.properties.core_api.create("tickets", property_create=body)
    assert caught.value.status == 400
    refused = error_body(caught.value)
    assert refused["category"] == "VALIDATION_ERROR" and message in refused["message"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda api: api.core_api.update("tickets", "esc_tier", property_update={"name": "x"}),
         'Unrecognized field "name": PropertyUpdate has no field name'),
        (lambda api: api.core_api.update("tickets", "esc_tier",
                                         property_update={"displayOrder": "first"}),
         'displayOrder must be an integer (PropertyUpdate.displayOrder), got "first"'),
        (lambda api: api.groups_api.create("tickets", property_group_create={"name": "g"}),
         "Some required fields were not set: [label]"),
        (lambda api: api.groups_api.create(
            "tickets", property_group_create={"name": "g", "label": "G", "displayOrder": "first"}),
         'displayOrder must be an integer (PropertyGroupCreate.displayOrder), got "first"'),
        (lambda api: api.groups_api.update("tickets", "esc",
                                           property_group_update={"displayOrder": "first"}),
         'displayOrder must be an integer (PropertyGroupUpdate.displayOrder), got "first"'),
        (lambda api: api.groups_api.update("tickets", "esc", property_group_update={"name": "x"}),
         'Unrecognized field "name": PropertyGroupUpdate has no field name'),
    ],
)  # fmt: skip
def test_property_update_and_group_bodies_refused(
    client: HubSpot, call: Callable[[Any], Any], message: str
) -> None:
    client.crm.properties.groups_api.create(
        "tickets", property_group_create={"name": "esc", "label": "E"}
    )
    client.crm.properties.core_api.create("tickets", property_create=PROPERTY)  # fmt: skip
    with pytest.raises(PropertiesError) as caught:
        call(client.crm.properties)
    assert caught.value.status == 400
    refused = error_body(caught.value)
    assert refused["category"] == "VALIDATION_ERROR" and message in refused["message"]
    assert refused["errors"][0]["in"] in message


# -- search, owners, batch read -----------------------------------------------------------


def eq(n: int) -> Body:
    return {"propertyName": "subject", "operator": "EQ", "value": f"s{n}"}


SEARCH_CASES: list[tuple[Body, str]] = [
    ({"limit": 0}, "limit must be between 1 and 200, got 0"),
    ({"limit": 201}, "limit must be between 1 and 200, got 201"),
    ({"after": "9999", "limit": 200},
     "after 9999 with limit 200 pages past the 10000-result limit"),
    ({"after": "9801", "limit": 200}, "after 9801 with limit 200 pages past"),
    ({"query": "x" * 3001}, "query must be at most 3000 characters"),
    ({"filterGroups": [{"filters": [eq(1)]}] * 6}, "Too many filter groups: 6 (at most 5)"),
    ({"filterGroups": [{"filters": [eq(n) for n in range(7)]}]},
     "Too many filters in a filter group: 7 (at most 6)"),
    ({"filterGroups": [{"filters": [eq(n) for n in range(6)]}] * 3 + [{"filters": [eq(1)]}]},
     "Too many filters: 19 (at most 18 in total)"),
    ({"filterGroups": [{"filters": [{"operator": "EQ", "value": "x"}]}]},
     "Some required fields were not set: [filterGroups[0].filters[0].propertyName]"),
    ({"filterGroups": [{"filters": [{"propertyName": "subject", "value": "x"}]}]},
     "Some required fields were not set: [filterGroups[0].filters[0].operator]"),
    ({"filterGroups": [{"filters": [{**eq(1), "operator": "LIKE"}]}]},
     "filterGroups[0].filters[0].operator must be one of BETWEEN"),
    ({"filterGroups": [{"filters": [{"propertyName": "subject", "operator": "EQ"}]}]},
     "filterGroups[0].filters[0]: operator EQ takes value"),
    ({"filterGroups": [{"filters": [{**eq(1), "operator": "BETWEEN"}]}]},
     "filterGroups[0].filters[0]: operator BETWEEN takes value and highValue"),
    ({"filterGroups": [{"filters": [{**eq(1), "operator": "IN"}]}]},
     "filterGroups[0].filters[0]: operator IN takes values"),
    ({"filterGroups": [{"filters": [{**eq(1), "operator": "HAS_PROPERTY"}]}]},
     "filterGroups[0].filters[0]: operator HAS_PROPERTY takes no value"),
    ({"filterGroups": [{"filters": [{**eq(1), "value": 5}]}]},
     "filterGroups[0].filters[0].value must be a string (Filter.value), got 5"),
]  # fmt: skip


def search_body(client: HubSpot, body: Body) -> Any:
    request = PublicObjectSearchRequest(
        filter_groups=body.get("filterGroups"), limit=body.get("limit"),
        after=body.get("after"), query=body.get("query"))  # fmt: skip
    return client.crm.tickets.search_api.do_search(public_object_search_request=request)


@pytest.mark.parametrize(("body", "message"), SEARCH_CASES)
def test_search_refuses(client: HubSpot, body: Body, message: str) -> None:
    with pytest.raises(TicketsError) as caught:
        search_body(client, body)
    assert caught.value.status == 400
    refused = error_body(caught.value)
    assert refused["category"] == "VALIDATION_ERROR" and message in refused["message"]


def test_search_pages_up_to_the_cap(client: HubSpot) -> None:
    assert search_body(client, {"after": "9800", "limit": 200}).results == []
    between = {"propertyName": "time_to_close", "operator": "BETWEEN", "value": "1",
               "highValue": "5"}  # fmt: skip
    found = search_body(client, {"filterGroups": [{"filters": [between]}] * 5, "limit": 200})
    assert found.total == 0


@pytest.mark.parametrize(
    ("limit", "message"), [(0, "limit must be between 1 and 500, got 0"),
                           (501, "limit must be between 1 and 500, got 501")],
)  # fmt: skip
def test_owners_limit(client: HubSpot, limit: int, message: str) -> None:
    assert client.crm.owners.owners_api.get_page(limit=500).results == []
    with pytest.raises(OwnersError) as caught:
        client.crm.owners.owners_api.get_page(limit=limit)
    assert caught.value.status == 400 and message in error_body(caught.value)["message"]


def test_owners_query_parameters_are_typed(client: HubSpot) -> None:
    response = client.api_request({"method": "GET", "path": "/crm/v3/owners",
                                   "qs": {"archived": "maybe"}})  # fmt: skip
    assert_refused(response, "archived must be a boolean")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Some required fields were not set: [inputs]"),
        ({"inputs": [{"flowId": "1"}]}, "Some required fields were not set: [inputs[0].type]"),
        ({"inputs": [{"type": "FLOW_ID"}]}, "not set: [inputs[0].flowId]"),
        ({"inputs": [{"type": "WORKFLOW_ID", "flowId": "1"}]},
         "inputs[0].type must be one of FLOW_ID"),
        ({"inputs": [{"type": "FLOW_ID", "flowId": 1}]},
         "inputs[0].flowId must be a string (ApiFlowBatchFetchFlowIdCoordinate.flowId), got 1"),
    ],
)  # fmt: skip
def test_flow_batch_read_refuses(client: HubSpot, body: Body, message: str) -> None:
    assert_refused(flows(client, "POST", "/batch/read", body), message)
