"""Notion blocks, as sent or as read back, rendered as plain text that can be compared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from escalations.publish.notion.richtext import render

Block = dict[str, Any]

_INDENT = "  "
_MARKERS = {
    "paragraph": "",
    "heading_1": "# ",
    "heading_2": "## ",
    "heading_3": "### ",
    "heading_4": "#### ",
    "bulleted_list_item": "- ",
    "numbered_list_item": "1. ",
    "quote": "> ",
    "toggle": "▸ ",
    "divider": "",
    "image": "",
}
# Keys every response block has besides its type payload: ignored so that a block read back
# from Notion renders like the request it was created from.
_COMMON = frozenset(
    {
        "object", "id", "parent", "type", "children", "has_children", "in_trash", "archived",
        "created_time", "created_by", "last_edited_time", "last_edited_by", "request_id",
    }
)  # fmt: skip
_MEDIA = frozenset({"image", "video", "audio", "file", "pdf"})
_LINKED = frozenset({"bookmark", "embed", "link_preview"})


def to_text(blocks: Sequence[Mapping[str, Any]]) -> str:
    """One line per block, indented two spaces per nesting level, with a Markdown-like marker
    for its type; blocks that differ only in how their rich text is split into runs, or in
    response-only keys, render the same."""
    lines: list[str] = []
    for block in blocks:
        _block(block, "", lines)
    return "".join(f"{line}\n" for line in lines)


def _block(block: Mapping[str, Any], indent: str, lines: list[str]) -> None:
    kind = _kind(block)
    payload: Mapping[str, Any] = block.get(kind) or {}
    children: Sequence[Mapping[str, Any]] = payload.get("children") or block.get("children") or []
    if kind == "table":
        _table(payload, children, indent, lines)
        return
    if kind == "code":
        _code(payload, indent, lines)
    else:
        _emit(indent, _marker(kind, payload), _body(kind, payload), lines)
    for child in children:
        _block(child, indent + _INDENT, lines)


def _kind(block: Mapping[str, Any]) -> str:
    kind = block.get("type")
    if isinstance(kind, str):
        return kind
    # The API lets requests leave out `type`: the payload key is then the only other key.
    return next((key for key in block if key not in _COMMON), "unknown")


def _emit(indent: str, marker: str, body: str, lines: list[str]) -> None:
    first, *rest = body.split("\n")
    lines.append(f"{indent}{marker}{first}")
    lines.extend(f"{indent}{' ' * len(marker)}{line}" for line in rest)


def _marker(kind: str, payload: Mapping[str, Any]) -> str:
    if kind == "to_do":
        return "[x] " if payload.get("checked") else "[ ] "
    if kind == "callout":
        return f"! {_icon(payload.get('icon'))} "
    return _MARKERS.get(kind, f"[{kind}] ")


def _icon(icon: Mapping[str, Any] | None) -> str:
    if not icon:
        return "-"
    kind = icon.get("type", "emoji")
    return str(icon.get("emoji") if kind == "emoji" else f"[{kind} icon]")


def _body(kind: str, payload: Mapping[str, Any]) -> str:
    if kind == "divider":
        return "---"
    if kind in _MEDIA:
        return _media(kind, payload)
    if kind in _LINKED:
        return _with_caption(str(payload.get("url", "")), payload)
    if kind == "equation":
        return f"$${payload.get('expression', '')}$$"
    if kind in ("child_page", "child_database"):
        return str(payload.get("title", ""))
    if kind == "link_to_page":
        return str(payload.get(str(payload.get("type", "page_id")), ""))
    text = render(payload.get("rich_text") or [])
    color = payload.get("color")
    return f"{text} {{{color}}}" if color and color != "default" else text


def _media(kind: str, payload: Mapping[str, Any]) -> str:
    source = str(payload.get("type", "external"))
    location = payload.get(source) or {}
    url = location.get("url") or location.get("id") or ""
    caption = render(payload.get("caption") or [])
    return f"![{caption}]({url})" if kind == "image" else f"[{caption or kind}]({url})"


def _with_caption(text: str, payload: Mapping[str, Any]) -> str:
    caption = render(payload.get("caption") or [])
    return f"{text} ({caption})" if caption else text


def _code(payload: Mapping[str, Any], indent: str, lines: list[str]) -> None:
    lines.append(f"{indent}```{payload.get('language', '')}")
    body = render(payload.get("rich_text") or [])
    lines.extend(f"{indent}{line}" for line in body.split("\n"))
    lines.append(f"{indent}```")
    caption = render(payload.get("caption") or [])
    if caption:
        lines.append(f"{indent}({caption})")


def _table(
    payload: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    indent: str,
    lines: list[str],
) -> None:
    for index, row in enumerate(rows):
        cells = (row.get("table_row") or {}).get("cells") or []
        lines.append(f"{indent}| {' | '.join(_cell(cell) for cell in cells)} |")
        if index == 0 and payload.get("has_column_header"):
            lines.append(f"{indent}|{'---|' * len(cells)}")


def _cell(items: Sequence[Mapping[str, Any]]) -> str:
    # Escaped so that a `|` or a line break inside a cell cannot look like another cell or row.
    return render(items).replace("|", "\\|").replace("\n", "<br>")
