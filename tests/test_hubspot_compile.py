"""The compiled HubSpot configuration against the shapes of the reference (hubspot-api.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import (
    RESOLVED_FLOW,
    Compiled,
    Owner,
    Settings,
    compile_framework,
)
from escalations.review.rendering import placeholder_owners, write_rendering

from .conftest import FRAMEWORK, Result

# ref §1.3: valid type -> fieldType pairs.
PAIRS = {
    "bool": {"booleancheckbox", "calculation_equation"},
    "enumeration": {"booleancheckbox", "checkbox", "radio", "select", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "string": {"file", "text", "textarea", "calculation_equation", "html", "phonenumber"},
    "number": {"number", "calculation_equation"},
}
# ref §3.4: operators per operation type.
OPERATORS = {
    "ENUMERATION": {"IS_ANY_OF", "IS_NONE_OF", "IS_EXACTLY", "IS_NOT_EXACTLY"},
    "STRING": {"IS_EQUAL_TO", "IS_NOT_EQUAL_TO", "CONTAINS", "DOES_NOT_CONTAIN", "STARTS_WITH",
               "ENDS_WITH"},
    "MULTISTRING": {"IS_EQUAL_TO", "IS_NOT_EQUAL_TO", "CONTAINS", "DOES_NOT_CONTAIN",
                    "STARTS_WITH", "ENDS_WITH"},
    "NUMBER": {"IS_EQUAL_TO", "IS_NOT_EQUAL_TO", "IS_GREATER_THAN", "IS_GREATER_THAN_OR_EQUAL_TO",
               "IS_LESS_THAN", "IS_LESS_THAN_OR_EQUAL_TO"},
    "BOOL": {"IS_EQUAL_TO", "IS_NOT_EQUAL_TO"},
    "ALL_PROPERTY": {"IS_KNOWN", "IS_UNKNOWN"},
    "TIME_POINT": {"IS_BEFORE", "IS_AFTER"},
}  # fmt: skip


@pytest.fixture(scope="module")
def compiled(framework: Framework) -> Compiled:
    owners = {
        p.email.lower(): Owner(str(100 + i), str(900 + i)) for i, p in enumerate(framework.people)
    }
    return compile_framework(framework, owners, Settings())


def filters(branch: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from branch.get("filters", [])
    for child in branch.get("filterBranches", []):
        yield from filters(child)


def test_properties_are_valid_definitions(compiled: Compiled) -> None:
    group = compiled.group["name"]
    names = [p["name"] for p in compiled.properties]
    assert len(names) == len(set(names)) == 13
    for prop in compiled.properties:
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,99}", prop["name"]), prop["name"]
        assert prop["name"].startswith("esc_") and prop["groupName"] == group
        assert prop["fieldType"] in PAIRS[prop["type"]], prop
        assert prop["label"] and prop["description"]
        for i, option in enumerate(prop.get("options", [])):
            assert set(option) == {"label", "value", "hidden", "displayOrder"}
            assert option["displayOrder"] == i
    owner = next(p for p in compiled.properties if p["name"] == "esc_owner")
    assert owner["referencedObjectType"] == "OWNER" and owner["externalOptions"] is True


def test_flows_have_the_required_shape(compiled: Compiled, framework: Framework) -> None:
    catalog = {f.hubspot_property: f for f in framework.fields}
    ours = {p["name"]: p for p in compiled.properties}
    enabled = [t.id for t in framework.triggers if t.enabled]
    assert sorted(compiled.flows) == sorted([*enabled, RESOLVED_FLOW])
    for trigger_id, flow in compiled.flows.items():
        assert (flow["type"], flow["flowType"], flow["objectTypeId"]) == (
            "PLATFORM_FLOW",
            "WORKFLOW",
            "0-5",
        )
        assert flow["isEnabled"] is False
        assert flow["name"].endswith(f"[esc:{trigger_id}]")
        actions = {a["actionId"]: a for a in flow["actions"]}
        assert len(actions) == len(flow["actions"])
        assert "nextAvailableActionId" not in flow and flow["dataSources"] == []
        # Every edge leads to an action, every action is reached from the start, no cycles.
        seen, todo = [], [flow["startActionId"]]
        while todo:
            current = todo.pop()
            assert current in actions and current not in seen
            seen.append(current)
            action = actions[current]
            edges = [action.get("connection")] + [
                b["connection"] for b in action.get("listBranches", [])
            ]
            todo += [e["nextActionId"] for e in edges if e]
        assert sorted(seen) == sorted(actions)
        for action in actions.values():
            if action["type"] == "SINGLE_CONNECTION":
                assert {"actionTypeId", "actionTypeVersion", "fields"} <= set(action)
                if action["actionTypeId"] == "0-5":
                    assert set(action["fields"]) == {"property_name", "value"}
                    assert action["fields"]["property_name"] in ours | {"hubspot_owner_id": 1}
            else:
                assert action["type"] == "LIST_BRANCH"
                assert action.get("defaultBranch") != {}
        criteria = flow["enrollmentCriteria"]
        assert criteria["type"] == "LIST_BASED"
        assert {"listFilterBranch", "shouldReEnroll", "unEnrollObjectsNotMeetingCriteria",
                "reEnrollmentTriggersFilterBranches"} <= set(criteria)  # fmt: skip
        branches = [criteria["listFilterBranch"]] + [
            b["filterBranch"] for a in actions.values() for b in a.get("listBranches", [])
        ]
        for branch in branches:
            assert branch["filterBranchType"] == "OR"
            assert all(c["filterBranchType"] == "AND" for c in branch["filterBranches"])
            for item in filters(branch):
                operation = item["operation"]
                assert operation["operator"] in OPERATORS[operation["operationType"]]
                prop = item["property"]
                assert prop in catalog or prop in ours, prop
                if operation["operationType"] == "ENUMERATION" and prop in catalog:
                    allowed = {o.hubspot for o in catalog[prop].options}
                    if catalog[prop].type == "enumeration":
                        assert set(operation["values"]) <= allowed


def test_enumerations_never_use_is_not_equal_to(compiled: Compiled) -> None:
    text = json.dumps(compiled.flows)
    for flow in compiled.flows.values():
        for branch in [flow["enrollmentCriteria"]["listFilterBranch"]]:
            for item in filters(branch):
                if item["operation"]["operationType"] == "ENUMERATION":
                    assert item["operation"]["operator"] != "IS_NOT_EQUAL_TO"
    assert '"IS_NONE_OF"' in text  # the negations of the example compile to it


def test_first_level_owner_is_assigned_and_notified(
    compiled: Compiled, framework: Framework
) -> None:
    flow = compiled.flows["manager-request"]
    lead = framework.person(framework.team("support-leads").lead.partition(":")[2])
    index = [p.email for p in framework.people].index(lead.email)
    first_owner = next(
        a["fields"]["value"]["staticValue"]
        for a in flow["actions"]
        if a.get("actionTypeId") == "0-5" and a["fields"]["property_name"] == "hubspot_owner_id"
    )
    assert first_owner == str(100 + index)
    notes = [a for a in flow["actions"] if a.get("actionTypeId") == "0-9"]
    assert notes and notes[0]["fields"]["user_ids"] == [str(900 + index)]


def test_business_hour_waits_are_flagged_as_approximate(compiled: Compiled) -> None:
    (delays,) = [n for n in compiled.notes if n.kind == "business-time-delay"]
    assert any("first-response-breach waits 4 business hours" in d for d in delays.details)
    assert not any("Always on" in d for n in compiled.notes for d in n.details)


def test_unknown_owner_names_the_person_and_where(framework: Framework) -> None:
    owners = {p.email.lower(): Owner("1", "2") for p in framework.people[1:]}
    result = compile_framework(framework, owners, Settings())
    person = framework.people[0]
    assert any(
        m.startswith(f"{person.id} <{person.email}> (framework/people.yaml:")
        or f"{person.id} <{person.email}>" in m
        for m in result.missing_owners
    )
    assert all("people.yaml:" in m for m in result.missing_owners)


def test_render_writes_deterministic_json(
    framework: Framework, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    first, _ = write_rendering(framework, tmp_path / "a")
    second, _ = write_rendering(framework, tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in first] == [
        p.relative_to(tmp_path / "b") for p in second
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    flow = json.loads((tmp_path / "a" / "hubspot" / "flows" / "outage-reported.json").read_text())
    assert flow["name"] == "Customer reports an outage [esc:outage-reported]"
    result = cli("render", "--out", str(tmp_path / "c"), "--framework", str(FRAMEWORK))
    assert result.code == 0
    assert result.out.splitlines()[-1] == f"wrote {len(first)} files to {tmp_path / 'c'}"


def test_placeholder_owners_cover_everyone(framework: Framework) -> None:
    result = compile_framework(framework, placeholder_owners(framework), Settings())
    assert result.missing_owners == ()
    assert replace(Settings(), prefix="x_").prefix == "x_"
