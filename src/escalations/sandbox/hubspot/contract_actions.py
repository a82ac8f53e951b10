"""The v4 flow actions contract of the HubSpot emulator: actions, values, built-in action fields.

The tables hold the action variants, the value objects and the `fields` each built-in action
type takes.

Action and value rows cite `<Schema>.<field>` of automationV4.json (reference §5); the
action-type table cites reference §3.3, since the spec types `fields` as an open object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from escalations.sandbox.hubspot.check import (
    Schema,
    check,
    check_choice,
    detail,
    fail,
    may,
    need,
    path,
    refuse,
)
from escalations.sandbox.hubspot.contract import CONNECTION
from escalations.sandbox.hubspot.shapes import ApiError

_METHODS = ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")

VALUES: dict[str, Schema] = {
    kind: Schema(name, (need("type", "string"), *rows))
    for kind, name, rows in (
        ("STATIC_VALUE", "ApiStaticValue", (need("staticValue", "string"),)),
        ("OBJECT_PROPERTY", "ApiObjectPropertyValue", (need("propertyName", "string"),)),
        ("TIMESTAMP", "ApiTimestampValue", (need("timestampType", "string", "EXECUTION_TIME"),)),
        ("RELATIVE_DATETIME", "ApiRelativeDateTimeValue", (need("timeDelay", "object"),)),
        ("INCREMENT", "ApiIncrementValue", (need("incrementAmount", "number"),)),
        (
            "FIELD_DATA",
            "ApiActionDataValue",
            (need("actionId", "string"), need("dataKey", "string")),
        ),
        (
            "FETCHED_OBJECT_PROPERTY",
            "ApiFetchedObjectPropertyValue",
            (need("propertyToken", "string"),),
        ),
        (
            "ENROLLMENT_EVENT_PROPERTY",
            "ApiEnrollmentEventPropertyValue",
            (need("enrollmentEventPropertyToken", "string"),),
        ),
        (
            "APPEND_OBJECT_PROPERTY",
            "ApiAppendObjectPropertyValue",
            (need("appendPropertyName", "string"),),
        ),
        ("STATIC_APPEND_VALUE", "ApiStaticAppendValue", (need("staticAppendValue", "string"),)),
        (
            "ACTION_OUTPUT_OBJECT_PROPERTY",
            "ApiActionOutputObjectPropertyValue",
            (need("actionOutputPropertyToken", "string"),),
        ),
        (
            "SINGLE_OBJECT_COORDINATES",
            "ApiSingleObjectCoordinatesValue",
            (need("coordinatesToken", "string"),),
        ),
        ("LIST", "ApiListInputValue", (need("values", "array", items="object"),)),
        ("MAP", "ApiMapInputValue", (need("values", "object"),)),
        (
            "ENROLLMENT_DATASET_COLUMN",
            "ApiEnrollmentDatasetColumnValue",
            (need("enrollmentDatasetColumnToken", "string"),),
        ),
    )
}
"""The value objects of `fields`, `inputValue` and input variables, by `type`."""

TIME_DELAY = Schema(
    "ApiTimeDelay",
    (
        need("daysOfWeek", "array", items="string"),
        need("delta", "integer"),
        need("timeUnit", "string"),
        may("timeOfDay", "object"),
    ),
)
INPUT_VARIABLE = Schema("ApiInputVariable", (need("name", "string"), need("value", "object")))
AUTH_SETTINGS = {
    "AUTH_KEY": Schema(
        "ApiAuthKeyWebhookAuthSettings",
        (
            need("location", "string", "HEADER", "QUERY_PARAM"),
            need("name", "string"),
            need("secretName", "string"),
            need("type", "string"),
        ),
    ),
    "SIGNATURE": Schema(
        "ApiSignatureWebhookAuthSettings", (need("appId", "integer"), need("type", "string"))
    ),
}

_ID = (need("actionId", "string"), need("type", "string"))
_LINK = may("connection", "object", shape=CONNECTION)
_DEFAULT = (may("defaultBranch", "object", shape=CONNECTION), may("defaultBranchName", "string"))
ACTIONS: dict[str, Schema] = {
    "SINGLE_CONNECTION": Schema(
        "ApiSingleConnectionAction",
        (
            *_ID,
            need("actionTypeId", "string"),
            need("actionTypeVersion", "integer"),
            need("fields", "object"),
            _LINK,
        ),
    ),
    "LIST_BRANCH": Schema(
        "ApiListBranchAction",
        (
            *_ID,
            need(
                "listBranches",
                "array",
                items=Schema(
                    "ApiListBranch",
                    (may("branchName", "string"), may("filterBranch", "object"), _LINK),
                ),
            ),
            *_DEFAULT,
        ),
    ),
    "STATIC_BRANCH": Schema(
        "ApiStaticBranchAction",
        (
            *_ID,
            need("inputValue", "object"),
            *_DEFAULT,
            need(
                "staticBranches",
                "array",
                items=Schema("ApiStaticBranch", (need("branchValue", "string"), _LINK)),
            ),
        ),
    ),
    "AB_TEST_BRANCH": Schema(
        "ApiABTestBranchAction",
        (
            *_ID,
            need(
                "testBranches",
                "array",
                items=Schema(
                    "ApiABTestBranch",
                    (need("connection", "object", shape=CONNECTION), may("percentage", "integer")),
                ),
            ),
        ),
    ),
    "WEBHOOK": Schema(
        "ApiWebhookAction",
        (
            *_ID,
            need("method", "string", *_METHODS),
            need("webhookUrl", "string"),
            need("queryParams", "array", items=INPUT_VARIABLE),
            may("authSettings", "object"),
            _LINK,
        ),
    ),
    "CUSTOM_CODE": Schema(
        "ApiCustomCodeAction",
        (
            *_ID,
            need("inputFields", "array", items=INPUT_VARIABLE),
            need("outputFields", "array", items="object"),
            need("runtime", "string"),
            need("secretNames", "array", items="string"),
            need("sourceCode", "string"),
            _LINK,
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class ActionType:
    """The `fields` an action type takes; `values` are the fields holding a value object."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    values: tuple[str, ...] = ()


