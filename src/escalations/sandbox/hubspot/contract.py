"""The v4 flows request contract of the HubSpot emulator: one table per request schema.

Rows cite `<Schema>.<field>` of PublicApiSpecs/Automation/Automation V4/Rollouts/144908/v4/
automationV4.json (reference §5), or reference §3.3 for the built-in action types, whose
`fields` the spec leaves open. Filter and action bodies are open (the reference §3.4 reports
that HubSpot ignores unknown keys there); a flow request's top level is closed.
"""

from __future__ import annotations

from typing import Any

from escalations.sandbox.hubspot.check import Schema, check, check_choice, fail, may, need, path

_MONTHS = (
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
)
_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

TIME_OF_DAY = Schema("ApiTimeOfDay", (need("hour", "integer"), need("minute", "integer")))
TIME_WINDOW = Schema(
    "ApiTimeWindow",
    (
        need("day", "string", *_DAYS),
        may("startTime", "object", shape=TIME_OF_DAY),
        may("endTime", "object", shape=TIME_OF_DAY),
    ),
)
BLOCKED_DATE = Schema(
    "ApiBlockedDate",
    (need("dayOfMonth", "integer"), need("month", "string", *_MONTHS), may("year", "integer")),
)
CONNECTION = Schema(
    "ApiConnection",
    (need("edgeType", "string", "GOTO", "STANDARD"), need("nextActionId", "string")),
)

_COMMON = (
    need("actions", "array", items="object"),
    need("blockedDates", "array", items=BLOCKED_DATE),
    need("customProperties", "object"),
    may("description", "string"),
    may("enrollmentCriteria", "object"),
    may("enrollmentSchedule", "object"),
    need("isEnabled", "boolean"),
    may("name", "string"),
    may("startActionId", "string"),
    may("suppressionFilterBranch", "object"),
    need("timeWindows", "array", items=TIME_WINDOW),
    need("type", "string", "PLATFORM_FLOW"),
    may("uuid", "string"),
)
FLOW_CREATE = Schema(
    "ApiPlatformFlowCreateRequest",
    (
        *_COMMON,
        need("dataSources", "array", items="object"),
        need("flowType", "string", "ACTION_SET", "UNKNOWN", "WORKFLOW"),
        need("objectTypeId", "string"),
    ),
    closed=True,
)
# Reference §3.5 (HubSpot's CLI: GET, strip createdAt, updatedAt, dataSources,
# crmObjectCreationStatus, nextAvailableActionId, PUT) keeps id, flowType and objectTypeId in
# a PUT body, so they are accepted (and must match the flow); the rest of ApiFlow is refused.
FLOW_PUT = Schema(
    "ApiPlatformFlowPutRequest",
    (
        *_COMMON,
        need("revisionId", "string"),
        may("id", "string"),
        may("flowType", "string", "WORKFLOW"),
        may("objectTypeId", "string"),
    ),
    closed=True,
)

# -- enrollment criteria and filter branches ----------------------------------------------

ENROLLMENT: dict[str, Schema] = {
    "LIST_BASED": Schema(
        "ApiListBasedEnrollmentCriteria",
        (
            need("listFilterBranch", "object"),
            need("reEnrollmentTriggersFilterBranches", "array", items="object"),
            need("shouldReEnroll", "boolean"),
            need("type", "string"),
            need("unEnrollObjectsNotMeetingCriteria", "boolean"),
        ),
    ),
    "EVENT_BASED": Schema(
        "ApiEventBasedEnrollmentCriteria",
        (
            need("eventFilterBranches", "array", items="object"),
            need("listMembershipFilterBranches", "array", items="object"),
            may("refinementCriteria", "object"),
            need("shouldReEnroll", "boolean"),
            need("type", "string"),
        ),
    ),
    "MANUAL": Schema(
        "ApiManualEnrollmentCriteria", (need("shouldReEnroll", "boolean"), need("type", "string"))
    ),
}

_BRANCH_ROWS = (
    need("filterBranchOperator", "string"),
    need("filterBranchType", "string"),
    need("filterBranches", "array", items="object"),
    need("filters", "array", items="object"),
)
BRANCHES = {
    kind: Schema(f"Public{name}FilterBranch", _BRANCH_ROWS)
    for kind, name in (("OR", "Or"), ("AND", "And"), ("NOT_ALL", "NotAll"), ("NOT_ANY", "NotAny"))
}
PROPERTY_FILTER = Schema(
    "PublicPropertyFilter",
    (
        need("filterType", "string", "PROPERTY"),
        need("operation", "object"),
        need("property", "string"),
    ),
)

