"""Building blocks of the comparisons: a changed attribute, a prose change, a changed body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from escalations.model.framework import Framework

from .statement import NONE, Effect, Statement
from .words import line_hunks, word_diff

Compare = Callable[[str, Any, Any, Framework, Framework], list[Statement]]
"""(key, old entity, new entity, base, head) -> what changed."""
Details = Callable[[Any, Framework], list[str]]
"""An entity in full, one `what: value` line each, for an added or removed one."""

LONG = 60
"""Values longer than this are shown as their changed words, not twice in full."""


@dataclass(frozen=True, slots=True)
class Subject:
    """The entity being compared, for the statements made about it."""

    kind: str
    key: str

    def changed(self, what: str, before: str, after: str, effect: Effect | None) -> Statement:
        """An attribute from `before` to `after`; long values get their words marked too."""
        long = min(len(before), len(after)) > LONG and NONE not in (before, after)
        return Statement(
            self.kind,
            self.key,
            "changed",
            f"{self.kind} {self.key}: {what}",
            before,
            after,
            effect,
            word_diff(before, after) if long else (),
        )

    def prose(self, what: str, before: str | None, after: str | None) -> list[Statement]:
        """A changed text, with its words marked; nothing when only whitespace moved."""
        was, now = before or "", after or ""
        if was.split() == now.split():
            return []
        return [
            Statement(
                self.kind,
                self.key,
                "changed",
                f"{self.kind} {self.key}: {what}",
                was or NONE,
                now or NONE,
                "wording",
                word_diff(was, now),
            )
        ]

    def body(self, before: str, after: str, effect: Effect = "wording") -> list[Statement]:
        """The changed paragraphs of a Markdown body, each under its section's heading."""
        statements = []
        for hunk in line_hunks(before, after):
            where = f"body, section “{hunk.section}”" if hunk.section else "body"
            statements.append(
                Statement(
                    self.kind,
                    self.key,
                    "changed",
                    f"{self.kind} {self.key}: {where}",
                    hunk.before or NONE,
                    hunk.after or NONE,
                    effect,
                    word_diff(hunk.before, hunk.after),
                )
            )
        return statements

    def fields(
        self, before: Any, after: Any, names: tuple[str, ...], effect: Effect
    ) -> list[Statement]:
        """Attributes compared as they are, with one effect for all of them."""
        statements = []
        for name in names:
            was, now = getattr(before, name), getattr(after, name)
            if was != now:
                statements.append(
                    self.changed(name.replace("_", " "), text(was), text(now), effect)
                )
        return statements


def text(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(text(v) for v in value) or NONE
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "__dataclass_fields__"):
        return str(getattr(value, "id", None) or getattr(value, "value", None) or value)
    return str(value)


def name_of(item: Any) -> str:
    return str(getattr(item, "name", None) or getattr(item, "title", None) or item.id)


def body_lines(body: str) -> list[str]:
    """The body as detail lines, so an added page or playbook is shown with what it says."""
    lines = [line for line in body.strip().splitlines() if line.strip()]
    return [f"body: {line}" for line in lines]
