"""The Notion handbook: observe its database, plan the changes, apply them block by block."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from notion_client import APIResponseError, Client
from notion_client.helpers import iterate_paginated_api

from escalations.errors import EscalationsError
from escalations.model import Framework
from escalations.notion.blocks import Block, canonical, children, digest, payload, request_block
from escalations.notion.http import AmbiguousWriteError
from escalations.notion.render import Page, render_pages
from escalations.notion.sync import (
    MAX_CHILDREN,
    NO_CHILDREN,
    align,
    batches,
    overflows,
    placeable,
    within_depth,
)
from escalations.plan import Change

PROPERTIES: dict[str, Any] = {
    "Name": {"title": {}},
    "Key": {"rich_text": {}},
    "Kind": {"select": {}},
    "Hash": {"rich_text": {}},
    "Version": {"rich_text": {}},
    "Source": {"rich_text": {}},
}
DELETE_SHARE = 0.25
"""More than this share of the rows deleted in one apply needs --force."""


@dataclass(frozen=True, slots=True)
class Row:
    page_id: str
    key: str
    kind: str
    hash: str
    version: str
    source: str
    title: str
    url: str
    edited_by_other: bool


@dataclass(frozen=True, slots=True)
class Observed:
    database_id: str | None
    data_source_id: str | None
    rows: dict[str, Row] = field(default_factory=dict)
    duplicates: tuple[Row, ...] = ()


@dataclass(frozen=True, slots=True)
class Desired:
    page: Page
    hash: str


class Handbook:
    """The handbook database under a parent page, read and written through notion-client."""

    def __init__(self, client: Client, *, parent_page: str, title: str) -> None:
        self.client = client
        self.parent_page = parent_page
        self.title = title

    # -- observe ---------------------------------------------------------------------------

    def observe(self) -> Observed:
        """The database and its rows: one list of the parent's children, one retrieve, and
        one query per 100 rows."""
        database_id = self._find_database()
        if database_id is None:
            return Observed(None, None)
        database = self._call(self.client.databases.retrieve, database_id=database_id)
        sources = database.get("data_sources") or []
        if not sources:
            raise EscalationsError(f"the Notion database '{self.title}' has no data source.")
        source_id = sources[0]["id"]
        rows: dict[str, Row] = {}
        duplicates: list[Row] = []
        for result in iterate_paginated_api(
            self.client.data_sources.query, data_source_id=source_id, page_size=100
        ):
            row = _row(result)
            if row.key in rows:
                duplicates.append(row)
            elif row.key:
                rows[row.key] = row
        return Observed(database_id, source_id, rows, tuple(duplicates))

    def _find_database(self) -> str | None:
        try:
            for block in iterate_paginated_api(
                self.client.blocks.children.list, block_id=self.parent_page, page_size=100
            ):
                is_database = block["type"] == "child_database"
                if is_database and block["child_database"].get("title") == self.title:
                    return str(block["id"])
        except APIResponseError as exc:
            raise _explain(exc, f"the parent page {self.parent_page}") from exc
        return None

    def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except APIResponseError as exc:
            raise _explain(exc, "the handbook") from exc

    # -- apply -----------------------------------------------------------------------------

    def create_database(self) -> tuple[str, str]:
        database = self._call(
            self.client.databases.create,
            parent={"type": "page_id", "page_id": self.parent_page},
            title=[{"type": "text", "text": {"content": self.title}}],
            initial_data_source={"properties": PROPERTIES},
        )
        return database["id"], database["data_sources"][0]["id"]

    def create_row(self, source_id: str, page: Page, version: str) -> Row:
        created = self._call(
            self.client.pages.create,
            parent={"type": "data_source_id", "data_source_id": source_id},
            properties=_properties(page, "", version),
        )
        return _row(created)

    def set_properties(self, row: Row, page: Page, hash_: str, version: str) -> None:
        self._call(
            self.client.pages.update,
            page_id=row.page_id,
            properties=_properties(page, hash_, version),
        )

    def trash(self, row: Row) -> None:
        self._call(self.client.pages.update, page_id=row.page_id, in_trash=True)

    def read_tree(self, block_id: str) -> list[Block]:
        """A block's children with their own children, recursively."""
        tree = []
        for block in iterate_paginated_api(
            self.client.blocks.children.list, block_id=block_id, page_size=100
        ):
            if block.get("has_children") and block["type"] not in NO_CHILDREN:
                block = {**block, "children": self.read_tree(block["id"])}
            tree.append(block)
        return tree

    def sync_page(self, page_id: str, desired: tuple[Block, ...]) -> None:
        """Make the page's blocks say what `desired` says, keeping unchanged blocks (and the
        comments on them); rewrite the page only when Notion offers no place to insert."""
        existing = self.read_tree(page_id)
        if not self._sync(page_id, existing, list(desired)):
            for block in existing:
                self._call(self.client.blocks.delete, block_id=block["id"])
            self.append(page_id, list(desired), after=None)

    def _sync(self, parent_id: str, existing: list[Block], desired: list[Block]) -> bool:
        steps = align(existing, desired)
        if not placeable(steps):
            return False
        anchor: str | None = None
        pending: list[Block] = []
        for step, old, new in steps:
            if step == "insert":
                pending.append(new)
                continue
            if pending:
                anchor = self.append(parent_id, pending, after=anchor)
                pending = []
            if step == "delete":
                self._call(self.client.blocks.delete, block_id=old["id"])
                continue
            anchor = self._update(parent_id, old, new, anchor) if step == "update" else old["id"]
        if pending:
            self.append(parent_id, pending, after=anchor)
        return True

    def _update(self, parent_id: str, old: Block, new: Block, anchor: str | None) -> str:
        kind = new["type"]
        if canonical(old, deep=False) != canonical(new, deep=False):
            body = payload(new)
            if kind == "table":
                body = {k: v for k, v in body.items() if k != "table_width"}
            self._call(self.client.blocks.update, block_id=old["id"], **{kind: body})
        if not self._sync(old["id"], children(old), children(new)):
            # Nowhere to insert the new first child: replace the block as a whole.
            self._call(self.client.blocks.delete, block_id=old["id"])
            return self.append(parent_id, [new], after=anchor)
        return str(old["id"])

    def append(self, parent_id: str, blocks: list[Block], *, after: str | None) -> str:
        """Append blocks after `after` (at the end when None) in as few requests as Notion's
        limits allow; return the id of the last block appended."""
        last = after
        for batch in batches([request_block(b) for b in blocks]):
            sendable = [within_depth(block) for block in batch]
            arguments: dict[str, Any] = {"block_id": parent_id, "children": sendable}
            if last is not None:
                arguments["after"] = last
            created = self._call(self.client.blocks.children.append, **arguments)["results"]
            for block, made in zip(batch, created, strict=True):
                self._complete(block, made["id"], depth=0)
            last = created[-1]["id"]
        assert last is not None
        return last

    def _complete(self, block: Block, block_id: str, *, depth: int) -> None:
        """Append what a request could not carry: children past the 100th, and children
        more than two levels below the request's top-level blocks."""
        nested = children(block)
        if not nested:
            return
        if depth >= 2:
            self.append(block_id, nested, after=None)
            return
        sent = nested[:MAX_CHILDREN]
        if len(nested) > MAX_CHILDREN or any(overflows(c, depth + 1) for c in sent):
            ids = [b["id"] for b in iterate_paginated_api(
                self.client.blocks.children.list, block_id=block_id, page_size=100)]  # fmt: skip
            for child, child_id in zip(sent, ids, strict=True):
                self._complete(child, child_id, depth=depth + 1)
            if len(nested) > MAX_CHILDREN:
                self.append(block_id, nested[MAX_CHILDREN:], after=ids[-1])


