"""Every HubSpot request shape the tool sends, each with its source; unverified ones marked.

Sources are the sections of ../shared/reference/hubspot-api.md ("ref §n"), which cite the
public OpenAPI specs [SPEC], the SDK [SDK], HubSpot's documentation [DOC] and third parties
[3P]. A shape marked UNVERIFIED has not been confirmed by a primary source: correct it here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

TICKET = "0-5"
"""Object type id of tickets (ref §3.2: widely used; DOC for 0-1..0-3)."""

# ref §1.3 [DOC developers.hubspot.com/docs/api/crm/properties]: valid type -> fieldType pairs.
FIELD_TYPES = {
    "bool": "booleancheckbox",
    "enumeration": "select",
    "number": "number",
    "datetime": "date",
    "string": "text",
}


def property_group(name: str, label: str, order: int = -1) -> dict[str, Any]:
    """PropertyGroupCreate: name, label required; displayOrder optional (ref §1.2 [SPEC])."""
    return {"name": name, "label": label, "displayOrder": order}


def option(value: str, label: str, order: int) -> dict[str, Any]:
    """OptionInput: label, value, hidden required; displayOrder optional (ref §1.2 [SPEC])."""
    return {"label": label, "value": value, "hidden": False, "displayOrder": order}


def property_definition(
    name: str,
    label: str,
    kind: str,
    group: str,
    description: str,
    options: list[dict[str, Any]] | None = None,
    *,
    owner_picker: bool = False,
) -> dict[str, Any]:
    """PropertyCreate: name, label, type, fieldType, groupName required (ref §1.2 [SPEC]).
    An owner picker is an enumeration with externalOptions and referencedObjectType OWNER."""
    body: dict[str, Any] = {
        "name": name,
        "label": label,
        "type": kind,
        "fieldType": FIELD_TYPES[kind],
        "groupName": group,
        "description": description,
    }
    if options is not None:
        body["options"] = options
    if owner_picker:
        body |= {"externalOptions": True, "referencedObjectType": "OWNER", "options": []}
    return body


# -- filters: ref §3.4 [SPEC PublicOrFilterBranch/PublicAndFilterBranch; operators 3P catalog] --


def property_filter(prop: str, operation: dict[str, Any]) -> dict[str, Any]:
    return {"filterType": "PROPERTY", "property": prop, "operation": operation}


def operation(kind: str, operator: str, **value: Any) -> dict[str, Any]:
    """`includeObjectsWithNoValueSet: false`: a ticket without a value never matches, which is
    the engine's meaning of an unknown value (ref §2.1 of escalation-domain.md [3P])."""
    body = {"operationType": kind, "operator": operator, **value}
    body["includeObjectsWithNoValueSet"] = operator == "IS_UNKNOWN"
    return body


def time_point(operator: str, moment: datetime) -> dict[str, Any]:
    """PublicTimePointOperation with a PublicDatePoint [SPEC]: `type` is required beside
    `operationType`, and the point is broken into integer fields in a named zone (UTC)."""
    point = {
        "timeType": "DATE",
        "timezoneSource": "CUSTOM",
        "zoneId": "UTC",
        "year": moment.year,
        "month": moment.month,
        "day": moment.day,
        "hour": moment.hour,
        "minute": moment.minute,
        "second": moment.second,
        "millisecond": moment.microsecond // 1000,
    }
    return operation("TIME_POINT", operator, type="TIME_POINT", timePoint=point)


