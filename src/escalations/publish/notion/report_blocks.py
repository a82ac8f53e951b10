"""A report period as Notion blocks: its Markdown, and each chart as the table of its figures."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from escalations.publish.notion.markdown import Block, rich_text, to_blocks
from escalations.publish.notion.richtext import fit
from escalations.publish.notion.richtext import plain as plain_text

BANNER = (
    "Published by escalations report --publish from the escalation history, one section per "
    "period, newest first. Edits made here are overwritten when that period is published again."
)
_IMAGE_LINE = re.compile(r'^!\[[^\]\n]*\]\(<?([^)\s>]+)>?(?:\s+"[^"\n]*")?\)[ \t]*$', re.MULTILINE)
_PLACEHOLDER = "%%escalations-chart-{}%%"


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart of the report: what it shows, the figures it plots, and its image file."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    image: Path | None = None


def banner() -> Block:
    """The report page's first block: the one place every section can be inserted after."""
    return {
        "type": "callout",
        "callout": {
            "rich_text": rich_text(BANNER),
            "icon": {"type": "emoji", "emoji": "📊"},
            "color": "gray_background",
        },
    }


def section_blocks(markdown: str, charts: Mapping[str, Chart], period: str) -> list[Block]:
    """The period's section: a heading naming it, then the report. An image that stands on its
    own line and names a chart (by the key in `charts`) becomes that chart's table; charts the
    Markdown does not show follow at the end."""
    order = list(charts)
    shown: set[str] = set()

    def mark(match: re.Match[str]) -> str:
        if match[1] not in charts:
            return match[0]
        shown.add(match[1])
        return "\n" + _PLACEHOLDER.format(order.index(match[1])) + "\n"

    body = _IMAGE_LINE.sub(mark, markdown)
    blocks: list[Block] = [_heading(1, period)]
    for block in to_blocks(body):
        index = _placeholder(block, len(order))
        if index is not None:
            blocks += chart_blocks(charts[order[index]])
        elif block["type"] == "heading_1":
            # Level 1 is the periods' own: a section ends at the next heading 1.
            blocks.append({"type": "heading_2", "heading_2": block["heading_1"]})
        else:
            blocks.append(block)
    for key in order:
        if key not in shown:
            blocks += [_heading(3, charts[key].title), *chart_blocks(charts[key])]
    return blocks


def chart_blocks(chart: Chart) -> list[Block]:
    """The table of a chart's figures and a note saying why the image itself is not there."""
    width = max(len(chart.header), 1)

    def row(cells: tuple[str, ...]) -> Block:
        padded = [*cells[:width], *[""] * (width - len(cells))]
        return {"type": "table_row", "table_row": {"cells": [fit(rich_text(c)) for c in padded]}}

    table = {
        "type": "table",
        "table": {
            "table_width": width,
            "has_column_header": True,
            "has_row_header": False,
            "children": [row(chart.header), *(row(r) for r in chart.rows)],
        },
    }
    where = f" (the image is {chart.image.name}, beside the report)" if chart.image else ""
    note = (
        f"Chart not uploaded: {chart.title}. The project's Notion reference does not confirm "
        f"the File Upload API, so the figures it plots are the table above{where}."
    )
    return [table, {"type": "paragraph", "paragraph": {"rich_text": rich_text(note, italic=True)}}]


def plain(block: Block) -> str:
    """The text of a block's rich text, as sent or as read back."""
    return plain_text(block.get(block["type"], {}).get("rich_text") or [])


def _placeholder(block: Block, count: int) -> int | None:
    if block["type"] != "paragraph":
        return None
    text = plain(block)
    for index in range(count):
        if text == _PLACEHOLDER.format(index):
            return index
    return None


def _heading(level: int, text: str) -> Block:
    kind = f"heading_{level}"
    return {"type": kind, kind: {"rich_text": fit(rich_text(text))}}
