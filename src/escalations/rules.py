"""Semantic rules over schema-valid Documents: references, conditions, cycles, targets, dates."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from escalations.conditions import OPS_BY_TYPE, group_pointers, value_problem
from escalations.durations import parse_date, parse_datetime, parse_duration
from escalations.load import MARKDOWN_KINDS, Document, Pointer
from escalations.problems import Problem, Severity, error, warning

OWNER = "owner"
"""A reference target that is `person:<id>` or `team:<id>`."""

TARGETS = ("first_response", "update_cadence", "resolution")


@dataclass(frozen=True, slots=True)
class Entity:
    document: Document
    pointer: Pointer
    data: dict[str, Any]


Check = Callable[["Index"], Iterable[Problem]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    check: Check


class Index:
    """Every identified entity of the document set, by kind and id, in file order."""

    def __init__(self, documents: list[Document], invalid: frozenset[str] = frozenset()) -> None:
        self.documents = [d for d in documents if d.path not in invalid]
        self.entities: dict[str, dict[str, list[Entity]]] = defaultdict(lambda: defaultdict(list))
        for document in documents:
            for kind, pointer in _ENTITY_LISTS.get(document.kind, ()):
                for child, data in _expand(document, pointer):
                    if isinstance(data, dict) and isinstance(data.get("id"), str):
                        self._add(kind, data["id"], Entity(document, child, data))
            if document.kind == "playbook" and isinstance(document.get(("type",)), str):
                self._add("type", document.data["type"], Entity(document, (), document.data))

    def _add(self, kind: str, key: str, entity: Entity) -> None:
        self.entities[kind][key].append(entity)

    def ids(self, kind: str) -> list[str]:
        return list(self.entities[kind])

    def first(self, kind: str, key: str) -> Entity | None:
        found = self.entities[kind].get(key)
        return found[0] if found else None

    def checked(self, kind: str) -> list[Entity]:
        """The first definition of each id of `kind`, from documents that passed their schema."""
        valid = {id(d) for d in self.documents}
        return [e[0] for e in self.entities[kind].values() if id(e[0].document) in valid]

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]


_ENTITY_LISTS: dict[str, tuple[tuple[str, Pointer], ...]] = {
    "framework": (("root-cause", ("root_causes", "*")),),
    "people": (("person", ("people", "*")),),
    "teams": (("team", ("teams", "*")),),
    "calendars": (("calendar", ("calendars", "*")),),
    "fields": (("field", ("fields", "*")),),
    "tiers": (("tier", ("tiers", "*")),),
    "trigger": (("trigger", ()),),
    "path": (("path", ()),),
    "playbook": (("playbook", ()),),
    "review": (("review", ()), ("action-item", ("action_items", "*"))),
    "doc": (("doc", ()),),
    "tests": (("case", ("cases", "*")),),
}

_REFERENCES: dict[str, tuple[tuple[Pointer, str], ...]] = {
    "framework": ((("owner",), OWNER), (("default_calendar",), "calendar")),
    "people": ((("people", "*", "calendar"), "calendar"),),
    "teams": (
        (("teams", "*", "lead"), OWNER),
        (("teams", "*", "members", "*"), OWNER),
        (("teams", "*", "calendar"), "calendar"),
    ),
    "tiers": ((("tiers", "*", "targets", "*", "calendar"), "calendar"),),
    "trigger": (
        (("tier",), "tier"),
        (("path",), "path"),
        (("escalation_type",), "type"),
        (("after", "calendar"), "calendar"),
    ),
    "path": (
        (("handoff",), "path"),
        (("levels", "*", "owner"), OWNER),
        (("levels", "*", "assignees", "*"), OWNER),
        (("levels", "*", "move_on", "after", "calendar"), "calendar"),
        (("levels", "*", "notify", "*", "to"), OWNER),
    ),
    "playbook": ((("owner",), OWNER),),
    "review": (
        (("facilitator",), OWNER),
        (("participants", "*"), OWNER),
        (("action_items", "*", "owner"), OWNER),
        (("action_items", "*", "addresses"), "root-cause"),
        (("root_causes", "*", "cause"), "root-cause"),
    ),
    "tests": (
        (("cases", "*", "expect", "trigger"), "trigger"),
        (("cases", "*", "expect", "tier"), "tier"),
        (("cases", "*", "expect", "owner"), OWNER),
        (("cases", "*", "expect", "type"), "type"),
    ),
}

_DATES: dict[str, tuple[tuple[Pointer, bool], ...]] = {
    "framework": ((("changelog", "*", "date"), False),),
    "calendars": ((("calendars", "*", "holidays", "*", "date"), False),),
    "review": (
        (("period", "start"), False),
        (("period", "end"), False),
        (("held_on",), False),
        (("action_items", "*", "due"), False),
    ),
    "tests": ((("cases", "*", "at"), True), (("cases", "*", "changes", "*", "at"), True)),
}

_KIND_WORDS = {
    "root-cause": "root cause",
    "action-item": "action item",
    "case": "test case",
    "type": "escalation type (a playbook's `type`)",
}


def _expand(document: Document, pattern: Pointer) -> Iterator[tuple[Pointer, Any]]:
    """Every (pointer, value) matching `pattern`, where '*' stands for any list index or key."""
    found: list[tuple[Pointer, Any]] = [((), document.data)]
    for part in pattern:
        following: list[tuple[Pointer, Any]] = []
        for pointer, value in found:
            if part == "*" and isinstance(value, list):
                following.extend(((*pointer, i), item) for i, item in enumerate(value))
            elif part == "*" and isinstance(value, dict):
                following.extend(((*pointer, k), item) for k, item in value.items())
            elif isinstance(value, dict) and part in value:
                following.append(((*pointer, part), value[part]))
        found = following
    yield from found


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _options(field: dict[str, Any]) -> list[str]:
    options = field.get("options")
    if not isinstance(options, list):
        return []
    return [str(o.get("value")) for o in options if isinstance(o, dict)]


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _word(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)


def _unresolved(index: Index, value: str, target: str) -> str | None:
    """Why a reference does not resolve, or None when it does."""
    kind, key = target, value
    if target == OWNER:
        if value == "owner" or value.startswith("#"):
            return None
        kind, _, key = value.partition(":")
        if kind not in ("person", "team"):
            return f"'{value}' must start with 'person:' or 'team:'"
    if key in index.entities[kind]:
        return None
    close = difflib.get_close_matches(key, index.ids(kind), n=1, cutoff=0.6)
    prefix = f"{kind}:" if target == OWNER else ""
    hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
    return f"no {_word(kind)} has the id '{key}'{hint}"


# -- rules ---------------------------------------------------------------------------------

RULES: list[Rule] = []
"""Every semantic rule, in the order they run (and are documented in the README)."""


def rule(rule_id: str, severity: Severity, summary: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES.append(Rule(rule_id, severity, summary, check))
        return check

    return register


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
        if isinstance(name, str) and index.first("field", name) is None:
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


@rule("path-cycle", Severity.ERROR, "Paths do not hand off to each other in a cycle.")
def path_cycles(index: Index) -> Iterator[Problem]:
    handoffs = {
        entity.data["id"]: str(entity.data["handoff"])
        for entity in index.checked("path")
        if isinstance(entity.data.get("handoff"), str)
    }
    reported: set[str] = set()
    for start in sorted(handoffs):
        chain, current = [start], handoffs[start]
        while current in handoffs and current not in chain:
            chain.append(current)
            current = handoffs[current]
        if current != start or start in reported:
            continue
        reported.update(chain)
        loop = " -> ".join([*chain, start])
        entity = index.entities["path"][start][0]
        yield error(
            entity.document.path,
            entity.document.at(("handoff",)),
            "path-cycle",
            f"paths hand off in a cycle ({loop}), so an escalation would never end; remove one "
            "of these handoffs.",
        )


@rule(
    "move-on",
    Severity.ERROR,
    "Every level but the last moves on; the last moves on only when the path hands off.",
)
def move_on(index: Index) -> Iterator[Problem]:
    for document in index.of_kind("path"):
        levels = document.get(("levels",)) or []
        has_handoff = isinstance(document.get(("handoff",)), str)
        for i, level in enumerate(levels):
            last = i == len(levels) - 1
            if last and "move_on" in level and not has_handoff:
                yield error(
                    document.path,
                    document.at(("levels", i, "move_on"), key=True),
                    "move-on",
                    "the last level moves on, but there is no next level and the path has no "
                    "'handoff'; remove 'move_on' or add a 'handoff' to another path.",
                )
            if not last and "move_on" not in level:
                yield error(
                    document.path,
                    document.at(("levels", i)),
                    "move-on",
                    f"level '{level.get('id')}' never moves on, so the levels after it can never "
                    "be reached; add 'move_on' (after, if) to it.",
                )


@rule(
    "tier-order",
    Severity.WARNING,
    "Tier targets tighten as tiers rise (compared when both use the same clock).",
)
def tier_order(index: Index) -> Iterator[Problem]:
    tiers = index.checked("tier")
    for lower, higher in pairwise(tiers):
        for name in TARGETS:
            low = lower.data.get("targets", {}).get(name, {})
            high = higher.data.get("targets", {}).get(name, {})
            if not (low and high) or low.get("clock") != high.get("clock"):
                continue
            try:
                slower = parse_duration(high["duration"]) > parse_duration(low["duration"])
            except (KeyError, ValueError):
                continue
            if slower:
                yield warning(
                    higher.document.path,
                    higher.document.at((*higher.pointer, "targets", name, "duration")),
                    "tier-order",
                    f"tier '{higher.data['id']}' has a looser {name} target ({high['duration']}) "
                    f"than the tier below it, '{lower.data['id']}' ({low['duration']}); targets "
                    "should tighten as tiers rise.",
                )


@rule(
    "untested-trigger",
    Severity.WARNING,
    "Every enabled trigger is expected to fire by at least one test case.",
)
def untested_triggers(index: Index) -> Iterator[Problem]:
    tested = {
        value
        for document in index.of_kind("tests")
        for _, value in _expand(document, ("cases", "*", "expect", "trigger"))
    }
    for entity in index.checked("trigger"):
        key = entity.data["id"]
        if key not in tested and entity.data.get("enabled", True):
            yield warning(
                entity.document.path,
                entity.document.at(("id",)),
                "untested-trigger",
                f"no test case expects trigger '{key}' to fire; add a case to framework/tests/ "
                "with `expect: {trigger: " + key + "}`.",
            )


@rule(
    "duplicate-precedence", Severity.ERROR, "No two triggers share a precedence (first match wins)."
)
def duplicate_precedence(index: Index) -> Iterator[Problem]:
    seen: dict[int, Entity] = {}
    for entity in index.checked("trigger"):
        precedence = entity.data.get("precedence")
        if not isinstance(precedence, int):
            continue
        if precedence in seen:
            other = seen[precedence]
            yield error(
                entity.document.path,
                entity.document.at(("precedence",)),
                "duplicate-precedence",
                f"trigger '{other.data['id']}' ({other.document.path}) has the same precedence "
                f"{precedence}; the first match wins, so give each trigger its own precedence.",
            )
        else:
            seen[precedence] = entity


@rule(
    "invalid-date",
    Severity.ERROR,
    "Dates and date-times are real calendar dates (and date-times carry a UTC offset).",
)
def dates(index: Index) -> Iterator[Problem]:
    for document in index.documents:
        for pattern, with_time in _DATES.get(document.kind, ()):
            for pointer, value in _expand(document, pattern):
                try:
                    (parse_datetime if with_time else parse_date)(str(value))
                except ValueError as exc:
                    yield error(
                        document.path,
                        document.at(pointer),
                        "invalid-date",
                        f"'{value}' is not a real {'date-time' if with_time else 'date'} ({exc}); "
                        + (
                            "write a date-time that exists, as YYYY-MM-DDTHH:MM:SS+HH:MM."
                            if with_time
                            else "write a date that exists, as YYYY-MM-DD."
                        ),
                    )


@rule(
    "review-dates",
    Severity.ERROR,
    (
        "A review's period is in order, it is held after the period starts, and its action "
        "items fall due after it was held."
    ),
)
def review_dates(index: Index) -> Iterator[Problem]:
    for document in index.of_kind("review"):
        start, end = _date(document, ("period", "start")), _date(document, ("period", "end"))
        held = _date(document, ("held_on",))
        if start and end and end < start:
            yield error(
                document.path,
                document.at(("period", "end")),
                "review-dates",
                f"the review period ends ({end}) before it starts ({start}); swap the dates.",
            )
        if held and start and held < start:
            yield error(
                document.path,
                document.at(("held_on",)),
                "review-dates",
                f"the review is held ({held}) before its period starts ({start}); fix held_on.",
            )
        for pointer, _ in _expand(document, ("action_items", "*", "due")):
            due = _date(document, pointer)
            if due and held and due < held:
                yield error(
                    document.path,
                    document.at(pointer),
                    "review-dates",
                    f"the action item is due {due}, before the review that created it was held "
                    f"({held}); set a due date after {held}.",
                )


def _date(document: Document, pointer: Pointer) -> Any:
    try:
        return parse_date(str(document.get(pointer)))
    except ValueError:
        return None


@rule(
    "calendar-hours",
    Severity.ERROR,
    "Business-hours intervals end after they start and do not overlap.",
)
def calendar_hours(index: Index) -> Iterator[Problem]:
    for document in index.of_kind("calendars"):
        for pointer, intervals in _expand(document, ("calendars", "*", "hours", "*")):
            spans: list[tuple[int, int, int]] = []
            for i, text in enumerate(intervals if isinstance(intervals, list) else []):
                start, _, end = str(text).partition("-")
                begin, finish = _minutes(start), _minutes(end)
                if finish <= begin:
                    yield error(
                        document.path,
                        document.at((*pointer, i)),
                        "calendar-hours",
                        f"'{text}' ends before it starts; write the earlier time first.",
                    )
                spans.append((begin, finish, i))
            spans.sort()
            for (_, end_a, _), (begin_b, _, i) in pairwise(spans):
                if begin_b < end_a:
                    yield error(
                        document.path,
                        document.at((*pointer, i)),
                        "calendar-hours",
                        f"'{intervals[i]}' overlaps another interval of the same day; merge them.",
                    )


def _minutes(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes or 0)


@rule("timezone", Severity.ERROR, "Calendars use IANA time zone names.")
def timezones(index: Index) -> Iterator[Problem]:
    for document in index.of_kind("calendars"):
        for pointer, name in _expand(document, ("calendars", "*", "timezone")):
            try:
                ZoneInfo(str(name))
            except (ZoneInfoNotFoundError, ValueError):
                yield error(
                    document.path,
                    document.at(pointer),
                    "timezone",
                    f"'{name}' is not an IANA time zone; use a name such as Europe/Berlin or "
                    "America/New_York.",
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


@rule("team-lead", Severity.WARNING, "A team's lead is one of its members.")
def team_leads(index: Index) -> Iterator[Problem]:
    for team in index.checked("team"):
        lead, members = team.data.get("lead"), team.data.get("members", [])
        if isinstance(lead, str) and isinstance(members, list) and lead not in members:
            yield warning(
                team.document.path,
                team.document.at((*team.pointer, "lead")),
                "team-lead",
                f"the lead {lead} is not one of the team's members; add them to 'members'.",
            )


@rule(
    "schema-comment",
    Severity.WARNING,
    (
        "Every file starts with its `yaml-language-server` `$schema` comment so editors "
        "validate as you type."
    ),
)
def schema_comments(index: Index) -> Iterator[Problem]:
    for document in index.documents:
        expected = f"{document.kind}.schema.json"
        depth = max(document.name.count("/") + 1, 1)
        suggestion = f"# yaml-language-server: $schema={'../' * depth}schema/{expected}"
        if document.schema_ref is None or not document.schema_ref.endswith(expected):
            markdown = document.kind in MARKDOWN_KINDS
            where = "inside the front matter" if markdown else "of the file"
            yield warning(
                document.path,
                (2 if markdown else 1, 1),
                "schema-comment",
                f"editors cannot validate this file as you type; make the first line {where} "
                f"'{suggestion}'.",
            )


def check_rules(documents: list[Document], invalid: frozenset[str] = frozenset()) -> list[Problem]:
    """Problems of the rules; documents in `invalid` (failed their schema) are not checked, but
    the ids they define still resolve, so one schema error does not cascade."""
    index = Index(documents, invalid)
    return [problem for rule in RULES for problem in rule.check(index)]
