"""A review record as `escalations review new` writes it renders and publishes as a review page."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from notion_client import Client

from escalations.model.validate import validate_framework
from escalations.publish.notion.changes import plan_changes
from escalations.publish.notion.http import Transport
from escalations.publish.notion.richtext import plain
from escalations.publish.notion.target import Handbook, apply_changes
from escalations.sandbox.notion.emulator import NotionEmulator

TOKEN = "review-page-token"

NOVEMBER = """\
---
# yaml-language-server: $schema=../../schema/review.schema.json
id: 2026-11
title: November 2026 escalation review
period: {start: 2026-11-01, end: 2026-11-30}
held_on: 2026-12-03
facilitator: person:ines-ferreira
participants: [person:ines-ferreira, person:maria-lopez]
framework_version: 1.4.0
status: draft
metrics:
  - {metric: tickets_total, value: 1250000}
  - {metric: escalation_rate, value: 3.84, target: 5.0, unit: percent}
  - {metric: time_to_acknowledge_median, value: 12.25, unit: minutes}
root_causes:
  - {cause: product-defect, escalations: 12}
action_items:
  - id: ai-2026-11-1
    title: Page the second Americas agent from the queue
    owner: person:jonas-becker
    due: 2026-12-18
    status: open
    addresses: slow-first-response
---
# November 2026 escalation review

Prefilled by `escalations review new`. See the [October review](2026-10.md).
"""


def test_a_new_review_record_publishes_with_its_figures_as_written(framework_copy: Path) -> None:
    (framework_copy / "reviews" / "2026-11.md").write_text(NOVEMBER)
    result = validate_framework(framework_copy)
    assert [p.message for p in result.problems] == []
    assert result.framework is not None
    emulator = NotionEmulator(token=TOKEN)
    emulator.start()
    try:
        client = Client(
            {"auth": TOKEN, "base_url": emulator.base_url, "retry": False,
             "log_level": logging.ERROR},
            client=httpx.Client(transport=Transport(rate=0, max_delay=0.05)),
        )  # fmt: skip
        handbook = Handbook(client, parent_page=emulator.add_root_page("Support"), title="H")
        observed = handbook.observe()
        changes = plan_changes(result.framework, observed, allow_delete=False, force=False)
        apply_changes(handbook, result.framework, observed, changes)
        rows = handbook.observe().rows
        row, october = rows["review:2026-11"], rows["review:2026-10"]
        tree = handbook.read_tree(row.page_id)
    finally:
        emulator.stop()

    assert (row.kind, row.title) == ("review", "November 2026 escalation review")
    tables = [
        [[plain(cell) for cell in r["table_row"]["cells"]] for r in block["children"]]
        for block in tree
        if block["type"] == "table"
    ]
    assert tables[0] == [
        ["Metric", "Value", "Target"],
        ["tickets_total", "1250000", ""],
        ["escalation_rate", "3.84 percent", "5"],
        ["time_to_acknowledge_median", "12.25 minutes", ""],
    ]
    assert tables[2][1] == [
        "Page the second Americas agent from the queue", "Jonas Becker", "2026-12-18", "open",
        "Slow first response",
    ]  # fmt: skip
    links = [
        item["text"]["link"]["url"]
        for block in tree
        for item in block.get(block["type"], {}).get("rich_text", [])
        if item.get("text", {}).get("link")
    ]
    assert links == [october.url]
