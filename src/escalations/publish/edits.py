"""What changes inside one page or workflow: edits old -> new, abridged so a reviewer reads them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ABRIDGED = 80
"""Characters of a block's or an action's text shown on each side of an edit."""
SHOWN = 12
"""Edits of one change shown in text and Markdown; the JSON carries all of them."""
SYMBOLS = {"add": "+", "change": "~", "remove": "-"}


@dataclass(frozen=True, slots=True)
class Edit:
    """One part added, changed or removed: `what` names it (a block's type, "delay before
    level 2", "owner at level 1"), `before` and `after` say it in words ("" on the side that
    does not have it)."""

    action: str
    what: str
    before: str = ""
    after: str = ""

    def __str__(self) -> str:
        if self.action == "add":
            return f"+ {self.what}: {self.after}"
        if self.action == "remove":
            return f"- {self.what}: {self.before}"
        return f"~ {self.what}: {self.before} -> {self.after}"


def compare(what: str, before: str | None, after: str | None) -> Edit | None:
    """The edit between two descriptions of one part (None where the part is absent), or None
    when they read the same."""
    if before == after or (before is None and after is None):
        return None
    if before is None:
        return Edit("add", what, after=abridge(after or ""))
    if after is None:
        return Edit("remove", what, before=abridge(before))
    old, new = abridge_pair(before, after)
    return Edit("change", what, old, new)


def abridge(text: str, start: int = 0, limit: int = ABRIDGED) -> str:
    """At most `limit` characters of `text` from `start`, an ellipsis where it is cut."""
    text = " ".join(text.split())
    if len(text) <= limit and start == 0:
        return text
    head = "…" if start > 0 else ""
    piece = text[start : start + limit]
    tail = "…" if start + limit < len(text) else ""
    if tail and " " in piece[-20:]:
        piece = piece[: piece.rindex(" ")]  # end at a word
    return f"{head}{piece}{tail}"


def abridge_pair(before: str, after: str, limit: int = ABRIDGED) -> tuple[str, str]:
    """Both texts abridged around where they first differ, so that two long paragraphs that
    differ in their last words do not abridge to the same beginning."""
    old, new = " ".join(before.split()), " ".join(after.split())
    if len(old) <= limit and len(new) <= limit:
        return old, new
    same = 0
    while same < min(len(old), len(new)) and old[same] == new[same]:
        same += 1
    # A third of the window before the difference, or as much as fits when it is near the end.
    start = max(0, min(same - limit // 3, max(len(old), len(new)) - limit))
    if start and " " in old[start:same]:
        start = old.index(" ", start) + 1  # begin at a word
    return abridge(old, start, limit), abridge(new, start, limit)


def summarize(edits: Iterable[Edit], noun: str) -> str:
    """How many `noun`s each kind of edit touches: "blocks: 1 changed, 2 added"."""
    counts = {"change": 0, "add": 0, "remove": 0}
    for edit in edits:
        counts[edit.action] += 1
    words = {"change": "changed", "add": "added", "remove": "removed"}
    parts = [f"{n} {words[action]}" for action, n in counts.items() if n]
    return f"{noun}: {', '.join(parts)}" if parts else ""


def shown(edits: tuple[Edit, ...]) -> tuple[tuple[Edit, ...], int]:
    """The edits text and Markdown list, and how many more there are."""
    return edits[:SHOWN], max(0, len(edits) - SHOWN)
