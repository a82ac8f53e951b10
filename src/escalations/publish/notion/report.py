"""Reports in the Notion handbook: one page (Kind report), one section per period, newest first."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from notion_client import APIResponseError

from escalations.errors import EscalationsError
from escalations.publish.notion.blocks import Block, canonical, digest
from escalations.publish.notion.changes import Row
from escalations.publish.notion.http import AmbiguousWriteError
from escalations.publish.notion.render import Page
from escalations.publish.notion.report_blocks import Chart, banner, plain, section_blocks
from escalations.publish.notion.richtext import MAX_TEXT
from escalations.publish.notion.rows import explain
from escalations.publish.notion.sync import align, placeable
from escalations.publish.notion.target import VERIFY_ATTEMPTS, Handbook

__all__ = ["Chart", "Published", "publish_report", "report_key"]

TITLE = "Escalation report"
SOURCE = "escalations report"
"""The Source property of a report row: the command that publishes it, not a framework file."""


@dataclass(frozen=True, slots=True)
class Published:
    """What a publish did to the report page."""

    page_id: str
    url: str
    period: str
    outcome: str
    """"added" (a new section), "replaced" (the period's section rewritten) or "unchanged"."""


@dataclass(frozen=True, slots=True)
class _Layout:
    """A report page's blocks as read: those before the first section, then each section."""

    prefix: list[Block]
    sections: list[tuple[str, list[Block]]]


def report_key(title: str) -> str:
    """The row's Key: one page per report title."""
    return "report:" + (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "report")


def publish_report(
    handbook: Handbook,
    markdown: str,
    charts: Mapping[str, Chart],
    period: str,
    title: str = TITLE,
) -> Published:
    """Publish one period of the report: the page is made once, the period's section is added
    (newest first) or replaced in place, other periods are left as they are. The page's Hash
    keeps a digest per period, written only once the section reads back right: a period
    published again unchanged costs one query and no writes, and a run cut short is finished
    by the next."""
    period = " ".join(period.split())
    if not period:
        raise EscalationsError("the report's period is empty; name it, for example 2026-11.")
    section = section_blocks(markdown, charts, period)
    section_hash = digest(period, section)
    key = report_key(title)
    observed = handbook.observe()
    source_id = observed.data_source_id
    if source_id is None:
        _, source_id = handbook.create_database()
    for copy in observed.duplicates:
        if copy.key == key:  # made by an overlapping first publish
            handbook.trash(copy)
    row = observed.rows.get(key)
    hashes = _read_hashes(row.hash) if row else {}
    if row is not None and hashes.get(period) == section_hash:
        if row.title != title:
            _set_properties(handbook, row.page_id, _properties(key, title, hashes))
        return Published(row.page_id, row.url, period, "unchanged")
    if row is None:
        page = Page(key, "report", title, SOURCE, ())
        properties = _properties(key, title, {})
        row = handbook.create_row(source_id, page, "", properties=properties)
    outcome = _settle(handbook, row, period, section)
    hashes[period] = section_hash
    _set_properties(handbook, row.page_id, _properties(key, title, hashes))
    return Published(row.page_id, row.url, period, outcome)


def _settle(handbook: Handbook, row: Row, period: str, section: list[Block]) -> str:
    """Write the period's section and read the page back until it says what `section` says
    once: a write answered with an error may have been saved anyway."""
    wanted = [canonical(b) for b in section]
    outcome = ""
    for _ in range(VERIFY_ATTEMPTS):
        layout = _split(handbook.read_tree(row.page_id))
        found = [blocks for name, blocks in layout.sections if name == period]
        outcome = outcome or ("replaced" if found else "added")
        if len(found) == 1 and [canonical(b) for b in found[0]] == wanted:
            return outcome
        try:
            _write(handbook, row, layout, period, section)
        except AmbiguousWriteError:
            continue  # the next read shows what was saved
    raise EscalationsError(
        f"the section {period} of the Notion report page {row.url} still differs from the "
        f"report after {VERIFY_ATTEMPTS} syncs; publish it again."
    )


def _write(
    handbook: Handbook, row: Row, layout: _Layout, period: str, section: list[Block]
) -> None:
    page_id = row.page_id
    found = [blocks for name, blocks in layout.sections if name == period]
    for copy in found[1:]:  # a section appended twice by a run whose answer was lost
        for block in copy:
            _delete(handbook, block["id"])
    if not layout.prefix and not layout.sections:
        handbook.append(page_id, [banner(), *section], after=None)
        return
    if layout.prefix and [canonical(b) for b in layout.prefix] != [canonical(banner())]:
        steps = align(layout.prefix, [banner()])
        if placeable(steps):  # else a person's blocks stand first: left alone
            handbook.sync_page(page_id, [banner()], layout.prefix)
    if found:
        # The heading names the same period, so it is kept: everything has a block before it.
        assert placeable(align(found[0], section))
        handbook.sync_page(page_id, section, found[0])
        return
    handbook.append(page_id, section, after=_anchor(layout, period, row.url))


def _anchor(layout: _Layout, period: str, url: str) -> str | None:
    """The block the new section goes after: the one before the first older section (None: at
    the end, as the oldest)."""
    before = layout.prefix[-1]["id"] if layout.prefix else None
    for name, blocks in layout.sections:
        if name < period:
            if before is None:
                raise EscalationsError(
                    f"the Notion report page {url} no longer starts with its banner, and "
                    f"Notion cannot insert a block first; add any block at the top of the "
                    f"page, then publish {period} again."
                )
            return str(before)
        before = blocks[-1]["id"]
    return None


def _split(tree: list[Block]) -> _Layout:
    """Sections start at each top-level heading 1, which names the period (the report's own
    headings are demoted below it)."""
    prefix: list[Block] = []
    sections: list[tuple[str, list[Block]]] = []
    for block in tree:
        if block["type"] == "heading_1":
            sections.append((" ".join(plain(block).split()), [block]))
        elif sections:
            sections[-1][1].append(block)
        else:
            prefix.append(block)
    return _Layout(prefix, sections)


def _read_hashes(text: str) -> dict[str, str]:
    """The Hash property: a digest per period; anything unreadable is republished."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _properties(key: str, title: str, hashes: Mapping[str, str]) -> dict[str, Any]:
    newest_first = dict(sorted(hashes.items(), reverse=True))
    encoded = json.dumps(newest_first, separators=(",", ":"))
    pieces = [encoded[i : i + MAX_TEXT] for i in range(0, len(encoded), MAX_TEXT)]

    def text(*values: str) -> dict[str, Any]:
        return {"rich_text": [{"type": "text", "text": {"content": v}} for v in values if v]}

    return {
        "Name": {"title": [{"type": "text", "text": {"content": title[:MAX_TEXT]}}]},
        "Key": text(key),
        "Kind": {"select": {"name": "report"}},
        "Hash": text(*pieces),
        "Version": text(),
        "Source": text(SOURCE),
    }


def _set_properties(handbook: Handbook, page_id: str, properties: dict[str, Any]) -> None:
    """Safe to send twice: sent again after an ambiguous answer."""
    for attempt in range(2):
        try:
            handbook.client.pages.update(page_id=page_id, properties=properties)
            return
        except AmbiguousWriteError:
            if attempt:
                raise
        except APIResponseError as exc:
            raise explain(exc, "the report page") from exc


def _delete(handbook: Handbook, block_id: str) -> None:
    """What is already gone (an earlier try whose answer was lost) is done, not an error."""
    for attempt in range(2):
        try:
            handbook.client.blocks.delete(block_id=block_id)
            return
        except AmbiguousWriteError:
            if attempt:
                raise
        except APIResponseError as exc:
            if exc.status == 404 or "archived" in str(exc):
                return
            raise explain(exc, "the report page") from exc
