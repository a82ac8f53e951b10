"""Conditions as HubSpot workflow filter branches, with the engine's meaning of each leaf."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from escalations.criteria.conditions import Condition, Leaf
from escalations.errors import EscalationsError
from escalations.model.durations import parse_datetime
from escalations.model.framework import Field, Framework
from escalations.publish.hubspot import shapes

NUMBER_OPERATORS = {
    "eq": "IS_EQUAL_TO",
    "neq": "IS_NOT_EQUAL_TO",
    "gt": "IS_GREATER_THAN",
    "gte": "IS_GREATER_THAN_OR_EQUAL_TO",
    "lt": "IS_LESS_THAN",
    "lte": "IS_LESS_THAN_OR_EQUAL_TO",
}
# Text: a list value means any of them, which is HubSpot's MULTISTRING operation (ref §2.1).
TEXT_OPERATORS = {
    "eq": "IS_EQUAL_TO",
    "in": "IS_EQUAL_TO",
    "neq": "IS_NOT_EQUAL_TO",
    "not_in": "IS_NOT_EQUAL_TO",
    "contains": "CONTAINS",
    "not_contains": "DOES_NOT_CONTAIN",
    "starts_with": "STARTS_WITH",
    "ends_with": "ENDS_WITH",
}


def _instant(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else parse_datetime(str(value))
    return moment.astimezone(UTC)


OwnerId = Callable[[str], str]
"""The HubSpot owner id of a `person:` reference."""


def filter_branch(condition: Condition, framework: Framework, owner_id: OwnerId) -> dict[str, Any]:
    fields = {f.id: f for f in framework.fields}
    return shapes.or_of_ands(
        [[leaf_filter(leaf, fields[leaf.field], owner_id) for leaf in g] for g in condition.groups]
    )


def leaf_filter(leaf: Leaf, field: Field, owner_id: OwnerId) -> dict[str, Any]:
    prop = field.hubspot_property
    if leaf.op in ("is_known", "is_unknown"):
        return shapes.property_filter(
            prop,
            shapes.operation("ALL_PROPERTY", "IS_KNOWN" if leaf.op == "is_known" else "IS_UNKNOWN"),
        )
    values = list(leaf.value) if isinstance(leaf.value, tuple | list) else [leaf.value]
    negative = leaf.op in ("neq", "not_in")
    if field.type == "enumeration":
        internal = [next(o.hubspot for o in field.options if o.value == v) for v in values]
        # Enumerations reject IS_NOT_EQUAL_TO; IS_NONE_OF is the negation (ref §3.4 [3P #498]).
        operator = "IS_NONE_OF" if negative else "IS_ANY_OF"
        return shapes.property_filter(
            prop, shapes.operation("ENUMERATION", operator, values=internal)
        )
    if field.type == "owner":
        ids = [owner_id(str(v)) for v in values]
        operator = "IS_NONE_OF" if negative else "IS_ANY_OF"
        return shapes.property_filter(prop, shapes.operation("ENUMERATION", operator, values=ids))
    if field.type == "number":
        # PublicNumberPropertyOperation types `value` as a number [SPEC].
        number = float(values[0])
        value: int | float = int(number) if number.is_integer() else number
        return shapes.property_filter(
            prop, shapes.operation("NUMBER", NUMBER_OPERATORS[leaf.op], value=value)
        )
    if field.type == "bool":
        # PublicBoolPropertyOperation types `value` as a boolean [SPEC].
        operator = "IS_NOT_EQUAL_TO" if negative else "IS_EQUAL_TO"
        return shapes.property_filter(
            prop, shapes.operation("BOOL", operator, value=bool(values[0]))
        )
    if field.type == "string":
        kind = "STRING" if len(values) == 1 and leaf.op in ("eq", "neq") else "MULTISTRING"
        operator = TEXT_OPERATORS[leaf.op]
        body = (
            {"value": str(values[0])} if kind == "STRING" else {"values": [str(v) for v in values]}
        )
        return shapes.property_filter(prop, shapes.operation(kind, operator, **body))
    if field.type == "datetime":
        operator = "IS_BEFORE" if leaf.op == "before" else "IS_AFTER"
        return shapes.property_filter(prop, shapes.time_point(operator, _instant(values[0])))
    raise EscalationsError(f"field '{field.id}' of type {field.type} cannot be compiled")
