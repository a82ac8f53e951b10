"""What changes inside a HubSpot workflow or property, old -> new, in the words a reviewer reads."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from escalations.model.framework import Framework
from escalations.publish.edits import Edit, abridge, compare
from escalations.publish.hubspot.compile import Compiled
from escalations.publish.hubspot.marks import normal_flow, normal_property
from escalations.publish.hubspot.portal import PortalState

TICKET_OWNER = "hubspot_owner_id"
OPERATORS = {
    "IS_ANY_OF": "is",
    "IS_EQUAL_TO": "is",
    "IS_NONE_OF": "is not",
    "IS_NOT_EQUAL_TO": "is not",
    "IS_GREATER_THAN": "is more than",
    "IS_GREATER_THAN_OR_EQUAL_TO": "is at least",
    "IS_LESS_THAN": "is less than",
    "IS_LESS_THAN_OR_EQUAL_TO": "is at most",
    "CONTAINS": "contains",
    "DOES_NOT_CONTAIN": "does not contain",
    "STARTS_WITH": "starts with",
    "ENDS_WITH": "ends with",
    "IS_BEFORE": "is before",
    "IS_AFTER": "is after",
}
NEGATIVE = frozenset({"IS_NONE_OF", "IS_NOT_EQUAL_TO", "DOES_NOT_CONTAIN"})
DESCRIBED = frozenset({"actions", "enrollmentCriteria", "name", "description"})
"""The parts of a flow that its edits describe one by one; the others are compared whole."""


@dataclass(frozen=True, slots=True)
class Words:
    """What the plan calls HubSpot's internal names: properties and options by their labels,
    owners and users by the names of the people they are."""

    prefix: str
    labels: Mapping[str, str]
    """Property name -> label."""
    options: Mapping[str, Mapping[str, str]]
    """Property name -> internal option value -> label."""
    people: Mapping[str, str]
    """HubSpot owner id or user id -> the person's name."""
    owner_properties: frozenset[str]

    def label(self, prop: str) -> str:
        return self.labels.get(prop, prop)

    def value(self, prop: str, value: Any) -> str:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if prop in self.owner_properties:
            return self.people.get(text, f"owner {text}")
        return self.options.get(prop, {}).get(text, text)

    def names(self, user_ids: Iterable[Any]) -> str:
        return ", ".join(self.people.get(str(u), f"user {u}") for u in user_ids) or "nobody"


def words_of(framework: Framework, compiled: Compiled, state: PortalState, prefix: str) -> Words:
    """The words of a framework compiled for a portal (whose owners name its people)."""
    labels = {TICKET_OWNER: "Ticket owner"}
    options: dict[str, dict[str, str]] = {}
    for prop in (*compiled.properties, *compiled.catalog):
        labels[prop["name"]] = prop["label"]
        options[prop["name"]] = {str(o["value"]): o["label"] for o in prop.get("options") or []}
    owner_properties = {TICKET_OWNER, f"{prefix}owner"}
    for item in framework.fields:
        labels[item.hubspot_property] = item.label
        if item.options:
            options[item.hubspot_property] = {o.hubspot: o.label for o in item.options}
        if item.type == "owner":
            owner_properties.add(item.hubspot_property)
    names = {person.email.lower(): person.name for person in framework.people}
    people: dict[str, str] = {}
    for email, owner in state.owners.items():
        name = names.get(email, email)
        people[owner.owner_id] = people[owner.user_id] = name
    return Words(prefix, labels, options, people, frozenset(owner_properties))


# -- properties --------------------------------------------------------------------------------


def property_edits(
    current: dict[str, Any], wanted: dict[str, Any], words: Words
) -> tuple[Edit, ...]:
    """The label, description, type and options that change, options by their value."""
    old, new = normal_property(current), normal_property(wanted)
    edits = [
        compare(key, _plain(old.get(key)), _plain(new.get(key)))
        for key in ("label", "description", "type", "fieldType", "groupName")
    ]
    before = {str(o["value"]): o for o in old.get("options") or []}
    after = {str(o["value"]): o for o in new.get("options") or []}
    for value in [*before, *(v for v in after if v not in before)]:
        edits.append(
            compare(f"option {value}", _option(before.get(value)), _option(after.get(value)))
        )
    if not any(edits) and before.keys() == after.keys():
        order = [o["label"] for o in sorted(before.values(), key=_order)]
        wanted_order = [o["label"] for o in sorted(after.values(), key=_order)]
        edits.append(compare("option order", ", ".join(order), ", ".join(wanted_order)))
    return tuple(e for e in edits if e is not None)


