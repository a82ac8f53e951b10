"""Blocks of the emulated Notion workspace: retrieve, update, delete, list and append children."""

from __future__ import annotations

from typing import Any

from escalations.sandbox.notion.arguments import (
    after_block_id,
    check_block_count,
    listing,
    page_size,
    paginate,
    trash_flag,
)
from escalations.sandbox.notion.blocks import (
    NewBlock,
    can_have_children,
    check_row_width,
    parse_children,
    parse_payload,
)
from escalations.sandbox.notion.databases import DatabaseEndpoints
from escalations.sandbox.notion.shapes import (
    MISSING,
    Invalid,
    check_keys,
    expect_enum,
    expect_id,
    expect_object,
    required,
    show,
    validation_error,
)
from escalations.sandbox.notion.store import Record, new_id
from escalations.sandbox.notion.view import NEW_VERSION


class BlockEndpoints(DatabaseEndpoints):
    """`/v1/blocks` and `/v1/blocks/{id}/children`."""

    def insert_blocks(self, parent_id: str, blocks: list[NewBlock], after: Any) -> list[Record]:
        """Store `blocks` (and their children) under `parent_id`; `after` is a position to
        insert after, None for the start, `MISSING` (or no siblings) for the end."""
        if not blocks:
            return []
        if after is MISSING:
            start = self.store.end_position(parent_id)
        else:
            start = self.store.make_room(parent_id, after, len(blocks))
        created: list[Record] = []
        for offset, block in enumerate(blocks):
            doc = {
                "type": block.type,
                "payload": block.payload,
                "in_trash": False,
                **self.stamps(self.bot_id),
            }
            record = Record(new_id(), "block", parent_id, start + offset, doc)
            self.store.put(record)
            self.insert_blocks(record.id, block.children, MISSING)
            created.append(record)
        return created

    def get_block(self, block_id: str, version: str) -> dict[str, Any]:
        return self.render_block(self._block(block_id), version)

    def _block(self, block_id: str) -> Record:
        return self.lookup(block_id, "block", ("block", "page", "database"))

    def update_block(self, block_id: str, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body, "body")
        record = self._block(block_id)
        trash = trash_flag(obj)
        kind = (
            record.doc["type"]
            if record.kind == "block"
            else "child_page"
            if record.kind == "page"
            else "child_database"
        )
        check_keys(obj, "body", ("type", "archived", "in_trash", kind))
        if "type" in obj and obj["type"] != kind:
            raise Invalid(f"body.type should be `{show(kind)}`, instead was `{show(obj['type'])}`")
        self.check_editable(record, trash is False)
        ctx = self.context()
        if kind in obj:
            if record.kind != "block":
                raise validation_error(
                    f"{kind} blocks can not be updated through the block "
                    "endpoint; update the page or database instead."
                )
            raw = expect_object(obj[kind], f"body.{kind}")
            changes = parse_payload(kind, raw, f"body.{kind}", ctx, create=False)
            self._check_update(record, kind, changes)
            record.doc["payload"].update(changes)
        ctx.raise_content_errors()
        if trash is not None:
            record.doc["in_trash"] = trash
        self.touch(record, self.bot_id)
        self.touch_container(record, self.bot_id)
        return self.render_block(record, version)

    def _check_update(self, record: Record, kind: str, changes: dict[str, Any]) -> None:
        if kind == "table_row" and "cells" in changes:
            table = self.store.get(record.parent_id or "")
            if table is not None and table.kind == "block":
                check_row_width(changes, table.doc["payload"]["table_width"])
        if (
            kind.startswith("heading_")
            and changes.get("is_toggleable") is False
            and self.has_children(record)
        ):
            raise validation_error("Can't remove toggle from a heading block that has children.")

    def delete_block(self, block_id: str, version: str) -> dict[str, Any]:
        record = self._block(block_id)
        self.check_editable(record, False)
        record.doc["in_trash"] = True
        self.touch(record, self.bot_id)
        self.touch_container(record, self.bot_id)
        return self.render_block(record, version)

    def list_children(self, block_id: str, query: dict[str, str], version: str) -> dict[str, Any]:
        record = self._block(block_id)
        size = page_size(query.get("page_size"), "query")
        children = [c for c in self.store.children(record.id) if not c.doc.get("in_trash")]
        if record.kind == "database":
            children = []
        by_id = {child.id: child for child in children}
        chunk, cursor = paginate(list(by_id), query.get("start_cursor"), size, "query")
        return listing([self.render_block(by_id[i], version) for i in chunk], cursor, "block")

    def append_children(self, block_id: str, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body, "body")
        check_keys(obj, "body", ("children", "after", "position"))
        if "after" in obj and ("position" in obj or version == NEW_VERSION):
            raise Invalid(f"body.after should be not present, instead was `{show(obj['after'])}`")
        record = self.lookup(block_id, "block", ("block", "page"))
        ctx = self.context()
        width: int | None = None
        if record.kind == "block":
            kind, payload = record.doc["type"], record.doc["payload"]
            if not can_have_children(kind, payload):
                raise validation_error(f"Block type {kind} does not support children.")
            width = payload["table_width"] if kind == "table" else None
        children = parse_children(required(obj, "children", "body"), "body.children", 1, ctx, width)
        check_block_count(ctx)
        after: Any = MISSING
        if "after" in obj:
            after = self._after_position(expect_id(obj["after"], "body.after"), record)
        elif obj.get("position") is not None:
            after = self._append_position(obj["position"], record)
        ctx.raise_content_errors()
        self.check_editable(record, False)
        created = self.insert_blocks(record.id, children, after)
        self.touch(record, self.bot_id)
        if record.kind == "block":
            self.touch_container(record, self.bot_id)
        return listing([self.render_block(r, version) for r in created], None, "block")

    def _append_position(self, value: Any, parent: Record) -> Any:
        obj = expect_object(value, "body.position")
        kind = expect_enum(obj.get("type"), "body.position.type", ("start", "end", "after_block"))
        if kind == "start":
            return None
        if kind == "end":
            return MISSING
        return self._after_position(after_block_id(obj, "body.position"), parent)

    def _after_position(self, block_id: str, parent: Record) -> int:
        sibling = self.store.get(block_id)
        if sibling is None or sibling.parent_id != parent.id or sibling.doc.get("in_trash"):
            raise validation_error(
                f"Block {block_id} is not a child of block {parent.id}, so nothing can be "
                "inserted after it."
            )
        return sibling.position
