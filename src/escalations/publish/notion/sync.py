"""Block lists compared and cut to Notion's limits: pure functions the publisher uses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from escalations.publish.notion.blocks import Block, canonical, children, payload

MAX_CHILDREN = 100
MAX_ELEMENTS = 1000
MAX_PAYLOAD = 400_000
"""Bytes of JSON per request; Notion allows 500 KB, some room is kept for the envelope."""
NO_CHILDREN = frozenset({"child_page", "child_database", "link_preview", "unsupported"})


def overflows(block: Block, depth: int) -> bool:
    nested = children(block)
    if not nested:
        return False
    if depth >= 2 or len(nested) > MAX_CHILDREN:
        return True
    return any(overflows(child, depth + 1) for child in nested)


def within_depth(block: Block) -> Block:
    """The block with at most two levels of children and 100 children per level."""

    def trim(item: Block, depth: int) -> Block:
        kind = item["type"]
        body = payload(item)
        nested = children(item)[:MAX_CHILDREN]
        if nested and depth < 2:
            body["children"] = [trim(child, depth + 1) for child in nested]
        return {"type": kind, kind: body}

    return trim(block, 0)


def batches(blocks: list[Block]) -> Iterator[list[Block]]:
    batch: list[Block] = []
    elements = size = 0
    for block in blocks:
        sent = within_depth(block)
        weight = element_count(sent)
        length = len(json.dumps(sent))
        if batch and (
            len(batch) == MAX_CHILDREN
            or elements + weight > MAX_ELEMENTS
            or size + length > MAX_PAYLOAD
        ):
            yield batch
            batch, elements, size = [], 0, 0
        batch.append(block)
        elements += weight
        size += length
    if batch:
        yield batch


def element_count(block: Block) -> int:
    return 1 + sum(element_count(child) for child in children(block))


Step = tuple[str, Any, Any]


def align(existing: list[Block], desired: list[Block]) -> list[Step]:
    """Steps that turn `existing` into `desired`: equal blocks kept (longest common
    subsequence), the rest paired in place where the type allows an update, else deleted and
    inserted; in desired order, with deletions where the old blocks stood."""
    old = [canonical(b) for b in existing]
    new = [canonical(b) for b in desired]
    kept = common(old, new)
    steps: list[Step] = []
    i = j = 0
    for a, b in [*kept, (len(existing), len(desired))]:
        gap_old, gap_new = existing[i:a], desired[j:b]
        for k in range(max(len(gap_old), len(gap_new))):
            before = gap_old[k] if k < len(gap_old) else None
            after = gap_new[k] if k < len(gap_new) else None
            if before is not None and after is not None and updatable(before, after):
                steps.append(("update", before, after))
                continue
            if before is not None:
                steps.append(("delete", before, None))
            if after is not None:
                steps.append(("insert", None, after))
        if a < len(existing):
            steps.append(("keep", existing[a], desired[b]))
        i, j = a + 1, b + 1
    return steps


def common(old: list[Any], new: list[Any]) -> list[tuple[int, int]]:
    lengths = [[0] * (len(new) + 1) for _ in range(len(old) + 1)]
    for x in range(len(old) - 1, -1, -1):
        for y in range(len(new) - 1, -1, -1):
            lengths[x][y] = (
                lengths[x + 1][y + 1] + 1
                if old[x] == new[y]
                else max(lengths[x + 1][y], lengths[x][y + 1])
            )
    pairs, x, y = [], 0, 0
    while x < len(old) and y < len(new):
        if old[x] == new[y]:
            pairs.append((x, y))
            x, y = x + 1, y + 1
        elif lengths[x + 1][y] >= lengths[x][y + 1]:
            x += 1
        else:
            y += 1
    return pairs


def updatable(old: Block, new: Block) -> bool:
    if old["type"] != new["type"] or old["type"] in NO_CHILDREN:
        return False
    if old["type"] == "table":
        return bool(payload(old).get("table_width") == payload(new).get("table_width"))
    return True


def placeable(steps: list[Step]) -> bool:
    """Whether every insert has a block before it to insert after (Notion's API version
    2025-09-03 can only append after a block or at the end)."""
    survivor_seen = False
    waiting_insert = False
    for step, _, _ in steps:
        if step in ("keep", "update"):
            if waiting_insert and not survivor_seen:
                return False
            survivor_seen = True
        elif step == "insert":
            waiting_insert = True
    return True
