"""The handbook's plan: what was observed in Notion, what should be there, the changes between."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from escalations.model.framework import Framework
from escalations.publish.edits import summarize
from escalations.publish.notion.blocks import Block, digest
from escalations.publish.notion.detail import block_edits
from escalations.publish.notion.drafts import Draft, draft_pages, resolve
from escalations.publish.notion.render import Page
from escalations.publish.notion.sync import align
from escalations.publish.plan import Change

DELETE_SHARE = 0.25
"""More than this share of the rows deleted in one apply needs --force."""
OWN_ROWS = frozenset({"report"})
"""Kinds of row that another command publishes (`escalations report --publish`)."""
DRIFT = "edited in Notion since the last publish; apply --force to overwrite"


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
    """The handbook database and its rows; when overlapping publishes left several databases or
    several rows of one key, the oldest is kept and the others are duplicates."""

    database_id: str | None
    data_source_id: str | None
    rows: dict[str, Row] = field(default_factory=dict)
    duplicates: tuple[Row, ...] = ()
    duplicate_databases: tuple[str, ...] = ()
    title: str = ""
    """The database's title, as the plan names it."""


@dataclass(frozen=True, slots=True)
class Desired:
    page: Page
    hash: str


@dataclass(frozen=True, slots=True)
class Difference:
    """How a page's blocks, as read, differ from the framework's (top-level blocks)."""

    missing: int
    extra: int
    changed: int

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.changed)

    def __str__(self) -> str:
        return (
            f"its blocks differ from the framework: {self.missing} missing, {self.extra} extra, "
            f"{self.changed} changed"
        )


def compare_blocks(existing: Sequence[Block], desired: Sequence[Block]) -> Difference:
    """The difference by meaning (see `blocks.canonical`); a block with a changed child counts
    as changed."""
    steps = [step for step, _, _ in align(list(existing), list(desired))]
    return Difference(steps.count("insert"), steps.count("delete"), steps.count("update"))


def _retitled(before: str, after: str) -> str:
    return f"title “{before}” -> “{after}”" if before != after else ""


def duplicate_detail(kept_id: str) -> str:
    return f"a duplicate of {kept_id} created by an overlapping publish; moved to trash"


def desired_pages(
    framework: Framework, observed: Observed, drafts: Sequence[Draft] | None = None
) -> list[Desired]:
    """The pages as they should read, linking to the published pages that exist (`drafts`:
    the framework's pages as already rendered by this publish)."""
    rows = observed.rows
    return [
        link_page(draft, rows) for draft in (draft_pages(framework) if drafts is None else drafts)
    ]


def link_page(draft: Draft, rows: Mapping[str, Row]) -> Desired:
    """A page linking to the pages of these rows, and its Hash."""
    page = resolve(draft, lambda key: rows[key].url if key in rows else None)
    return Desired(page, digest(page.title, page.blocks))


def plan_changes(
    framework: Framework,
    observed: Observed,
    *,
    allow_delete: bool,
    force: bool,
    trees: Mapping[str, Sequence[Block]] | None = None,
    drafts: Sequence[Draft] | None = None,
) -> list[Change]:
    """The changes that make the handbook match the framework. With `trees` (rows' blocks as
    read, by key), a changed page says which blocks change; with every row's (`plan --verify`),
    a page whose Hash matches but whose blocks do not is an update too. `drafts`: the pages as
    this publish rendered them (rendered here if not given)."""
    changes: list[Change] = []
    if observed.data_source_id is None:
        changes.append(Change("notion", "create", "database", "handbook", "handbook database"))
    for database_id in observed.duplicate_databases:
        assert observed.database_id is not None
        detail = duplicate_detail(observed.database_id)
        changes.append(Change("notion", "delete", "database", database_id, observed.title, detail))
    pages = desired_pages(framework, observed, drafts)
    for desired in pages:
        page = desired.page
        row = observed.rows.get(page.key)
        if row is None:
            changes.append(Change("notion", "create", "page", page.key, page.title))
            continue
        tree = trees.get(page.key) if trees is not None else None
        difference = compare_blocks(tree, page.blocks) if tree is not None else None
        edits = block_edits(tree, page.blocks) if tree is not None and difference else ()
        if row.edited_by_other and not force:
            detail = f"{DRIFT}; {difference}" if difference else DRIFT
            changes.append(Change("notion", "drift", "page", page.key, page.title, detail, edits))
        elif row.hash != desired.hash or row.title != page.title or row.edited_by_other:
            notes = ["edited in Notion; overwritten (--force)" if row.edited_by_other else "",
                     summarize(edits, "blocks"), _retitled(row.title, page.title)]  # fmt: skip
            detail = "; ".join(note for note in notes if note)
            changes.append(Change("notion", "update", "page", page.key, page.title, detail, edits))
        elif difference:
            changes.append(
                Change("notion", "update", "page", page.key, page.title, str(difference), edits)
            )
    wanted = {d.page.key for d in pages}
    # Report pages are published from the escalation history, not the framework: never orphans.
    gone = [r for k, r in observed.rows.items() if k not in wanted and r.kind not in OWN_ROWS]
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
    # Duplicates are copies this tool made when two publishes overlapped, not pages a person
    # chose to keep: they go without --allow-delete and do not count against DELETE_SHARE.
    for row in observed.duplicates:
        detail = duplicate_detail(observed.rows[row.key].page_id)
        changes.append(Change("notion", "delete", "page", row.key, row.title, detail))
    return changes
