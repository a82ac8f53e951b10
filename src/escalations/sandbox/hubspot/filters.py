"""Workflow filter branches of the HubSpot emulator: validation and HubSpot's match semantics."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from escalations.sandbox.hubspot.shapes import invalid, parse_time

_COMPARE = ("IS_EQUAL_TO", "IS_NOT_EQUAL_TO")
_TEXT = (*_COMPARE, "CONTAINS", "DOES_NOT_CONTAIN", "STARTS_WITH", "ENDS_WITH")
_ORDER = (
    "IS_GREATER_THAN",
    "IS_GREATER_THAN_OR_EQUAL_TO",
    "IS_LESS_THAN",
    "IS_LESS_THAN_OR_EQUAL_TO",
)
OPERATORS: dict[str, tuple[str, ...]] = {
    "ENUMERATION": (
        "IS_ANY_OF",
        "IS_NONE_OF",
        "IS_EXACTLY",
        "IS_NOT_EXACTLY",
        "CONTAINS_ALL",
        "DOES_NOT_CONTAIN_ALL",
    ),
    "STRING": _TEXT,
    "MULTISTRING": _TEXT,
    "NUMBER": (*_COMPARE, *_ORDER),
    "NUMBER_RANGED": ("IS_BETWEEN", "IS_NOT_BETWEEN"),
    "BOOL": _COMPARE,
    "ALL_PROPERTY": ("IS_KNOWN", "IS_UNKNOWN"),
    "TIME_POINT": ("IS_BEFORE", "IS_AFTER"),
    "TIME_RANGED": ("IS_BETWEEN", "IS_NOT_BETWEEN"),
}
"""Operators accepted per `operationType` (reference §3.4); others answer 400."""

PROPERTY_TYPES: dict[str, tuple[str, ...]] = {
    "ENUMERATION": ("enumeration",),
    "STRING": ("string", "phone_number"),
    "MULTISTRING": ("string", "phone_number"),
    "NUMBER": ("number",),
    "NUMBER_RANGED": ("number",),
    "BOOL": ("bool", "enumeration"),
    "TIME_POINT": ("date", "datetime"),
    "TIME_RANGED": ("date", "datetime"),
}
"""Property types each `operationType` applies to (ALL_PROPERTY: any)."""

BRANCH_TYPES = ("OR", "AND", "NOT_ALL", "NOT_ANY")

PropertyTypes = Callable[[str], str | None]
"""Property name -> its type, None when no such (active) property exists."""


def check_branch(branch: Any, where: str, types: PropertyTypes, *, root: bool = False) -> None:
    """Validate a filter branch (400 on the first problem); `root` wants OR -> AND -> filters."""
    if not isinstance(branch, dict):
        raise invalid(f"{where} must be a filter branch object")
    kind = branch.get("filterBranchType")
    if kind not in BRANCH_TYPES:
        raise invalid(
            f"{where}.filterBranchType must be one of {', '.join(BRANCH_TYPES)}, got {kind!r}"
        )
    children = branch.get("filterBranches", [])
    filters = branch.get("filters", [])
    if not isinstance(children, list) or not isinstance(filters, list):
        raise invalid(f"{where}.filterBranches and {where}.filters must be lists")
    if root:
        if kind != "OR" or filters:
            raise invalid(
                f"{where} must be an OR branch whose filterBranches are AND branches "
                "(filters belong in the AND branches)"
            )
        for index, child in enumerate(children):
            if not isinstance(child, dict) or child.get("filterBranchType") != "AND":
                raise invalid(f"{where}.filterBranches[{index}] must be an AND branch")
    for index, child in enumerate(children):
        check_branch(child, f"{where}.filterBranches[{index}]", types)
    for index, item in enumerate(filters):
        check_filter(item, f"{where}.filters[{index}]", types)


def check_filter(item: Any, where: str, types: PropertyTypes) -> None:
    if not isinstance(item, dict) or item.get("filterType") != "PROPERTY":
        raise invalid(f"{where}: only PROPERTY filters are supported by this emulator")
    name = item.get("property")
    kind = types(name) if isinstance(name, str) else None
    if kind is None:
        raise invalid(f"{where}: property {name!r} does not exist on object type 0-5")
    operation = item.get("operation")
    if not isinstance(operation, dict):
        raise invalid(f"{where}.operation is required")
    op_type, operator = operation.get("operationType"), operation.get("operator")
    if op_type not in OPERATORS:
        raise invalid(f"{where}: unknown operationType {op_type!r}")
    if operator not in OPERATORS[op_type]:
        raise invalid(
            f"{where}: operator {operator} is not valid for operationType {op_type}; "
            f"valid operators: {', '.join(OPERATORS[op_type])}"
        )
    if op_type in PROPERTY_TYPES and kind not in PROPERTY_TYPES[op_type]:
        raise invalid(
            f"{where}: operationType {op_type} cannot filter property {name} of type {kind}"
        )
    if op_type in ("ENUMERATION", "MULTISTRING") and not isinstance(operation.get("values"), list):
        raise invalid(f"{where}.operation.values must be a list for {op_type}")


# -- evaluation ---------------------------------------------------------------------------


def matches_branch(branch: Mapping[str, Any], values: Mapping[str, str | None]) -> bool:
    """Whether a record with property `values` meets `branch` (HubSpot's semantics)."""
    results = [matches_filter(f, values) for f in branch.get("filters", [])]
    results += [matches_branch(b, values) for b in branch.get("filterBranches", [])]
    kind = branch.get("filterBranchType")
    if kind == "AND":
        return all(results)
    if kind == "NOT_ALL":
        return not all(results)
    if kind == "NOT_ANY":
        return not any(results)
    return any(results)


def matches_filter(item: Mapping[str, Any], values: Mapping[str, str | None]) -> bool:
    operation = item.get("operation", {})
    op_type, operator = operation.get("operationType"), operation.get("operator")
    raw = values.get(str(item.get("property")))
    known = raw is not None and raw != ""
    if op_type == "ALL_PROPERTY":
        return known if operator == "IS_KNOWN" else not known
    if not known or raw is None:
        return bool(operation.get("includeObjectsWithNoValueSet", False))
    if op_type == "ENUMERATION":
        return _enumeration(operator, raw, operation.get("values", []))
    if op_type in ("STRING", "MULTISTRING"):
        wanted = operation.get("values")
        if not isinstance(wanted, list):
            wanted = [operation.get("value", "")]
        return _text(operator, raw, [str(w) for w in wanted])
    if op_type in ("NUMBER", "NUMBER_RANGED"):
        return _number(operator, raw, operation)
    if op_type == "BOOL":
        want = str(operation.get("value", "")).lower() == "true"
        return (
            (raw.lower() == "true") == want
            if operator == "IS_EQUAL_TO"
            else ((raw.lower() == "true") != want)
        )
    if op_type in ("TIME_POINT", "TIME_RANGED"):
        return _time(operator, raw, operation)
    return False


def _enumeration(operator: str, raw: str, wanted: list[Any]) -> bool:
    have = {part.strip().lower() for part in raw.split(";") if part.strip()}
    want = {str(value).lower() for value in wanted}
    result = {
        "IS_ANY_OF": bool(have & want),
        "IS_NONE_OF": not have & want,
        "IS_EXACTLY": have == want,
        "IS_NOT_EXACTLY": have != want,
        "CONTAINS_ALL": want <= have,
        "DOES_NOT_CONTAIN_ALL": not want <= have,
    }
    return result.get(operator, False)


def _text(operator: str, raw: str, wanted: list[str]) -> bool:
    text = raw.lower()
    tests: dict[str, Callable[[str], bool]] = {
        "IS_EQUAL_TO": lambda w: text == w,
        "CONTAINS": lambda w: w in text,
        "STARTS_WITH": lambda w: text.startswith(w),
        "ENDS_WITH": lambda w: text.endswith(w),
    }
    negated = {"IS_NOT_EQUAL_TO": "IS_EQUAL_TO", "DOES_NOT_CONTAIN": "CONTAINS"}
    test = tests.get(negated.get(operator, operator))
    if test is None:
        return False
    hit = any(test(w.lower()) for w in wanted)
    return not hit if operator in negated else hit


def _number(operator: str, raw: str, operation: Mapping[str, Any]) -> bool:
    try:
        have = float(raw)
        if operator in ("IS_BETWEEN", "IS_NOT_BETWEEN"):
            low = float(operation["lowerBound"])
            high = float(operation["upperBound"])
            inside = low <= have <= high
            return inside if operator == "IS_BETWEEN" else not inside
        want = float(operation.get("value", "nan"))
    except (KeyError, TypeError, ValueError):
        return False
    return {
        "IS_EQUAL_TO": have == want,
        "IS_NOT_EQUAL_TO": have != want,
        "IS_GREATER_THAN": have > want,
        "IS_GREATER_THAN_OR_EQUAL_TO": have >= want,
        "IS_LESS_THAN": have < want,
        "IS_LESS_THAN_OR_EQUAL_TO": have <= want,
    }.get(operator, False)


def _moment(point: Any) -> datetime | None:
    """A `timePoint`: `{"timestamp": ms}` or `{"timeType": "DATE", "year", "month", "day"}`."""
    if not isinstance(point, dict):
        return None
    if "timestamp" in point:
        return parse_time(str(point["timestamp"]))
    try:
        return datetime(int(point["year"]), int(point["month"]), int(point["day"]), tzinfo=UTC)
    except (KeyError, TypeError, ValueError):
        return None


def _time(operator: str, raw: str, operation: Mapping[str, Any]) -> bool:
    have = parse_time(raw)
    if have is None:
        return False
    if operator in ("IS_BEFORE", "IS_AFTER"):
        point = _moment(operation.get("timePoint"))
        if point is None:
            return False
        return have < point if operator == "IS_BEFORE" else have > point
    start = _moment(operation.get("lowerBoundTimePoint"))
    end = _moment(operation.get("upperBoundTimePoint"))
    if start is None or end is None:
        return False
    inside = start <= have <= end
    return inside if operator == "IS_BETWEEN" else not inside
