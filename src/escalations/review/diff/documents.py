"""Playbooks, pages, test cases, reviews, people, teams, fields and calendars compared."""

from __future__ import annotations

from typing import Any

from escalations.criteria import describe
from escalations.model.framework import (
    Calendar,
    Case,
    Expectation,
    Field,
    Framework,
    Page,
    Person,
    Playbook,
    Review,
    RootCause,
    Team,
)

from .common import Subject, body_lines, text
from .statement import NONE, Statement

EXPECTED = ("escalated", "trigger", "tier", "owner", "type", "level")


def compare_playbook(
    key: str, before: Playbook, after: Playbook, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("playbook", key)
    statements = subject.prose("name", before.name, after.name)
    statements += subject.fields(before, after, ("type", "owner"), "changed")
    statements += subject.fields(before, after, ("severity",), "wording")
    statements += subject.prose("summary", before.summary, after.summary)
    statements += _items(
        subject, "definition of done", before.definition_of_done, after.definition_of_done
    )
    return statements + subject.body(before.body, after.body)


def _items(
    subject: Subject, what: str, before: tuple[str, ...], after: tuple[str, ...]
) -> list[Statement]:
    """A list of sentences: each item removed, added, or (at the same place) reworded."""
    statements = []
    gone = [item for item in before if item not in after]
    new = [item for item in after if item not in before]
    while gone and new:
        statements += subject.prose(what, gone.pop(0), new.pop(0))
    statements += [subject.changed(what, item, NONE, "wording") for item in gone]
    statements += [subject.changed(what, NONE, item, "wording") for item in new]
    return statements


def playbook_details(item: Playbook, framework: Framework) -> list[str]:
    done = [f"definition of done: {line}" for line in item.definition_of_done]
    return [
        f"name: {item.name}",
        f"type: {item.type}",
        f"severity: {item.severity}",
        f"owner: {describe.owner(item.owner, framework)}",
        f"summary: {item.summary}",
        *done,
        *body_lines(item.body),
    ]


def compare_page(
    key: str, before: Page, after: Page, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("page", key)
    statements = subject.prose("title", before.title, after.title)
    statements += subject.fields(before, after, ("order",), "content")
    return statements + subject.body(before.body, after.body, "content")


def page_details(item: Page, framework: Framework) -> list[str]:
    return [f"title: {item.title}", f"order: {text(item.order)}", *body_lines(item.body)]


def compare_review(
    key: str, before: Review, after: Review, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("review", key)
    statements = subject.prose("title", before.title, after.title)
    statements += subject.fields(
        before,
        after,
        ("status", "held_on", "facilitator", "participants", "framework_version"),
        "content",
    )
    old = {item.id: item for item in before.action_items}
    new = {item.id: item for item in after.action_items}
    for item_id in old.keys() | new.keys():
        was = _action(old[item_id]) if item_id in old else NONE
        now = _action(new[item_id]) if item_id in new else NONE
        if was != now:
            statements.append(subject.changed(f"action item {item_id}", was, now, "content"))
    statements += subject.fields(before, after, ("root_causes", "metrics"), "content")
    return statements + subject.body(before.body, after.body, "content")


def _action(item: Any) -> str:
    done = f", done {item.done_on}" if item.done_on else ""
    return f"{item.title} ({item.owner}, due {item.due}, {item.status}{done})"


def review_details(item: Review, framework: Framework) -> list[str]:
    return [
        f"title: {item.title}",
        f"period: {item.period_start} to {item.period_end}",
        f"held on: {item.held_on}",
        f"status: {item.status}",
        *[f"action item {a.id}: {_action(a)}" for a in item.action_items],
    ]


def compare_case(
    key: str, before: Case, after: Case, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("test case", key)
    statements = subject.prose("description", before.description, after.description)
    if before.at != after.at:
        statements.append(
            subject.changed("at", before.at.isoformat(), after.at.isoformat(), "content")
        )
    old, new = dict(before.ticket), dict(after.ticket)
    for name in [*old, *(n for n in new if n not in old)]:
        was, now = _value(old, name), _value(new, name)
        if was != now:
            statements.append(subject.changed(f"ticket {name}", was, now, "content"))
    if before.changes != after.changes:
        statements.append(subject.changed("changes", _changes(before), _changes(after), "content"))
    if before.expect != after.expect:
        statements.append(
            subject.changed(
                "expected", expectation(before.expect), expectation(after.expect), "content"
            )
        )
    return statements


def _value(values: dict[str, Any], name: str) -> str:
    if name not in values:
        return NONE
    value = values[name]
    return ", ".join(map(str, value)) if isinstance(value, list) else text(value)


def _changes(case: Case) -> str:
    told = []
    for change in case.changes:
        values = ", ".join(f"{k}={_value(dict(change.values), k)}" for k, _ in change.values)
        told.append(f"at {change.at.isoformat()}: {values}")
    return "; ".join(told) or NONE


def expectation(expect: Expectation) -> str:
    if not expect.escalated:
        return "not escalated"
    named = [f"{key} {getattr(expect, key)}" for key in EXPECTED[1:] if getattr(expect, key)]
    return "escalated: " + ", ".join(named)


def case_details(item: Case, framework: Framework) -> list[str]:
    ticket = ", ".join(f"{k}={_value(dict(item.ticket), k)}" for k, _ in item.ticket)
    lines = [
        f"description: {text(item.description)}",
        f"at: {item.at.isoformat()}",
        f"ticket: {ticket}",
    ]
    if item.changes:
        lines.append(f"changes: {_changes(item)}")
    return [*lines, f"expected: {expectation(item.expect)}"]


def compare_person(
    key: str, before: Person, after: Person, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("person", key)
    statements = subject.prose("name", before.name, after.name)
    statements += subject.prose("title", before.title, after.title)
    return statements + subject.fields(before, after, ("email", "slack", "calendar"), "changed")


def compare_team(
    key: str, before: Team, after: Team, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("team", key)
    statements = subject.prose("name", before.name, after.name)
    statements += subject.fields(
        before, after, ("lead", "members", "slack_channel", "email", "calendar"), "changed"
    )
    return statements + subject.prose("description", before.description, after.description)


def compare_field(
    key: str, before: Field, after: Field, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("field", key)
    statements = subject.prose("label", before.label, after.label)
    statements += subject.fields(
        before, after, ("hubspot_property", "type", "custom", "event_time"), "changed"
    )
    if before.options != after.options:
        statements.append(subject.changed("options", _options(before), _options(after), "changed"))
    return statements + subject.prose("description", before.description, after.description)


def _options(field: Field) -> str:
    return ", ".join(f"{o.value} ({o.label})" for o in field.options) or NONE


def compare_calendar(
    key: str, before: Calendar, after: Calendar, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("calendar", key)
    statements = subject.prose("name", before.name, after.name)
    statements += subject.fields(before, after, ("timezone",), "changed")
    if before.hours != after.hours:
        statements.append(subject.changed("hours", hours(before), hours(after), "changed"))
    old = {(h.date, h.name) for h in before.holidays}
    new = {(h.date, h.name) for h in after.holidays}
    for day, name in sorted(old - new):
        statements.append(subject.changed("holiday", f"{day} {name}", NONE, "changed"))
    for day, name in sorted(new - old):
        statements.append(subject.changed("holiday", NONE, f"{day} {name}", "changed"))
    return statements


def hours(calendar: Calendar) -> str:
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    told = []
    for day, spans in zip(days, calendar.hours, strict=True):
        if spans:
            told.append(f"{day} " + ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in spans))
    return "; ".join(told) or NONE


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def calendar_details(item: Calendar, framework: Framework) -> list[str]:
    return [
        f"name: {item.name}",
        f"time zone: {item.timezone}",
        f"hours: {hours(item)}",
        f"holidays: {len(item.holidays)}",
    ]


def compare_root_cause(
    key: str, before: RootCause, after: RootCause, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("root cause", key)
    statements = subject.prose("name", before.name, after.name)
    return statements + subject.prose("description", before.description, after.description)


def plain_details(*names: str) -> Any:
    """The details of a simple entity: these attributes as they are."""

    def details(item: Any, framework: Framework) -> list[str]:
        return [f"{name.replace('_', ' ')}: {text(getattr(item, name))}" for name in names]

    return details
