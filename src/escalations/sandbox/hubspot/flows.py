"""Automation v4 flows ("workflows") of the HubSpot emulator: validation, CRUD and revisions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from escalations.sandbox.hubspot.check import Schema, check, fail, need
from escalations.sandbox.hubspot.contract import (
    FLOW_CREATE,
    FLOW_PUT,
    check_enrollment,
    check_filter_branch,
)
from escalations.sandbox.hubspot.contract_actions import (
    LEGACY,
    ActionType,
    check_action,
    check_fields,
    server_error,
)
from escalations.sandbox.hubspot.filters import PropertyTypes, check_branch
from escalations.sandbox.hubspot.shapes import (
    ApiError,
    invalid,
    missing_fields,
    not_found,
)
from escalations.sandbox.hubspot.store import Store

FLOW_TYPES = ("PLATFORM_FLOW", "CONTACT_FLOW")
BRANCHING = ("LIST_BRANCH", "STATIC_BRANCH", "AB_TEST_BRANCH")
LISTING_FIELDS = (
    "id",
    "name",
    "isEnabled",
    "objectTypeId",
    "revisionId",
    "flowType",
    "createdAt",
    "updatedAt",
    "uuid",
)
MAX_PAGE = 100
BATCH_INPUT = Schema(
    "ApiFlowBatchInput",
    (
        need(
            "inputs",
            "array",
            items=Schema(
                "ApiFlowBatchFetchFlowIdCoordinate",
                (need("flowId", "string"), need("type", "string", "FLOW_ID")),
                closed=True,
            ),
        ),
    ),
    closed=True,
)
"""POST /automation/v4/flows/batch/read; neither the spec nor the reference gives a batch
size limit, so none is enforced."""


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored flow without the emulator's private (underscore) fields."""
    return {key: value for key, value in doc.items() if not key.startswith("_")}


