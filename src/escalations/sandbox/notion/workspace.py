"""The emulated Notion workspace: pages, blocks and people's edits, over the SQLite store.

Every endpoint method takes the parsed request (path id, query, JSON body, Notion-Version) and
returns the response object without `request_id`, or raises `ApiError`/`Invalid`. Callers run
each call inside `store.transaction()`, so a failed request leaves no partial write behind.
"""

from __future__ import annotations

from typing import Any

from escalations.sandbox.notion.blocks import (
    NewBlock,
    can_have_children,
    check_row_width,
    parse_children,
    parse_payload,
)
from escalations.sandbox.notion.databases import DatabaseEndpoints
from escalations.sandbox.notion.properties import parse_title, parse_values
from escalations.sandbox.notion.shapes import (
    MISSING,
    ApiError,
    Context,
    Invalid,
    check_keys,
    expect_bool,
    expect_enum,
    expect_id,
    expect_object,
    parse_cover,
    parse_icon,
    required,
    show,
    text_run,
    validation_error,
)
from escalations.sandbox.notion.store import Record, new_id, normalize_id
from escalations.sandbox.notion.view import (
    NEW_VERSION,
    after_block_id,
    check_block_count,
    listing,
    page_size,
    paginate,
    parse_parent,
    trash_flag,
)


