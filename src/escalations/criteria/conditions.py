"""The condition language: an OR of AND groups of {field, op, value} leaves over catalog fields."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from escalations.model.durations import parse_datetime

FIELD_TYPES = ("string", "number", "bool", "enumeration", "datetime", "owner")

OPS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "string": (
        "eq", "neq", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with",
        "is_known", "is_unknown",
    ),
    "number": ("eq", "neq", "gt", "gte", "lt", "lte", "is_known", "is_unknown"),
    "bool": ("eq", "neq", "is_known", "is_unknown"),
    "enumeration": ("eq", "neq", "in", "not_in", "is_known", "is_unknown"),
    "datetime": ("before", "after", "is_known", "is_unknown"),
    "owner": ("eq", "neq", "in", "not_in", "is_known", "is_unknown"),
}  # fmt: skip

PRESENCE_OPS = frozenset({"is_known", "is_unknown"})
LIST_OPS = frozenset({"in", "not_in"})
TEXT_OPS = frozenset({"contains", "not_contains", "starts_with", "ends_with"})
NUMBER_OPS = frozenset({"gt", "gte", "lt", "lte"})
TIME_OPS = frozenset({"before", "after"})


@dataclass(frozen=True, slots=True)
class Leaf:
    field: str
    op: str
    value: Any = None
    line: int = dataclass_field(default=0, compare=False)
    """Where the leaf was written (0 when unknown), for messages; not part of its meaning."""


@dataclass(frozen=True, slots=True)
class Condition:
    """Disjunctive normal form: the condition holds when every leaf of any one group holds."""

    groups: tuple[tuple[Leaf, ...], ...]

    def leaves(self) -> Iterator[Leaf]:
        for group in self.groups:
            yield from group


def group_pointers(data: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], list[Any]]]:
    """Each AND group of a raw condition with its pointer relative to the condition."""
    if "all" in data and isinstance(data["all"], list):
        yield ("all",), data["all"]
    for index, group in enumerate(data.get("any") or []):
        if isinstance(group, dict) and isinstance(group.get("all"), list):
            yield ("any", index, "all"), group["all"]


def parse_condition(
    data: dict[str, Any], line_of: Callable[[tuple[str | int, ...]], int] = lambda _: 0
) -> Condition:
    """A schema-valid raw condition as a Condition; `line_of` tells where a pointer was written."""
    return Condition(
        tuple(
            tuple(
                Leaf(leaf["field"], leaf["op"], _freeze(leaf.get("value")), line_of((*at, i)))
                for i, leaf in enumerate(leaves)
            )
            for at, leaves in group_pointers(data)
        )
    )


def value_problem(field_type: str, op: str, value: Any, options: list[str]) -> str | None:
    """Why `value` does not fit `op` on a field of `field_type`, or None when it does."""
    if op in PRESENCE_OPS:
        return None
    values = value if isinstance(value, list) else [value]
    if op in LIST_OPS and not isinstance(value, list):
        return f"'{op}' takes a list of values, for example [{_quote(value)}]"
    if isinstance(value, list) and op not in LIST_OPS | TEXT_OPS:
        return f"'{op}' takes a single value, not a list; use 'in' for a list"
    if op in TEXT_OPS:
        bad = [v for v in values if not isinstance(v, str)]
        return f"'{op}' compares text; quote {_quote(bad[0])}" if bad else None
    if op in NUMBER_OPS or field_type == "number":
        bad = [v for v in values if isinstance(v, bool) or not isinstance(v, int | float)]
        return f"a number field takes numbers, not {_quote(bad[0])}" if bad else None
    if field_type == "bool":
        return (
            None
            if isinstance(value, bool)
            else f"a yes/no field takes true or false, not {_quote(value)}"
        )
    if op in TIME_OPS:
        return _datetime_problem(value)
    if field_type == "enumeration":
        unknown = [v for v in values if str(v) not in options]
        if unknown:
            close = difflib.get_close_matches(str(unknown[0]), options, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            listed = ", ".join(options)
            return f"{_quote(unknown[0])} is not an option of this field{hint}; options: {listed}"
        return None
    if field_type == "owner":
        bad = [v for v in values if not (isinstance(v, str) and v.startswith(("person:", "team:")))]
        return (
            f"an owner field takes person: or team: references, not {_quote(bad[0])}"
            if bad
            else None
        )
    bad = [v for v in values if not isinstance(v, str)]
    return f"a text field takes text; quote {_quote(bad[0])}" if bad else None


def _datetime_problem(value: Any) -> str | None:
    try:
        parse_datetime(str(value))
    except ValueError:
        return f"{_quote(value)} is not a date-time with offset such as 2026-03-01T09:00:00+01:00"
    return None


def _quote(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# -- evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeafTrace:
    group: int
    index: int
    leaf: Leaf
    actual: Any
    result: bool
    decisive: bool


@dataclass(frozen=True, slots=True)
class Trace:
    """A condition's outcome with every leaf's: which leaves decided it."""

    result: bool
    leaves: tuple[LeafTrace, ...]

    def decisive(self) -> list[LeafTrace]:
        return [leaf for leaf in self.leaves if leaf.decisive]


def holds(leaf: Leaf, field_type: str, actual: Any) -> bool:
    """HubSpot's meaning of one leaf: an unknown value satisfies only is_unknown; text is
    compared case-insensitively; a list value on a text operator means any of them."""
    if actual is None:
        return leaf.op == "is_unknown"
    op = leaf.op
    if op in PRESENCE_OPS:
        return op == "is_known"
    expected = leaf.value
    if field_type == "string":
        text = str(actual).lower()
        options = [str(v).lower() for v in _many(expected)]
        return _text(op, text, options)
    if field_type == "number":
        return _compare(op, float(actual), expected)
    if field_type == "datetime":
        moment = parse_datetime(str(expected))
        return bool(actual < moment) if op == "before" else bool(actual > moment)
    values = list(_many(expected))
    if op in ("eq", "in"):
        return actual in values
    return actual not in values  # neq, not_in


def _many(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _text(op: str, text: str, options: list[str]) -> bool:
    if op in ("eq", "in"):
        return text in options
    if op in ("neq", "not_in"):
        return text not in options
    if op == "contains":
        return any(option in text for option in options)
    if op == "not_contains":
        return not any(option in text for option in options)
    if op == "starts_with":
        return any(text.startswith(option) for option in options)
    return any(text.endswith(option) for option in options)  # ends_with


def _compare(op: str, actual: float, expected: Any) -> bool:
    value = float(expected)
    return {
        "eq": actual == value,
        "neq": actual != value,
        "gt": actual > value,
        "gte": actual >= value,
        "lt": actual < value,
        "lte": actual <= value,
    }[op]


def satisfied(condition: Condition, field_types: dict[str, str], state: dict[str, Any]) -> bool:
    """Whether the condition holds on a ticket state (what `evaluate` says, without a trace)."""
    return any(
        all(holds(leaf, field_types[leaf.field], state.get(leaf.field)) for leaf in group)
        for group in condition.groups
    )


def evaluate(condition: Condition, field_types: dict[str, str], state: dict[str, Any]) -> Trace:
    """The condition on a ticket state, with the leaves that decided it: the leaves of the first
    group that held, or the first failing leaf of every group when none held."""
    traces: list[LeafTrace] = []
    result = False
    for g, group in enumerate(condition.groups):
        group_result = True
        first_failure = True
        for i, leaf in enumerate(group):
            actual = state.get(leaf.field)
            ok = holds(leaf, field_types[leaf.field], actual)
            traces.append(LeafTrace(g, i, leaf, actual, ok, False))
            if not ok and first_failure and not result:
                group_result, first_failure = False, False
                traces[-1] = LeafTrace(g, i, leaf, actual, ok, True)
        if group_result and not result:
            result = True
            traces = [
                LeafTrace(t.group, t.index, t.leaf, t.actual, t.result, t.group == g)
                for t in traces
            ]
    return Trace(result, tuple(traces))
