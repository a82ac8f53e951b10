"""A first Notion publish: pages created in link order with their blocks, rendered once."""

from __future__ import annotations

import cProfile
import logging
import pstats
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from notion_client import Client

from escalations.model.framework import Framework
from escalations.publish.notion import render
from escalations.publish.notion.blocks import canonical
from escalations.publish.notion.changes import Observed, desired_pages, plan_changes
from escalations.publish.notion.drafts import draft_pages, resolve
from escalations.publish.notion.http import Transport
from escalations.publish.notion.render import Page, render_pages
from escalations.publish.notion.rows import read_row
from escalations.publish.notion.target import Handbook, apply_changes
from escalations.sandbox.notion.emulator import NotionEmulator

from .conftest import FRAMEWORK, Result

TOKEN = "test-token"
TITLE = "Escalation handbook"
CYCLE = ("playbook:relationship", "playbook:technical", "doc:overview")
"""The example's pages that a cycle of links makes wait (see test_notion_order.py)."""


@pytest.fixture
def emulator() -> Iterator[NotionEmulator]:
    with NotionEmulator(token=TOKEN) as server:
        yield server


@pytest.fixture
def handbook(emulator: NotionEmulator) -> Handbook:
    transport = Transport(rate=0, max_delay=0.05)
    client = Client(
        {"auth": TOKEN, "base_url": emulator.base_url, "retry": False, "log_level": logging.ERROR},
        client=httpx.Client(transport=transport),
    )
    return Handbook(client, parent_page=emulator.add_root_page("Support handbook"), title=TITLE)


def publish(handbook: Handbook, framework: Framework) -> Observed:
    observed = handbook.observe()
    changes = plan_changes(framework, observed, allow_delete=False, force=False)
    apply_changes(handbook, framework, observed, changes)
    return handbook.observe()


def links_of(handbook: Handbook, page_id: str) -> set[str]:
    def urls(value: object) -> Iterator[str]:
        if isinstance(value, list):
            for item in value:
                yield from urls(item)
        elif isinstance(value, dict):
            link = (value.get("text") or {}).get("link") if value.get("type") == "text" else None
            if link:
                yield link["url"]
            for item in value.values():
                yield from urls(item)

    return set(urls(handbook.read_tree(page_id)))


def test_a_first_publish_creates_each_page_with_its_blocks_and_hash(
    emulator: NotionEmulator, handbook: Handbook, framework: Framework
) -> None:
    emulator.reset_counts()
    observed = handbook.observe()
    apply_changes(handbook, framework, observed,
                  plan_changes(framework, observed, allow_delete=False, force=False))  # fmt: skip
    # The database; one create per page with its blocks (and its Hash, but for the three pages
    # that wait for a cycle of links: created empty, then one append and one Hash each); reads:
    # the parent's children once (no database yet), then those three pages read back (one list
    # per page and one per block with children: 10).
    assert dict(emulator.requests) == {
        ("GET", "/v1/blocks/{id}/children"): 10,
        ("POST", "/v1/databases"): 1,
        ("POST", "/v1/pages"): 24,
        ("PATCH", "/v1/blocks/{id}/children"): 3,
        ("PATCH", "/v1/pages/{id}"): 3,
    }
    observed = handbook.observe()
    trees = handbook.read_pages(observed)
    assert plan_changes(framework, observed, allow_delete=False, force=False, trees=trees) == []


def test_links_in_a_cycle_and_forward_links_point_at_the_published_pages(
    handbook: Handbook, framework: Framework
) -> None:
    observed = publish(handbook, framework)
    rows = observed.rows
    # relationship <-> billing is a cycle; billing was created after relationship existed.
    relationship = links_of(handbook, rows["playbook:relationship"].page_id)
    billing = links_of(handbook, rows["playbook:billing"].page_id)
    assert {rows["playbook:billing"].url, rows["playbook:technical"].url} <= relationship
    assert {rows["playbook:relationship"].url, rows["doc:overview"].url} <= billing
    # The overview links to every other page, all created before it.
    assert links_of(handbook, rows["overview"].page_id) == {
        row.url for key, row in rows.items() if key != "overview"
    }
    for key in CYCLE:
        assert rows[key].hash == next(
            d.hash for d in desired_pages(framework, observed) if d.page.key == key
        )


