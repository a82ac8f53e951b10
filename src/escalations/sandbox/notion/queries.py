"""Data-source queries of the Notion emulator: filters compiled to predicates, and sorts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from escalations.sandbox.notion.properties import Schema, empty_value, find_property, plain
from escalations.sandbox.notion.shapes import (
    MAX_ARRAY,
    Invalid,
    check_keys,
    expect_bool,
    expect_enum,
    expect_list,
    expect_object,
    expect_string,
    required,
    show,
    validation_error,
)

TEXT_LIKE = ("title", "rich_text", "url")
"""Property types whose values filter as text (a `rich_text` condition on a title, and so on)."""

Predicate = Callable[[dict[str, Any]], bool]
T = TypeVar("T")


def compile_filter(value: Any, path: str, schema: Schema, depth: int = 0) -> Predicate:
    """A predicate over a row's values (by property id) from a query `filter`."""
    obj = expect_object(value, path)
    for junction in ("and", "or"):
        if junction in obj:
            check_keys(obj, path, (junction,))
            if depth >= 2:
                raise validation_error("Filters can be nested at most two levels deep.")
            items = expect_list(obj[junction], f"{path}.{junction}", MAX_ARRAY)
            parts = [
                compile_filter(item, f"{path}.{junction}[{i}]", schema, depth + 1)
                for i, item in enumerate(items)
            ]
            if junction == "and":
                return lambda values: all(part(values) for part in parts)
            return lambda values: any(part(values) for part in parts)
    name = expect_string(required(obj, "property", path), f"{path}.property")
    prop = find_property(schema, name)
    if prop is None:
        raise validation_error(f"Could not find property with name or id: {name}")
    conditions = [key for key in obj if key != "property"]
    if len(conditions) != 1:
        raise Invalid(
            f"{path} should have exactly one filter condition besides `property`, "
            f"instead was `{show(conditions)}`"
        )
    condition = conditions[0]
    kind = prop["type"]
    compatible = condition in TEXT_LIKE if kind in TEXT_LIKE else condition == kind
    if not compatible:
        raise validation_error(
            f"The property type in the data source ({kind}) does not match "
            f"the filter provided ({condition})."
        )
    test = _condition(kind, obj[condition], f"{path}.{condition}")
    pid = prop["id"]
    return lambda values: test(values.get(pid, empty_value(kind)))


def _condition(kind: str, value: Any, path: str) -> Callable[[Any], bool]:
    obj = expect_object(value, path)
    if len(obj) != 1:
        raise Invalid(f"{path} should have exactly one operator, instead was `{show(obj)}`")
    operator, operand = next(iter(obj.items()))
    if operator == "is_empty":
        return lambda v: v in (None, [], "", False) and kind != "checkbox"
    if operator == "is_not_empty":
        return lambda v: v not in (None, [], "")
    if kind in TEXT_LIKE:
        return _text_condition(operator, operand, path)
    if kind == "select":
        expect_enum(operator, f"{path}.operator", ("equals", "does_not_equal"))
        name = expect_string(operand, f"{path}.{operator}")
        equals = operator == "equals"
        return lambda v: (v is not None and v["name"] == name) == equals
    if kind == "checkbox":
        expect_enum(operator, f"{path}.operator", ("equals", "does_not_equal"))
        flag = expect_bool(operand, f"{path}.{operator}")
        return lambda v: (bool(v) == flag) == (operator == "equals")
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "equals": lambda a, b: a == b,
        "does_not_equal": lambda a, b: a != b,
        "greater_than": lambda a, b: a > b,
        "less_than": lambda a, b: a < b,
        "greater_than_or_equal_to": lambda a, b: a >= b,
        "less_than_or_equal_to": lambda a, b: a <= b,
        "after": lambda a, b: a > b,
        "before": lambda a, b: a < b,
        "on_or_after": lambda a, b: a >= b,
        "on_or_before": lambda a, b: a <= b,
    }
    compare = ops.get(operator)
    if compare is None:
        raise Invalid(f"{path}.{operator} should be not present, instead was `{show(operand)}`")
    if kind == "date":
        bound = expect_string(operand, f"{path}.{operator}")
        return lambda v: v is not None and compare(str(v["start"])[: len(bound)], bound)
    if isinstance(operand, bool) or not isinstance(operand, int | float):
        raise Invalid(f"{path}.{operator} should be a number, instead was `{show(operand)}`")
    return lambda v: v is not None and compare(v, operand)


def _text_condition(operator: str, operand: Any, path: str) -> Callable[[Any], bool]:
    text = expect_string(operand, f"{path}.{operator}")
    low = text.lower()
    tests: dict[str, Callable[[str], bool]] = {
        "equals": lambda s: s == text,
        "does_not_equal": lambda s: s != text,
        "contains": lambda s: low in s.lower(),
        "does_not_contain": lambda s: low not in s.lower(),
        "starts_with": lambda s: s.lower().startswith(low),
        "ends_with": lambda s: s.lower().endswith(low),
    }
    test = tests.get(operator)
    if test is None:
        raise Invalid(f"{path}.{operator} should be not present, instead was `{show(operand)}`")
    return lambda v: test(plain(v))


def sort_rows(
    rows: list[T], doc_of: Callable[[T], dict[str, Any]], value: Any, path: str, schema: Schema
) -> None:
    """Sort rows in place by a query's `sorts`; `doc_of` gives a row's stored document
    (`values` by property id, `created_time`, `last_edited_time`)."""
    sorts = expect_list(value, path)
    for i in reversed(range(len(sorts))):
        where = f"{path}[{i}]"
        spec = expect_object(sorts[i], where)
        check_keys(spec, where, ("property", "timestamp", "direction"))
        descending = (
            expect_enum(
                spec.get("direction", "ascending"),
                f"{where}.direction",
                ("ascending", "descending"),
            )
            == "descending"
        )
        if "timestamp" in spec:
            stamp = expect_enum(
                spec["timestamp"], f"{where}.timestamp", ("created_time", "last_edited_time")
            )
            rows.sort(key=lambda row: str(doc_of(row)[stamp]), reverse=descending)
            continue
        name = expect_string(required(spec, "property", where), f"{where}.property")
        prop = find_property(schema, name)
        if prop is None:
            raise validation_error(f"Could not find sort property with name or id: {name}")
        pid, kind = prop["id"], prop["type"]

        def key(row: T, pid: str = pid, kind: str = kind) -> Any:
            value = doc_of(row)["values"].get(pid)
            if kind == "number":
                return value
            if kind == "checkbox":
                return int(bool(value))
            return plain(value).lower()

        present = [row for row in rows if doc_of(row)["values"].get(pid) not in (None, [], "")]
        empty = [row for row in rows if doc_of(row)["values"].get(pid) in (None, [], "")]
        present.sort(key=key, reverse=descending)
        rows[:] = present + empty
