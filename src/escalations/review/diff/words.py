"""Word-level diffs of prose and the changed paragraphs of Markdown bodies."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from .statement import Span

CONTEXT = 5
"""Unchanged words kept on each side of a change when a diff is shown abridged."""
SHORT = 25
"""Texts of at most this many words are shown whole, their changes marked."""


@dataclass(frozen=True, slots=True)
class Hunk:
    """A run of changed lines of a body, under the heading it belongs to."""

    section: str | None
    before: str
    after: str


def word_diff(before: str, after: str) -> tuple[Span, ...]:
    """The words of both texts as runs: the same, removed, or added (whitespace normalised)."""
    return runs(before.split(), after.split(), " ")


def runs(old: list[str], new: list[str], join: str) -> tuple[Span, ...]:
    """Two sequences of words (or values) as runs, each run's items joined by `join`."""
    spans: list[Span] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            spans.append(Span("same", join.join(old[i1:i2])))
            continue
        if i2 > i1:
            spans.append(Span("removed", join.join(old[i1:i2])))
        if j2 > j1:
            spans.append(Span("added", join.join(new[j1:j2])))
    return tuple(spans)


def line_hunks(before: str, after: str) -> list[Hunk]:
    """The changed paragraphs (runs of non-blank lines), each with the Markdown heading above
    it in the new text: a changed word is shown in its sentence, not in a broken line."""
    old, new = before.splitlines(), after.splitlines()
    ranges: list[list[int]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        # The lines around a change up to a blank line are equal on both sides: widen by them.
        while i1 > 0 and j1 > 0 and old[i1 - 1].strip() and old[i1 - 1] == new[j1 - 1]:
            i1, j1 = i1 - 1, j1 - 1
        while i2 < len(old) and j2 < len(new) and old[i2].strip() and old[i2] == new[j2]:
            i2, j2 = i2 + 1, j2 + 1
        if ranges and (i1 <= ranges[-1][1] or j1 <= ranges[-1][3]):
            ranges[-1][1], ranges[-1][3] = max(ranges[-1][1], i2), max(ranges[-1][3], j2)
        else:
            ranges.append([i1, i2, j1, j2])
    hunks = []
    for i1, i2, j1, j2 in ranges:
        was = "\n".join(old[i1:i2]).strip()
        now = "\n".join(new[j1:j2]).strip()
        if was.split() == now.split():
            continue  # only blank lines or re-wrapping moved
        hunks.append(Hunk(_heading(new[:j2] if j2 > j1 else new[:j1]), was, now))
    return hunks


def _heading(lines: list[str]) -> str | None:
    """The last Markdown heading among `lines`, without its hashes."""
    for line in reversed(lines):
        match = re.match(r"#{1,6}\s+(.*)", line)
        if match:
            return match.group(1).strip()
    return None


def mark_text(spans: tuple[Span, ...]) -> str:
    """`the [-four-]{+two+} hour target`, abridged to the changed words and their context."""
    return _mark(spans, lambda s: f"[-{s}-]", lambda s: f"{{+{s}+}}")


def mark_markdown(spans: tuple[Span, ...]) -> str:
    """`the ~~four~~ **two** hour target`, abridged, for the pull-request comment."""
    return _mark(spans, lambda s: f"~~{s}~~", lambda s: f"**{s}**")


def _mark(
    spans: tuple[Span, ...], removed: Callable[[str], str], added: Callable[[str], str]
) -> str:
    short = sum(len(span.text.split()) for span in spans) <= SHORT
    parts = []
    for index, span in enumerate(spans):
        if span.op == "removed":
            parts.append(removed(span.text))
        elif span.op == "added":
            parts.append(added(span.text))
        elif short:
            parts.append(span.text)
        else:
            parts.append(_abridge(span.text, first=index == 0, last=index == len(spans) - 1))
    return " ".join(p for p in parts if p)


def _abridge(text: str, *, first: bool, last: bool) -> str:
    """Unchanged words between changes: the few next to each change, the rest as `…`."""
    words = text.split()
    head = [] if first else words[:CONTEXT]
    tail = [] if last else words[-CONTEXT:]
    if len(words) <= len(head) + len(tail) + 1:
        return text
    return " ".join([*head, "…", *tail]).strip()
