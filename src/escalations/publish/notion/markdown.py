"""Markdown to Notion block requests within Notion's limits, and blocks back to comparable text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from escalations.publish.notion.astext import Block, to_text
from escalations.publish.notion.inline import Image, LinkResolver, inline_parts, inline_runs
from escalations.publish.notion.languages import PLAIN_TEXT, code_language
from escalations.publish.notion.richtext import Run, chunks, fit, rich_text, to_items

__all__ = ["Block", "LinkResolver", "rich_text", "to_blocks", "to_text"]

# CommonMark plus GitHub's tables, strikethrough and task lists. Front matter is parsed so that
# a whole framework file can be passed in; it never becomes a block.
_PARSER = (
    MarkdownIt("commonmark")
    .enable(["table", "strikethrough"])
    .use(tasklists_plugin)
    .use(front_matter_plugin)
)

# GitHub's alert kinds (`> [!NOTE]`) as a callout icon and color.
ADMONITIONS = {
    "NOTE": ("\u2139\ufe0f", "blue_background"),  # information source, as an emoji
    "TIP": ("💡", "green_background"),
    "IMPORTANT": ("❗", "purple_background"),
    "WARNING": ("⚠️", "yellow_background"),
    "CAUTION": ("🛑", "red_background"),
}
_ADMONITION = re.compile(r"\[!(\w+)\]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>")


def _no_link(href: str) -> str | None:
    return None


def to_blocks(
    markdown: str, *, resolve_link: LinkResolver = _no_link, soft_break: str = " "
) -> list[Block]:
    """Notion block requests for a Markdown document, nested lists kept at full depth.

    `resolve_link` turns a relative href (`outage.md`, `../docs/glossary.md#tier`) into an
    absolute URL, or None to keep just the link text. A soft line break becomes `soft_break`:
    a space, as GitHub renders it, because the framework's prose is hard-wrapped."""
    tree = SyntaxTreeNode(_PARSER.parse(markdown))
    return _Converter(resolve_link, soft_break).blocks(tree.children)


class _Converter:
    def __init__(self, resolve_link: LinkResolver, soft_break: str) -> None:
        self.resolve_link = resolve_link
        self.soft_break = soft_break

    def blocks(self, nodes: Iterable[SyntaxTreeNode]) -> list[Block]:
        return [block for node in nodes for block in self.block(node)]

    def block(self, node: SyntaxTreeNode) -> list[Block]:
        match node.type:
            case "paragraph":
                return self.paragraph(node)
            case "heading":
                level = min(int(node.tag[1:]), 3)
                return _text_blocks(f"heading_{level}", self.runs(_inline(node)))
            case "bullet_list" | "ordered_list":
                return self.items(node)
            case "blockquote":
                return self.quote(node)
            case "fence" | "code_block":
                return _code(node)
            case "table":
                return [self.table(node)]
            case "hr":
                return [{"type": "divider", "divider": {}}]
            case "front_matter":
                return []
            case _ if node.children:
                return self.blocks(node.children)
            case _:
                return _html(node.content)

    def runs(self, tokens: Sequence[Token]) -> list[Run]:
        return inline_runs(tokens, self.resolve_link, self.soft_break)

    def paragraph(self, node: SyntaxTreeNode) -> list[Block]:
        """One paragraph, or several around its images: Notion images are blocks of their own."""
        blocks: list[Block] = []
        pending: list[Run] = []
        for part in inline_parts(_inline(node), self.resolve_link, self.soft_break):
            if isinstance(part, Image):
                blocks += [*_prose(pending), _image(part)]
                pending = []
            else:
                pending.append(part)
        return blocks + _prose(pending)

    def items(self, node: SyntaxTreeNode) -> list[Block]:
        kind = "numbered_list_item" if node.type == "ordered_list" else "bulleted_list_item"
        return [block for item in node.children for block in self.list_item(item, kind)]

    def list_item(self, item: SyntaxTreeNode, kind: str) -> list[Block]:
        lead, rest = _lead(item.children)
        children = self.blocks(rest)
        if item.attrs.get("class") != "task-list-item":
            return _text_blocks(kind, self.runs(lead), children=children)
        # The tasklists plugin leaves its checkbox as the first inline token.
        checked = bool(lead) and 'checked="checked"' in lead[0].content
        runs = _strip(self.runs(lead), trailing=False)
        return _text_blocks("to_do", runs, {"checked": checked}, children)

    def quote(self, node: SyntaxTreeNode) -> list[Block]:
        """A quote, or a callout for a GitHub alert (`> [!NOTE]` alone on the first line)."""
        nodes = list(node.children)
        alert = _alert(_inline(nodes[0])) if nodes and nodes[0].type == "paragraph" else None
        if alert is None:
            lead, rest = _lead(nodes)
            return _text_blocks("quote", self.runs(lead), children=self.blocks(rest))
        name, after = alert
        lead, rest = (after, nodes[1:]) if after else _lead(nodes[1:])
        icon, color = ADMONITIONS[name]
        extra = {"icon": {"type": "emoji", "emoji": icon}, "color": color}
        return _text_blocks("callout", self.runs(lead), extra, self.blocks(rest))

    def table(self, node: SyntaxTreeNode) -> Block:
        """One table block with every row: a later stage sends rows past 100 in batches."""
        rows = [row for section in node.children for row in section.children]
        width = max(len(rows[0].children), 1) if rows else 1
        children = [self.table_row(row, width) for row in rows]
        table = {"table_width": width, "has_column_header": True, "has_row_header": False}
        return {"type": "table", "table": {**table, "children": children}}

    def table_row(self, row: SyntaxTreeNode, width: int) -> Block:
        cells = [fit(to_items(self.runs(_inline(cell)))) for cell in row.children[:width]]
        cells += [[] for _ in range(width - len(cells))]
        return {"type": "table_row", "table_row": {"cells": cells}}