def _order(option: dict[str, Any]) -> int:
    return int(option.get("displayOrder") or 0)


def _option(option: dict[str, Any] | None) -> str | None:
    if option is None:
        return None
    return f"{option['label']}{' (hidden)' if option.get('hidden') else ''}"


def _plain(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


# -- flows -------------------------------------------------------------------------------------


def flow_edits(current: dict[str, Any], wanted: dict[str, Any], words: Words) -> tuple[Edit, ...]:
    """The name, enrollment filters, and each level's delays, checks, owners and notifications
    that change; a level only one side has is one edit."""
    old, new = normal_flow(current), normal_flow(wanted)
    edits: list[Edit | None] = [
        compare("name", old.get("name"), new.get("name")),
        compare("description", old.get("description") or None, new.get("description") or None),
    ]
    edits += _enrollment_edits(
        old.get("enrollmentCriteria") or {}, new.get("enrollmentCriteria") or {}, words
    )
    before, after = _steps(old.get("actions") or [], words), _steps(new.get("actions") or [], words)
    step_edits = _step_edits(before, after)
    if not step_edits and old.get("actions") != new.get("actions"):
        unsaid = "as compiled (they differ in details the plan does not describe)"
        step_edits = [Edit("change", "actions", "as read from HubSpot", unsaid)]
    edits += step_edits
    for key in sorted((set(old) | set(new)) - DESCRIBED):
        edits.append(compare(key, _json(old.get(key)), _json(new.get(key))))
    return tuple(e for e in edits if e is not None)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _enrollment_edits(old: dict[str, Any], new: dict[str, Any], words: Words) -> list[Edit | None]:
    edits: list[Edit | None] = []
    before = _groups(old.get("listFilterBranch") or {})
    after = _groups(new.get("listFilterBranch") or {})
    several = max(len(before), len(after)) > 1
    for index in range(max(len(before), len(after))):
        what = f"enrollment filter (group {index + 1})" if several else "enrollment filter"
        if index >= len(before) or index >= len(after):
            group = before[index] if index < len(before) else after[index]
            text = " and ".join(_leaf(f, words) for f in group)
            edits.append(
                compare(
                    what,
                    text if index < len(before) else None,
                    text if index < len(after) else None,
                )
            )
            continue
        edits += _filter_edits(what, before[index], after[index], words)
    rest = {k: v for k, v in old.items() if k != "listFilterBranch"}
    wanted = {k: v for k, v in new.items() if k != "listFilterBranch"}
    edits.append(compare("enrollment settings", _json(rest), _json(wanted)))
    return edits


def _filter_edits(
    what: str, old: list[dict[str, Any]], new: list[dict[str, Any]], words: Words
) -> list[Edit | None]:
    """Filters of one AND group paired by the property they test."""
    before = _by_property(old, words)
    after = _by_property(new, words)
    return [
        compare(what, before.get(key), after.get(key))
        for key in [*before, *(k for k in after if k not in before)]
    ]


def _by_property(filters: list[dict[str, Any]], words: Words) -> dict[str, str]:
    described: dict[str, str] = {}
    for item in filters:
        key = str(item.get("property") or json.dumps(item, sort_keys=True))
        while key in described:
            key += "'"
        described[key] = _leaf(item, words)
    return described


def _groups(branch: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """An OR of ANDs as lists of filters (a root's own filters as one more group)."""
    groups = [list(b.get("filters") or []) for b in branch.get("filterBranches") or []]
    return [*groups, list(branch["filters"])] if branch.get("filters") else groups


def _condition(branch: dict[str, Any], words: Words) -> str:
    groups = [" and ".join(_leaf(f, words) for f in group) for group in _groups(branch)]
    return " or ".join(f"({g})" if len(groups) > 1 else g for g in groups) or "always"


def _leaf(item: dict[str, Any], words: Words) -> str:
    if item.get("filterType") != "PROPERTY":
        return abridge(json.dumps(item, sort_keys=True))
    prop = str(item.get("property"))
    label = words.label(prop)
    operation = item.get("operation") or {}
    operator = str(operation.get("operator"))
    if operator in ("IS_KNOWN", "IS_UNKNOWN"):
        return f"{label} is {'known' if operator == 'IS_KNOWN' else 'unknown'}"
    if "timePoint" in operation:
        values = [_moment(operation["timePoint"])]
    else:
        values = [
            words.value(prop, v)
            for v in operation.get("values")
            or ([operation["value"]] if "value" in operation else [])
        ]
    verb = OPERATORS.get(operator, operator.lower().replace("_", " "))
    if operator in NEGATIVE and len(values) > 1:
        return f"{label} {verb} any of {', '.join(values)}"
    return f"{label} {verb} {' or '.join(values)}"


def _moment(point: dict[str, Any]) -> str:
    date = f"{point.get('year')}-{point.get('month', 1):02}-{point.get('day', 1):02}"
    return f"{date} {point.get('hour', 0):02}:{point.get('minute', 0):02} {point.get('zoneId', '')}"


# Each action is placed at a level: a delay and a check belong to the level they lead to (the
# first level's: the wait before escalating), the rest to the level set before them.
Steps = dict[int, dict[str, str]]


def _steps(actions: list[dict[str, Any]], words: Words) -> Steps:
    levels: Steps = {1: {}}
    pending: list[tuple[str, str]] = []
    level = 1

    def put(number: int, slot: str, text: str) -> None:
        slots = levels.setdefault(number, {})
        name, count = slot, 1
        while name in slots:
            count += 1
            name = f"{slot} {count}"
        slots[name] = text

    for action in actions:
        fields = action.get("fields") or {}
        if action.get("actionTypeId") == "0-1":
            pending.append(
                ("delay", f"{fields.get('delta')} {str(fields.get('time_unit', '')).lower()}")
            )
        elif action.get("type") == "LIST_BRANCH":
            branches = action.get("listBranches") or [{}]
            pending.append(("check", _condition(branches[0].get("filterBranch") or {}, words)))
        elif action.get("actionTypeId") == "0-5":
            prop = str(fields.get("property_name"))
            value = _value(prop, fields.get("value") or {}, words)
            if prop == f"{words.prefix}level" and value.isdigit():
                level = int(value)
                for slot, text in pending:
                    put(level, slot, text)
                pending = []
            elif prop == TICKET_OWNER and levels.get(level, {}).get("owner") == value:
                continue  # the ticket owner follows the escalation owner: said once
            else:
                put(
                    level,
                    "owner" if prop == f"{words.prefix}owner" else f"set {words.label(prop)}",
                    value,
                )
        else:
            put(level, *_other(action, words))
    for slot, text in pending:
        put(level, slot, text)
    return levels


def _value(prop: str, value: dict[str, Any], words: Words) -> str:
    if value.get("type") == "STATIC_VALUE":
        return words.value(prop, value.get("staticValue"))
    if value.get("type") == "TIMESTAMP":
        return "the time it runs"
    if value.get("type") == "OBJECT_PROPERTY":
        return f"the ticket's {words.label(str(value.get('propertyName')))}"
    return abridge(json.dumps(value, sort_keys=True))


def _other(action: dict[str, Any], words: Words) -> tuple[str, str]:
    fields = action.get("fields") or {}
    if action.get("actionTypeId") == "0-9":
        return "HubSpot notification", f"to {words.names(fields.get('user_ids') or [])}"
    if action.get("type") == "WEBHOOK":
        query = {q.get("name"): q.get("value") or {} for q in action.get("queryParams") or []}
        event = (query.get("event") or {}).get("staticValue", "")
        return "notifier call", f"{event} to {action.get('webhookUrl')}".strip()
    if "channel" in fields:
        return "Slack message", f"to {fields.get('channel')}"
    return f"action {action.get('actionTypeId') or action.get('type')}", abridge(
        json.dumps(fields, sort_keys=True)
    )


def _step_edits(before: Steps, after: Steps) -> list[Edit]:
    edits: list[Edit] = []
    for level in sorted(set(before) | set(after)):
        old, new = before.get(level), after.get(level)
        if old is None or new is None:
            edit = compare(f"level {level}", _summary(old), _summary(new))
            edits += [edit] if edit else []
            continue
        for slot in [*old, *(s for s in new if s not in old)]:
            edit = compare(_what(slot, level), old.get(slot), new.get(slot))
            edits += [edit] if edit else []
    return edits


def _what(slot: str, level: int) -> str:
    if slot.startswith(("delay", "check")):
        kind, _, rest = slot.partition(" ")
        where = "escalating" if level == 1 else f"level {level}"
        return f"{kind}{' ' + rest if rest else ''} before {where}"
    return f"{slot} at level {level}"


def _summary(steps: dict[str, str] | None) -> str | None:
    """A level in one line: its owner and the wait before it."""
    if steps is None:
        return None
    parts = [f"owner {steps['owner']}"] if "owner" in steps else []
    if "delay" in steps:
        parts.append(f"after {steps['delay']}")
    if "check" in steps:
        parts.append(f"if {steps['check']}")
    return ", ".join(parts) or f"{len(steps)} actions"
