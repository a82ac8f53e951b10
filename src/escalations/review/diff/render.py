"""The semantic diff as text, Markdown (the pull-request comment) and JSON."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

from .statement import Statement
from .version import Verdict, describe_verdict, part_for
from .words import mark_markdown, mark_text

BODY_LINES = 12
"""Body lines shown for an added or removed page or playbook (JSON has them all)."""
NOTHING = "no changes to the framework"


def render_text(statements: list[Statement], verdict: Verdict | None = None) -> str:
    if not statements:
        return NOTHING
    lines = []
    for s in statements:
        if s.change == "changed":
            shown = mark_text(s.words) if s.words else fold(s.before or "", s.after or "", "->")
            lines.append(f"{s.text}: {shown}")
        elif s.change == "renamed":
            lines.append(s.text)
        else:
            lines.append(f"{s.text}:")
            lines += [f"  {line}" for line in _details(s)]
    sentence = describe_verdict(verdict) if verdict else None
    return "\n".join(lines + ([sentence] if sentence else []))


def render_markdown(statements: list[Statement], verdict: Verdict | None = None) -> str:
    if not statements:
        return "No changes to the framework."
    lines = []
    for s in statements:
        head = _bold(s)
        if s.change == "changed":
            shown = mark_markdown(s.words) if s.words else fold(s.before or "", s.after or "", "→")
            lines.append(f"- {head}: {shown}")
        elif s.change == "renamed":
            lines.append(f"- {head}")
        else:
            lines.append(f"- {head}")
            lines += [f"  - {line}" for line in _details(s)]
    sentence = describe_verdict(verdict) if verdict else None
    if sentence:
        lines += ["", f"**Version:** {sentence}"]
    return "\n".join(lines)


def render_json(statements: list[Statement], verdict: Verdict | None = None) -> str:
    changes = [{**asdict(s), "part": part_for(s.effect)} for s in statements]
    version: dict[str, Any] | None = None
    if verdict is not None:
        version = {**asdict(verdict), "ok": verdict.ok, "message": describe_verdict(verdict)}
    return json.dumps({"changes": changes, "version": version}, indent=2, ensure_ascii=False)


def fold(before: str, after: str, arrow: str) -> str:
    """`4 business hours (EMEA) -> 2 business hours (EMEA)` as `4 business hours ->
    2 business hours (EMEA)`: a parenthesis both sides end with is said once."""
    suffix = _parenthesis(before)
    if suffix and after.endswith(suffix) and before != after:
        return (
            f"{before[: -len(suffix)].rstrip()} {arrow} {after[: -len(suffix)].rstrip()} {suffix}"
        )
    return f"{before} {arrow} {after}"


def _parenthesis(text: str) -> str | None:
    """The balanced `(…)` at the end of `text`, if any."""
    if not text.endswith(")"):
        return None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[index], 0)
        if depth == 0:
            return text[index:] if index > 0 else None
    return None


def _details(statement: Statement) -> list[str]:
    lines = (statement.after if statement.change == "added" else statement.before) or ""
    shown, body = [], 0
    for line in lines.splitlines():
        body += line.startswith("body: ")
        if body <= BODY_LINES or not line.startswith("body: "):
            shown.append(line)
    if body > BODY_LINES:
        shown.append(f"body: … ({body - BODY_LINES} more lines)")
    return shown


def _bold(statement: Statement) -> str:
    """The statement with the entity it is about (`trigger x`, `new page y`) in bold."""
    match = re.match(rf"(new )?{re.escape(statement.entity)} [^\s:]+", statement.text)
    if match is None:
        return statement.text
    return f"**{match.group(0)}**{statement.text[match.end() :]}"
