"""Read side of the emulated Notion workspace: lookups, access and trash rules, rendering.

Objects are rendered in the response form of the recorded real traffic; `version` is the
request's Notion-Version (2026-03-11 drops the deprecated `archived` key).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from escalations.sandbox.notion.arguments import listing
from escalations.sandbox.notion.properties import plain, render_properties
from escalations.sandbox.notion.shapes import (
    ApiError,
    Context,
    validation_error,
)
from escalations.sandbox.notion.store import Record, Store, new_id, normalize_id

NEW_VERSION = "2026-03-11"
ARCHIVED_BLOCK = "Can't edit block that is archived. You must unarchive the block before editing."
ARCHIVED_PAGE = "Can't edit page that is archived. You must unarchive the page before editing."


def not_found(noun: str, object_id: str) -> ApiError:
    return ApiError(
        404,
        "object_not_found",
        f"Could not find {noun} with ID: {object_id}. "
        "Make sure the relevant pages and databases are shared with your integration.",
    )


class WorkspaceView:
    """Lookups, rules and rendering shared by the endpoint classes."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
        self.bot_id = store.meta("bot_id", new_id())
        self.person_id = store.meta("person_id", new_id())
        self.workspace_id = store.meta("workspace_id", new_id())

    # -- time, users, lookups -------------------------------------------------------------

    def minute(self) -> str:
        """Now, rounded down to the minute, as Notion stamps pages and blocks."""
        return self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:00.000Z")

    def precise(self) -> str:
        """Now to the millisecond, as Notion stamps databases."""
        return self.clock().astimezone(UTC).isoformat(timespec="milliseconds")

    def stamps(self, user_id: str) -> dict[str, Any]:
        now = self.minute()
        user = {"object": "user", "id": user_id}
        return {
            "created_time": now,
            "last_edited_time": now,
            "created_by": user,
            "last_edited_by": dict(user),
        }

    def touch(self, record: Record, user_id: str) -> None:
        record.doc["last_edited_time"] = (
            self.precise() if record.kind == "database" else self.minute()
        )
        record.doc["last_edited_by"] = {"object": "user", "id": user_id}
        self.store.put(record)

    def touch_container(self, record: Record, user_id: str) -> None:
        """Bump the last edit of the page that contains `record`."""
        page = self.containing_page(record)
        if page is not None:
            self.touch(page, user_id)

    def context(self) -> Context:
        return Context(page_title=self.title_of, user_name=self.user_name)

    def user_name(self, user_id: str) -> str | None:
        return {self.bot_id: "Escalations sandbox", self.person_id: "Sandbox Person"}.get(user_id)

    def title_of(self, object_id: str) -> str | None:
        record = self.store.get(object_id)
        if record is None:
            return None
        if record.kind == "page":
            return plain(record.doc["values"].get("title", []))
        if record.kind in ("database", "data_source"):
            return plain(record.doc["title"])
        return None

    def lookup(self, object_id: str, noun: str, kinds: tuple[str, ...]) -> Record:
        record = self.store.get(object_id)
        if record is None or record.kind not in kinds or not self.accessible(record):
            raise not_found(noun, object_id)
        return record

    def ancestors(self, record: Record) -> list[Record]:
        chain: list[Record] = []
        parent_id = record.parent_id
        while parent_id is not None:
            parent = self.store.get(parent_id)
            if parent is None:
                break
            chain.append(parent)
            parent_id = parent.parent_id
        return chain

    def accessible(self, record: Record) -> bool:
        chain = [record, *self.ancestors(record)]
        root = chain[-1]
        return root.parent_id is None and root.kind == "page" and bool(root.doc.get("shared"))

    def in_trash(self, record: Record, *, self_included: bool = True) -> bool:
        chain = self.ancestors(record)
        if self_included:
            chain.insert(0, record)
        return any(item.doc.get("in_trash") for item in chain)

    def containing_page(self, record: Record) -> Record | None:
        return next((item for item in self.ancestors(record) if item.kind == "page"), None)

    def check_editable(self, record: Record, restoring: bool, noun: str = "block") -> None:
        """Reject writes under a trashed ancestor, or to a trashed object unless restoring it."""
        message = ARCHIVED_PAGE if noun == "page" else ARCHIVED_BLOCK
        if self.in_trash(record, self_included=False):
            raise validation_error(message)
        if record.doc.get("in_trash") and not restoring:
            raise validation_error(message)

    def lock_scope(self, template: str, object_id: str | None, body: Any) -> str | None:
        """The page a write request edits (its per-page lock), or None."""
        if template in ("/v1/pages", "/v1/databases", "/v1/data_sources"):
            parent = body.get("parent") if isinstance(body, dict) else None
            if not isinstance(parent, dict):
                return None
            for key in ("page_id", "data_source_id", "database_id"):
                if isinstance(parent.get(key), str):
                    return normalize_id(parent[key])
            return None
        record = self.store.get(object_id) if object_id else None
        if record is None:
            return None
        if record.kind == "page" and template in ("/v1/pages/{id}", "/v1/blocks/{id}/children"):
            return record.id
        if record.kind in ("data_source", "database"):
            return record.id
        page = self.containing_page(record)
        return page.id if page is not None else record.id

    # -- rendering ------------------------------------------------------------------------

    def parent_ref(self, record: Record) -> dict[str, Any]:
        if record.parent_id is None:
            return {"type": "workspace", "workspace": True}
        parent = self.store.get(record.parent_id)
        kind = parent.kind if parent is not None else "page"
        if kind == "block":
            return {"type": "block_id", "block_id": record.parent_id}
        if kind == "database":
            return {"type": "database_id", "database_id": record.parent_id}
        if kind == "data_source" and parent is not None:
            return {
                "type": "data_source_id",
                "data_source_id": parent.id,
                "database_id": parent.parent_id,
            }
        return {"type": "page_id", "page_id": record.parent_id}

    def has_children(self, record: Record) -> bool:
        if record.kind == "database":
            return False
        return any(not child.doc.get("in_trash") for child in self.store.children(record.id))

    def render_block(self, record: Record, version: str) -> dict[str, Any]:
        doc = record.doc
        if record.kind == "page":
            kind, payload = "child_page", {"title": self.title_of(record.id) or ""}
        elif record.kind == "database":
            kind, payload = "child_database", {"title": plain(doc["title"])}
        else:
            kind, payload = doc["type"], doc["payload"]
        out: dict[str, Any] = {
            "object": "block",
            "id": record.id,
            "parent": self.parent_ref(record),
            "created_time": to_minute(doc["created_time"]),
            "last_edited_time": to_minute(doc["last_edited_time"]),
            "created_by": doc["created_by"],
            "last_edited_by": doc["last_edited_by"],
            "has_children": self.has_children(record),
            "in_trash": bool(doc.get("in_trash")),
            "type": kind,
            kind: payload,
        }
        return self._archived(out, version)

    def render_page(self, record: Record, version: str) -> dict[str, Any]:
        doc = record.doc
        parent = self.store.get(record.parent_id) if record.parent_id else None
        if parent is not None and parent.kind == "data_source":
            properties = render_properties(parent.doc["properties"], doc["values"])
        else:
            title = doc["values"].get("title", [])
            properties = {"title": {"id": "title", "type": "title", "title": title}}
        title_text = self.title_of(record.id) or ""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", title_text).strip("-")
        hex_id = record.id.replace("-", "")
        out: dict[str, Any] = {
            "object": "page",
            "id": record.id,
            "created_time": doc["created_time"],
            "last_edited_time": doc["last_edited_time"],
            "created_by": doc["created_by"],
            "last_edited_by": doc["last_edited_by"],
            "cover": doc.get("cover"),
            "icon": doc.get("icon"),
            "parent": self.parent_ref(record),
            "in_trash": bool(doc.get("in_trash")),
            "is_archived": False,
            "is_locked": bool(doc.get("is_locked")),
            "properties": properties,
            "url": f"https://app.notion.com/p/{slug + '-' if slug else ''}{hex_id}",
            "public_url": None,
        }
        return self._archived(out, version)

    def render_database(self, record: Record, version: str) -> dict[str, Any]:
        doc = record.doc
        sources = [
            {"id": source.id, "name": plain(source.doc["title"])}
            for source in self.store.children(record.id, ("data_source",))
            if not source.doc.get("in_trash")
        ]
        out: dict[str, Any] = {
            "object": "database",
            "id": record.id,
            "title": doc["title"],
            "description": doc["description"],
            "parent": self.parent_ref(record),
            "is_inline": doc["is_inline"],
            "in_trash": bool(doc.get("in_trash")),
            "is_locked": bool(doc.get("is_locked")),
            "created_time": doc["created_time"],
            "last_edited_time": doc["last_edited_time"],
            "data_sources": sources,
            "icon": doc.get("icon"),
            "cover": doc.get("cover"),
            "url": f"https://app.notion.com/p/{record.id.replace('-', '')}",
            "public_url": None,
        }
        return self._archived(out, version)

    def render_data_source(self, record: Record, version: str) -> dict[str, Any]:
        doc = record.doc
        database = self.store.get(record.parent_id or "")
        if database is None:
            raise not_found("data_source", record.id)
        out: dict[str, Any] = {
            "object": "data_source",
            "id": record.id,
            "cover": doc.get("cover"),
            "icon": doc.get("icon"),
            "created_time": doc["created_time"],
            "created_by": doc["created_by"],
            "last_edited_by": doc["last_edited_by"],
            "last_edited_time": doc["last_edited_time"],
            "title": doc["title"],
            "description": doc["description"],
            "is_inline": database.doc["is_inline"],
            "properties": doc["properties"],
            "parent": {"type": "database_id", "database_id": database.id},
            "database_parent": self.parent_ref(database),
            "url": f"https://app.notion.com/p/{database.id.replace('-', '')}",
            "public_url": None,
            "in_trash": bool(doc.get("in_trash")),
        }
        return self._archived(out, version)

    @staticmethod
    def _archived(out: dict[str, Any], version: str) -> dict[str, Any]:
        if version != NEW_VERSION:
            out["archived"] = out["in_trash"]
        return out

    # -- users ----------------------------------------------------------------------------

    def bot(self) -> dict[str, Any]:
        return {
            "object": "user",
            "id": self.bot_id,
            "name": "Escalations sandbox",
            "avatar_url": None,
            "type": "bot",
            "bot": {
                "owner": {"type": "workspace", "workspace": True},
                "workspace_name": "Sandbox workspace",
                "workspace_id": self.workspace_id,
                "workspace_limits": {"max_file_upload_size_in_bytes": 5242880},
            },
        }

    def person(self) -> dict[str, Any]:
        return {
            "object": "user",
            "id": self.person_id,
            "name": "Sandbox Person",
            "avatar_url": None,
            "type": "person",
            "person": {"email": "person@example.com"},
        }

    def users(self) -> dict[str, Any]:
        return listing([self.bot(), self.person()], None, "user")

    def user(self, user_id: str) -> dict[str, Any]:
        for user in (self.bot(), self.person()):
            if user["id"] == user_id:
                return user
        raise not_found("user", user_id)


def to_minute(stamp: str) -> str:
    """A timestamp in the minute-rounded block form (databases keep milliseconds)."""
    if stamp.endswith(":00.000Z"):
        return stamp
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:00.000Z")
