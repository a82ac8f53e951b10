"""Plain-language descriptions of conditions, durations and owners, for people to read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from escalations.criteria.conditions import Condition, Leaf
from escalations.model.durations import duration_parts
from escalations.model.framework import Duration, Field, Framework, MoveOn, Trigger


def duration(value: Duration, framework: Framework) -> str:
    """`PT4H` on the business clock of emea-business -> `4 business hours (EMEA business hours)`."""
    weeks, days, rest = duration_parts(value.text)
    hours, remainder = divmod(int(rest.total_seconds()), 3600)
    minutes = remainder // 60
    business = value.clock == "business"
    parts = [
        _count(weeks, "business week" if business else "week"),
        _count(days, "business day" if business else "day"),
        _count(hours, "business hour" if business else "hour"),
        _count(minutes, "business minute" if business else "minute"),
    ]
    text = " ".join(p for p in parts if p) or "no time"
    if business:
        text += f" ({framework.calendar(value.calendar).name})"
    return text


def elapsed(value: timedelta) -> str:
    """`timedelta(weeks=4)` -> `4 weeks`."""
    weeks, days = divmod(value.days, 7)
    hours = value.seconds // 3600
    parts = [_count(weeks, "week"), _count(days, "day"), _count(hours, "hour")]
    return " ".join(p for p in parts if p) or "no time"


def _count(number: int, unit: str) -> str:
    return "" if not number else f"{number} {unit}{'' if number == 1 else 's'}"


def owner(reference: str, framework: Framework) -> str:
    kind, _, key = reference.partition(":")
    if kind == "person":
        return framework.person(key).name
    if kind == "team":
        return framework.team(key).name
    return reference


def condition(value: Condition, framework: Framework) -> str:
    """`Priority is High or Urgent, and Ticket status is not Closed`; groups joined by `or`."""
    groups = [", and ".join(leaf(item, framework) for item in group) for group in value.groups]
    if len(groups) == 1:
        return groups[0]
    return "; or ".join(f"({group})" for group in groups)


def leaf(item: Leaf, framework: Framework) -> str:
    field = framework.field(item.field)
    label = field.label
    op = item.op
    if op == "is_known":
        return f"{label} is known"
    if op == "is_unknown":
        return f"{label} is empty"
    values = [_value(field, v, framework) for v in _many(item.value)]
    phrases = {
        "eq": f"{label} is {_any(values)}",
        "in": f"{label} is {_any(values)}",
        "neq": f"{label} is not {_any(values)}",
        "not_in": f"{label} is not {_any(values)}",
        "contains": f"{label} contains {_any(values)}",
        "not_contains": f"{label} contains none of {_all(values)}",
        "starts_with": f"{label} starts with {_any(values)}",
        "ends_with": f"{label} ends with {_any(values)}",
        "gt": f"{label} is more than {values[0]}",
        "gte": f"{label} is at least {values[0]}",
        "lt": f"{label} is less than {values[0]}",
        "lte": f"{label} is at most {values[0]}",
        "before": f"{label} is before {values[0]}",
        "after": f"{label} is after {values[0]}",
    }
    return phrases[op]


def _many(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _value(field: Field, value: Any, framework: Framework) -> str:
    if field.type == "enumeration":
        return next((o.label for o in field.options if o.value == value), str(value))
    if field.type == "owner":
        return owner(str(value), framework)
    if field.type == "bool":
        return "yes" if value else "no"
    if field.type == "string":
        return f"“{value}”"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _any(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + f" or {values[-1]}"


def _all(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + f", {values[-1]}"


def trigger(item: Trigger, framework: Framework) -> str:
    """The whole criterion: `when`, and with `after`, how long and what must still hold."""
    text = condition(item.when, framework)
    if item.after is not None and item.still is not None:
        wait = duration(item.after.duration, framework)
        if item.after.target:
            tier_id, _, target = item.after.target.partition(".")
            wait = f"the {framework.tier(tier_id).name} {target.replace('_', ' ')} target ({wait})"
        text += f"; then, after {wait}, still: {condition(item.still, framework)}"
    return text


MOVE_ON = {
    "not_acknowledged": "if nobody has acknowledged it",
    "not_resolved": "if it is not resolved",
    "target_breached": "if the response target is breached",
}


def move_on(value: MoveOn, framework: Framework) -> str:
    return f"after {duration(value.after, framework)}, {MOVE_ON[value.condition]}"