class Flows:
    """Flows stored as documents (kind "flow"), validated like the v4 API."""

    def __init__(self, store: Store, now: Callable[[], str], types: PropertyTypes) -> None:
        self.store = store
        self.now = now
        self.types = types

    def install_action(
        self, type_id: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> None:
        doc = {"id": type_id, "required": list(required), "optional": list(optional)}
        self.store.put("action_type", type_id, doc)

    def installed(self) -> dict[str, ActionType]:
        return {
            doc["id"]: ActionType(tuple(doc["required"]), tuple(doc["optional"]))
            for doc in self.store.all("action_type")
        }

    def find(self, flow_id: str) -> dict[str, Any] | None:
        return self.store.get("flow", flow_id)

    def all(self) -> list[dict[str, Any]]:
        return self.store.all("flow")

    def list_all(self, query: dict[str, str]) -> dict[str, Any]:
        try:
            limit = int(query.get("limit", MAX_PAGE))
            start = int(query.get("after", "0") or 0)
        except ValueError:
            raise invalid("limit and after must be integers") from None
        if limit < 1:
            raise invalid("limit must be at least 1")
        limit = min(limit, MAX_PAGE)
        docs = self.all()
        page = docs[start : start + limit]
        result: dict[str, Any] = {
            "results": [{k: d[k] for k in LISTING_FIELDS if k in d} for d in page]
        }
        if start + limit < len(docs):
            after = str(start + limit)
            result["paging"] = {
                "next": {"after": after, "link": f"/automation/v4/flows?after={after}"}
            }
        return result

    def get(self, flow_id: str) -> dict[str, Any]:
        doc = self.find(flow_id)
        if doc is None:
            raise not_found(f"Could not find flow with id {flow_id}")
        return self._shown(flow_id, doc)

    def _shown(self, flow_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        """The flow as read; a flow just created reads PENDING once, then COMPLETE."""
        shown = public(doc)
        if doc.get("_pending"):
            doc.update(_pending=False, crmObjectCreationStatus="COMPLETE")
            self.store.put("flow", flow_id, doc)
        return shown

    def create(self, body: Any, flow_id: str) -> dict[str, Any]:
        flow = self._validate(body, FLOW_CREATE)
        stamp = self.now()
        doc: dict[str, Any] = {
            "id": flow_id,
            **flow,
            "revisionId": "1",
            "createdAt": stamp,
            "updatedAt": stamp,
            "crmObjectCreationStatus": "PENDING",
            "_pending": True,
        }
        self.store.put("flow", flow_id, doc)
        return public(doc)

    def replace(self, flow_id: str, body: Any) -> dict[str, Any]:
        doc = self.find(flow_id)
        if doc is None:
            raise not_found(f"Could not find flow with id {flow_id}")
        if not isinstance(body, dict):
            raise invalid("Invalid input JSON: expected an object")
        missing_fields(body, ("type",))
        check(body, FLOW_PUT)
        for key in ("id", "flowType", "objectTypeId"):
            if key in body and body[key] != doc.get(key):
                raise invalid(
                    f"{key} {body[key]!r} does not match the flow's {doc.get(key)!r}: a flow's "
                    "id, type, flowType and objectTypeId cannot be changed"
                )
        if doc.get("_pending"):
            raise invalid(
                f"Flow {flow_id} is still being created (crmObjectCreationStatus is PENDING); "
                "retry once a GET shows COMPLETE"
            )
        if str(body["revisionId"]) != doc["revisionId"]:
            raise ApiError(
                409,
                f"Flow {flow_id} has changed since revision {body['revisionId']}: the current "
                f"revisionId is {doc['revisionId']}. GET the flow, merge your changes and PUT "
                "again with the current revisionId.",
                "CONFLICT",
            )
        incoming = {k: v for k, v in body.items() if k not in ("id", "revisionId")}
        incoming.update(
            flowType=doc["flowType"],
            objectTypeId=doc["objectTypeId"],
            dataSources=doc.get("dataSources", []),
        )
        incoming.setdefault("name", doc.get("name"))
        flow = self._validate(incoming, FLOW_CREATE)  # a create body now, checked once more
        if flow["type"] != doc["type"]:
            raise invalid("A flow's type and objectTypeId cannot be changed")
        new = {
            "id": flow_id,
            **flow,
            "revisionId": str(int(doc["revisionId"]) + 1),
            "createdAt": doc["createdAt"],
            "updatedAt": self.now(),
            "crmObjectCreationStatus": "COMPLETE",
            "uuid": flow.get("uuid") or doc.get("uuid"),
        }
        self.store.put("flow", flow_id, new)
        return public(new)

    def delete(self, flow_id: str) -> None:
        if self.find(flow_id) is None:
            raise not_found(f"Could not find flow with id {flow_id}")
        self.store.delete("flow", flow_id)

    def batch_read(self, body: Any) -> tuple[int, dict[str, Any]]:
        body = check(body, BATCH_INPUT)
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        stamp = self.now()
        for item in body["inputs"]:
            flow_id = str(item["flowId"])
            doc = self.find(flow_id)
            if doc is None:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "message": f"Could not find flow with id {flow_id}",
                        "context": {"flowId": [flow_id]},
                    }
                )
            else:
                results.append(self._shown(flow_id, doc))
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": stamp,
            "completedAt": stamp,
        }
        if errors:
            answer.update(numErrors=len(errors), errors=errors)
        return (207 if errors else 200), answer

    def human_edit(self, flow_id: str, changes: dict[str, Any]) -> None:
        doc = self.find(flow_id)
        if doc is None:
            raise KeyError(f"no flow {flow_id}")
        doc.update(changes)
        doc["revisionId"] = str(int(doc["revisionId"]) + 1)
        doc["updatedAt"] = self.now()
        doc["_pending"] = False
        doc["crmObjectCreationStatus"] = "COMPLETE"
        self.store.put("flow", flow_id, doc)

    # -- validation -----------------------------------------------------------------------

    def _validate(self, body: Any, schema: Schema) -> dict[str, Any]:
        """A create (or, with the stored flowType and objectTypeId, PUT) body checked against
        the contract, then against the portal (properties, action graph)."""
        if not isinstance(body, dict):
            raise invalid("Invalid input JSON: expected an object")
        missing_fields(body, ("type",))
        kind = body["type"]
        if kind not in FLOW_TYPES:
            raise invalid(f"Invalid type {kind!r}: one of {', '.join(FLOW_TYPES)}")
        object_type = str(body.get("objectTypeId") or ("0-1" if kind == "CONTACT_FLOW" else ""))
        if kind == "CONTACT_FLOW":
            if object_type != "0-1":
                raise invalid('CONTACT_FLOW requires objectTypeId "0-1"')
            raise invalid("CONTACT_FLOW flows are not supported by this emulator (tickets only)")
        check(body, schema)
        if kind == "PLATFORM_FLOW" and object_type in ("", "0-1"):
            raise invalid(f'Expected an object type other than "0-1" for {kind}')
        if object_type != "0-5":
            raise invalid(f"objectTypeId {object_type} is not supported by this emulator (0-5)")
        if body["flowType"] != "WORKFLOW":
            raise invalid(f"flowType {body['flowType']!r} is not supported; use WORKFLOW")
        missing_fields(body, ("name",))
        actions = body["actions"]
        ids = self._check_actions(actions)
        start = body.get("startActionId")
        if actions and start is None:
            raise invalid("Some required fields were not set: [startActionId]")
        if start is not None and start not in ids:
            message = f"startActionId {start} does not name an action of this flow"
            raise fail(message, "startActionId", "UNKNOWN_ACTION", FLOW_CREATE.name)
        if body.get("enrollmentCriteria") is not None:
            self._check_enrollment(body["enrollmentCriteria"])
        if body.get("suppressionFilterBranch") is not None:
            check_filter_branch(body["suppressionFilterBranch"], "suppressionFilterBranch")
            check_branch(body["suppressionFilterBranch"], "suppressionFilterBranch", self.types)
        numeric = [int(i) for i in ids if i.isdigit()]
        flow: dict[str, Any] = {
            "type": kind,
            "flowType": "WORKFLOW",
            "objectTypeId": object_type,
            "isEnabled": body["isEnabled"],
            "name": body["name"],
            "description": body.get("description", ""),
            "uuid": body.get("uuid") or str(uuid.uuid4()),
            "startActionId": start,
            "nextAvailableActionId": str(max(numeric, default=0) + 1),
            "actions": actions,
            "enrollmentCriteria": body.get("enrollmentCriteria"),
            "enrollmentSchedule": body.get("enrollmentSchedule"),
            "timeWindows": body["timeWindows"],
            "blockedDates": body["blockedDates"],
            "customProperties": body["customProperties"],
            "dataSources": body["dataSources"],
            "suppressionFilterBranch": body.get("suppressionFilterBranch"),
        }
        return {key: value for key, value in flow.items() if value is not None}

    def _check_actions(self, actions: list[Any]) -> set[str]:
        ids: set[str] = set()
        for index, action in enumerate(actions):
            where = f"actions[{index}]"
            if isinstance(action, dict) and action.get("defaultBranch") == {}:
                raise server_error()  # `defaultBranch: {}` answers an opaque 500 (reference §3.3)
            check_action(action, where)
            if action["actionId"] in ids:
                raise invalid(f"Duplicate actionId {action['actionId']}")
            ids.add(action["actionId"])
        installed = self.installed()
        for index, action in enumerate(actions):
            self._check_action(action, f"actions[{index}]", ids, installed)
        return ids

    def _check_action(
        self, action: dict[str, Any], where: str, ids: set[str], installed: dict[str, ActionType]
    ) -> None:
        label = f"action {action['actionId']}"
        kind = action["type"]
        if kind == "SINGLE_CONNECTION":
            self._check_fields(where, label, action["actionTypeId"], action["fields"], installed)
        if kind == "LIST_BRANCH":
            if not action["listBranches"]:
                raise invalid(f"{label}: LIST_BRANCH needs a non-empty listBranches")
            for number, branch in enumerate(action["listBranches"]):
                spot = f"{where}.listBranches[{number}].filterBranch"
                if branch.get("filterBranch") is None:
                    raise invalid(f"{label}: listBranches[{number}] needs a filterBranch")
                check_filter_branch(branch["filterBranch"], spot)
                check_branch(branch["filterBranch"], f"{label}.listBranches[{number}]", self.types)
        if action.get("connection") is not None and kind in BRANCHING:
            raise invalid(f"{label}: branch actions connect through their branches")
        branches = [
            *action.get("listBranches", []),
            *action.get("staticBranches", []),
            *action.get("testBranches", []),
        ]
        links = [b.get("connection") for b in branches]
        links += [action.get("connection"), action.get("defaultBranch")]
        for link in links:
            if link is not None and link["nextActionId"] not in ids:
                message = (
                    f"{label}: nextActionId {link['nextActionId']} does not name an action "
                    "of this flow"
                )
                raise fail(message, f"{where}.nextActionId", "UNKNOWN_ACTION", "ApiConnection")

    def _check_fields(
        self,
        where: str,
        label: str,
        type_id: str,
        fields: dict[str, Any],
        installed: dict[str, ActionType],
    ) -> None:
        if type_id == LEGACY:
            raise server_error()  # legacy list membership: HubSpot answers an opaque 500
        if type_id == "0-5" and (
            set(fields) - {"property_name", "value", "association"} or "value" not in fields
        ):
            raise server_error()  # other key spellings give an opaque 500 (reference §3.3)
        check_fields(type_id, fields, where, installed)
        if type_id == "0-5" and self.types(str(fields["property_name"])) is None:
            raise invalid(f"{label}: property {fields['property_name']!r} does not exist")
        if type_id == "0-1":
            if fields["time_unit"] not in ("MINUTES", "HOURS", "DAYS"):
                raise invalid(f"{label}: a delay needs delta and time_unit MINUTES|HOURS|DAYS")
            try:
                float(fields["delta"])
            except (TypeError, ValueError):
                raise invalid(f"{label}: delta must be a number") from None

    def _check_enrollment(self, criteria: Any) -> None:
        check_enrollment(criteria)
        if criteria["type"] == "LIST_BASED":
            check_branch(
                criteria["listFilterBranch"],
                "enrollmentCriteria.listFilterBranch",
                self.types,
                root=True,
            )
