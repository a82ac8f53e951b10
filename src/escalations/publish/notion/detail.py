"""What changes inside a Notion page: its blocks added, changed and removed, with their text."""

from __future__ import annotations

import re
from collections.abc import Sequence

from escalations.publish.edits import Edit, abridge, compare
from escalations.publish.notion.astext import to_text
from escalations.publish.notion.blocks import Block, canonical, children
from escalations.publish.notion.richtext import render
from escalations.publish.notion.sync import align

LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
"""A Markdown link in a block's text: only its text is shown, the URL is noise in a review."""
HEADINGS = frozenset({"heading_1", "heading_2", "heading_3", "heading_4"})


def block_edits(
    existing: Sequence[Block], desired: Sequence[Block], heading: str = ""
) -> tuple[Edit, ...]:
    """The blocks apply would add, change or remove (as `sync.align` pairs them), each named
    by its type and the heading it stands under; of a block whose own content stays (a table,
    a list item), the children that change."""
    edits: list[Edit] = []
    for step, old, new in align(list(existing), list(desired)):
        block = new if new is not None else old
        under = heading and block["type"] not in HEADINGS
        where = f" under “{abridge(heading, limit=40)}”" if under else ""
        if step == "update" and canonical(old, deep=False) == canonical(new, deep=False):
            edits += block_edits(children(old), children(new), heading)
        elif step != "keep":
            edits.append(_edit(f"{_name(block)}{where}", old, new))
        if block["type"] in HEADINGS:
            heading = _text(block).lstrip("# ")
    return tuple(edits)


def _edit(what: str, old: Block | None, new: Block | None) -> Edit:
    before = _text(old) if old is not None else None
    after = _text(new) if new is not None else None
    edit = compare(what, before, after)
    if edit is None:
        # Equal as text: what differs is a colour, a link or another attribute the text omits.
        return Edit("change", what, abridge(before or ""), "the same text, formatted differently")
    return edit


def _name(block: Block) -> str:
    return str(block["type"]).replace("_", " ")


def _text(block: Block) -> str:
    """The block as one line: its text and its children's, separated by " / "."""
    if block["type"] == "table_row":
        cells = (block.get("table_row") or {}).get("cells") or []
        text = "| " + " | ".join(render(cell) for cell in cells) + " |"
    else:
        lines = [line.strip() for line in to_text([block]).splitlines()]
        text = " / ".join(line for line in lines if line) or "(empty)"
    # Bold marks and link targets are left out: a change of either alone reads as formatting.
    return LINK.sub(r"\1", text).replace("**", "")
