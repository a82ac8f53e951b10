"""Requests made publishing the example framework to the Notion emulator.

Usage: python bench/notion_publish.py

Prints, counted by the emulator:
1. the first publish, of the example and of a framework ten times larger: writes, reads and
   seconds, next to the figures before issue 14 and the fewest writes Notion's limits allow
   (goal: at most 1.3 times that). The fewest: the database, and for each page one create
   carrying its Hash and up to 100 top-level blocks with two levels of children below them,
   plus one append per further 100 blocks at any level and per block nested deeper (its
   children then travel in an append of their own; see `fewest_writes`);
2. a no-op re-publish: writes (goal 0) and reads (goal at most ceil(pages / 100) + 2);
3. one edited paragraph: writes (goal 2: the block and the row's Hash), next to what the
   delete-and-re-append approach costs for the same edit (delete every block of the page,
   append them again, update the Hash), and their ratio.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from notion_client import Client

from escalations.model.framework import Framework
from escalations.model.validate import validate_framework
from escalations.publish.notion.blocks import Block, children
from escalations.publish.notion.changes import desired_pages, plan_changes
from escalations.publish.notion.http import Transport
from escalations.publish.notion.target import Handbook, apply_changes
from escalations.sandbox.notion.emulator import NotionEmulator

ROOT = Path(__file__).resolve().parents[1]
WRITES = ("POST", "PATCH", "DELETE")
BEFORE = {1: (73, 45), 10: (615, 371)}
"""Writes and reads of a first publish before issue 14 (commit a5a69b0), by framework size."""
GOAL = 1.3


def counts(emulator: NotionEmulator) -> tuple[int, int]:
    writes = reads = 0
    for (method, route), n in emulator.requests.items():
        is_read = method == "GET" or route.endswith(("/query", "/search"))
        reads, writes = (reads + n, writes) if is_read else (reads, writes + n)
    return writes, reads


def publish(handbook: Handbook, framework: Framework) -> None:
    observed = handbook.observe()
    changes = plan_changes(framework, observed, allow_delete=False, force=False)
    apply_changes(handbook, framework, observed, changes)


def fewest_writes(blocks: list[Block]) -> int:
    """Requests needed to create a page with these blocks under Notion's limits: a request
    carries 100 blocks per level and two levels of children below its top-level blocks (the
    emulator enforces both); deeper children, and blocks past the 100th, need appends."""

    def appends(nested: list[Block], depth: int) -> int:
        """The appends that blocks at `depth` below a request's top level need."""
        if not nested:
            return 0
        if depth > 2:
            return math.ceil(len(nested) / 100) + sum(appends(children(b), 1) for b in nested)
        sent, rest = nested[:100], nested[100:]
        extra = math.ceil(len(rest) / 100) + sum(appends(children(b), 1) for b in rest)
        return extra + sum(appends(children(b), depth + 1) for b in sent)

    return 1 + appends(blocks, 0)


def ten_times(framework: Framework) -> Framework:
    """The framework with its triggers, paths, playbooks, reviews and handbook pages ten times
    over: the copies of Markdown documents sit in folders of their own, so that their links
    (and the cycles they make) stay within each copy."""
    copies = range(1, 10)

    def moved(item: Any, n: int) -> Any:
        source = replace(item.source, name=f"copy-{n}/{item.source.name}")
        return replace(item, id=f"{item.id}-{n}", source=source)

    def times(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return items + tuple(moved(item, n) for n in copies for item in items)

    return replace(framework, triggers=times(framework.triggers), paths=times(framework.paths),
                   playbooks=times(framework.playbooks), reviews=times(framework.reviews),
                   pages=times(framework.pages))  # fmt: skip


def connect(emulator: NotionEmulator) -> Handbook:
    client = Client({"auth": "bench", "base_url": emulator.base_url, "retry": False},
                    client=httpx.Client(transport=Transport(rate=0)))  # fmt: skip
    return Handbook(client, parent_page=emulator.add_root_page("Bench"), title="Handbook")


def first_publish(emulator: NotionEmulator, framework: Framework, size: int) -> Handbook:
    """Publish to a fresh handbook and print what it took."""
    handbook = connect(emulator)
    emulator.reset_counts()
    started = time.perf_counter()
    publish(handbook, framework)
    seconds = time.perf_counter() - started
    writes, reads = counts(emulator)
    pages = desired_pages(framework, handbook.observe())
    minimum = 1 + sum(fewest_writes(list(d.page.blocks)) for d in pages)
    before_writes, before_reads = BEFORE[size]
    print(f"first publish of {len(pages)} pages: {writes} writes ({writes / minimum:.2f}x "
          f"the fewest, {minimum}; goal at most {GOAL}x: {math.floor(GOAL * minimum)}), "
          f"{reads} reads, {seconds:.1f} s; before: {before_writes} writes "
          f"({before_writes / minimum:.2f}x), {before_reads} reads")  # fmt: skip
    return handbook


def main() -> None:
    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    with NotionEmulator(token="bench") as emulator:
        first_publish(emulator, ten_times(framework), 10)
    with NotionEmulator(token="bench") as emulator:
        handbook = first_publish(emulator, framework, 1)
        observed = handbook.observe()
        pages = desired_pages(framework, observed)
        emulator.reset_counts()
        publish(handbook, framework)
        writes, reads = counts(emulator)
        goal = math.ceil(len(pages) / 100) + 2
        print(f"no-op re-publish: {writes} writes, {reads} reads "
              f"(goal: 0 writes, at most {goal} reads)")  # fmt: skip

        billing = next(p for p in framework.playbooks if p.id == "billing")
        line = next(x for x in billing.body.splitlines() if x and x[0].isalpha())
        edited = replace(billing, body=billing.body.replace(line, line + " Call first.", 1))
        changed = replace(framework, playbooks=tuple(
            edited if p.id == "billing" else p for p in framework.playbooks))  # fmt: skip
        emulator.reset_counts()
        publish(handbook, changed)
        writes, reads = counts(emulator)
        page = next(d for d in desired_pages(changed, observed) if d.page.key == "playbook:billing")
        blocks = list(page.page.blocks)
        rewrite = len(blocks) + fewest_writes(blocks) + 1
        print(f"one edited paragraph: {writes} writes, {reads} reads; delete and re-append would "
              f"write {rewrite}: {rewrite / writes:.0f} times more")  # fmt: skip


if __name__ == "__main__":
    main()
