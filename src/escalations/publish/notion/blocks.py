"""Blocks compared by meaning: canonical forms of request and response blocks, and hashes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

Block = dict[str, Any]

RESPONSE_ONLY = frozenset(
    {"object", "id", "parent", "created_time", "last_edited_time", "created_by",
     "last_edited_by", "has_children", "archived", "in_trash", "request_id"}
)  # fmt: skip
DEFAULTS: dict[str, Any] = {"color": "default", "is_toggleable": False, "caption": []}
RICH_KEYS = frozenset({"rich_text", "caption"})
ANNOTATION_DEFAULTS = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}


def payload(block: Block) -> dict[str, Any]:
    """A block's own type payload, without its children."""
    body = block.get(block["type"], {})
    return {k: v for k, v in body.items() if k != "children"}


def children(block: Block) -> list[Block]:
    """Children given inside the payload (requests) or beside it (read trees)."""
    inside = block.get(block["type"], {}).get("children")
    return list(inside if inside is not None else block.get("children", []))


def canonical(block: Block, *, deep: bool = True) -> Any:
    """A hashable form that is equal for a request block and the response Notion returns for
    it: response-only keys, default values and rich-text run boundaries do not count."""
    body = {
        key: _rich(value) if key in RICH_KEYS else _value(key, value)
        for key, value in sorted(payload(block).items())
        if value is not None and DEFAULTS.get(key, object()) != value
    }
    shallow = (block["type"], json.dumps(body, sort_keys=True, ensure_ascii=False))
    if not deep:
        return shallow
    return (*shallow, tuple(canonical(child) for child in children(block)))


def _value(key: str, value: Any) -> Any:
    if key == "cells":
        return [_rich(cell) for cell in value]
    return value


def _rich(items: list[dict[str, Any]]) -> list[list[Any]]:
    runs: list[list[Any]] = []
    for item in items:
        annotations = item.get("annotations", {})
        marks = sorted((k, v) for k, v in annotations.items() if ANNOTATION_DEFAULTS.get(k) != v)
        kind = item.get("type", "text")
        if kind != "text":
            detail = item.get(kind, {})
            runs.append([kind, json.dumps(detail, sort_keys=True), marks, None])
            continue
        text = item["text"]
        link = (text.get("link") or {}).get("url")
        if runs and runs[-1][0] == "text" and runs[-1][2] == marks and runs[-1][3] == link:
            runs[-1][1] += text["content"]
        else:
            runs.append(["text", text["content"], marks, link])
    return runs


def digest(title: str, blocks: tuple[Block, ...] | list[Block]) -> str:
    """The Hash property of a page: its title and the meaning of its blocks."""
    content = json.dumps([title, [canonical(b) for b in blocks]], ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def request_block(block: Block) -> Block:
    """A block as a request may send it: no response-only keys, children inside."""
    kind = block["type"]
    body = payload(block)
    nested = children(block)
    if nested:
        body["children"] = [request_block(child) for child in nested]
    return {"type": kind, kind: body}