def _inline(node: SyntaxTreeNode) -> list[Token]:
    """The inline tokens of a paragraph, heading or cell, in document order."""
    for child in node.children:
        if child.type == "inline" and child.token is not None:
            return list(child.token.children or [])
    return []


def _lead(nodes: Sequence[SyntaxTreeNode]) -> tuple[list[Token], list[SyntaxTreeNode]]:
    """The inline tokens of a leading paragraph, which becomes the text of the list item or
    quote itself, and the nodes that become its children. A paragraph with an image stays a
    child, so that the image keeps its own block."""
    if nodes and nodes[0].type == "paragraph":
        tokens = _inline(nodes[0])
        if not any(token.type == "image" for token in tokens):
            return tokens, list(nodes[1:])
    return [], list(nodes)


def _alert(tokens: Sequence[Token]) -> tuple[str, list[Token]] | None:
    """The alert kind and the tokens after its marker line, if the paragraph starts with one."""
    if not tokens or tokens[0].type != "text":
        return None
    match = _ADMONITION.fullmatch(tokens[0].content.strip())
    if match is None or match[1].upper() not in ADMONITIONS:
        return None
    if len(tokens) > 1 and tokens[1].type not in ("softbreak", "hardbreak"):
        return None  # GitHub wants the marker alone on its line
    return match[1].upper(), list(tokens[2:])


def _text_blocks(
    kind: str,
    runs: Sequence[Run],
    extra: dict[str, Any] | None = None,
    children: Sequence[Block] = (),
) -> list[Block]:
    """Blocks of one type carrying `runs`: one per 100 rich-text items, the children (if any)
    under the last, so that a long text keeps its order and its nested content follows it."""
    blocks: list[Block] = [
        {"type": kind, kind: {"rich_text": part, **(extra or {})}}
        for part in chunks(to_items(runs))
    ]
    if children:
        blocks[-1][kind]["children"] = list(children)
    return blocks


def _prose(runs: Sequence[Run]) -> list[Block]:
    runs = _strip(runs)
    return _text_blocks("paragraph", runs) if runs else []


def _strip(runs: Sequence[Run], trailing: bool = True) -> list[Run]:
    """Runs without the whitespace left at the edges where an image or checkbox was taken out."""
    stripped = [run for run in runs if run.text]
    while stripped and not stripped[0].text.strip():
        stripped.pop(0)
    while trailing and stripped and not stripped[-1].text.strip():
        stripped.pop()
    if stripped:
        first = stripped[0]
        stripped[0] = Run(first.text.lstrip(), first.marks, first.url)
    if trailing and stripped:
        last = stripped[-1]
        stripped[-1] = Run(last.text.rstrip(), last.marks, last.url)
    return stripped


def _image(image: Image) -> Block:
    payload: dict[str, Any] = {"type": "external", "external": {"url": image.url}}
    caption = fit(to_items(image.caption))
    if caption:
        payload["caption"] = caption
    return {"type": "image", "image": payload}


def _code(node: SyntaxTreeNode) -> list[Block]:
    language = code_language(node.info) if node.type == "fence" else PLAIN_TEXT
    text = node.content.removesuffix("\n")
    return _text_blocks("code", [Run(text)], {"language": language})


def _html(source: str) -> list[Block]:
    """Raw HTML as the text a reader sees: tags and comments go, entities are decoded."""
    text = _HTML_TAG.sub("", _HTML_BREAK.sub("\n", _HTML_COMMENT.sub("", source)))
    lines = (" ".join(line.split()) for line in html.unescape(text).split("\n"))
    text = "\n".join(line for line in lines if line)
    return _text_blocks("paragraph", [Run(text)]) if text else []
