"""Version discipline: which part of the framework's version a change calls for."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from escalations.model.framework import Duration

from .statement import Effect, Statement

Part = Literal["major", "minor", "patch"]
RANK: dict[Part | None, int] = {None: 0, "patch": 1, "minor": 2, "major": 3}

PARTS: dict[Effect, tuple[Part, str]] = {
    "removed": ("major", "a trigger, tier, path, level, team, person, field, calendar, "
                "playbook or root cause removed"),
    "looser": ("major", "a longer target, wait or review cadence; a trigger disabled or "
               "sent to a lower tier; a notification dropped"),
    "narrower": ("major", "a trigger's criteria narrower: a condition or a still-condition "
                 "added, an alternative removed, fewer values or a stricter threshold"),
    "unclear": ("major", "criteria or a target changed in a way that is neither plainly "
                "narrower nor plainly wider (or both at once)"),
    "added": ("minor", "a trigger, tier, path, level, team, person, field, calendar, "
              "playbook, root cause or notification added"),
    "tighter": ("minor", "a shorter target, wait or review cadence; a trigger sent to a "
                "higher tier"),
    "wider": ("minor", "a trigger's criteria wider, or a trigger enabled"),
    "changed": ("minor", "who owns, is assigned or is told; precedence, path, type, handoff, "
                "field mappings, business hours, a renamed id"),
    "wording": ("patch", "names, descriptions, summaries, playbook bodies, definitions of done"),
    "content": ("patch", "handbook pages (docs/), criteria test cases (tests/), reviews"),
}  # fmt: skip
"""The rule, one row per effect: the README's table is this one."""


BECAUSE: dict[Effect | None, str] = {
    None: "",
    "removed": "something removed",
    "looser": "a looser commitment",
    "narrower": "narrower criteria",
    "unclear": "criteria or a target changed in no plain direction",
    "added": "something added",
    "tighter": "a tighter commitment",
    "wider": "wider criteria",
    "changed": "a change of who or how",
    "wording": "wording",
    "content": "docs or test cases",
}


def part_for(effect: Effect | None) -> Part | None:
    """The part of the version a change with this effect calls for (None: no bump)."""
    return None if effect is None else PARTS[effect][0]


def duration_effect(before: Duration, after: Duration) -> Effect | None:
    """tighter when `after` is never later than `before`, looser when never sooner."""
    if before == after:
        return None
    same_clock = (before.clock, before.calendar) == (after.clock, after.calendar)
    if same_clock:
        if before.value == after.value:
            return None
        return "tighter" if after.value < before.value else "looser"
    # N business hours always last at least N elapsed hours, so business -> calendar with no
    # more time is tighter, and calendar -> business with no less time is looser.
    if before.clock == "business" and after.clock == "calendar" and after.value <= before.value:
        return "tighter"
    if before.clock == "calendar" and after.clock == "business" and after.value >= before.value:
        return "looser"
    return "unclear"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the version was bumped as much as the changes call for."""

    base: str
    head: str
    bumped: Part | None
    """The part the version bump raised (None: not raised)."""
    required: Part | None
    """The largest part any change calls for (None: nothing calls for a bump)."""
    reason: str | None
    """The first change that calls for `required`."""
    suggested: str

    @property
    def ok(self) -> bool:
        return RANK[self.bumped] >= RANK[self.required]


def judge_version(base: str, head: str, statements: Iterable[Statement]) -> Verdict:
    required: Part | None = None
    reason = None
    for statement in statements:
        part = part_for(statement.effect)
        if RANK[part] > RANK[required]:
            required, reason = part, f"{BECAUSE[statement.effect]} in {statement.text}"
    return Verdict(
        base, head, bumped_part(base, head), required, reason, next_version(base, required)
    )


def bumped_part(base: str, head: str) -> Part | None:
    old, new = _numbers(base), _numbers(head)
    if old is None or new is None or new <= old:
        return None
    if new[0] > old[0]:
        return "major"
    return "minor" if new[1] > old[1] else "patch"


def next_version(base: str, part: Part | None) -> str:
    numbers = _numbers(base)
    if numbers is None or part is None:
        return base
    major, minor, patch = numbers
    if part == "major":
        return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0" if part == "minor" else f"{major}.{minor}.{patch + 1}"


def _numbers(version: str) -> tuple[int, int, int] | None:
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def describe_verdict(verdict: Verdict) -> str | None:
    """One sentence on the version, or None when nothing changed and the version neither."""
    if verdict.required is None and verdict.bumped is None:
        return None
    if verdict.required is None:
        return f"version {verdict.base} -> {verdict.head}: no change to the framework calls for it"
    need = f"the changes call for a {verdict.required} version ({verdict.reason})"
    if verdict.bumped is None:
        return (
            f"version not bumped: framework.yaml still says {verdict.head}; {need}: "
            f"make it {verdict.suggested}"
        )
    if not verdict.ok:
        return (
            f"version bumped too little: {verdict.base} -> {verdict.head} is a "
            f"{verdict.bumped} bump; {need}: make it {verdict.suggested}"
        )
    return f"version {verdict.base} -> {verdict.head} ({verdict.bumped}); {need}"
