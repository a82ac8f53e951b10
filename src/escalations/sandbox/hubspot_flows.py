"""Automation v4 flows ("workflows") of the HubSpot emulator: validation, CRUD and revisions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from escalations.sandbox.hubspot_filters import PropertyTypes, check_branch
from escalations.sandbox.hubspot_shapes import (
    ApiError,
    invalid,
    missing_fields,
    not_found,
)
from escalations.sandbox.hubspot_store import Store

FLOW_TYPES = ("PLATFORM_FLOW", "CONTACT_FLOW")
ACTION_TYPES = (
    "SINGLE_CONNECTION",
    "LIST_BRANCH",
    "STATIC_BRANCH",
    "AB_TEST_BRANCH",
    "WEBHOOK",
    "CUSTOM_CODE",
)
EDGE_TYPES = ("STANDARD", "GOTO")
SERVER_FIELDS = (
    "id",
    "revisionId",
    "createdAt",
    "updatedAt",
    "crmObjectCreationStatus",
    "nextAvailableActionId",
)
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


def server_error() -> ApiError:
    """HubSpot's opaque 500 (seen for legacy action types and `defaultBranch: {}`)."""
    return ApiError(500, "internal error", "")


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored flow without the emulator's private (underscore) fields."""
    return {key: value for key, value in doc.items() if not key.startswith("_")}


