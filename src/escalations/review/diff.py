"""What a change to the framework means, entity by entity, in plain language."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from escalations.criteria import describe
from escalations.criteria.expand import expand_framework
from escalations.model.framework import Framework, Level, Path, Tier, Trigger

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Statement:
    """One change: what kind of entity, which one, and what changed from what to what."""

    entity: str
    key: str
    change: str
    """added, removed, renamed or changed."""
    text: str
    before: str | None = None
    after: str | None = None


def diff_frameworks(base: Framework, head: Framework) -> list[Statement]:
    # Prose as readers see it: a tightened target changes every text that refers to it.
    base, head = expand_framework(base), expand_framework(head)
    statements: list[Statement] = []
    if base.version != head.version:
        statements.append(
            Statement("framework", head.id, "changed", "version", base.version, head.version)
        )
    for kind, attribute, compare in _ENTITIES:
        before, after = getattr(base, attribute), getattr(head, attribute)
        statements += _entities(kind, before, after, base, head, compare)
    return statements


Changes = list[tuple[str, str, str]]
"""(what changed, before, after)."""
Describe = Callable[[Any, Any, Framework, Framework], Changes]


def _entities(
    kind: str,
    before: Iterable[Any],
    after: Iterable[Any],
    base: Framework,
    head: Framework,
    compare: Describe,
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
                if k not in renamed.values() and not compare(old[key], new[k], base, head)
            ),
            None,
        )
        if twin:
            renamed[key] = twin
            statements.append(
                Statement(kind, twin, "renamed", f"{kind} {key} is now {twin}", key, twin)
            )
    for key in removed:
        if key not in renamed:
            statements.append(
                Statement(kind, key, "removed", f"{kind} '{_name(old[key])}' removed")
            )
    for key in added:
        if key not in renamed.values():
            statements.append(Statement(kind, key, "added", f"new {kind} '{_name(new[key])}'"))
    for key in [k for k in old if k in new]:
        for what, was, now in compare(old[key], new[key], base, head):
            statements.append(Statement(kind, key, "changed", f"{kind} {key}: {what}", was, now))
    return statements


def _name(item: Any) -> str:
    return str(getattr(item, "name", None) or getattr(item, "title", None) or item.id)


def _fields(before: Any, after: Any, names: tuple[str, ...]) -> Changes:
    changes = []
    for name in names:
        was, now = getattr(before, name), getattr(after, name)
        if was != now:
            if name == "body":
                changes.append(
                    (
                        name,
                        f"{len(str(was).splitlines())} lines",
                        f"{len(str(now).splitlines())} lines",
                    )
                )
            else:
                changes.append((name, _text(was), _text(now)))
    return changes


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(_text(v) for v in value) or "(none)"
    if hasattr(value, "__dataclass_fields__"):
        return str(getattr(value, "id", None) or getattr(value, "value", None) or value)
    return str(value)


def _trigger(before: Trigger, after: Trigger, base: Framework, head: Framework) -> Changes:
    changes = _fields(
        before, after, ("name", "type", "precedence", "escalation_type", "tier", "path", "enabled")
    )
    was, now = describe.trigger(before, base), describe.trigger(after, head)
    if was != now:
        changes.append(("criteria", was, now))
    return changes


def _tier(before: Tier, after: Tier, base: Framework, head: Framework) -> Changes:
    changes = _fields(before, after, ("name",))
    for target in ("first_response", "update_cadence", "resolution"):
        was = describe.duration(getattr(before.targets, target), base)
        now = describe.duration(getattr(after.targets, target), head)
        if was != now:
            changes.append((target.replace("_", " "), was, now))
    return changes


def _path(before: Path, after: Path, base: Framework, head: Framework) -> Changes:
    changes = _fields(before, after, ("name", "handoff"))
    old = {level.id: level for level in before.levels}
    new = {level.id: level for level in after.levels}
    for key in old.keys() - new.keys():
        changes.append((f"level {key}", "present", "removed"))
    for key in new.keys() - old.keys():
        changes.append(
            (f"level {key}", "absent", f"added ({describe.owner(new[key].owner, head)})")
        )
    for key in [k for k in old if k in new]:
        changes += [
            (f"level {key} {what}", was, now)
            for what, was, now in _level(old[key], new[key], base, head)
        ]
    return changes


def _level(before: Level, after: Level, base: Framework, head: Framework) -> Changes:
    changes = []
    if before.owner != after.owner:
        changes.append(
            ("owner", describe.owner(before.owner, base), describe.owner(after.owner, head))
        )
    was = describe.move_on(before.move_on, base) if before.move_on else "never"
    now = describe.move_on(after.move_on, head) if after.move_on else "never"
    if was != now:
        changes.append(("moves on", was, now))
    if before.notify != after.notify:
        changes.append(("notifications", _notify(before), _notify(after)))
    return changes


def _notify(level: Level) -> str:
    return "; ".join(f"{n.to} via {', '.join(n.via)}" for n in level.notify) or "(none)"


# -- rendering -----------------------------------------------------------------------------


def render_text(statements: list[Statement]) -> str:
    if not statements:
        return "no changes to the framework"
    lines = []
    for s in statements:
        detail = f": {s.before} -> {s.after}" if s.change == "changed" else ""
        lines.append(f"{s.text}{detail}")
    return "\n".join(lines)


def render_markdown(statements: list[Statement]) -> str:
    if not statements:
        return "No changes to the framework."
    lines = ["| change | what | before | after |", "|---|---|---|---|"]
    for s in statements:
        lines.append(f"| {s.change} | {s.text} | {s.before or ''} | {s.after or ''} |")
    return "\n".join(lines)


def render_json(statements: list[Statement]) -> str:
    return json.dumps([asdict(s) for s in statements], indent=2, ensure_ascii=False)


def _plain(*names: str) -> Describe:
    """Compare these attributes as they are."""
    return lambda before, after, base, head: _fields(before, after, names)


_ENTITIES: tuple[tuple[str, str, Describe], ...] = (
    ("trigger", "triggers", _trigger),
    ("tier", "tiers", _tier),
    ("path", "paths", _path),
    ("playbook", "playbooks", _plain("name", "type", "severity", "owner", "summary", "body")),
    ("review", "reviews", _plain("title", "status", "action_items", "root_causes", "body")),
    ("person", "people", _plain("name", "email", "slack", "title")),
    ("team", "teams", _plain("name", "lead", "members", "slack_channel")),
    ("field", "fields", _plain("label", "hubspot_property", "type", "options")),
)
