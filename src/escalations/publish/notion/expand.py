"""References in the rich text of rendered blocks expanded to values, linked to their pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escalations.criteria.expand import expand
from escalations.model.framework import Framework
from escalations.publish.notion.astext import Block
from escalations.publish.notion.richtext import Run, fit, is_link_url, runs_of, to_items

UrlOf = Callable[[str], str | None]
_TEXT_KEYS = ("rich_text", "caption")


def expand_blocks(blocks: list[Block], framework: Framework, url_of: UrlOf) -> list[Block]:
    """The blocks with every reference in their text replaced by its value, linked to the page of
    its entity where that page is published. Expanding the rendered blocks rather than each
    source text reaches every text at once (descriptions, Markdown bodies, table cells), and
    leaves code alone: a code block or `code` run shows the reference as written."""
    return [_block(block, framework, url_of) for block in blocks]


def _block(block: Block, framework: Framework, url_of: UrlOf) -> Block:
    kind = block["type"]
    body = block.get(kind)
    if kind == "code" or not isinstance(body, dict):
        return block
    new: dict[str, Any] = dict(body)
    for key in _TEXT_KEYS:
        if isinstance(body.get(key), list):
            new[key] = _items(body[key], framework, url_of)
    if isinstance(body.get("cells"), list):
        new["cells"] = [_items(cell, framework, url_of) for cell in body["cells"]]
    if isinstance(body.get("children"), list):
        new["children"] = expand_blocks(body["children"], framework, url_of)
    return {**block, kind: new}


def _items(items: list[dict[str, Any]], framework: Framework, url_of: UrlOf) -> Any:
    if not any("{{" in str((entry.get("text") or {}).get("content", "")) for entry in items):
        return items  # untouched, so pages without references keep their exact requests
    runs: list[Run] = []
    for run in runs_of(items):
        if dict(run.marks).get("code") or "{{" not in run.text:
            runs.append(run)
            continue
        for piece in expand(run.text, framework):
            url = run.url or (url_of(piece.page) if piece.page else None)
            runs.append(Run(piece.text, run.marks, url if url and is_link_url(url) else None))
    # A value longer than its reference can push a text past Notion's 100 items: squeeze it.
    return fit(to_items(runs))
