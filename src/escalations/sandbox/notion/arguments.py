"""Request arguments and list answers of the Notion emulator: page sizes, cursors, parents."""

from __future__ import annotations

from typing import Any

from escalations.sandbox.notion.shapes import (
    MAX_ARRAY,
    MAX_BLOCKS,
    MISSING,
    Context,
    Invalid,
    check_keys,
    expect_bool,
    expect_enum,
    expect_id,
    expect_object,
    required,
    show,
    validation_error,
)
from escalations.sandbox.notion.store import normalize_id


def listing(results: list[dict[str, Any]], cursor: str | None, kind: str) -> dict[str, Any]:
    return {
        "object": "list",
        "results": results,
        "next_cursor": cursor,
        "has_more": cursor is not None,
        "type": kind,
        kind: {},
    }


def page_size(value: Any, part: str) -> int:
    """A `page_size` from a query string (text) or a body (number): 1..100, default 100."""
    if value is None or value is MISSING:
        return MAX_ARRAY
    number: Any = value
    if isinstance(value, str):
        number = int(value) if value.strip().isdigit() else None
    if isinstance(number, bool) or not isinstance(number, int):
        raise Invalid(f"{part}.page_size should be a number, instead was `{show(value)}`")
    if number < 1:
        raise Invalid(f"{part}.page_size should be ≥ `1`, instead was `{number}`")
    if number > MAX_ARRAY:
        raise Invalid(f"{part}.page_size should be ≤ `{MAX_ARRAY}`, instead was `{number}`")
    return number


def paginate(ids: list[str], cursor: Any, size: int, part: str) -> tuple[list[str], str | None]:
    start = 0
    if cursor is not None:
        wanted = normalize_id(cursor) if isinstance(cursor, str) else None
        if wanted is None or wanted not in ids:
            raise validation_error(
                f"{part} failed validation: {part}.start_cursor should be a "
                f"valid cursor, instead was `{show(cursor)}`."
            )
        start = ids.index(wanted)
    chunk = ids[start : start + size]
    following = ids[start + size] if start + size < len(ids) else None
    return chunk, following


def check_block_count(ctx: Context) -> None:
    if ctx.blocks > MAX_BLOCKS:
        raise validation_error(
            f"body failed validation: the request contains `{ctx.blocks}` block elements, "
            f"more than the limit of `{MAX_BLOCKS}` per request."
        )


def parse_parent(value: Any, path: str, kinds: tuple[str, ...]) -> tuple[str, str]:
    obj = expect_object(value, path)
    check_keys(obj, path, ("type", *kinds))
    declared = obj.get("type")
    if declared is not None:
        kind = expect_enum(declared, f"{path}.type", kinds)
        return kind, expect_id(required(obj, kind, path), f"{path}.{kind}")
    for kind in kinds:
        if kind in obj:
            return kind, expect_id(obj[kind], f"{path}.{kind}")
    raise Invalid(*(f"{path}.{kind} should be defined, instead was `undefined`" for kind in kinds))


def after_block_id(obj: dict[str, Any], path: str) -> str:
    check_keys(obj, path, ("type", "after_block"))
    target = expect_object(required(obj, "after_block", path), f"{path}.after_block")
    return expect_id(required(target, "id", f"{path}.after_block"), f"{path}.after_block.id")


def trash_flag(obj: dict[str, Any]) -> bool | None:
    values = [
        expect_bool(obj[key], f"body.{key}") for key in ("in_trash", "archived") if key in obj
    ]
    if len(set(values)) > 1:
        raise validation_error("body.in_trash and body.archived disagree; send only in_trash.")
    return values[0] if values else None
