"""Every request the tool sends to HubSpot against our JSON Schemas of HubSpot's specs."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from escalations.criteria.conditions import Leaf
from escalations.model.framework import Field, Framework
from escalations.publish.hubspot.compile import Compiled, Owner, Settings, compile_framework
from escalations.publish.hubspot.filters import leaf_filter
from escalations.publish.hubspot.target import Portal, apply_portal, plan_portal
from escalations.publish.targets import _hubspot
from escalations.sandbox.hubspot.emulator import ROUTES, HubSpotEmulator

from .conftest import FRAMEWORK, ROOT, Result

CONTRACTS = ROOT / "tests" / "contracts" / "hubspot"
TOKEN = "hubspot-contract-token"
P = "/crm/v3/properties/{objectType}"
FLOW = "/automation/v4/flows/{flowId}"

ROUTE_CONTRACTS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("GET", f"{P}/groups"): ("groups-list-query", None),
    ("POST", f"{P}/groups"): ("no-query", "group-create"),
    ("PATCH", f"{P}/groups/{{groupName}}"): ("no-query", "group-update"),
    ("GET", P): ("properties-list-query", None),
    ("POST", P): ("no-query", "property-create"),
    ("PATCH", f"{P}/{{propertyName}}"): ("no-query", "property-update"),
    ("DELETE", f"{P}/{{propertyName}}"): ("no-query", None),
    ("GET", "/crm/v3/owners"): ("owners-list-query", None),
    ("GET", "/automation/v4/flows"): ("flows-list-query", None),
    ("POST", "/automation/v4/flows"): ("no-query", "flow-create"),
    ("GET", FLOW): ("no-query", None),
    ("PUT", FLOW): ("no-query", "flow-put"),
    ("DELETE", FLOW): ("no-query", None),
    ("POST", "/automation/v4/flows/batch/read"): ("no-query", "flows-batch-read"),
    ("POST", "/crm/v3/objects/tickets/search"): ("no-query", "search"),
}
"""Route (as the emulator's journal names it) -> the schemas of its query string and its body
(None: the request has no body)."""


@cache
def registry() -> Registry[Any]:
    schemas = [json.loads(p.read_text()) for p in sorted(CONTRACTS.glob("*.schema.json"))]
    return Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CONTRACTS / f"{name}.schema.json").read_text())
    return loaded


def problems(name: str, instance: Any) -> list[str]:
    """Every way `instance` breaks the schema `name` (a file's stem, or a `file#pointer` of a
    part), as `json path: message`, sorted."""
    file, _, pointer = name.partition("#")
    target = schema(file) if not pointer else {"$ref": f"{schema(file)['$id']}#{pointer}"}
    validator = Draft202012Validator(target, registry=registry())
    return sorted(f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance))


# -- 1. the schemas themselves --------------------------------------------------------------


def good_flow(**changes: Any) -> dict[str, Any]:
    """A minimal spec-exact ticket flow create body: a NUMBER-filtered enrollment, one edit."""
    body: dict[str, Any] = {
        "type": "PLATFORM_FLOW",
        "flowType": "WORKFLOW",
        "objectTypeId": "0-5",
        "isEnabled": False,
        "name": "Big deal [esc:big]",
        "startActionId": "1",
        "actions": [
            {
                "actionId": "1",
                "type": "SINGLE_CONNECTION",
                "actionTypeId": "0-5",
                "actionTypeVersion": 0,
                "fields": {
                    "property_name": "esc_tier",
                    "value": {"type": "STATIC_VALUE", "staticValue": "tier-1"},
                },
            }
        ],
        "enrollmentCriteria": {
            "type": "LIST_BASED",
            "shouldReEnroll": False,
            "unEnrollObjectsNotMeetingCriteria": False,
            "reEnrollmentTriggersFilterBranches": [],
            "listFilterBranch": {
                "filterBranchType": "OR",
                "filterBranchOperator": "OR",
                "filters": [],
                "filterBranches": [
                    {
                        "filterBranchType": "AND",
                        "filterBranchOperator": "AND",
                        "filterBranches": [],
                        "filters": [
                            {
                                "filterType": "PROPERTY",
                                "property": "amount",
                                "operation": {
                                    "operationType": "NUMBER",
                                    "operator": "IS_GREATER_THAN",
                                    "value": 100000,
                                    "includeObjectsWithNoValueSet": False,
                                },
                            }
                        ],
                    }
                ],
            },
        },
        "timeWindows": [],
        "blockedDates": [],
        "customProperties": {},
        "dataSources": [],
    }
    body.update(changes)
    return body


def with_operation(operation: dict[str, Any]) -> dict[str, Any]:
    body = good_flow()
    group = body["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]
    group["filters"][0]["operation"] = operation
    return body


FILTER = "$.enrollmentCriteria.listFilterBranch.filterBranches[0].filters[0].operation"


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def good_put() -> dict[str, Any]:
    body = without(without(without(good_flow(), "dataSources"), "flowType"), "objectTypeId")
    return {**body, "revisionId": "7"}


def test_every_schema_is_valid_draft_2020_12_and_cites_its_spec_schema() -> None:
    files = sorted(CONTRACTS.glob("*.schema.json"))
    assert len(files) == 15
    for path in files:
        loaded = json.loads(path.read_text())
        Draft202012Validator.check_schema(loaded)
        assert loaded["$id"].endswith(f"/{path.name}"), path.name
        assert "hubspot-api.md §" in loaded["description"], path.name
    named = {name for pair in ROUTE_CONTRACTS.values() for name in pair if name}
    assert {f"{n}.schema.json" for n in named} | {
        "flow-parts.schema.json",
        "option.schema.json",
    } == {p.name for p in files}
    assert {(m, r) for m, r in ROUTE_CONTRACTS} <= {(m, r) for r, ms in ROUTES.items() for m in ms}


GOOD: list[tuple[str, Any]] = [
    ("flow-create", good_flow()),
    ("flow-put", good_put()),
    ("flows-batch-read", {"inputs": [{"type": "FLOW_ID", "flowId": "1000000001"}]}),
    ("property-create", {"name": "esc_tier", "label": "Tier", "type": "enumeration",
                         "fieldType": "select", "groupName": "esc_escalation",
                         "options": [{"label": "Tier 1", "value": "tier-1", "hidden": False}]}),
    ("property-create", {"name": "esc_owner", "label": "Owner", "type": "enumeration",
                         "fieldType": "select", "groupName": "esc_escalation", "options": [],
                         "externalOptions": True, "referencedObjectType": "OWNER"}),
    ("property-update", {"label": "Escalation tier"}),
    ("option", {"label": "Yes", "value": "true", "hidden": False, "displayOrder": 0}),
    ("group-create", {"name": "esc_escalation", "label": "Escalation", "displayOrder": -1}),
    ("group-update", {"label": "Escalation"}),
    ("search", {"after": "0", "limit": 200, "properties": ["subject"], "sorts": [],
                "filterGroups": [{"filters": [{"propertyName": "esc_escalated",
                                               "operator": "EQ", "value": "true"}]}]}),
    ("owners-list-query", {"limit": "500", "after": "3"}),
    ("flows-list-query", {"limit": "100"}),
    ("no-query", {}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body"), GOOD, ids=[f"{n}-{i}" for i, (n, _) in enumerate(GOOD)])
def test_a_minimal_good_body_is_accepted(name: str, body: Any) -> None:
    assert problems(name, body) == []


def webhook(auth: dict[str, Any]) -> dict[str, Any]:
    action = {"actionId": "1", "type": "WEBHOOK", "method": "POST", "queryParams": [],
              "webhookUrl": "https://hooks.example/x", "authSettings": auth}  # fmt: skip
    return good_flow(actions=[action])


OWNERS_LIMIT = "^([1-9][0-9]?|[1-4][0-9]{2}|500)$"
BAD: list[tuple[str, Any, list[str]]] = [
    ("flow-create", without(good_flow(), "dataSources"),
     ["$: 'dataSources' is a required property"]),
    ("flow-create", good_flow(nextAvailableActionId="2"),
     ["$: Additional properties are not allowed ('nextAvailableActionId' was unexpected)"]),
    ("flow-create", with_operation({"operationType": "NUMBER", "operator": "IS_GREATER_THAN",
                                    "value": "100000", "includeObjectsWithNoValueSet": False}),
     [f"{FILTER}.value: '100000' is not of type 'number'"]),
    ("flow-create", with_operation({"operationType": "BOOL", "operator": "IS_EQUAL_TO",
                                    "value": "true", "includeObjectsWithNoValueSet": False}),
     [f"{FILTER}.value: 'true' is not of type 'boolean'"]),
    ("flow-create", with_operation({"operationType": "TIME_POINT", "operator": "IS_AFTER",
                                    "includeObjectsWithNoValueSet": False,
                                    "timePoint": {"timeType": "DATE", "zoneId": "UTC",
                                                  "timezoneSource": "CUSTOM",
                                                  "date": "2026-01-01"}}),
     [f"{FILTER}: 'type' is a required property",
      f"{FILTER}.timePoint: 'day' is a required property",
      f"{FILTER}.timePoint: 'month' is a required property",
      f"{FILTER}.timePoint: 'year' is a required property",
      f"{FILTER}.timePoint: Additional properties are not allowed ('date' was unexpected)"]),
    ("flow-create", with_operation({"operationType": "ENUMERATION", "operator": "IS_NOT_EQUAL_TO",
                                    "values": ["HIGH"], "includeObjectsWithNoValueSet": False}),
     [f"{FILTER}.operator: 'IS_NOT_EQUAL_TO' should not be valid under {{'const': "
      "'IS_NOT_EQUAL_TO'}"]),
    ("flow-create", with_operation({"operationType": "ENUMERATION", "operator": "IS_ANY_OF",
                                    "value": "HIGH", "includeObjectsWithNoValueSet": False}),
     [f"{FILTER}: 'values' is a required property",
      f"{FILTER}: Additional properties are not allowed ('value' was unexpected)"]),
    ("flow-create", good_flow(actions=[{"actionId": "1", "type": "LIST_BRANCH", "listBranches": [],
                                        "defaultBranch": {}}]),
     ["$.actions[0].defaultBranch: 'edgeType' is a required property",
      "$.actions[0].defaultBranch: 'nextActionId' is a required property"]),
    ("flow-create", webhook({"type": "SIGNATURE", "appId": "42"}),
     ["$.actions[0].authSettings.appId: '42' is not of type 'integer'"]),
    ("flow-create", webhook({"type": "AUTH_KEY", "location": "BODY", "name": "k",
                             "secretName": "s"}),
     ["$.actions[0].authSettings.location: 'BODY' is not one of ['HEADER', 'QUERY_PARAM']"]),
    ("flow-create", good_flow(actions=[{"actionId": "1", "type": "SINGLE_CONNECTION",
                                        "actionTypeId": "0-1", "actionTypeVersion": 0,
                                        "fields": {"delta": 60, "time_unit": "MINUTES"}}]),
     ["$.actions[0].fields.delta: 60 is not of type 'string', 'array', 'object'"]),
    ("flow-put", {**good_put(), "flowType": "WORKFLOW", "dataSources": []},
     ["$: Additional properties are not allowed ('dataSources', 'flowType' were unexpected)"]),
    ("flow-put", without(good_put(), "revisionId"), ["$: 'revisionId' is a required property"]),
    ("option", {"label": "Yes", "value": "true"}, ["$: 'hidden' is a required property"]),
    ("property-create", {"name": "esc_x", "label": "X", "type": "enumeration",
                         "fieldType": "select", "groupName": "g",
                         "options": [{"label": "A", "value": "a"}]},
     ["$.options[0]: 'hidden' is a required property"]),
    ("property-create", {"name": "esc_x", "label": "X", "type": "number", "fieldType": "text",
                         "groupName": "g"},
     ["$.fieldType: 'text' is not one of ['number', 'calculation_equation']"]),
    ("property-create", {"name": "esc_x", "label": "X", "type": "enumeration",
                         "fieldType": "select", "groupName": "g"},
     ["$: 'options' is a required property"]),
    ("property-update", {"label": "X", "referencedObjectType": "OWNER"},
     ["$: Additional properties are not allowed ('referencedObjectType' was unexpected)"]),
    ("group-create", {"name": "esc_escalation", "label": "Escalation", "displayOrder": "first"},
     ["$.displayOrder: 'first' is not of type 'integer'"]),
    ("group-update", {"name": "esc_escalation"},
     ["$: Additional properties are not allowed ('name' was unexpected)"]),
    ("search", {"after": "0", "limit": 201, "properties": [], "sorts": [], "filterGroups": []},
     ["$.limit: 201 is greater than the maximum of 200"]),
    ("search", {"limit": 10, "properties": [], "sorts": [],
                "filterGroups": [{"filters": [{"propertyName": "x", "operator": "EQUALS"}]}]},
     ["$: 'after' is a required property",
      "$.filterGroups[0].filters[0].operator: 'EQUALS' is not one of ['BETWEEN', "
      "'CONTAINS_TOKEN', 'EQ', 'GT', 'GTE', 'HAS_PROPERTY', 'IN', 'LT', 'LTE', 'NEQ', "
      "'NOT_CONTAINS_TOKEN', 'NOT_HAS_PROPERTY', 'NOT_IN']"]),
    ("flows-batch-read", {"inputs": [{"flowId": "1"}]},
     ["$.inputs[0]: 'type' is a required property"]),
    ("owners-list-query", {"limit": "501"}, [f"$.limit: '501' does not match {OWNERS_LIMIT!r}"]),
    ("owners-list-query", {"limit": "0"}, [f"$.limit: '0' does not match {OWNERS_LIMIT!r}"]),
    ("no-query", {"archived": "false"},
     ["$: Additional properties are not allowed ('archived' was unexpected)"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "body", "expected"), BAD, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(BAD)]
)
def test_a_known_bad_body_is_refused_precisely(name: str, body: Any, expected: list[str]) -> None:
    assert problems(name, body) == sorted(expected)


# -- 2. what the compiler produces ----------------------------------------------------------


@pytest.fixture(scope="module")
def compiled(framework: Framework) -> Compiled:
    owners = {
        p.email.lower(): Owner(str(100 + i), str(900 + i)) for i, p in enumerate(framework.people)
    }
    return compile_framework(framework, owners, Settings())


def compiled_problems(
    flows: dict[str, Any], properties: list[Any], groups: list[Any], where: str
) -> Iterator[str]:
    for key, flow in sorted(flows.items()):
        yield from (f"{where} flow {key}: {p}" for p in problems("flow-create", flow))
    for prop in properties:
        yield from (
            f"{where} property {prop['name']}: {p}" for p in problems("property-create", prop)
        )
    for group in groups:
        yield from (f"{where} group {group['name']}: {p}" for p in problems("group-create", group))


def test_every_compiled_body_validates(compiled: Compiled, framework: Framework) -> None:
    assert len(compiled.flows) == sum(t.enabled for t in framework.triggers) + 1 > 1
    found = list(
        compiled_problems(
            compiled.flows,
            [*compiled.properties, *compiled.catalog],
            [compiled.group],
            "compiled",
        )
    )
    assert not found, "\n".join(found)


def test_every_rendered_body_validates(tmp_path: Path, cli: Callable[..., Result]) -> None:
    out = tmp_path / "out"
    result = cli("render", "--out", str(out), "--framework", str(FRAMEWORK))
    assert result.code == 0, result.err
    flows = {
        p.stem: json.loads(p.read_text()) for p in sorted((out / "hubspot" / "flows").iterdir())
    }
    properties = json.loads((out / "hubspot" / "properties.json").read_text())
    groups = json.loads((out / "hubspot" / "property-groups.json").read_text())
    assert flows and properties and groups
    found = list(compiled_problems(flows, properties, groups, "rendered"))
    assert not found, "\n".join(found)


def leaves(field: Field) -> list[tuple[str, Any]]:
    """A leaf of every operator family the compiler has for the field's type."""
    first = field.options[0].value if field.options else None
    by_type: dict[str, list[tuple[str, Any]]] = {
        "enumeration": [("eq", first), ("not_in", [first])],
        "owner": [("eq", "person:someone"), ("neq", "person:someone")],
        "number": [("gt", 2), ("lte", 2.5), ("eq", 100000)],
        "bool": [("eq", True), ("neq", False)],
        "string": [("eq", "x"), ("in", ["a", "b"]), ("contains", "down"), ("starts_with", "Re:")],
        "datetime": [("before", "2026-01-01T09:30:00Z"), ("after", "2026-06-30T23:59:59+02:00")],
    }
    assert field.type in by_type, f"no leaves for field type {field.type}: add them here"
    return [*by_type[field.type], ("is_known", None), ("is_unknown", None)]


def test_every_kind_of_condition_leaf_compiles_to_a_valid_filter(framework: Framework) -> None:
    assert {"datetime", "number", "bool"} <= {f.type for f in framework.fields}
    found = []
    for field in framework.fields:
        for op, value in leaves(field):
            compiled = leaf_filter(Leaf(field.id, op, value), field, lambda _: "101")
            found += [
                f"{field.id} {op} {value!r}: {p}"
                for p in problems("flow-parts#/$defs/Filter", compiled)
            ]
    assert not found, "\n".join(found)


# -- 3. what goes over the wire -------------------------------------------------------------


@pytest.fixture
def emulator(framework: Framework) -> Iterator[HubSpotEmulator]:
    server = HubSpotEmulator(token=TOKEN, rate_limit=None)
    server.start()
    for person in framework.people:
        first, _, last = person.name.partition(" ")
        server.add_owner(person.email, first, last)
    yield server
    server.stop()


def deploy(
    portal: Portal,
    framework: Framework,
    edit: Callable[[Compiled], Compiled] = lambda c: c,
    *,
    enable: bool = False,
    allow_delete: bool = False,
) -> None:
    state = portal.observe()
    compiled = edit(compile_framework(framework, state.owners, Settings()))
    changes = plan_portal(compiled, state, allow_delete=allow_delete, force=False, enable=enable)
    apply_portal(portal, compiled, state, changes, enable=enable)


def faster_first_response(framework: Framework) -> Framework:
    """tier-1's first response target at 2 hours: the flows that wait for it are PUT."""
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
    return replace(framework, tiers=tiers, triggers=triggers)


def relabelled(compiled: Compiled) -> Compiled:
    """A new label for the first property and for the group: both are PATCHed."""
    first = {**copy.deepcopy(compiled.properties[0]), "label": "Escalated (relabelled)"}
    group = {**compiled.group, "label": "Escalation (relabelled)"}
    return replace(compiled, group=group, properties=(first, *compiled.properties[1:]))


def journal_problems(journal: list[tuple[str, str, dict[str, str], Any]]) -> Iterator[str]:
    for method, route, query, body in journal:
        where = f"{method} {route}"
        contract = ROUTE_CONTRACTS.get((method, route))
        if contract is None:
            yield f"{where}: no schema for this route; add one to tests/contracts/hubspot/"
            continue
        query_schema, body_schema = contract
        yield from (f"{where} query {p}" for p in problems(query_schema, query))
        if body_schema is None:
            if body is not None:
                yield f"{where}: a body was sent to a route that takes none"
            continue
        name = body.get("name", "") if isinstance(body, dict) else ""
        yield from (f"{where} body {name!r} {p}" for p in problems(body_schema, body))


def test_every_request_sent_over_the_wire_validates(
    emulator: HubSpotEmulator, framework: Framework
) -> None:
    portal = Portal(_hubspot(TOKEN, emulator.base_url), "esc_")
    deploy(portal, framework)
    deploy(portal, faster_first_response(framework))
    deploy(portal, framework, relabelled)
    deploy(portal, framework, enable=True)
    deploy(portal, replace(framework, triggers=framework.triggers[1:]), allow_delete=True)
    sent = {(method, route) for method, route, _, _ in emulator.journal}
    assert {
        ("POST", f"{P}/groups"),
        ("PATCH", f"{P}/groups/{{groupName}}"),
        ("POST", P),
        ("PATCH", f"{P}/{{propertyName}}"),
        ("GET", "/crm/v3/owners"),
        ("POST", "/automation/v4/flows"),
        ("PUT", FLOW),
        ("DELETE", FLOW),
    } <= sent
    found = list(journal_problems(emulator.journal))
    assert not found, "\n".join(found)


def test_the_journal_records_each_request_and_is_cleared_with_the_counts(
    emulator: HubSpotEmulator,
) -> None:
    portal = Portal(_hubspot(TOKEN, emulator.base_url), "esc_")
    portal.owners()
    assert emulator.journal == [("GET", "/crm/v3/owners", {"limit": "500"}, None)]
    assert list(journal_problems([("GET", "/crm/v3/unknown", {}, None)])) == [
        "GET /crm/v3/unknown: no schema for this route; add one to tests/contracts/hubspot/"
    ]
    emulator.reset_counts()
    assert emulator.journal == []
