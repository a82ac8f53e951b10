"""Changes a publish would make to a remote, and their text, Markdown and JSON renderings."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

PENDING = ("create", "update", "delete")
"""Actions that change the remote; `drift` and `orphan` are reported, not carried out."""

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "drift": "!", "orphan": "?", "error": "x"}


@dataclass(frozen=True, slots=True)
class Change:
    target: str
    action: str
    kind: str
    key: str
    title: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    changes: tuple[Change, ...]

    @property
    def errors(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action == "error")

    @property
    def pending(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action in PENDING)

    def counts(self) -> Counter[str]:
        return Counter(c.action for c in self.changes)


WORDS = {
    "create": "to create",
    "update": "to update",
    "delete": "to delete",
    "drift": "drifted",
    "orphan": "orphaned",
    "error": "errors",
}


def summary(plan: Plan) -> str:
    if not plan.changes:
        return "no changes: the remote matches the framework"
    counts = plan.counts()
    return ", ".join(f"{counts[action]} {word}" for action, word in WORDS.items() if counts[action])


def render_text(plan: Plan) -> str:
    lines = [
        f"{SYMBOLS[c.action]} {c.target} {c.kind} {c.key}: {c.title}"
        + (f" ({c.detail})" if c.detail else "")
        for c in plan.changes
    ]
    lines.append(summary(plan))
    return "\n".join(lines)


def render_markdown(plan: Plan) -> str:
    if not plan.changes:
        return f"**{summary(plan)}**"
    lines = [f"**{summary(plan)}**", "", "| | target | kind | key | title | note |"]
    lines.append("|---|---|---|---|---|---|")
    lines += [
        f"| {SYMBOLS[c.action]} {c.action} | {c.target} | {c.kind} | `{c.key}` | {c.title} | "
        f"{c.detail} |"
        for c in plan.changes
    ]
    return "\n".join(lines)


def render_json(plan: Plan) -> str:
    counts = plan.counts()
    payload = {
        "summary": {action: counts[action] for action in (*PENDING, "drift", "orphan", "error")},
        "changes": [asdict(c) for c in plan.changes],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)
