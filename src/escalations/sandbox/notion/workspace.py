"""The emulated Notion workspace: pages and people's edits, over the block and database endpoints.

Every endpoint method takes the parsed request (path id, query, JSON body, Notion-Version) and
returns the response object without `request_id`, or raises `ApiError`/`Invalid`. Callers run
each call inside `store.transaction()`, so a failed request leaves no partial write behind.
"""

from __future__ import annotations

from typing import Any

from escalations.sandbox.notion.arguments import (
    after_block_id,
    check_block_count,
    parse_parent,
    trash_flag,
)
from escalations.sandbox.notion.block_endpoints import BlockEndpoints
from escalations.sandbox.notion.blocks import (
    parse_children,
    parse_payload,
)
from escalations.sandbox.notion.properties import parse_title, parse_values
from escalations.sandbox.notion.richtext import text_run
from escalations.sandbox.notion.shapes import (
    MISSING,
    ApiError,
    Context,
    Invalid,
    check_keys,
    expect_bool,
    expect_enum,
    expect_object,
    parse_cover,
    parse_icon,
    required,
    validation_error,
)
from escalations.sandbox.notion.store import Record, new_id, normalize_id


class Workspace(BlockEndpoints):
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