def or_of_ands(groups: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The UI-canonical shape: an OR root whose children are AND branches (ref §3.4 [3P])."""
    return {
        "filterBranchType": "OR",
        "filterBranchOperator": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranchOperator": "AND",
                "filterBranches": [],
                "filters": filters,
            }
            for filters in groups
        ],
    }


# -- flows: ref §3.2 and §3.3 [SPEC ApiPlatformFlowCreateRequest] -----------------------------


def flow(name: str, description: str, start: str, actions: list[dict[str, Any]],
         enrollment: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """A ticket workflow, created disabled (ref §3.5: HubSpot's own CLI pattern)."""
    return {
        "type": "PLATFORM_FLOW",
        "flowType": "WORKFLOW",
        "objectTypeId": TICKET,
        "isEnabled": False,
        "name": name,
        "description": description,
        "startActionId": start,
        "actions": actions,
        "enrollmentCriteria": {
            "type": "LIST_BASED",
            "shouldReEnroll": False,
            "unEnrollObjectsNotMeetingCriteria": False,
            "reEnrollmentTriggersFilterBranches": [],
            "listFilterBranch": enrollment,
        },
        "timeWindows": [],
        "blockedDates": [],
        "customProperties": {},
        "dataSources": [],
    }


# What each request schema accepts (ref §3.2, §3.5 [SPEC]). The spec marks blockedDates,
# customProperties, dataSources and timeWindows required on create, while HubSpot's skill doc
# says the API fills defaults [3P-official]: the stricter (the spec) is followed, with empty
# values. Response-only fields (id, revisionId on create, nextAvailableActionId,
# crmObjectCreationStatus, createdAt, updatedAt) are never sent.
FLOW_CREATE_FIELDS = frozenset({
    "type", "flowType", "objectTypeId", "isEnabled", "name", "description", "startActionId",
    "actions", "enrollmentCriteria", "enrollmentSchedule", "suppressionFilterBranch",
    "timeWindows", "blockedDates", "customProperties", "dataSources", "uuid",
})  # fmt: skip
"""ApiPlatformFlowCreateRequest's properties [SPEC automationV4.json]."""
FLOW_PUT_FIELDS = frozenset({
    "type", "revisionId", "isEnabled", "name", "description", "startActionId", "actions",
    "enrollmentCriteria", "enrollmentSchedule", "suppressionFilterBranch", "timeWindows",
    "blockedDates", "customProperties", "uuid",
})  # fmt: skip
"""ApiPlatformFlowPutRequest's properties [SPEC]: no flowType, objectTypeId or dataSources."""
PROPERTY_UPDATE_FIELDS = frozenset({
    "label", "type", "fieldType", "groupName", "description", "options", "displayOrder",
    "hidden", "formField", "calculationFormula", "currencyPropertyName", "showCurrencySymbol",
    "numberDisplayHint", "textDisplayHint",
})  # fmt: skip
"""PropertyUpdate's properties [SPEC properties.json]: `name` cannot change, and
externalOptions / referencedObjectType are set only on create."""


def flow_create_request(body: dict[str, Any], *, enabled: bool) -> dict[str, Any]:
    """The body of POST /automation/v4/flows."""
    return {k: v for k, v in body.items() if k in FLOW_CREATE_FIELDS} | {"isEnabled": enabled}


def flow_put_request(body: dict[str, Any], *, revision_id: str, enabled: bool) -> dict[str, Any]:
    """The body of PUT /automation/v4/flows/{flowId}: a full replace (ref §0.6)."""
    kept = {k: v for k, v in body.items() if k in FLOW_PUT_FIELDS}
    return kept | {"revisionId": revision_id, "isEnabled": enabled}


def property_update_request(prop: dict[str, Any]) -> dict[str, Any]:
    """The body of PATCH /crm/v3/properties/tickets/{propertyName}."""
    return {k: v for k, v in prop.items() if k in PROPERTY_UPDATE_FIELDS}


# ApiSingleConnectionAction.fields [SPEC] types every field value as a JSON object
# (`additionalProperties: {type: object}`), while HubSpot's own documented examples (ref §3.3:
# 0-1 `"delta": "1440"`, 0-9 `"user_ids": [...]`, `"subject": "..."`) and every flow read back
# from a portal [3P] carry strings and arrays. Here the spec cannot be the stricter rule to
# follow: read literally it makes every documented action invalid, so it is the generator's
# rendering of an untyped map. The documented shapes are sent; value objects (STATIC_VALUE,
# TIMESTAMP, ...) where HubSpot documents them. Every other rule of the spec is followed.


def connection(next_id: str | None) -> dict[str, Any]:
    return {"connection": {"edgeType": "STANDARD", "nextActionId": next_id}} if next_id else {}


def set_property(
    action_id: str, prop: str, value: dict[str, Any], next_id: str | None
) -> dict[str, Any]:
    """0-5 edit record: fields exactly `property_name` and `value` (ref §3.3 [3P x5])."""
    return {
        "actionId": action_id,
        "type": "SINGLE_CONNECTION",
        "actionTypeId": "0-5",
        "actionTypeVersion": 0,
        "fields": {"property_name": prop, "value": value},
        **connection(next_id),
    }


def static(value: str) -> dict[str, Any]:
    return {"type": "STATIC_VALUE", "staticValue": value}


def now() -> dict[str, Any]:
    return {"type": "TIMESTAMP", "timestampType": "EXECUTION_TIME"}


def delay(action_id: str, minutes: int, next_id: str | None) -> dict[str, Any]:
    """0-1 delay for a set amount of time (ref §3.3 [DOC] "0-1 designates a DELAY")."""
    return {
        "actionId": action_id,
        "type": "SINGLE_CONNECTION",
        "actionTypeId": "0-1",
        "actionTypeVersion": 0,
        "fields": {"delta": str(minutes), "time_unit": "MINUTES"},
        **connection(next_id),
    }


def in_app_notification(action_id: str, user_ids: list[str], subject: str, body: str,
                        next_id: str | None) -> dict[str, Any]:  # fmt: skip
    """0-9 in-app notification (ref §3.3: DOC example). UNVERIFIED: whether `user_ids` wants
    user ids or owner ids; user ids are sent (PublicOwner.userId)."""
    return {
        "actionId": action_id,
        "type": "SINGLE_CONNECTION",
        "actionTypeId": "0-9",
        "actionTypeVersion": 0,
        "fields": {
            "user_ids": user_ids,
            "delivery_method": "APP",
            "subject": subject,
            "body": body,
        },
        **connection(next_id),
    }


def slack_notification(action_id: str, action_type: str, channel: str, message: str,
                       next_id: str | None) -> dict[str, Any]:  # fmt: skip
    """UNVERIFIED: the Slack integration action is portal specific (ref §3.3: "read the id from a
    GET after adding the action in the UI"); its type id comes from sync/targets.yaml and its
    fields are a guess of the common shape (channel, message). Harvest both from a UI-built
    flow and correct this function."""
    return {
        "actionId": action_id,
        "type": "SINGLE_CONNECTION",
        "actionTypeId": action_type,
        "actionTypeVersion": 0,
        "fields": {"channel": channel, "message": message},
        **connection(next_id),
    }


# ApiWebhookAction [SPEC automationV4.json, ref §3.3; slack-webhooks-search.md §2.1]: required
# actionId, method, queryParams, type, webhookUrl; queryParams are ApiInputVariable {name,
# value}; authSettings one of ApiAuthKeyWebhookAuthSettings / ApiSignatureWebhookAuthSettings.
# The spec has no body field: HubSpot POSTs the enrolled object (slack-webhooks-search.md §2.2,
# its exact JSON UNVERIFIED), so the event is told by the query parameters.


def webhook(action_id: str, url: str, query: list[tuple[str, dict[str, Any]]],
            auth: dict[str, Any], next_id: str | None) -> dict[str, Any]:  # fmt: skip
    """A v4 WEBHOOK action that POSTs the ticket to `url` with `query` as parameters."""
    return {
        "actionId": action_id,
        "type": "WEBHOOK",
        "method": "POST",
        "webhookUrl": url,
        "queryParams": [{"name": name, "value": value} for name, value in query],
        "authSettings": auth,
        **connection(next_id),
    }


def signature_auth(app_id: int) -> dict[str, Any]:
    """ApiSignatureWebhookAuthSettings: HubSpot signs with app `app_id`'s client secret."""
    return {"type": "SIGNATURE", "appId": app_id}


def key_auth(header: str, secret_name: str) -> dict[str, Any]:
    """ApiAuthKeyWebhookAuthSettings: the portal secret `secret_name` sent in `header`."""
    return {"type": "AUTH_KEY", "location": "HEADER", "name": header, "secretName": secret_name}


def object_property(name: str) -> dict[str, Any]:
    """ApiObjectPropertyValue [SPEC]: the enrolled ticket's value of `name`."""
    return {"type": "OBJECT_PROPERTY", "propertyName": name}


def list_branch(action_id: str, name: str, branch: dict[str, Any], next_id: str) -> dict[str, Any]:
    """LIST_BRANCH with one branch; a ticket that does not match ends the flow (no
    defaultBranch: `defaultBranch: {}` gives HTTP 500, ref §3.3 [3P]; UNVERIFIED that omitting
    it is accepted)."""
    return {
        "actionId": action_id,
        "type": "LIST_BRANCH",
        "listBranches": [
            {
                "branchName": name,
                "filterBranch": branch,
                "connection": {"edgeType": "STANDARD", "nextActionId": next_id},
            }
        ],
    }
