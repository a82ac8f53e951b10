"""Requests made publishing the example framework to the Notion emulator.

Usage: python bench/notion_publish.py

Prints, counted by the emulator:
1. the first publish: writes and reads, next to the fewest writes Notion's limits allow
   (one create per page carrying up to 100 top-level blocks two levels deep, one more append
   per further 100 blocks or deeper level, and the database);
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
    """Requests needed to create a page with these blocks under Notion's limits."""

    def deeper(block: Block, depth: int) -> int:
        nested = children(block)
        if not nested:
            return 0
        if depth >= 2:
            return math.ceil(len(nested) / 100) + sum(deeper(c, 1) for c in nested)
        extra = math.ceil(max(0, len(nested) - 100) / 100)
        return extra + sum(deeper(c, depth + 1) for c in nested)

    return math.ceil(max(1, len(blocks)) / 100) + sum(deeper(b, 1) for b in blocks)


def main() -> None:
    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    emulator = NotionEmulator(token="bench")
    base_url = emulator.start()
    transport = Transport(rate=0)
    client = Client({"auth": "bench", "base_url": base_url, "retry": False},
                    client=httpx.Client(transport=transport))  # fmt: skip
    handbook = Handbook(client, parent_page=emulator.add_root_page("Bench"), title="Handbook")
    try:
        started = time.perf_counter()
        publish(handbook, framework)
        seconds = time.perf_counter() - started
        observed = handbook.observe()
        pages = desired_pages(framework, observed)
        minimum = 1 + sum(fewest_writes(list(d.page.blocks)) for d in pages)
        writes, reads = counts(emulator)
        print(f"first publish of {len(pages)} pages: {writes} writes, {reads} reads, "
              f"{seconds:.1f} s; the fewest writes Notion's limits allow: {minimum} "
              f"({writes / minimum:.2f}x)")  # fmt: skip

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
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