ACTION_TYPES: dict[str, ActionType] = {
    "0-1": ActionType(("delta", "time_unit")),
    "0-35": ActionType(("date",), ("delta", "time_unit", "time_of_day"), ("date",)),
    "0-5": ActionType(("property_name", "value"), ("association",), ("value",)),
    "0-9": ActionType(("user_ids", "delivery_method", "subject", "body")),
    "0-8": ActionType(("subject", "body"), ("owner_properties", "user_ids", "team_ids")),
    "0-3": ActionType(
        ("subject",),
        (
            "task_type",
            "body",
            "priority",
            "associations",
            "use_explicit_associations",
            "owner_assignment",
            "due_time",
        ),
    ),
    "0-11": ActionType(("user_ids", "target_property"), ("overwrite_current_owner",)),
    "0-4": ActionType(("content_id",)),
    "0-14": ActionType(("object_type_id", "properties"), ("associations",)),
    "0-63809083": ActionType(("list_id",)),
    "0-63863438": ActionType(("list_id",)),
}
"""Built-in action types and their `fields` (reference §3.3 table: 0-1 and 0-9 DOC, 0-5 3P x5,
the others 3P/UNVERIFIED). 0-13 answers 500 like HubSpot; integration (app) actions are portal
specific and known only once `HubSpotEmulator.install_action` registers them."""

LEGACY = "0-13"


def check_action(action: Any, where: str) -> Schema:
    """An action against its variant's schema (by `type`), its connections' shape and its value
    objects; returns the variant's schema."""
    body = check(action, Schema("action", ()), where)
    schema = check_choice(body, "type", ACTIONS, where, "action")
    check(body, schema, where)
    if "inputValue" in body:
        check_value(body["inputValue"], path(where, "inputValue"))
    for index, variable in enumerate([*body.get("queryParams", []), *body.get("inputFields", [])]):
        check_value(variable["value"], path(where, f"inputs[{index}].value"))
    if body.get("authSettings") is not None:
        spot = path(where, "authSettings")
        check(
            body["authSettings"],
            check_choice(body["authSettings"], "type", AUTH_SETTINGS, spot, "authSettings"),
            spot,
        )
    return schema


def check_value(value: Any, where: str) -> None:
    """A value object (ApiStaticValue, ApiObjectPropertyValue, ...) by its `type`."""
    body = check(value, Schema("value", ()), where)
    schema = check_choice(body, "type", VALUES, where, "value")
    check(body, schema, where)
    if schema is VALUES["RELATIVE_DATETIME"]:
        check(body["timeDelay"], TIME_DELAY, path(where, "timeDelay"))


def check_fields(
    type_id: str, fields: dict[str, Any], where: str, installed: Mapping[str, ActionType]
) -> None:
    """`fields` of a SINGLE_CONNECTION action against its action type (reference §3.3)."""
    known = ACTION_TYPES.get(type_id) or installed.get(type_id)
    spot = path(where, "actionTypeId")
    if known is None:
        message = (
            f"{spot} {type_id} is not an action type of this portal (built-in: "
            f"{', '.join(ACTION_TYPES)}; integration actions must be installed)"
        )
        raise fail(message, spot, "UNKNOWN_ACTION_TYPE", "reference §3.3")
    errors = [
        detail(
            f"{path(where, f'fields.{name}')} is required",
            path(where, f"fields.{name}"),
            "REQUIRED_FIELD",
            f"actionType {type_id}",
        )
        for name in known.required
        if fields.get(name) is None
    ]
    allowed = (*known.required, *known.optional)
    for name in fields:
        if name not in allowed:
            spot = path(where, f"fields.{name}")
            message = (
                f"{spot} is not a field of action type {type_id}; its fields: {', '.join(allowed)}"
            )
            errors.append(detail(message, spot, "UNRECOGNIZED_FIELD", f"actionType {type_id}"))
    if errors:
        raise refuse(errors)
    for name in known.values:
        if name in fields:
            check_value(fields[name], path(where, f"fields.{name}"))


def server_error() -> ApiError:
    """HubSpot's opaque 500 (seen for legacy action types and `defaultBranch: {}`)."""
    return ApiError(500, "internal error", "")