class Workspace(DatabaseEndpoints):
    """Pages, blocks, databases and data sources of one emulated workspace."""

    def add_root_page(self, title: str, page_id: str | None, shared: bool) -> str:
        object_id = normalize_id(page_id) if page_id is not None else new_id()
        if object_id is None:
            raise ValueError(f"not a Notion id: {page_id!r}")
        if self.store.get(object_id) is None:
            doc = {
                "values": {"title": [text_run(title)] if title else []},
                "icon": None,
                "cover": None,
                "is_locked": False,
                "in_trash": False,
                "shared": shared,
                **self.stamps(self.person_id),
            }
            self.store.put(Record(object_id, "page", None, 0, doc))
        return object_id

    def create_page(self, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body, "body")
        check_keys(
            obj,
            "body",
            (
                "parent",
                "properties",
                "icon",
                "cover",
                "children",
                "content",
                "markdown",
                "template",
                "position",
            ),
        )
        for key in ("content", "markdown", "template"):
            if obj.get(key) is not None:
                raise validation_error(f"body.{key} is not supported by the sandbox emulator.")
        kind, parent_id = parse_parent(
            required(obj, "parent", "body"),
            "body.parent",
            ("page_id", "data_source_id", "database_id"),
        )
        ctx = self.context()
        properties = obj.get("properties", {})
        expect_object(properties, "body.properties")
        icon = parse_icon(obj.get("icon"), "body.icon")
        cover = parse_cover(obj.get("cover"), "body.cover")
        children = parse_children(obj.get("children", []), "body.children", 1, ctx)
        check_block_count(ctx)
        if kind == "page_id":
            parent = self.lookup(parent_id, "page", ("page",))
            values: dict[str, Any] = {"title": []}
            for key, value in properties.items():
                if key != "title":
                    raise validation_error(f"{key} is not a property that exists.")
                values["title"] = parse_title(value, "body.properties.title", ctx)
        else:
            parent = self._row_parent(kind, parent_id)
            values, grew = parse_values(
                parent.doc["properties"], properties, "body.properties", ctx
            )
            if grew:
                self.store.put(parent)
        ctx.raise_content_errors()
        self.check_editable(parent, False, "page" if parent.kind == "page" else "block")
        if parent.kind == "page":
            after = self._page_position(obj.get("position"), parent)
            position = (
                self.store.make_room(parent.id, after, 1)
                if after is not MISSING
                else (self.store.end_position(parent.id))
            )
        else:
            position = self.store.end_position(parent.id)
        doc = {
            "values": values,
            "icon": icon,
            "cover": cover,
            "is_locked": False,
            "in_trash": False,
            **self.stamps(self.bot_id),
        }
        record = Record(new_id(), "page", parent.id, position, doc)
        self.store.put(record)
        self.insert_blocks(record.id, children, MISSING)
        if parent.kind == "page":
            self.touch(parent, self.bot_id)
        return self.render_page(record, version)

    def _row_parent(self, kind: str, parent_id: str) -> Record:
        if kind == "data_source_id":
            return self.lookup(parent_id, "data_source", ("data_source",))
        database = self.lookup(parent_id, "database", ("database",))
        sources = [
            source
            for source in self.store.children(database.id, ("data_source",))
            if not source.doc.get("in_trash")
        ]
        if not sources:
            raise validation_error(f"Database {database.id} has no data source.")
        return sources[0]

    def _page_position(self, value: Any, parent: Record) -> Any:
        """Where a new page goes among its parent page's children: a position to insert
        after (None: at the start), or `MISSING` for the end."""
        if value is None:
            return MISSING
        obj = expect_object(value, "body.position")
        kind = expect_enum(
            obj.get("type"), "body.position.type", ("page_start", "page_end", "after_block")
        )
        if kind == "page_start":
            return None
        if kind == "page_end":
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

    def get_page(self, page_id: str, version: str) -> dict[str, Any]:
        return self.render_page(self.lookup(page_id, "page", ("page",)), version)

    def update_page(self, page_id: str, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body, "body")
        check_keys(
            obj,
            "body",
            (
                "properties",
                "icon",
                "cover",
                "is_locked",
                "template",
                "erase_content",
                "archived",
                "in_trash",
            ),
        )
        record = self.lookup(page_id, "page", ("page",))
        trash = trash_flag(obj)
        self.check_editable(record, trash is False, "page")
        ctx = self.context()
        doc = record.doc
        if "properties" in obj:
            parent = self.store.get(record.parent_id) if record.parent_id else None
            if parent is not None and parent.kind == "data_source":
                values, grew = parse_values(
                    parent.doc["properties"], obj["properties"], "body.properties", ctx
                )
                if grew:
                    self.store.put(parent)
                doc["values"].update(values)
            else:
                for key, value in expect_object(obj["properties"], "body.properties").items():
                    if key != "title":
                        raise validation_error(f"{key} is not a property that exists.")
                    doc["values"]["title"] = parse_title(value, "body.properties.title", ctx)
        if "icon" in obj:
            doc["icon"] = parse_icon(obj["icon"], "body.icon")
        if "cover" in obj:
            doc["cover"] = parse_cover(obj["cover"], "body.cover")
        if "is_locked" in obj:
            doc["is_locked"] = expect_bool(obj["is_locked"], "body.is_locked")
        ctx.raise_content_errors()
        if obj.get("erase_content") is True:
            for child in self.store.children(record.id, ("block",)):
                child.doc["in_trash"] = True
                self.store.put(child)
        if trash is not None:
            doc["in_trash"] = trash
        self.touch(record, self.bot_id)
        return self.render_page(record, version)

    # -- blocks ---------------------------------------------------------------------------

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

    # -- people editing in the UI ---------------------------------------------------------

    def human_edit(self, object_id: str, changes: dict[str, Any]) -> None:
        normalized = normalize_id(object_id)
        record = self.store.get(normalized) if normalized else None
        if record is None or record.kind not in ("block", "page"):
            raise KeyError(f"no block or page with id {object_id!r}")
        ctx = self.context()
        changes = dict(changes)
        try:
            if "in_trash" in changes:
                record.doc["in_trash"] = bool(changes.pop("in_trash"))
            if record.kind == "page":
                self._human_page_edit(record, changes, ctx)
            else:
                raw = dict(changes)
                for key in ("text", "rich_text"):
                    if isinstance(raw.get(key), str):
                        raw["rich_text"] = [{"text": {"content": raw.pop(key)}}]
                kind = record.doc["type"]
                record.doc["payload"].update(
                    parse_payload(kind, raw, f"human_edit.{kind}", ctx, create=False)
                )
        except Invalid as problem:
            raise ValueError(problem.to_api_error("human_edit").message) from problem
        except ApiError as error:
            raise ValueError(error.message) from error
        self.touch(record, self.person_id)
        if record.kind != "page":
            self.touch_container(record, self.person_id)

    def _human_page_edit(self, record: Record, changes: dict[str, Any], ctx: Context) -> None:
        doc = record.doc
        if "title" in changes:
            doc["values"]["title"] = [text_run(str(changes.pop("title")))]
        if "icon" in changes:
            icon = changes.pop("icon")
            doc["icon"] = parse_icon({"emoji": icon} if isinstance(icon, str) else icon, "icon")
        if "properties" in changes:
            parent = self.store.get(record.parent_id) if record.parent_id else None
            if parent is None or parent.kind != "data_source":
                raise ValueError("only rows of a data source have properties besides the title")
            values, grew = parse_values(
                parent.doc["properties"], changes.pop("properties"), "properties", ctx
            )
            doc["values"].update(values)
            if grew:
                self.store.put(parent)
        if changes:
            raise ValueError(f"unsupported page changes: {sorted(changes)}")
