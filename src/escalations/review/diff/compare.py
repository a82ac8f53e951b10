"""Two frameworks compared entity by entity: added, removed, renamed, and what changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from escalations.criteria.expand import expand_framework
from escalations.model.framework import Framework

from . import documents as docs
from .common import Compare, Details, Subject, name_of
from .entities import (
    compare_path,
    compare_tier,
    compare_trigger,
    path_details,
    tier_details,
    trigger_details,
)
from .statement import Effect, Statement


@dataclass(frozen=True, slots=True)
class Kind:
    """An entity kind of the framework and how to compare and show its entities."""

    name: str
    attribute: str
    compare: Compare
    details: Details
    added: Effect = "added"
    removed: Effect = "removed"


KINDS: tuple[Kind, ...] = (
    Kind("trigger", "triggers", compare_trigger, trigger_details),
    Kind("tier", "tiers", compare_tier, tier_details),
    Kind("path", "paths", compare_path, path_details),
    Kind("playbook", "playbooks", docs.compare_playbook, docs.playbook_details),
    Kind(
        "person",
        "people",
        docs.compare_person,
        docs.plain_details("name", "email", "slack", "title"),
    ),
    Kind(
        "team",
        "teams",
        docs.compare_team,
        docs.plain_details("name", "lead", "members", "slack_channel"),
    ),
    Kind(
        "field",
        "fields",
        docs.compare_field,
        docs.plain_details("label", "hubspot_property", "type", "options"),
    ),
    Kind("calendar", "calendars", docs.compare_calendar, docs.calendar_details),
    Kind(
        "root cause",
        "root_causes",
        docs.compare_root_cause,
        docs.plain_details("name", "description"),
    ),
    Kind("page", "pages", docs.compare_page, docs.page_details, "content", "content"),
    Kind("test case", "cases", docs.compare_case, docs.case_details, "content", "content"),
    Kind("review", "reviews", docs.compare_review, docs.review_details, "content", "content"),
)


def diff_frameworks(base: Framework, head: Framework) -> list[Statement]:
    # Prose as readers see it: a tightened target changes every text that refers to it.
    base, head = expand_framework(base), expand_framework(head)
    statements = _framework(base, head)
    for kind in KINDS:
        before, after = getattr(base, kind.attribute), getattr(head, kind.attribute)
        statements += _entities(kind, before, after, base, head)
    return statements


def _framework(base: Framework, head: Framework) -> list[Statement]:
    subject = Subject("framework", head.id)
    statements = []
    if base.version != head.version:
        statements.append(subject.changed("version", base.version, head.version, None))
    statements += subject.prose("name", base.name, head.name)
    statements += subject.prose("description", base.description, head.description)
    statements += subject.fields(base, head, ("owner", "default_calendar"), "changed")
    if base.review_cadence != head.review_cadence:
        longer = head.review_cadence > base.review_cadence
        statements.append(
            subject.changed(
                "review cadence",
                str(base.review_cadence),
                str(head.review_cadence),
                "looser" if longer else "tighter",
            )
        )
    released = {r.version for r in base.changelog}
    for release in head.changelog:
        if release.version not in released:
            statements.append(
                Statement(
                    "release",
                    release.version,
                    "added",
                    f"changelog: new entry for {release.version}",
                    None,
                    f"{release.date}: {release.summary}",
                    None,
                )
            )
    return statements


def _entities(
    kind: Kind,
    before: Iterable[Any],
    after: Iterable[Any],
    base: Framework,
    head: Framework,
) -> list[Statement]:
    old = {item.id: item for item in before}
    new = {item.id: item for item in after}
    statements: list[Statement] = []
    removed = [key for key in old if key not in new]
    added = [key for key in new if key not in old]
    renamed: dict[str, str] = {}
    for key in removed:
        # A removed entity whose content reappears under another id was renamed.
        twin = next(
            (
                k
                for k in added
                if k not in renamed.values() and not kind.compare(k, old[key], new[k], base, head)
            ),
            None,
        )
        if twin:
            renamed[key] = twin
            statements.append(
                Statement(
                    kind.name,
                    twin,
                    "renamed",
                    f"{kind.name} {key} is now {twin}",
                    key,
                    twin,
                    "changed",
                )
            )
    for key in removed:
        if key not in renamed:
            details = "\n".join(kind.details(old[key], base))
            statements.append(
                Statement(
                    kind.name,
                    key,
                    "removed",
                    f"{kind.name} {key} '{name_of(old[key])}' removed",
                    details,
                    None,
                    kind.removed,
                )
            )
    for key in added:
        if key not in renamed.values():
            details = "\n".join(kind.details(new[key], head))
            statements.append(
                Statement(
                    kind.name,
                    key,
                    "added",
                    f"new {kind.name} {key} '{name_of(new[key])}'",
                    None,
                    details,
                    kind.added,
                )
            )
    for key in [k for k in old if k in new]:
        statements += kind.compare(key, old[key], new[key], base, head)
    return statements
