"""Reports published to the Notion handbook: one page, one section per period, charts as tables."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from notion_client import Client

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.notion.blocks import Block
from escalations.publish.notion.changes import plan_changes
from escalations.publish.notion.http import Transport
from escalations.publish.notion.report import Chart, Published, publish_report
from escalations.publish.notion.richtext import plain
from escalations.publish.notion.target import Handbook, apply_changes
from escalations.sandbox.notion.emulator import NotionEmulator

TOKEN = "report-test-token"
TITLE = "Escalation handbook"
READ_POSTS = ("/v1/data_sources/{id}/query", "/v1/search")

NOVEMBER = """\
# Escalation report, November 2026

63 escalations out of 1,312 tickets.

![Escalations per week](charts/volume.png)

## Attainment

| Tier | First response |
|---|---|
| Standard | 91.5 % |
"""

VOLUME = Chart(
    "Escalations per week",
    ("Week", "Escalations", "Rate"),
    (("2026-11-02", "14", "4.1 %"), ("2026-11-09", "17", "5.0 %")),
    Path("out/charts/volume.png"),
)
CHARTS = {"charts/volume.png": VOLUME}


@pytest.fixture
def emulator() -> Iterator[NotionEmulator]:
    server = NotionEmulator(token=TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def handbook(emulator: NotionEmulator) -> Handbook:
    transport = Transport(rate=0, max_delay=0.05)
    client = Client(
        {"auth": TOKEN, "base_url": emulator.base_url, "retry": False, "log_level": logging.ERROR},
        client=httpx.Client(transport=transport),
    )
    return Handbook(client, parent_page=emulator.add_root_page("Support"), title=TITLE)


def writes(emulator: NotionEmulator) -> dict[tuple[str, str], int]:
    return {
        key: count
        for key, count in emulator.requests.items()
        if key[0] != "GET" and key[1] not in READ_POSTS
    }


def text(block: Block) -> str:
    return plain(block[block["type"]].get("rich_text", []))


def outline(handbook: Handbook, page_id: str) -> list[str]:
    """Each top-level block as `type: text` (tables as their rows' cells)."""
    lines = []
    for block in handbook.read_tree(page_id):
        if block["type"] == "table":
            rows = [
                " | ".join(plain(c) for c in r["table_row"]["cells"]) for r in block["children"]
            ]
            lines.append("table: " + " / ".join(rows))
        else:
            lines.append(f"{block['type']}: {text(block)}")
    return lines


def ids(handbook: Handbook, page_id: str) -> list[str]:
    return [b["id"] for b in handbook.read_tree(page_id)]


def report_rows(handbook: Handbook) -> list[dict[str, str]]:
    observed = handbook.observe()
    rows = [r for r in (*observed.rows.values(), *observed.duplicates) if r.kind == "report"]
    return [{"key": r.key, "title": r.title, "hash": r.hash, "source": r.source} for r in rows]


NOVEMBER_OUTLINE = [
    "heading_1: 2026-11",
    "heading_2: Escalation report, November 2026",
    "paragraph: 63 escalations out of 1,312 tickets.",
    "table: Week | Escalations | Rate / 2026-11-02 | 14 | 4.1 % / 2026-11-09 | 17 | 5.0 %",
    "paragraph: Chart not uploaded: Escalations per week. The project's Notion reference does "
    "not confirm the File Upload API, so the figures it plots are the table above (the image "
    "is volume.png, beside the report).",
    "heading_2: Attainment",
    "table: Tier | First response / Standard | 91.5 %",
]
BANNER = (
    "callout: Published by escalations report --publish from the escalation history, one "
    "section per period, newest first. Edits made here are overwritten when that period is "
    "published again."
)


def test_the_first_publish_makes_one_report_page_with_the_period_and_its_charts_as_tables(
    handbook: Handbook,
) -> None:
    published = publish_report(handbook, NOVEMBER, CHARTS, "2026-11")

    assert published.outcome == "added"
    assert outline(handbook, published.page_id) == [BANNER, *NOVEMBER_OUTLINE]
    [row] = report_rows(handbook)
    assert row["key"] == "report:escalation-report"
    assert row["title"] == "Escalation report"
    assert row["source"] == "escalations report"
    assert list(json.loads(row["hash"])) == ["2026-11"]


def test_publishing_the_same_period_again_writes_nothing(
    handbook: Handbook, emulator: NotionEmulator
) -> None:
    first = publish_report(handbook, NOVEMBER, CHARTS, "2026-11")
    emulator.reset_counts()

    again = publish_report(handbook, NOVEMBER, CHARTS, "2026-11")

    assert again == Published(first.page_id, first.url, "2026-11", "unchanged")
    assert writes(emulator) == {}
    assert sum(emulator.requests.values()) == 3  # list the parent, retrieve, query


def test_a_new_period_is_a_new_section_first_and_an_older_one_goes_last(
    handbook: Handbook,
) -> None:
    november = publish_report(handbook, NOVEMBER, CHARTS, "2026-11")
    before = ids(handbook, november.page_id)

    december = publish_report(handbook, "December was quiet.\n", {}, "2026-12")
    october = publish_report(handbook, "October.\n", {}, "2026-10")

    assert december.outcome == october.outcome == "added"
    assert december.page_id == october.page_id == november.page_id
    assert outline(handbook, november.page_id) == [
        BANNER,
        "heading_1: 2026-12",
        "paragraph: December was quiet.",
        *NOVEMBER_OUTLINE,
        "heading_1: 2026-10",
        "paragraph: October.",
    ]
    after = ids(handbook, november.page_id)
    assert [after[0], *after[3:-2]] == before  # November's blocks were not rewritten
    [row] = report_rows(handbook)
    assert list(json.loads(row["hash"])) == ["2026-12", "2026-11", "2026-10"]


def test_a_period_published_again_replaces_only_its_own_section(
    handbook: Handbook, emulator: NotionEmulator
) -> None:
    publish_report(handbook, "December was quiet.\n", {}, "2026-12")
    page_id = publish_report(handbook, NOVEMBER, CHARTS, "2026-11").page_id
    before = ids(handbook, page_id)
    emulator.reset_counts()

    changed = NOVEMBER.replace("63 escalations", "64 escalations")
    published = publish_report(handbook, changed, CHARTS, "2026-11")

    assert published.outcome == "replaced"
    lines = outline(handbook, page_id)
    assert lines[5] == "paragraph: 64 escalations out of 1,312 tickets."
    after = ids(handbook, page_id)
    assert after == before  # one block updated in place, every other one kept
    assert writes(emulator) == {("PATCH", "/v1/blocks/{id}"): 1, ("PATCH", "/v1/pages/{id}"): 1}


def test_a_period_with_fewer_blocks_loses_them_and_the_next_section_stays(
    handbook: Handbook,
) -> None:
    publish_report(handbook, NOVEMBER, CHARTS, "2026-11")
    page_id = publish_report(handbook, "Only this.\n\nAnd this.\n", {}, "2026-10").page_id

    publish_report(handbook, "# November\n\nShort now.\n", {}, "2026-11")

    assert outline(handbook, page_id) == [
        BANNER,
        "heading_1: 2026-11",
        "heading_2: November",
        "paragraph: Short now.",
        "heading_1: 2026-10",
        "paragraph: Only this.",
        "paragraph: And this.",
    ]


def test_a_chart_the_markdown_does_not_show_follows_the_section_under_its_title(
    handbook: Handbook,
) -> None:
    chart = Chart("Open escalations by level", ("Level", "Open"), (("1", "3"),))
    page_id = publish_report(handbook, "Text.\n", {"open.png": chart}, "2026-11").page_id

    assert outline(handbook, page_id)[1:] == [
        "heading_1: 2026-11",
        "paragraph: Text.",
        "heading_3: Open escalations by level",
        "table: Level | Open / 1 | 3",
        "paragraph: Chart not uploaded: Open escalations by level. The project's Notion "
        "reference does not confirm the File Upload API, so the figures it plots are the table "
        "above.",
    ]


def test_a_new_title_is_a_second_report_page(handbook: Handbook) -> None:
    first = publish_report(handbook, "A.\n", {}, "2026-11")
    second = publish_report(handbook, "B.\n", {}, "2026-11", title="Billing escalations")

    assert second.page_id != first.page_id
    keys = sorted(r["key"] for r in report_rows(handbook))
    assert keys == ["report:billing-escalations", "report:escalation-report"]


def test_an_empty_period_is_refused(handbook: Handbook) -> None:
    with pytest.raises(EscalationsError) as raised:
        publish_report(handbook, "A.\n", {}, "  ")
    assert str(raised.value) == "the report's period is empty; name it, for example 2026-11."


FAULTS = [
    ("POST", "/v1/databases", {"status": 503, "commit": True}),
    ("POST", "/v1/pages", {"status": 503, "commit": True}),
    ("POST", "/v1/pages", {"kind": "reset", "commit": True}),
    ("POST", "/v1/pages", {"status": 409, "commit": True}),
    ("PATCH", "/v1/blocks/{id}/children", {"status": 503, "commit": True}),
    ("PATCH", "/v1/blocks/{id}/children", {"kind": "reset", "commit": True}),
    ("PATCH", "/v1/blocks/{id}/children", {"status": 409, "commit": True}),
    ("PATCH", "/v1/blocks/{id}/children", {"status": 503}),
    ("PATCH", "/v1/pages/{id}", {"status": 503, "commit": True}),
    ("PATCH", "/v1/pages/{id}", {"kind": "reset"}),
]


CASES = [
    pytest.param(first, *case, id=f"{'first' if first else 'second'} {case[0]} {case[1]} {case[2]}")
    for first in (True, False)
    for case in FAULTS
    if first or case[0] != "POST"  # only the first publish creates
]


@pytest.mark.parametrize(("first", "method", "route", "fault"), CASES)
def test_an_interrupted_publish_converges_on_the_next_run_without_duplicates(
    handbook: Handbook,
    emulator: NotionEmulator,
    first: bool,
    method: str,
    route: str,
    fault: dict[str, object],
) -> None:
    before = [] if first else ["heading_1: 2026-12", "paragraph: December."]
    if not first:
        publish_report(handbook, "December.\n", {}, "2026-12")
    emulator.reset_counts()
    emulator.inject(method=method, route=route, times=2, **fault)  # type: ignore[arg-type]
    errors = []
    for _ in range(3):
        try:
            published = publish_report(handbook, NOVEMBER, CHARTS, "2026-11")
            break
        except EscalationsError as exc:
            errors.append(str(exc))
    else:
        pytest.fail(f"never converged: {errors}")
    emulator.clear_faults()

    assert emulator.requests[(method, route)] >= 1  # the fault was met
    assert len(report_rows(handbook)) == 1
    assert len(handbook.observe().rows) == 1
    assert outline(handbook, published.page_id) == [BANNER, *before, *NOVEMBER_OUTLINE]
    emulator.reset_counts()
    assert publish_report(handbook, NOVEMBER, CHARTS, "2026-11").outcome == "unchanged"
    assert writes(emulator) == {}


def test_a_section_appended_twice_is_removed_once(
    handbook: Handbook, emulator: NotionEmulator
) -> None:
    page_id = publish_report(handbook, "December.\n", {}, "2026-12").page_id
    handbook.append(page_id, [{"type": "heading_1", "heading_1": {"rich_text": [
        {"type": "text", "text": {"content": "2026-12"}}]}}], after=None)  # fmt: skip

    publish_report(handbook, "December, corrected.\n", {}, "2026-12")

    assert outline(handbook, page_id) == [
        BANNER,
        "heading_1: 2026-12",
        "paragraph: December, corrected.",
    ]


def test_publishing_the_framework_keeps_the_report_page(
    handbook: Handbook, framework: Framework
) -> None:
    observed = handbook.observe()
    apply_changes(handbook, framework, observed,
                  plan_changes(framework, observed, allow_delete=True, force=False))  # fmt: skip
    publish_report(handbook, "December.\n", {}, "2026-12")

    changes = plan_changes(framework, handbook.observe(), allow_delete=True, force=True)

    assert [c for c in changes if c.action != "noop"] == []
    assert len(report_rows(handbook)) == 1