class Flows:
    """Flows stored as documents (kind "flow"), validated like the v4 API."""

    def __init__(self, store: Store, now: Callable[[], str], types: PropertyTypes) -> None:
        self.store = store
        self.now = now
        self.types = types

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
        shown = public(doc)
        if doc.get("_pending"):
            doc.update(_pending=False, crmObjectCreationStatus="COMPLETE")
            self.store.put("flow", flow_id, doc)
        return shown

    def create(self, body: Any, flow_id: str) -> dict[str, Any]:
        flow = self._validate(body)
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
        missing_fields(body, ("revisionId", "type"))
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
        incoming = {k: v for k, v in body.items() if k not in (*SERVER_FIELDS, "dataSources")}
        incoming.setdefault("flowType", doc.get("flowType"))
        incoming.setdefault("objectTypeId", doc.get("objectTypeId"))
        incoming.setdefault("name", doc.get("name"))
        incoming.setdefault("isEnabled", False)
        flow = self._validate(incoming)
        if flow["type"] != doc["type"] or flow["objectTypeId"] != doc["objectTypeId"]:
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
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise invalid("Some required fields were not set: [inputs]")
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        stamp = self.now()
        for item in body["inputs"]:
            if not isinstance(item, dict) or item.get("type") != "FLOW_ID":
                raise invalid('Each input needs type "FLOW_ID" and a flowId')
            flow_id = str(item.get("flowId"))
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
                results.append(public(doc))
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

    def _validate(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise invalid("Invalid input JSON: expected an object")
        missing_fields(body, ("type",))
        missing_fields(body, ("flowType",))
        kind = body["type"]
        if kind not in FLOW_TYPES:
            raise invalid(f"Invalid type {kind!r}: one of {', '.join(FLOW_TYPES)}")
        if body["flowType"] != "WORKFLOW":
            raise invalid(f"flowType {body['flowType']!r} is not supported; use WORKFLOW")
        object_type = str(body.get("objectTypeId") or ("0-1" if kind == "CONTACT_FLOW" else ""))
        if kind == "PLATFORM_FLOW" and object_type in ("", "0-1"):
            raise invalid(f'Expected an object type other than "0-1" for {kind}')
        if kind == "CONTACT_FLOW" and object_type != "0-1":
            raise invalid('CONTACT_FLOW requires objectTypeId "0-1"')
        if kind == "PLATFORM_FLOW" and object_type != "0-5":
            raise invalid(f"objectTypeId {object_type} is not supported by this emulator (0-5)")
        missing_fields(body, ("isEnabled", "name"))
        if not isinstance(body["isEnabled"], bool):
            raise invalid("isEnabled must be a boolean")
        actions = body.get("actions", [])
        if not isinstance(actions, list):
            raise invalid("actions must be a list")
        ids = self._check_actions(actions)
        start = body.get("startActionId")
        if actions and start is None:
            raise invalid("Some required fields were not set: [startActionId]")
        if start is not None and str(start) not in ids:
            raise invalid(f"startActionId {start} does not name an action of this flow")
        if body.get("enrollmentCriteria") is not None:
            self._check_enrollment(body["enrollmentCriteria"])
        numeric = [int(i) for i in ids if i.isdigit()]
        flow: dict[str, Any] = {
            "type": kind,
            "flowType": "WORKFLOW",
            "objectTypeId": object_type,
            "isEnabled": body["isEnabled"],
            "name": str(body["name"]),
            "description": body.get("description", ""),
            "uuid": body.get("uuid") or str(uuid.uuid4()),
            "startActionId": None if start is None else str(start),
            "nextAvailableActionId": str(max(numeric, default=0) + 1),
            "actions": actions,
            "enrollmentCriteria": body.get("enrollmentCriteria"),
            "timeWindows": body.get("timeWindows") or [],
            "blockedDates": body.get("blockedDates") or [],
            "customProperties": body.get("customProperties") or {},
            "dataSources": body.get("dataSources") or [],
            "suppressionFilterBranch": body.get("suppressionFilterBranch"),
        }
        return {key: value for key, value in flow.items() if value is not None}

    def _check_actions(self, actions: list[Any]) -> set[str]:
        ids: set[str] = set()
        for index, action in enumerate(actions):
            if not isinstance(action, dict) or action.get("actionId") in (None, ""):
                raise invalid(f"Some required fields were not set: [actions[{index}].actionId]")
            action_id = str(action["actionId"])
            if action_id in ids:
                raise invalid(f"Duplicate actionId {action_id}")
            ids.add(action_id)
        for action in actions:
            self._check_action(action, ids)
        return ids

    def _check_action(self, action: dict[str, Any], ids: set[str]) -> None:
        where = f"action {action['actionId']}"
        kind = action.get("type")
        if kind not in ACTION_TYPES:
            raise invalid(f"{where}: type must be one of {', '.join(ACTION_TYPES)}, got {kind!r}")
        if kind == "SINGLE_CONNECTION":
            missing = [
                k for k in ("actionTypeId", "actionTypeVersion", "fields") if k not in action
            ]
            if missing:
                raise invalid(f"Some required fields were not set: [{', '.join(missing)}]")
            if not isinstance(action["fields"], dict):
                raise invalid(f"{where}: fields must be an object")
            self._check_fields(where, str(action["actionTypeId"]), action["fields"])
        if kind == "LIST_BRANCH":
            branches = action.get("listBranches")
            if not isinstance(branches, list) or not branches:
                raise invalid(f"{where}: LIST_BRANCH needs a non-empty listBranches")
            for number, branch in enumerate(branches):
                if not isinstance(branch, dict) or "filterBranch" not in branch:
                    raise invalid(f"{where}: listBranches[{number}] needs a filterBranch")
                check_branch(branch["filterBranch"], f"{where}.listBranches[{number}]", self.types)
                if branch.get("connection") is not None:
                    _check_connection(branch["connection"], where, ids)
            if "defaultBranch" in action:
                if action["defaultBranch"] == {}:
                    raise server_error()
                _check_connection(action["defaultBranch"], where, ids)
        if kind == "STATIC_BRANCH":
            for branch in action.get("staticBranches") or []:
                if isinstance(branch, dict) and branch.get("connection") is not None:
                    _check_connection(branch["connection"], where, ids)
        if kind == "WEBHOOK":
            missing_fields(action, ("method", "webhookUrl"))
        if kind == "CUSTOM_CODE":
            missing_fields(action, ("runtime", "sourceCode"))
        if action.get("connection") is not None:
            if kind in ("LIST_BRANCH", "STATIC_BRANCH", "AB_TEST_BRANCH"):
                raise invalid(f"{where}: branch actions connect through their branches")
            _check_connection(action["connection"], where, ids)

    def _check_fields(self, where: str, type_id: str, fields: dict[str, Any]) -> None:
        if type_id == "0-13":
            raise server_error()  # legacy list membership: HubSpot answers an opaque 500
        if type_id == "0-5":
            if set(fields) - {"property_name", "value", "association"} or "value" not in fields:
                raise server_error()  # other key spellings give an opaque 500 (reference §3.3)
            if self.types(str(fields.get("property_name"))) is None:
                raise invalid(f"{where}: property {fields.get('property_name')!r} does not exist")
        if type_id == "0-1":
            if "delta" not in fields or fields.get("time_unit") not in ("MINUTES", "HOURS", "DAYS"):
                raise invalid(f"{where}: a delay needs delta and time_unit MINUTES|HOURS|DAYS")
            try:
                float(fields["delta"])
            except (TypeError, ValueError):
                raise invalid(f"{where}: delta must be a number") from None
        if type_id == "0-35" and not isinstance(fields.get("date"), dict):
            raise invalid(f"{where}: a delay until a date needs a date value")

    def _check_enrollment(self, criteria: Any) -> None:
        if not isinstance(criteria, dict):
            raise invalid("enrollmentCriteria must be an object")
        missing_fields(criteria, ("type",))
        kind = criteria["type"]
        if kind == "LIST_BASED":
            missing_fields(
                criteria,
                (
                    "listFilterBranch",
                    "shouldReEnroll",
                    "unEnrollObjectsNotMeetingCriteria",
                    "reEnrollmentTriggersFilterBranches",
                ),
            )
            check_branch(
                criteria["listFilterBranch"],
                "enrollmentCriteria.listFilterBranch",
                self.types,
                root=True,
            )
            if not isinstance(criteria["reEnrollmentTriggersFilterBranches"], list):
                raise invalid("reEnrollmentTriggersFilterBranches must be a list")
        elif kind == "EVENT_BASED":
            missing_fields(criteria, ("shouldReEnroll", "eventFilterBranches"))
        elif kind == "MANUAL":
            missing_fields(criteria, ("shouldReEnroll",))
        else:
            raise invalid(f"Unknown enrollmentCriteria type {kind!r}")


def _check_connection(connection: Any, where: str, ids: set[str]) -> None:
    if not isinstance(connection, dict):
        raise invalid(f"{where}: a connection must be an object")
    if connection.get("edgeType") not in EDGE_TYPES:
        raise invalid(f"{where}: edgeType must be STANDARD or GOTO")
    target = connection.get("nextActionId")
    if str(target) not in ids:
        raise invalid(f"{where}: nextActionId {target} does not name an action of this flow")
