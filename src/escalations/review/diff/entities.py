"""Triggers, tiers and paths compared: criteria leaf by leaf, targets, levels and owners."""

from __future__ import annotations

from dataclasses import replace

from escalations.criteria import describe
from escalations.criteria.conditions import Condition
from escalations.model.framework import After, Framework, Level, Path, Tier, Trigger

from .common import Subject, text
from .leaves import compare_conditions
from .statement import NONE, Effect, Statement
from .version import duration_effect

TARGETS = ("first_response", "update_cadence", "resolution")


def compare_trigger(
    key: str, before: Trigger, after: Trigger, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("trigger", key)
    statements = subject.prose("name", before.name, after.name)
    statements += subject.fields(
        before, after, ("type", "precedence", "escalation_type", "path"), "changed"
    )
    if before.tier != after.tier:
        rank, new_rank = base.tier(before.tier).rank, head.tier(after.tier).rank
        effect: Effect = "tighter" if new_rank > rank else "looser"
        statements.append(subject.changed("tier", before.tier, after.tier, effect))
    if before.enabled != after.enabled:
        statements.append(
            subject.changed(
                "enabled",
                text(before.enabled),
                text(after.enabled),
                "wider" if after.enabled else "narrower",
            )
        )
    statements += subject.prose("description", before.description, after.description)
    statements += _conditions(subject, "when", before.when, after.when, base, head)
    statements += _after(subject, before, after, base, head)
    return statements


def _after(
    subject: Subject, before: Trigger, after: Trigger, base: Framework, head: Framework
) -> list[Statement]:
    if before.after is None or after.after is None or before.still is None or after.still is None:
        if before.after == after.after and before.still == after.still:
            return []
        # A later check with its own condition lets fewer tickets through; dropping it, more.
        effect: Effect = "narrower" if before.after is None else "wider"
        return [subject.changed("then", _then(before, base), _then(after, head), effect)]
    statements = []
    was, now = wait(before.after, base), wait(after.after, head)
    # The same tier target: its change is the tier's, which names the triggers that wait on it.
    same_target = before.after.target is not None and before.after.target == after.after.target
    if was != now and not same_target:
        effect_of = duration_effect(before.after.duration, after.after.duration) or "changed"
        statements.append(subject.changed("after", was, now, effect_of))
    return statements + _conditions(subject, "still", before.still, after.still, base, head)


def _conditions(
    subject: Subject,
    what: str,
    before: Condition,
    after: Condition,
    base: Framework,
    head: Framework,
) -> list[Statement]:
    return [
        replace(subject.changed(f"{what}{c.where}", c.before, c.after, c.effect), words=c.words)
        for c in compare_conditions(before, after, base, head)
    ]


def wait(value: After, framework: Framework) -> str:
    text = describe.duration(value.duration, framework)
    if value.target:
        tier_id, _, target = value.target.partition(".")
        name = framework.tier(tier_id).name
        return f"the {name} {target.replace('_', ' ')} target ({text})"
    return text


def _then(trigger: Trigger, framework: Framework) -> str:
    if trigger.after is None or trigger.still is None:
        return NONE
    still = describe.condition(trigger.still, framework)
    return f"after {wait(trigger.after, framework)}, still: {still}"


def trigger_details(item: Trigger, framework: Framework) -> list[str]:
    lines = [
        f"criteria: {describe.trigger(item, framework)}",
        f"type: {item.type.replace('_', ' ')}",
        f"escalation type: {item.escalation_type}",
        f"tier: {framework.tier(item.tier).name} ({item.tier})",
        f"path: {framework.path(item.path).name} ({item.path})",
        f"precedence: {item.precedence}",
    ]
    if not item.enabled:
        lines.append("enabled: no")
    return [*lines, f"description: {item.description}"]


def compare_tier(
    key: str, before: Tier, after: Tier, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("tier", key)
    statements = subject.prose("name", before.name, after.name)
    for target in TARGETS:
        old, new = getattr(before.targets, target), getattr(after.targets, target)
        was, now = describe.duration(old, base), describe.duration(new, head)
        if was != now:
            effect = duration_effect(old, new) or "changed"
            what = target.replace("_", " ")
            users = [t.id for t in head.triggers if t.after and t.after.target == f"{key}.{target}"]
            if users:
                what += f" (the wait of trigger {', '.join(users)})"
            statements.append(subject.changed(what, was, now, effect))
    if before.rank != after.rank:
        statements.append(subject.changed("rank", str(before.rank), str(after.rank), "changed"))
    statements += subject.prose("description", before.description, after.description)
    return statements


def tier_details(item: Tier, framework: Framework) -> list[str]:
    targets = [
        f"{t.replace('_', ' ')}: {describe.duration(getattr(item.targets, t), framework)}"
        for t in TARGETS
    ]
    return [f"name: {item.name}", *targets, f"description: {text(item.description)}"]


def compare_path(
    key: str, before: Path, after: Path, base: Framework, head: Framework
) -> list[Statement]:
    subject = Subject("path", key)
    statements = subject.prose("name", before.name, after.name)
    statements += subject.fields(before, after, ("handoff",), "changed")
    statements += subject.prose("description", before.description, after.description)
    old = {level.id: level for level in before.levels}
    new = {level.id: level for level in after.levels}
    for level_id in [k for k in old if k not in new]:
        statements.append(
            Statement(
                "level",
                f"{key}.{level_id}",
                "removed",
                f"level {level_id} of path {key} removed",
                "\n".join(level_details(old[level_id], base)),
                None,
                "removed",
            )
        )
    for level_id in [k for k in new if k not in old]:
        statements.append(
            Statement(
                "level",
                f"{key}.{level_id}",
                "added",
                f"new level {level_id} of path {key}",
                None,
                "\n".join(level_details(new[level_id], head)),
                "added",
            )
        )
    kept_old = [k for k in old if k in new]
    kept_new = [k for k in new if k in old]
    if kept_old != kept_new:
        statements.append(
            subject.changed("order of levels", ", ".join(kept_old), ", ".join(kept_new), "changed")
        )
    for level_id in kept_new:
        statements += _level(subject, level_id, old[level_id], new[level_id], base, head)
    return statements


def _level(
    subject: Subject, level_id: str, before: Level, after: Level, base: Framework, head: Framework
) -> list[Statement]:
    statements = subject.prose(f"level {level_id} name", before.name, after.name)
    if before.owner != after.owner:
        statements.append(
            subject.changed(
                f"level {level_id} owner",
                describe.owner(before.owner, base),
                describe.owner(after.owner, head),
                "changed",
            )
        )
    if before.assignees != after.assignees:
        statements.append(
            subject.changed(
                f"level {level_id} assignees",
                _owners(before.assignees, base),
                _owners(after.assignees, head),
                "changed",
            )
        )
    was = describe.move_on(before.move_on, base) if before.move_on else "never"
    now = describe.move_on(after.move_on, head) if after.move_on else "never"
    if was != now:
        effect: Effect = "changed"
        if before.move_on is None or after.move_on is None:
            effect = "tighter" if before.move_on is None else "looser"
        elif before.move_on.condition == after.move_on.condition:
            effect = duration_effect(before.move_on.after, after.move_on.after) or "changed"
        statements.append(subject.changed(f"level {level_id} moves on", was, now, effect))
    if before.notify != after.notify:
        dropped = {(n.to, v) for n in before.notify for v in n.via} - {
            (n.to, v) for n in after.notify for v in n.via
        }
        statements.append(
            subject.changed(
                f"level {level_id} notifications",
                notifications(before, base),
                notifications(after, head),
                "looser" if dropped else "added",
            )
        )
    return statements


def _owners(references: tuple[str, ...], framework: Framework) -> str:
    return ", ".join(describe.owner(r, framework) for r in references) or NONE


def notifications(level: Level, framework: Framework) -> str:
    told = [f"{_recipient(n.to, framework)} via {', '.join(n.via)}" for n in level.notify]
    return "; ".join(told) or NONE


def _recipient(to: str, framework: Framework) -> str:
    return to if to == "owner" or to.startswith("#") else describe.owner(to, framework)


def level_details(level: Level, framework: Framework) -> list[str]:
    move_on = describe.move_on(level.move_on, framework) if level.move_on else "never"
    return [
        f"name: {level.name}",
        f"owner: {describe.owner(level.owner, framework)}",
        f"assignees: {_owners(level.assignees, framework)}",
        f"moves on: {move_on}",
        f"notifications: {notifications(level, framework)}",
    ]


def path_details(item: Path, framework: Framework) -> list[str]:
    lines = [f"name: {item.name}", f"description: {text(item.description)}"]
    for number, level in enumerate(item.levels, 1):
        details = "; ".join(level_details(level, framework))
        lines.append(f"level {number} ({level.id}): {details}")
    return [*lines, f"hands off to: {text(item.handoff)}"]
