"""Databases, data sources, their rows' queries, and search, for the emulated workspace."""

from __future__ import annotations

from typing import Any

from escalations.sandbox.notion.arguments import (
    listing,
    page_size,
    paginate,
    parse_parent,
    trash_flag,
)
from escalations.sandbox.notion.properties import Schema, parse_schema
from escalations.sandbox.notion.queries import compile_filter, sort_rows
from escalations.sandbox.notion.richtext import parse_rich_text
from escalations.sandbox.notion.shapes import (
    check_keys,
    expect_bool,
    expect_enum,
    expect_object,
    expect_string,
    parse_cover,
    parse_icon,
    required,
    validation_error,
)
from escalations.sandbox.notion.store import Record, new_id
from escalations.sandbox.notion.view import WorkspaceView, to_minute


class DatabaseEndpoints(WorkspaceView):
    """`/v1/databases`, `/v1/data_sources` and `/v1/search`."""

    def create_database(self, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body, "body")
        check_keys(
            obj,
            "body",
            ("parent", "title", "description", "is_inline", "initial_data_source", "icon", "cover"),
        )
        _, parent_id = parse_parent(required(obj, "parent", "body"), "body.parent", ("page_id",))
        ctx = self.context()
        title = parse_rich_text(obj.get("title", []), "body.title", ctx)
        description = parse_rich_text(obj.get("description", []), "body.description", ctx)
        is_inline = expect_bool(obj.get("is_inline", False), "body.is_inline")
        icon = parse_icon(obj.get("icon"), "body.icon")
        cover = parse_cover(obj.get("cover"), "body.cover")
        initial = expect_object(obj.get("initial_data_source", {}), "body.initial_data_source")
        check_keys(initial, "body.initial_data_source", ("properties",))
        schema = parse_schema(initial.get("properties", {}), "body.initial_data_source.properties")
        ctx.raise_content_errors()
        parent = self.lookup(parent_id, "page", ("page",))
        self.check_editable(parent, False, "page")
        now = self.precise()
        user = {"object": "user", "id": self.bot_id}
        doc = {
            "title": title,
            "description": description,
            "is_inline": is_inline,
            "icon": icon,
            "cover": cover,
            "is_locked": False,
            "in_trash": False,
            "created_time": now,
            "last_edited_time": now,
            "created_by": user,
            "last_edited_by": dict(user),
        }
        database = Record(new_id(), "database", parent.id, self.store.end_position(parent.id), doc)
        self.store.put(database)
        self._new_data_source(database, title, schema, icon)
        self.touch(parent, self.bot_id)
        return self.render_database(database, version)

    def _new_data_source(
        self, database: Record, title: list[dict[str, Any]], schema: Schema, icon: Any
    ) -> Record:
        doc = {
            "title": title,
            "description": [],
            "icon": icon,
            "cover": None,
            "properties": schema,
            "in_trash": False,
            **self.stamps(self.bot_id),
        }
        position = self.store.end_position(database.id)
        record = Record(new_id(), "data_source", database.id, position, doc)
        self.store.put(record)
        return record

    def get_database(self, database_id: str, version: str) -> dict[str, Any]:
        return self.render_database(self.lookup(database_id, "database", ("database",)), version)

    def update_database(self, database_id: str, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body, "body")
        check_keys(
            obj,
            "body",
            (
                "title",
                "description",
                "is_inline",
                "icon",
                "cover",
                "in_trash",
                "archived",
                "is_locked",
            ),
        )
        record = self.lookup(database_id, "database", ("database",))
        trash = trash_flag(obj)
        self.check_editable(record, trash is False)
        ctx = self.context()
        doc = record.doc
        for key in ("title", "description"):
            if key in obj:
                doc[key] = parse_rich_text(obj[key], f"body.{key}", ctx)
        if "is_inline" in obj:
            doc["is_inline"] = expect_bool(obj["is_inline"], "body.is_inline")
        if "is_locked" in obj:
            doc["is_locked"] = expect_bool(obj["is_locked"], "body.is_locked")
        if "icon" in obj:
            doc["icon"] = parse_icon(obj["icon"], "body.icon")
        if "cover" in obj:
            doc["cover"] = parse_cover(obj["cover"], "body.cover")
        ctx.raise_content_errors()
        if trash is not None:
            doc["in_trash"] = trash
        self.touch(record, self.bot_id)
        return self.render_database(record, version)

    def create_data_source(self, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body, "body")
        check_keys(obj, "body", ("parent", "properties", "title", "icon"))
        _, database_id = parse_parent(
            required(obj, "parent", "body"), "body.parent", ("database_id",)
        )
        ctx = self.context()
        schema = parse_schema(required(obj, "properties", "body"), "body.properties")
        title = parse_rich_text(obj.get("title", []), "body.title", ctx)
        icon = parse_icon(obj.get("icon"), "body.icon")
        ctx.raise_content_errors()
        database = self.lookup(database_id, "database", ("database",))
        self.check_editable(database, False)
        record = self._new_data_source(database, title, schema, icon)
        return self.render_data_source(record, version)

    def get_data_source(self, source_id: str, version: str) -> dict[str, Any]:
        record = self.lookup(source_id, "data_source", ("data_source",))
        return self.render_data_source(record, version)

    def update_data_source(self, source_id: str, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body, "body")
        check_keys(obj, "body", ("title", "icon", "properties", "in_trash", "archived", "parent"))
        if "parent" in obj:
            raise validation_error(
                "Moving a data source (body.parent) is not supported by the sandbox emulator."
            )
        record = self.lookup(source_id, "data_source", ("data_source",))
        trash = trash_flag(obj)
        self.check_editable(record, trash is False)
        ctx = self.context()
        doc = record.doc
        if "title" in obj:
            doc["title"] = parse_rich_text(obj["title"], "body.title", ctx)
        if "icon" in obj:
            doc["icon"] = parse_icon(obj["icon"], "body.icon")
        if "properties" in obj:
            doc["properties"] = parse_schema(
                obj["properties"], "body.properties", doc["properties"]
            )
        ctx.raise_content_errors()
        if trash is not None:
            doc["in_trash"] = trash
        self.touch(record, self.bot_id)
        return self.render_data_source(record, version)

    def query_data_source(self, source_id: str, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body if body is not None else {}, "body")
        check_keys(
            obj,
            "body",
            ("sorts", "filter", "start_cursor", "page_size", "archived", "in_trash", "result_type"),
        )
        record = self.lookup(source_id, "data_source", ("data_source",))
        schema: Schema = record.doc["properties"]
        size = page_size(obj.get("page_size"), "body")
        want_trash = trash_flag(obj) is True
        test = compile_filter(obj["filter"], "body.filter", schema) if obj.get("filter") else None
        rows = [
            row
            for row in self.store.children(record.id, ("page",))
            if bool(row.doc.get("in_trash")) == want_trash
            and (test is None or test(row.doc["values"]))
        ]
        if obj.get("sorts"):
            sort_rows(rows, lambda row: row.doc, obj["sorts"], "body.sorts", schema)
        by_id = {row.id: row for row in rows}
        chunk, cursor = paginate(list(by_id), obj.get("start_cursor"), size, "body")
        results = [self.render_page(by_id[i], version) for i in chunk]
        return listing(results, cursor, "page_or_data_source")

    # -- search ---------------------------------------------------------------------------

    def search(self, body: Any, version: str) -> dict[str, Any]:
        obj = expect_object(body if body is not None else {}, "body")
        check_keys(obj, "body", ("query", "sort", "filter", "start_cursor", "page_size"))
        text = expect_string(obj.get("query", ""), "body.query").strip().lower()
        size = page_size(obj.get("page_size"), "body")
        kinds: tuple[str, ...] = ("page", "data_source")
        if obj.get("filter") is not None:
            flt = expect_object(obj["filter"], "body.filter")
            check_keys(flt, "body.filter", ("property", "value"))
            expect_enum(
                required(flt, "property", "body.filter"), "body.filter.property", ("object",)
            )
            kinds = (
                expect_enum(
                    required(flt, "value", "body.filter"),
                    "body.filter.value",
                    ("page", "data_source"),
                ),
            )
        descending = True
        if obj.get("sort") is not None:
            sort = expect_object(obj["sort"], "body.sort")
            check_keys(sort, "body.sort", ("direction", "timestamp"))
            expect_enum(
                required(sort, "timestamp", "body.sort"),
                "body.sort.timestamp",
                ("last_edited_time",),
            )
            descending = (
                expect_enum(
                    required(sort, "direction", "body.sort"),
                    "body.sort.direction",
                    ("ascending", "descending"),
                )
                == "descending"
            )
        found = [
            record
            for kind in kinds
            for record in self.store.all(kind)
            if self.accessible(record)
            and not self.in_trash(record)
            and text in (self.title_of(record.id) or "").lower()
        ]
        found.sort(key=lambda r: to_minute(r.doc["last_edited_time"]), reverse=descending)
        by_id = {record.id: record for record in found}
        chunk, cursor = paginate(list(by_id), obj.get("start_cursor"), size, "body")
        results = [
            self.render_page(by_id[i], version)
            if by_id[i].kind == "page"
            else self.render_data_source(by_id[i], version)
            for i in chunk
        ]
        return listing(results, cursor, "page_or_data_source")