_OPERATION = (
    need("includeObjectsWithNoValueSet", "boolean"),
    need("operationType", "string"),
    need("operator", "string"),
)
_TIME = ("timePoint", "lowerBoundTimePoint", "upperBoundTimePoint")
OPERATIONS: dict[str, Schema] = {
    "BOOL": Schema("PublicBoolPropertyOperation", (*_OPERATION, need("value", "boolean"))),
    "NUMBER": Schema("PublicNumberPropertyOperation", (*_OPERATION, need("value", "number"))),
    "NUMBER_RANGED": Schema(
        "PublicRangedNumberPropertyOperation",
        (*_OPERATION, need("lowerBound", "integer"), need("upperBound", "integer")),
    ),
    "STRING": Schema("PublicStringPropertyOperation", (*_OPERATION, need("value", "string"))),
    "MULTISTRING": Schema(
        "PublicMultiStringPropertyOperation", (*_OPERATION, need("values", "array", items="string"))
    ),
    "ENUMERATION": Schema(
        "PublicEnumerationPropertyOperation", (*_OPERATION, need("values", "array", items="string"))
    ),
    "ALL_PROPERTY": Schema("PublicAllPropertyTypesOperation", _OPERATION),
    "TIME_POINT": Schema(
        "PublicTimePointOperation",
        (
            *_OPERATION,
            need("timePoint", "object"),
            need("type", "string"),
            may("endpointBehavior", "string"),
            may("propertyParser", "string"),
        ),
    ),
    "TIME_RANGED": Schema(
        "PublicRangedTimeOperation",
        (
            *_OPERATION,
            need("lowerBoundTimePoint", "object"),
            need("upperBoundTimePoint", "object"),
            need("type", "string", "TIME_RANGED"),
            may("propertyParser", "string"),
        ),
    ),
}
"""The operation schemas the emulator evaluates, by `operationType`; the spec's others
(DATETIME, RANGED_DATE, ROLLING_*, COMPARATIVE_*, DATE, CALENDAR_DATE) answer 400 here."""

_ZONE = (need("timeType", "string"), need("zoneId", "string"), may("timezoneSource", "string"))
TIME_POINTS: dict[str, Schema] = {
    "DATE": Schema(
        "PublicDatePoint",
        (
            *_ZONE,
            need("year", "integer"),
            need("month", "integer"),
            need("day", "integer"),
            may("hour", "integer"),
            may("minute", "integer"),
            may("second", "integer"),
            may("millisecond", "integer"),
        ),
    ),
    "INDEXED": Schema(
        "PublicIndexedTimePoint",
        (*_ZONE, need("indexReference", "object"), may("offset", "object")),
    ),
    "PROPERTY_REFERENCED": Schema(
        "PublicPropertyReferencedTime",
        (*_ZONE, need("property", "string"), need("referenceType", "string")),
    ),
}


def check_enrollment(criteria: Any, where: str = "enrollmentCriteria") -> None:
    """ApiListBased/EventBased/ManualEnrollmentCriteria by `type` (DATASET: not emulated)."""
    body = check(criteria, Schema("enrollmentCriteria", ()), where)
    schema = check_choice(body, "type", ENROLLMENT, where, "enrollmentCriteria")
    check(body, schema, where)
    if schema is ENROLLMENT["LIST_BASED"]:
        check_filter_branch(body["listFilterBranch"], path(where, "listFilterBranch"))
        for index, item in enumerate(body["reEnrollmentTriggersFilterBranches"]):
            check_filter_branch(
                item, path(path(where, "reEnrollmentTriggersFilterBranches"), index)
            )


def check_filter_branch(branch: Any, where: str) -> None:
    """A filter branch, its nested branches, its property filters and their operations."""
    body = check(branch, Schema("filterBranch", ()), where)
    schema = check_choice(body, "filterBranchType", BRANCHES, where, "filterBranch")
    check(body, schema, where)
    for index, child in enumerate(body["filterBranches"]):
        check_filter_branch(child, path(path(where, "filterBranches"), index))
    for index, item in enumerate(body["filters"]):
        spot = path(path(where, "filters"), index)
        if isinstance(item, dict) and item.get("filterType") not in (None, "PROPERTY"):
            message = f"{spot}.filterType {item['filterType']} is not supported by this emulator"
            raise fail(message, path(spot, "filterType"), "UNSUPPORTED", "PublicPropertyFilter")
        check_operation(check(item, PROPERTY_FILTER, spot)["operation"], path(spot, "operation"))


def check_operation(operation: dict[str, Any], where: str) -> None:
    schema = check_choice(operation, "operationType", OPERATIONS, where, "operation")
    check(operation, schema, where)
    for key in _TIME:
        if key in operation:
            check_time_point(operation[key], path(where, key))


def check_time_point(point: Any, where: str) -> None:
    """PublicDatePoint, PublicIndexedTimePoint or PublicPropertyReferencedTime by timeType."""
    body = check(point, Schema("timePoint", ()), where)
    check(body, check_choice(body, "timeType", TIME_POINTS, where, "timePoint"), where)
