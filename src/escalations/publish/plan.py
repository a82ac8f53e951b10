"""Changes a publish would make to a remote, and their text, Markdown and JSON renderings."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

from escalations.publish.edits import Edit, shown

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
    edits: tuple[Edit, ...] = ()
    """What changes inside the page or workflow, where the plan could tell."""


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
    lines = []
    for c in plan.changes:
        note = f" ({c.detail})" if c.detail else ""
        lines.append(f"{SYMBOLS[c.action]} {c.target} {c.kind} {c.key}: {c.title}{note}")
        listed, more = shown(c.edits)
        lines += [f"    {edit}" for edit in listed]
        if more:
            lines.append(f"    … and {more} more (--format json lists them all)")
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
    detailed = [c for c in plan.changes if c.edits]
    if detailed:
        lines += ["", "**What changes inside**", ""]
    for c in detailed:
        lines.append(f"- {c.action} {c.target} {c.kind} `{c.key}` ({c.title})")
        listed, more = shown(c.edits)
        lines += [f"  - {_markdown_edit(edit)}" for edit in listed]
        if more:
            lines.append(f"  - … and {more} more (`--format json` lists them all)")
    return "\n".join(lines)


def _markdown_edit(edit: Edit) -> str:
    # Words, not +/-: a list item that starts with "+ " or "- " would start a nested list.
    if edit.action == "add":
        return f"added {edit.what}: {_code(edit.after)}"
    if edit.action == "remove":
        return f"removed {edit.what}: {_code(edit.before)}"
    return f"changed {edit.what}: {_code(edit.before)} → {_code(edit.after)}"


def _code(text: str) -> str:
    """A code span that shows the text as written (Markdown in a block's text included)."""
    if not text:
        return "(empty)"
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_json(plan: Plan) -> str:
    counts = plan.counts()
    payload = {
        "summary": {action: counts[action] for action in (*PENDING, "drift", "orphan", "error")},
        "changes": [asdict(c) for c in plan.changes],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)
