"""Random edits to a Markdown document, synced to the emulator: the page reads back as the
source, and blocks that did not change keep their ids."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notion_client import Client

from escalations.publish.notion.blocks import canonical
from escalations.publish.notion.http import Transport
from escalations.publish.notion.markdown import to_blocks, to_text
from escalations.publish.notion.target import Handbook
from escalations.sandbox.notion.emulator import NotionEmulator

from .conftest import FRAMEWORK

SOURCE = (FRAMEWORK / "docs" / "how-to-escalate.md").read_text(encoding="utf-8")
BODY = SOURCE.split("---", 2)[2]
SECTIONS = [part for part in BODY.split("\n\n") if part.strip()]
WORDS = st.sampled_from(["escalate", "owner", "**urgent**", "`code`", "Slack", "*now*", "team"])
NEW = st.one_of(
    st.lists(WORDS, min_size=1, max_size=6).map(" ".join),
    st.lists(WORDS, min_size=1, max_size=3).map(lambda ws: "\n".join(f"- {w}" for w in ws)),
    st.lists(WORDS, min_size=1, max_size=3).map(lambda ws: "\n".join(f"1. {w}" for w in ws)),
    st.just("| a | b |\n|---|---|\n| 1 | 2 |"),
    st.just("```yaml\nkey: value\n```"),
    st.just("> [!NOTE]\n> Read this first."),
)
EDITS = st.lists(
    st.tuples(st.sampled_from(["drop", "insert", "edit", "swap"]), st.integers(0, 200), NEW),
    min_size=1,
    max_size=6,
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[NotionEmulator]:
    server = NotionEmulator(token="t")
    server.start()
    yield server
    server.stop()


def edit(sections: list[str], edits: list[tuple[str, int, str]]) -> list[str]:
    result = list(sections)
    for action, position, text in edits:
        i = position % (len(result) + 1)
        if action == "insert" or not result:
            result.insert(i, text)
            continue
        i = min(i, len(result) - 1)
        if action == "drop":
            del result[i]
        elif action == "edit":
            result[i] = result[i] + " " + text
        elif i + 1 < len(result):
            result[i], result[i + 1] = result[i + 1], result[i]
    return result


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=EDITS)
def test_synced_page_reads_back_as_the_source_and_keeps_unchanged_blocks(
    emulator: NotionEmulator, edits: list[tuple[str, int, str]]
) -> None:
    transport = Transport(rate=0)
    options = {
        "auth": "t",
        "base_url": emulator.base_url,
        "retry": False,
        "log_level": logging.ERROR,
    }
    client = Client(options, client=httpx.Client(transport=transport))
    handbook = Handbook(client, parent_page=emulator.add_root_page("Sync"), title="Sync")
    page_id = client.pages.create(
        parent={"page_id": handbook.parent_page},
        properties={"title": [{"text": {"content": "Doc"}}]},
    )["id"]
    banner = {
        "type": "callout",
        "callout": {
            "rich_text": [{"type": "text", "text": {"content": "x"}}],
            "icon": {"type": "emoji", "emoji": "📘"},
        },
    }
    first = (banner, *to_blocks("\n\n".join(SECTIONS)))
    handbook.sync_page(page_id, first)
    before = handbook.read_tree(page_id)

    second = (banner, *to_blocks("\n\n".join(edit(SECTIONS, edits))))
    handbook.sync_page(page_id, second)
    after = handbook.read_tree(page_id)

    assert to_text(after) == to_text(list(second))
    matcher = difflib.SequenceMatcher(
        a=[str(canonical(b)) for b in before], b=[str(canonical(b)) for b in second], autojunk=False
    )
    unchanged = sum(block.size for block in matcher.get_matching_blocks())
    kept = {b["id"] for b in before} & {b["id"] for b in after}
    assert len(kept) >= unchanged
