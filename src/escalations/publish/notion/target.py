"""The Notion handbook: observe its database, apply the plan block by block, check what it wrote."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from notion_client import APIResponseError, Client
from notion_client.helpers import iterate_paginated_api

from escalations.errors import EscalationsError
from escalations.publish.notion.apply import apply_changes as apply_changes
from escalations.publish.notion.blocks import Block, canonical, children, payload, request_block
from escalations.publish.notion.changes import Observed, Row
from escalations.publish.notion.http import AmbiguousWriteError
from escalations.publish.notion.render import Page
from escalations.publish.notion.rows import (
    PROPERTIES,
    explain,
    oldest_first,
    read_row,
    row_properties,
)
from escalations.publish.notion.sync import (
    MAX_CHILDREN,
    NO_CHILDREN,
    align,
    batches,
    overflows,
    placeable,
    within_depth,
)

T = TypeVar("T")
CREATE_ATTEMPTS = 5

VERIFY_ATTEMPTS = 3
"""Syncs of one page, each checked by reading it back, before apply gives up on it."""


class Handbook:
    """The handbook database under a parent page, read and written through notion-client."""

    def __init__(self, client: Client, *, parent_page: str, title: str) -> None:
        self.client = client
        self.parent_page = parent_page
        self.title = title

    # -- observe ---------------------------------------------------------------------------

    def observe(self) -> Observed:
        """The database and its rows: one list of the parent's children, one retrieve, and
        one query per 100 rows (and one retrieve per duplicate database, if any)."""
        found = self._find_databases()
        if not found:
            return Observed(None, None, title=self.title)
        databases = [self._call(self.client.databases.retrieve, database_id=d) for d in found]
        database, *others = sorted(databases, key=oldest_first)  # the oldest is kept
        sources = database.get("data_sources") or []
        if not sources:
            raise EscalationsError(f"the Notion database '{self.title}' has no data source.")
        source_id = sources[0]["id"]
        results = list(iterate_paginated_api(
            self.client.data_sources.query, data_source_id=source_id, page_size=100))  # fmt: skip
        rows: dict[str, Row] = {}
        duplicates: list[Row] = []
        for result in sorted(results, key=oldest_first):
            row = read_row(result)
            if row.key in rows:
                duplicates.append(row)
            elif row.key:
                rows[row.key] = row
        others_ids = tuple(str(d["id"]) for d in others)
        return Observed(database["id"], source_id, rows, tuple(duplicates), others_ids, self.title)

    def _find_databases(self) -> list[str]:
        """Every child database with the handbook's title: overlapping first publishes each
        create one."""
        try:
            return [
                str(block["id"])
                for block in iterate_paginated_api(
                    self.client.blocks.children.list, block_id=self.parent_page, page_size=100
                )
                if block["type"] == "child_database"
                and block["child_database"].get("title") == self.title
            ]
        except APIResponseError as exc:
            raise explain(exc, f"the parent page {self.parent_page}") from exc

    def read_pages(self, observed: Observed) -> dict[str, list[Block]]:
        """Every row's blocks, by key (`plan --verify`)."""
        return {key: self.read_tree(row.page_id) for key, row in observed.rows.items()}

    def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except APIResponseError as exc:
            raise explain(exc, "the handbook") from exc

    # -- apply -----------------------------------------------------------------------------

    def create_database(self) -> tuple[str, str]:
        """Create the database; after an answer that leaves open whether it was made, look
        for it before making it again."""
        arguments = {
            "parent": {"type": "page_id", "page_id": self.parent_page},
            "title": [{"type": "text", "text": {"content": self.title}}],
            "initial_data_source": {"properties": PROPERTIES},
        }

        def found() -> tuple[str, str] | None:
            seen = self.observe()
            if seen.database_id is None or seen.data_source_id is None:
                return None
            return seen.database_id, seen.data_source_id

        def made(database: dict[str, Any]) -> tuple[str, str]:
            return database["id"], database["data_sources"][0]["id"]

        return self._create(self.client.databases.create, arguments, made, found)

    def create_row(
        self, source_id: str, page: Page, version: str, *, properties: dict[str, Any] | None = None
    ) -> Row:
        """Create a page's row (with `properties` instead of the framework's, if given); after
        an ambiguous answer, look for it first. (A query that does not show it yet makes a
        second row, which the next plan removes.)"""
        arguments = {
            "parent": {"type": "data_source_id", "data_source_id": source_id},
            "properties": properties or row_properties(page, "", version),
        }
        return self._create(self.client.pages.create, arguments, read_row,
                            lambda: self.observe().rows.get(page.key))  # fmt: skip

    def create_page(self, source_id: str, page: Page, hash_: str, version: str) -> tuple[Row, bool]:
        """Create a page's row with its blocks, as many as one request carries, and its Hash
        when they are all of them (a row with a Hash is whole); append the rest. Return the
        row and whether it is known whole: made by that one request, whose answer came back.
        Otherwise it is read back before its Hash: an answer left open what was saved, or
        another run that found the row empty may be writing to it too."""
        sent, *rest = list(batches([request_block(b) for b in page.blocks])) or [[]]
        deeper = any(overflows(block, 0) for block in sent)
        whole = not rest and not deeper
        arguments = {
            "parent": {"type": "data_source_id", "data_source_id": source_id},
            "properties": row_properties(page, hash_ if whole else "", version),
            "children": [within_depth(block) for block in sent],
        }
        known = True

        def found() -> Row | None:
            nonlocal known
            row = self.observe().rows.get(page.key)
            known = row is None
            return row

        row = self._create(self.client.pages.create, arguments, read_row, found)
        if whole or not known:
            return row, whole and known
        with contextlib.suppress(AmbiguousWriteError):  # the read back finds what was saved
            if deeper:
                for block, block_id in zip(sent, self._child_ids(row.page_id), strict=True):
                    self._complete(block, block_id, depth=0)
            if rest:
                self.append(row.page_id, [block for batch in rest for block in batch], after=None)
        return row, False

    def _create(
        self,
        method: Callable[..., Any],
        arguments: dict[str, Any],
        made: Callable[[dict[str, Any]], T],
        found: Callable[[], T | None],
    ) -> T:
        """A create, sent again after an ambiguous answer (a 409 from an overlapping run, a
        5xx, a lost answer) only once `found` says that the earlier try did not land."""
        for attempt in range(CREATE_ATTEMPTS):
            try:
                return made(self._call(method, **arguments))
            except AmbiguousWriteError:
                landed = found()
                if landed is not None:
                    return landed
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.05, 0.25) * 2**attempt)  # let a colliding run pass
        raise AssertionError("unreachable")

    def set_properties(self, row: Row, page: Page, hash_: str, version: str) -> None:
        self._again(
            self.client.pages.update,
            page_id=row.page_id,
            properties=row_properties(page, hash_, version),
        )

    def _again(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        """A write that is safe to send twice: sent again after an ambiguous answer."""
        try:
            return self._call(method, **kwargs)
        except AmbiguousWriteError:
            return self._call(method, **kwargs)

    def _delete(self, block_id: str) -> None:
        self._remove(self.client.blocks.delete, block_id=block_id)

    def _remove(self, method: Callable[..., Any], **kwargs: Any) -> None:
        """Delete or trash; what is already gone (an earlier try whose answer was lost, or an
        overlapping run) is done, not an error."""
        for attempt in range(2):
            try:
                method(**kwargs)
                return
            except AmbiguousWriteError:
                if attempt:
                    raise
            except APIResponseError as exc:
                if exc.status == 404 or "archived" in str(exc):
                    return
                raise explain(exc, "the handbook") from exc

    def trash(self, row: Row) -> None:
        self._remove(self.client.pages.update, page_id=row.page_id, in_trash=True)

    def trash_database(self, database_id: str) -> None:
        self._remove(self.client.databases.update, database_id=database_id, in_trash=True)

    def read_tree(self, block_id: str) -> list[Block]:
        """A block's children with their own children, recursively."""
        try:
            listed = list(iterate_paginated_api(
                self.client.blocks.children.list, block_id=block_id, page_size=100))  # fmt: skip
        except APIResponseError as exc:
            raise explain(exc, f"the blocks of {block_id}") from exc
        return [
            {**block, "children": self.read_tree(block["id"])}
            if block.get("has_children") and block["type"] not in NO_CHILDREN
            else block
            for block in listed
        ]

    def sync_page(
        self, page_id: str, desired: Sequence[Block], existing: list[Block] | None = None
    ) -> None:
        """Make the page's blocks (`existing`, if just read) say what `desired` says, keeping
        unchanged blocks (and the comments on them); rewrite the page only when Notion offers
        no place to insert."""
        if existing is None:
            existing = self.read_tree(page_id)
        if not self._sync(page_id, existing, list(desired)):
            for block in existing:
                self._delete(block["id"])
            self.append(page_id, list(desired), after=None)

    def settle(self, page_id: str, desired: Sequence[Block]) -> None:
        """Read the page back and sync again until its blocks mean what `desired` says: a write
        answered with an error may have been saved anyway (a 409 or 5xx after the commit, a
        retried append then doubled)."""
        wanted = [canonical(b) for b in desired]
        for _ in range(VERIFY_ATTEMPTS):
            existing = self.read_tree(page_id)
            if [canonical(b) for b in existing] == wanted:
                return
            try:
                self.sync_page(page_id, desired, existing)
            except AmbiguousWriteError:
                continue  # the next read shows what was saved
        raise EscalationsError(
            f"the blocks of the Notion page {page_id} still differ from the framework after "
            f"{VERIFY_ATTEMPTS} syncs; run apply again."
        )

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
                self._delete(old["id"])
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
            self._delete(old["id"])
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
            ids = self._child_ids(block_id)
            for child, child_id in zip(sent, ids, strict=True):
                self._complete(child, child_id, depth=depth + 1)
            if len(nested) > MAX_CHILDREN:
                self.append(block_id, nested[MAX_CHILDREN:], after=ids[-1])

    def _child_ids(self, block_id: str) -> list[str]:
        """The ids of a block's children: a request's answer names only its top-level blocks."""
        listed = iterate_paginated_api(
            self.client.blocks.children.list, block_id=block_id, page_size=100
        )
        return [str(block["id"]) for block in listed]