def _properties(page: Page, hash_: str, version: str) -> dict[str, Any]:
    def text(value: str) -> dict[str, Any]:
        return {"rich_text": [{"type": "text", "text": {"content": value}}] if value else []}

    return {
        "Name": {"title": [{"type": "text", "text": {"content": page.title[:2000]}}]},
        "Key": text(page.key),
        "Kind": {"select": {"name": page.kind}},
        "Hash": text(hash_),
        "Version": text(version),
        "Source": text(f"framework/{page.source}"),
    }


def _row(page: dict[str, Any]) -> Row:
    properties = page.get("properties", {})

    def text(name: str) -> str:
        prop = properties.get(name, {})
        items = prop.get("rich_text") or prop.get("title") or []
        return "".join(i.get("plain_text") or i.get("text", {}).get("content", "") for i in items)

    kind = (properties.get("Kind", {}).get("select") or {}).get("name", "")
    creator = (page.get("created_by") or {}).get("id")
    editor = (page.get("last_edited_by") or {}).get("id")
    return Row(
        page_id=page["id"],
        key=text("Key"),
        kind=kind,
        hash=text("Hash"),
        version=text("Version"),
        source=text("Source"),
        title=text("Name"),
        url=page.get("url") or f"https://www.notion.so/{page['id'].replace('-', '')}",
        edited_by_other=bool(creator and editor and creator != editor),
    )