def test_a_forward_link_of_an_update_points_at_the_page_created_in_the_same_run(
    handbook: Handbook, framework: Framework
) -> None:
    fewer = replace(framework, pages=tuple(p for p in framework.pages if p.id != "glossary"))
    first = publish(handbook, fewer)
    assert "doc:glossary" not in first.rows
    observed = publish(handbook, framework)
    assert observed.rows["doc:glossary"].url in links_of(handbook, first.rows["overview"].page_id)
    assert plan_changes(framework, observed, allow_delete=False, force=False) == []


def test_a_page_too_big_for_one_request_gets_its_hash_once_it_reads_back(
    emulator: NotionEmulator, handbook: Handbook
) -> None:
    def bullet(text: str, *nested: dict[str, object]) -> dict[str, object]:
        body: dict[str, object] = {"rich_text": [{"type": "text", "text": {"content": text}}]}
        if nested:
            body["children"] = list(nested)
        return {"type": "bulleted_list_item", "bulleted_list_item": body}

    deep = bullet("1", bullet("2", bullet("3", bullet("4"))))
    blocks = (deep, *(bullet(f"p{i}") for i in range(149)))
    page = Page("doc:big", "doc", "Big", "docs/big.md", blocks)
    _, source_id = handbook.create_database()
    emulator.reset_counts()
    row, whole = handbook.create_page(source_id, page, "hash", "1.0.0")
    assert (whole, row.hash) == (False, "")
    # The create carries 100 blocks three levels deep; the fourth level and the last 50 blocks
    # are appended (the ids of levels one and two read first: one list each).
    assert dict(emulator.requests) == {
        ("POST", "/v1/pages"): 1,
        ("GET", "/v1/blocks/{id}/children"): 3,
        ("PATCH", "/v1/blocks/{id}/children"): 2,
    }
    assert [canonical(b) for b in handbook.read_tree(row.page_id)] == [canonical(b) for b in blocks]


def test_a_page_that_fits_one_request_is_created_whole(handbook: Handbook) -> None:
    _, source_id = handbook.create_database()
    blocks = tuple(
        {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text",
                                                           "text": {"content": f"p{i}"}}]}}
        for i in range(100)
    )  # fmt: skip
    row, whole = handbook.create_page(source_id, Page("doc:a", "doc", "A", "a.md", blocks),
                                      "hash", "1.0.0")  # fmt: skip
    assert (whole, row.hash, row.version) == (True, "hash", "1.0.0")
    read = read_row(handbook.client.pages.retrieve(page_id=row.page_id))
    assert (read.key, read.hash) == ("doc:a", "hash")


@pytest.mark.parametrize("published", [(), ("tiers",), "all"])
def test_resolved_drafts_mean_what_rendering_with_the_urls_means(
    framework: Framework, published: tuple[str, ...] | str
) -> None:
    drafts = draft_pages(framework)
    keys = {d.page.key for d in drafts} if published == "all" else set(published)

    def url_of(key: str) -> str | None:
        return f"https://www.notion.so/{key.replace(':', '-')}" if key in keys else None

    rendered = render_pages(framework, url_of)
    assert [d.page.key for d in drafts] == [p.key for p in rendered]
    for draft, page in zip(drafts, rendered, strict=True):
        resolved = resolve(draft, url_of)
        assert [canonical(b) for b in resolved.blocks] == [canonical(b) for b in page.blocks]
    overview = next(d for d in drafts if d.page.key == "overview")
    assert overview.links == {d.page.key for d in drafts} - {"overview"}


def test_an_apply_renders_each_page_once(
    tmp_path: Path,
    emulator: NotionEmulator,
    handbook: Handbook,
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        f"targets:\n  local:\n    notion:\n      parent_page: {handbook.parent_page}\n"
        f"      database: {TITLE}\n      base_url: '{emulator.base_url}'\n"
        "      requests_per_second: 1000\n"
    )
    args = ["-f", str(FRAMEWORK), "-t", "local", "--targets-file", str(targets), "--only", "notion"]
    profile = cProfile.Profile()
    applied = profile.runcall(cli, "apply", *args, "--yes")
    assert applied.code == 0, applied.err
    calls = {
        name: count
        for (path, _, name), (count, *_) in pstats.Stats(profile).stats.items()  # type: ignore[attr-defined]
        if path == render.__file__
    }
    assert calls["render_pages"] == 1
    assert calls["_page"] == len(handbook.observe().rows) == 24
