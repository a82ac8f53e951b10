"""Rules on structure: paths and levels, tiers, triggers, dates, calendars, teams, files."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from escalations.model.durations import parse_date, parse_datetime, parse_duration
from escalations.model.load import MARKDOWN_KINDS, Document, Pointer
from escalations.model.problems import Problem, Severity, error, warning
from escalations.model.rules.index import _DATES, TARGETS, Entity, Index, _expand, rule


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
            if not isinstance(level, dict):
                continue  # a level that failed its schema (reported there)
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
    "notify-via",
    Severity.ERROR,
    "Notifications go via channels the compiler delivers: slack or hubspot (not email).",
)
def notify_via(index: Index) -> Iterator[Problem]:
    for document in index.of_kind("path"):
        for i, level in enumerate(document.get(("levels",)) or []):
            notify = level.get("notify") if isinstance(level, dict) else None
            for j, item in enumerate(notify if isinstance(notify, list) else []):
                via = item.get("via") if isinstance(item, dict) else None
                for k, channel in enumerate(via if isinstance(via, list) else []):
                    if channel != "email":
                        continue
                    # HubSpot's send-internal-email action (0-8) is known only from third
                    # parties: accepting it would compile to nothing.
                    yield error(
                        document.path,
                        document.at(("levels", i, "notify", j, "via", k)),
                        "notify-via",
                        "'email' notifications cannot be delivered (HubSpot's internal email "
                        "action is unverified, so nothing would be sent); notify via slack or "
                        "hubspot instead and remove 'email'.",
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
        untested = key not in tested and entity.data.get("enabled", True)
        if untested and not index.skips("case"):
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
                if not isinstance(text, str):
                    continue  # a value that failed its schema (reported there)
                start, _, end = text.partition("-")
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