def _explain(exc: APIResponseError, what: str) -> EscalationsError:
    code = str(getattr(exc.code, "value", exc.code))
    if code == "unauthorized":
        return EscalationsError(
            "Notion rejected the token (401 unauthorized); set NOTION_TOKEN to the internal "
            "integration's secret."
        )
    if code in ("object_not_found", "restricted_resource"):
        return EscalationsError(
            f"Notion cannot find {what} ({exc.status} {code}); share the parent page with the "
            "integration (page menu > Connections) and check the id in sync/targets.yaml."
        )
    return EscalationsError(f"Notion answered {exc.status} {code} for {what}: {exc}")


# -- plan and apply ------------------------------------------------------------------------


def desired_pages(framework: Framework, observed: Observed) -> list[Desired]:
    """The pages as they should read, linking to the published pages that exist."""

    def url_of(key: str) -> str | None:
        row = observed.rows.get(key)
        return row.url if row else None

    return [Desired(p, digest(p.title, p.blocks)) for p in render_pages(framework, url_of)]


def plan_changes(
    framework: Framework, observed: Observed, *, allow_delete: bool, force: bool
) -> list[Change]:
    changes: list[Change] = []
    if observed.data_source_id is None:
        changes.append(Change("notion", "create", "database", "handbook", "handbook database"))
    pages = desired_pages(framework, observed)
    for desired in pages:
        page = desired.page
        row = observed.rows.get(page.key)
        if row is None:
            changes.append(Change("notion", "create", "page", page.key, page.title))
        elif row.edited_by_other and not force:
            changes.append(Change("notion", "drift", "page", page.key, page.title,
                                  "edited in Notion since the last publish; apply --force to "
                                  "overwrite"))  # fmt: skip
        elif row.hash != desired.hash or row.title != page.title or row.edited_by_other:
            detail = "edited in Notion; overwritten (--force)" if row.edited_by_other else ""
            changes.append(Change("notion", "update", "page", page.key, page.title, detail))
    wanted = {d.page.key for d in pages}
    gone = [row for key, row in observed.rows.items() if key not in wanted]
    gone += list(observed.duplicates)
    too_many = len(gone) > max(1, DELETE_SHARE * len(observed.rows)) and not force
    for row in gone:
        if allow_delete and not too_many:
            changes.append(Change("notion", "delete", "page", row.key, row.title, "moved to trash"))
        else:
            why = (
                f"more than {DELETE_SHARE:.0%} of the pages would go; add --force"
                if allow_delete
                else "no longer in the framework; kept (apply --allow-delete to move it to trash)"
            )
            changes.append(Change("notion", "orphan", "page", row.key, row.title, why))
    return changes


def apply_changes(
    handbook: Handbook,
    framework: Framework,
    observed: Observed,
    changes: list[Change],
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> Observed:
    """Carry out the planned changes; safe to run again after any failure."""
    database_id, source_id = observed.database_id, observed.data_source_id
    if source_id is None:
        database_id, source_id = handbook.create_database()
    rows = dict(observed.rows)
    pages = {d.page.key: d.page for d in desired_pages(framework, observed)}
    # Every page must exist before any content is written, so that links can point at it.
    for change in changes:
        if change.action == "create" and change.kind == "page":
            rows[change.key] = handbook.create_row(source_id, pages[change.key], "")
            progress(f"created {change.key}")
    current = Observed(database_id, source_id, rows, observed.duplicates)
    desired = {d.page.key: d for d in desired_pages(framework, current)}
    for change in changes:
        if change.kind != "page" or change.action not in ("create", "update"):
            continue
        row, target = rows[change.key], desired[change.key]
        try:
            if change.action == "create":
                handbook.append(row.page_id, list(target.page.blocks), after=None)
            else:
                handbook.sync_page(row.page_id, target.page.blocks)
        except AmbiguousWriteError:
            # The write may have been saved: read the page again and finish from there.
            handbook.sync_page(row.page_id, target.page.blocks)
        handbook.set_properties(row, target.page, target.hash, framework.version)
        progress(f"wrote {change.key}")
    for change in changes:
        if change.action == "delete":
            duplicate = (r for r in observed.duplicates if r.key == change.key)
            row = rows.get(change.key) or next(duplicate)
            handbook.trash(row)
            progress(f"trashed {change.key}")
    return current
