"""The Notion handbook: observe its database, plan the changes, apply them block by block."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from notion_client import APIResponseError, Client
from notion_client.helpers import iterate_paginated_api

from escalations.errors import EscalationsError
from escalations.model import Framework
from escalations.notion.blocks import Block, canonical, children, digest, payload, request_block
from escalations.notion.http import AmbiguousWriteError
from escalations.notion.render import Page, render_pages
from escalations.plan import Change

PROPERTIES: dict[str, Any] = {
    "Name": {"title": {}},
    "Key": {"rich_text": {}},
    "Kind": {"select": {}},
    "Hash": {"rich_text": {}},
    "Version": {"rich_text": {}},
    "Source": {"rich_text": {}},
}
MAX_CHILDREN = 100
MAX_ELEMENTS = 1000
MAX_PAYLOAD = 400_000
"""Bytes of JSON per request; Notion allows 500 KB, some room is kept for the envelope."""
DELETE_SHARE = 0.25
"""More than this share of the rows deleted in one apply needs --force."""
NO_CHILDREN = frozenset({"child_page", "child_database", "link_preview", "unsupported"})


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
        steps = _align(existing, desired)
        if not _placeable(steps):
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
        for batch in _batches([request_block(b) for b in blocks]):
            sendable = [_within_depth(block) for block in batch]
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
        if len(nested) > MAX_CHILDREN or any(_overflows(c, depth + 1) for c in sent):
            ids = [b["id"] for b in iterate_paginated_api(
                self.client.blocks.children.list, block_id=block_id, page_size=100)]  # fmt: skip
            for child, child_id in zip(sent, ids, strict=True):
                self._complete(child, child_id, depth=depth + 1)
            if len(nested) > MAX_CHILDREN:
                self.append(block_id, nested[MAX_CHILDREN:], after=ids[-1])


def _overflows(block: Block, depth: int) -> bool:
    nested = children(block)
    if not nested:
        return False
    if depth >= 2 or len(nested) > MAX_CHILDREN:
        return True
    return any(_overflows(child, depth + 1) for child in nested)


def _within_depth(block: Block) -> Block:
    """The block with at most two levels of children and 100 children per level."""

    def trim(item: Block, depth: int) -> Block:
        kind = item["type"]
        body = payload(item)
        nested = children(item)[:MAX_CHILDREN]
        if nested and depth < 2:
            body["children"] = [trim(child, depth + 1) for child in nested]
        return {"type": kind, kind: body}

    return trim(block, 0)


def _batches(blocks: list[Block]) -> Iterator[list[Block]]:
    batch: list[Block] = []
    elements = size = 0
    for block in blocks:
        sent = _within_depth(block)
        weight = _elements(sent)
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


def _elements(block: Block) -> int:
    return 1 + sum(_elements(child) for child in children(block))


Step = tuple[str, Any, Any]


def _align(existing: list[Block], desired: list[Block]) -> list[Step]:
    """Steps that turn `existing` into `desired`: equal blocks kept (longest common
    subsequence), the rest paired in place where the type allows an update, else deleted and
    inserted; in desired order, with deletions where the old blocks stood."""
    old = [canonical(b) for b in existing]
    new = [canonical(b) for b in desired]
    kept = _common(old, new)
    steps: list[Step] = []
    i = j = 0
    for a, b in [*kept, (len(existing), len(desired))]:
        gap_old, gap_new = existing[i:a], desired[j:b]
        for k in range(max(len(gap_old), len(gap_new))):
            before = gap_old[k] if k < len(gap_old) else None
            after = gap_new[k] if k < len(gap_new) else None
            if before is not None and after is not None and _updatable(before, after):
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


def _common(old: list[Any], new: list[Any]) -> list[tuple[int, int]]:
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


def _updatable(old: Block, new: Block) -> bool:
    if old["type"] != new["type"] or old["type"] in NO_CHILDREN:
        return False
    if old["type"] == "table":
        return bool(payload(old).get("table_width") == payload(new).get("table_width"))
    return True


def _placeable(steps: list[Step]) -> bool:
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
