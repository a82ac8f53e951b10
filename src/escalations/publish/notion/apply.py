"""The plan carried out: new pages created in link order with their blocks, then updates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from escalations.model.framework import Framework
from escalations.publish.notion.changes import Observed, Row, duplicate_detail, link_page
from escalations.publish.notion.drafts import Draft, draft_pages
from escalations.publish.notion.http import AmbiguousWriteError
from escalations.publish.notion.order import creation_order
from escalations.publish.plan import Change

if TYPE_CHECKING:  # target.py imports this module to offer apply_changes beside Handbook
    from escalations.publish.notion.target import Handbook


def apply_changes(
    handbook: Handbook,
    framework: Framework,
    observed: Observed,
    changes: list[Change],
    *,
    drafts: Sequence[Draft] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Observed:
    """Carry out the planned changes (`drafts`: the pages as the plan rendered them); safe to
    run again after any failure. New pages are created with their blocks and Hash, in an
    order where the pages they link to exist; a page written by more requests than one is read
    back (and synced again) before it gets its Hash."""
    database_id, source_id = observed.database_id, observed.data_source_id
    if source_id is None:
        database_id, source_id = handbook.create_database()
        progress("created the database")
    rows = dict(observed.rows)
    by_key = {d.page.key: d for d in (draft_pages(framework) if drafts is None else drafts)}
    version = framework.version
    new = [c.key for c in changes if c.action == "create" and c.kind == "page"]
    order = creation_order(new, {key: by_key[key].links for key in new})
    # Pages in a cycle of links are created empty, so that the others can link to them.
    for key in order.deferred:
        rows[key] = handbook.create_row(source_id, by_key[key].page, "")
        progress(f"created {key}")
    for key in order.ordered:
        target = link_page(by_key[key], rows)
        row, whole = handbook.create_page(source_id, target.page, target.hash, version)
        rows[key] = row
        if not whole:
            handbook.settle(row.page_id, target.page.blocks)
        if (row.hash, row.version) != (target.hash, version):
            handbook.set_properties(row, target.page, target.hash, version)
        progress(f"created {key}")
    updates = [c.key for c in changes if c.kind == "page" and c.action == "update"]
    for key in [*order.deferred, *updates]:
        row, target = rows[key], link_page(by_key[key], rows)
        try:
            if key in order.deferred:
                handbook.append(row.page_id, list(target.page.blocks), after=None)
            else:
                handbook.sync_page(row.page_id, target.page.blocks)
        except AmbiguousWriteError:
            pass  # the write may have been saved: settle reads the page and finishes from there
        # Read back even after clear answers: an overlapping run may have written the page
        # between our requests. The Hash only once it reads back right, so that an interrupted
        # run is redone.
        handbook.settle(row.page_id, target.page.blocks)
        handbook.set_properties(row, target.page, target.hash, version)
        progress(f"wrote {key}")
    _trash(handbook, observed, changes, progress)
    return Observed(database_id, source_id, rows, title=observed.title)


def _trash(
    handbook: Handbook, observed: Observed, changes: list[Change], progress: Callable[[str], None]
) -> None:
    copies: dict[str, list[Row]] = {}
    for row in observed.duplicates:
        copies.setdefault(row.key, []).append(row)
    for change in changes:
        if change.action != "delete":
            continue
        if change.kind == "database":
            handbook.trash_database(change.key)
        elif change.detail == duplicate_detail(observed.rows[change.key].page_id):
            handbook.trash(copies[change.key].pop(0))
        else:
            handbook.trash(observed.rows[change.key])
        progress(f"trashed {change.key}")
