"""Rules on references and conditions: ids resolve, conditions fit the field catalog."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from escalations.criteria.conditions import OPS_BY_TYPE, group_pointers, value_problem
from escalations.model.load import Document, Pointer
from escalations.model.problems import Problem, Severity, error
from escalations.model.rules.index import (
    _REFERENCES,
    OWNER,
    TARGETS,
    Index,
    _article,
    _did_you_mean,
    _expand,
    _options,
    _unresolved,
    _word,
    rule,
)


@rule(
    "unique-id",
    Severity.ERROR,
    (
        "Ids are unique within their kind (people, teams, triggers, paths, levels of a path, "
        "playbook types, test cases, action items, ...)."
    ),
)
def unique_ids(index: Index) -> Iterator[Problem]:
    for kind, by_id in index.entities.items():
        for key, entities in by_id.items():
            first = entities[0]
            for duplicate in entities[1:]:
                field = "type" if kind == "type" else "id"
                yield error(
                    duplicate.document.path,
                    duplicate.document.at((*duplicate.pointer, field)),
                    "unique-id",
                    f"the {_word(kind)} '{key}' is already defined at {first.document.path}:"
                    f"{first.document.at((*first.pointer, field))[0]}; give this one another "
                    f"{field}.",
                )
    for document in index.of_kind("path"):
        seen: dict[str, int] = {}
        for pointer, level_id in _expand(document, ("levels", "*", "id")):
            if level_id in seen:
                yield error(
                    document.path,
                    document.at(pointer),
                    "unique-id",
                    f"level '{level_id}' appears twice in this path (first on line "
                    f"{seen[level_id]}); give each level its own id.",
                )
            seen.setdefault(level_id, document.at(pointer)[0])


@rule(
    "unknown-reference",
    Severity.ERROR,
    (
        "Every reference resolves: person, team, calendar, tier, path, escalation type, "
        "trigger, root cause and level."
    ),
)
def references(index: Index) -> Iterator[Problem]:
    for document in index.documents:
        for pattern, target in _REFERENCES.get(document.kind, ()):
            for pointer, value in _expand(document, pattern):
                if not isinstance(value, str):
                    continue
                why = _unresolved(index, value, target)
                if why:
                    yield error(
                        document.path,
                        document.at(pointer),
                        "unknown-reference",
                        f"{why}; use an id defined in the framework.",
                    )
    for document in index.of_kind("tests"):
        for pointer, expect in _expand(document, ("cases", "*", "expect")):
            level, trigger_id = expect.get("level"), expect.get("trigger")
            trigger = index.first("trigger", trigger_id) if isinstance(trigger_id, str) else None
            path = index.first("path", trigger.data.get("path", "")) if trigger else None
            if isinstance(level, str) and path is not None:
                levels = [
                    str(lv.get("id")) for lv in path.data.get("levels", []) if isinstance(lv, dict)
                ]
                if level not in levels:
                    yield error(
                        document.path,
                        document.at((*pointer, "level")),
                        "unknown-reference",
                        f"path '{path.data['id']}' of trigger '{trigger_id}' has no level "
                        f"'{level}'{_did_you_mean(level, levels)}; its levels are: "
                        f"{', '.join(levels)}.",
                    )


def _conditions(index: Index) -> Iterator[tuple[Document, Pointer, dict[str, Any]]]:
    """Every leaf of every trigger condition, with its pointer."""
    for document in index.of_kind("trigger"):
        for key in ("when", "still"):
            condition = document.get((key,))
            if not isinstance(condition, dict):
                continue
            for group_pointer, leaves in group_pointers(condition):
                for i, leaf in enumerate(leaves):
                    if isinstance(leaf, dict):
                        yield document, (key, *group_pointer, i), leaf


@rule(
    "condition-field",
    Severity.ERROR,
    "Conditions only name fields of the field catalog (fields.yaml).",
)
def condition_fields(index: Index) -> Iterator[Problem]:
    for document, pointer, leaf in _conditions(index):
        name = leaf.get("field")
        if (
            isinstance(name, str)
            and index.first("field", name) is None
            and not index.skips("field")
        ):
            yield error(
                document.path,
                document.at((*pointer, "field")),
                "condition-field",
                f"'{name}' is not in the field catalog{_did_you_mean(name, index.ids('field'))}; "
                "conditions may only name fields defined in fields.yaml.",
            )


@rule("condition-op", Severity.ERROR, "A condition's operator applies to the field's type.")
def condition_ops(index: Index) -> Iterator[Problem]:
    for document, pointer, leaf in _conditions(index):
        field = index.first("field", str(leaf.get("field")))
        if field is None:
            continue
        field_type = field.data.get("type", "")
        allowed = OPS_BY_TYPE.get(field_type, ())
        if leaf.get("op") not in allowed:
            yield error(
                document.path,
                document.at((*pointer, "op")),
                "condition-op",
                f"'{leaf.get('op')}' does not apply to '{field.data['id']}', "
                f"{_article(field_type)} {field_type} field; use one of: {', '.join(allowed)}.",
            )


@rule(
    "condition-value",
    Severity.ERROR,
    (
        "A condition's value fits the operator and the field: numbers for numeric fields, "
        "options of an enumeration, lists for in/not_in."
    ),
)
def condition_values(index: Index) -> Iterator[Problem]:
    for document, pointer, leaf in _conditions(index):
        field = index.first("field", str(leaf.get("field")))
        field_type = field.data.get("type", "") if field else ""
        if field is None or leaf.get("op") not in OPS_BY_TYPE.get(field_type, ()):
            continue
        options = _options(field.data)
        why = value_problem(field_type, str(leaf["op"]), leaf.get("value"), options)
        if why is None and field_type == "owner":
            values = leaf.get("value")
            for value in values if isinstance(values, list) else [values]:
                why = why or (_unresolved(index, value, OWNER) if isinstance(value, str) else None)
        if why:
            yield error(
                document.path,
                document.at((*pointer, "value")),
                "condition-value",
                f"{why}; fix the value of this '{field.data['id']}' condition.",
            )


@rule(
    "after-reference",
    Severity.ERROR,
    "A trigger's `after.target` names an existing tier and one of its targets.",
)
def after_references(index: Index) -> Iterator[Problem]:
    for document in index.of_kind("trigger"):
        target = document.get(("after", "target"))
        if not isinstance(target, str):
            continue
        tier_id, _, name = target.partition(".")
        if index.first("tier", tier_id) is None and index.skips("tier"):
            continue
        if index.first("tier", tier_id) is None:
            yield error(
                document.path,
                document.at(("after", "target")),
                "after-reference",
                f"'after' waits for a target of tier '{tier_id}', which does not exist"
                f"{_did_you_mean(tier_id, index.ids('tier'))}; name a tier of tiers.yaml.",
            )
        elif name not in TARGETS:
            yield error(
                document.path,
                document.at(("after", "target")),
                "after-reference",
                f"tiers have no target '{name}'{_did_you_mean(name, TARGETS)}; use one of: "
                f"{', '.join(TARGETS)}.",
            )


@rule(
    "test-ticket",
    Severity.ERROR,
    "Test tickets only set catalog fields, with values of the field's type and options.",
)
def test_tickets(index: Index) -> Iterator[Problem]:
    for document in index.of_kind("tests"):
        for pattern in (("cases", "*", "ticket", "*"), ("cases", "*", "changes", "*", "set", "*")):
            for pointer, value in _expand(document, pattern):
                name = str(pointer[-1])
                field = index.first("field", name)
                if field is None and index.skips("field"):
                    continue
                if field is None:
                    yield error(
                        document.path,
                        document.at(pointer, key=True),
                        "test-ticket",
                        f"the ticket sets '{name}', which is not in the field catalog"
                        f"{_did_you_mean(name, index.ids('field'))}; use field ids from "
                        "fields.yaml.",
                    )
                    continue
                why = _ticket_value_problem(index, field.data, value)
                if why:
                    yield error(
                        document.path,
                        document.at(pointer),
                        "test-ticket",
                        f"{why}; fix the test ticket's '{name}'.",
                    )


def _ticket_value_problem(index: Index, field: dict[str, Any], value: Any) -> str | None:
    if value is None:
        return None
    field_type = field.get("type", "")
    if field_type == "datetime":
        return value_problem("datetime", "after", value, [])
    if field_type == "owner" and isinstance(value, str):
        return _unresolved(index, value, OWNER)
    options = _options(field)
    return value_problem(field_type, "eq", value, options)
