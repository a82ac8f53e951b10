"""The Notion emulator through the real `notion-client` over loopback: content, limits, errors,
databases, trash, conflicts, injected faults, rate limits, persistence and human edits."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client
from notion_client.errors import RequestTimeoutError, UnknownHTTPResponseError
from notion_client.helpers import collect_paginated_api

from escalations.sandbox.notion.emulator import NotionEmulator


def text(content: str, **annotations: Any) -> dict[str, Any]:
    run: dict[str, Any] = {"type": "text", "text": {"content": content}}
    if annotations:
        run["annotations"] = annotations
    return run


def para(content: str) -> dict[str, Any]:
    return {"type": "paragraph", "paragraph": {"rich_text": [text(content)]}}


def bullet(content: str, children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"rich_text": [text(content)]}
    if children is not None:
        block["children"] = children
    return {"type": "bulleted_list_item", "bulleted_list_item": block}


def make_client(notion: NotionEmulator, **options: Any) -> Client:
    options.setdefault("retry", False)
    return Client(
        auth=notion.token, base_url=notion.base_url, log_level=logging.CRITICAL, **options
    )


@pytest.fixture
def notion() -> Iterator[NotionEmulator]:
    with NotionEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(notion: NotionEmulator) -> Client:
    return make_client(notion)


@pytest.fixture
def root(notion: NotionEmulator) -> str:
    return notion.add_root_page("Handbook")


def new_page(client: Client, parent: str, title: str = "Page", **extra: Any) -> dict[str, Any]:
    return dict(
        client.pages.create(
            parent={"page_id": parent}, properties={"title": [text(title)]}, **extra
        )
    )


def api_error(call: Callable[[], Any]) -> APIResponseError:
    with pytest.raises(APIResponseError) as caught:
        call()
    return caught.value


def children_of(client: Client, block_id: str) -> list[dict[str, Any]]:
    return collect_paginated_api(client.blocks.children.list, block_id=block_id)


# -- content ----------------------------------------------------------------------------------


def test_page_with_nested_blocks_reads_back(client: Client, root: str) -> None:
    blocks = [
        {"type": "heading_2", "heading_2": {"rich_text": [text("Triage")]}},
        para("Plain paragraph."),
        bullet("level 1", [bullet("level 2", [bullet("level 3")])]),
        {"type": "to_do", "to_do": {"rich_text": [text("check")], "checked": True}},
        {"type": "toggle", "toggle": {"rich_text": [text("more")], "children": [para("inside")]}},
        {"type": "code", "code": {"rich_text": [text("a: 1")], "language": "yaml"}},
        {"type": "code", "code": {"rich_text": [text("x")], "language": "plain text"}},
        {"type": "quote", "quote": {"rich_text": [text("quoted")]}},
        {
            "type": "callout",
            "callout": {
                "rich_text": [text("note")],
                "icon": {"type": "emoji", "emoji": "⚠️"},
                "color": "gray_background",
            },
        },
        {"type": "divider", "divider": {}},
        {
            "type": "table",
            "table": {
                "table_width": 2,
                "has_column_header": True,
                "children": [
                    {"type": "table_row", "table_row": {"cells": [[text("a")], [text("b")]]}},
                    {"type": "table_row", "table_row": {"cells": [[text("1")], []]}},
                ],
            },
        },
        {
            "type": "image",
            "image": {"type": "external", "external": {"url": "https://example.com/a.png"}},
        },
        {"type": "bookmark", "bookmark": {"url": "https://example.com"}},
        {"type": "link_to_page", "link_to_page": {"type": "page_id", "page_id": root}},
        {"type": "equation", "equation": {"expression": "e=mc^2"}},
        {"type": "table_of_contents", "table_of_contents": {}},
        {
            "paragraph": {
                "rich_text": [
                    {"type": "mention", "mention": {"type": "page", "page": {"id": root}}},
                    {"mention": {"type": "date", "date": {"start": "2026-01-02"}}},
                    {"type": "equation", "equation": {"expression": "x^2"}},
                ]
            }
        },
    ]
    page = new_page(client, root, "Escalations", children=blocks)
    assert page["object"] == "page"
    assert page["parent"] == {"type": "page_id", "page_id": root}
    assert page["properties"]["title"]["title"][0]["plain_text"] == "Escalations"
    assert page["created_time"].endswith(":00.000Z")
    top = children_of(client, page["id"])
    assert [block["type"] for block in top] == [
        "heading_2",
        "paragraph",
        "bulleted_list_item",
        "to_do",
        "toggle",
        "code",
        "code",
        "quote",
        "callout",
        "divider",
        "table",
        "image",
        "bookmark",
        "link_to_page",
        "equation",
        "table_of_contents",
        "paragraph",
    ]
    assert top[0]["heading_2"] == {
        "rich_text": top[0]["heading_2"]["rich_text"],
        "is_toggleable": False,
        "color": "default",
    }
    assert top[3]["to_do"]["checked"] is True
    assert top[5]["code"]["language"] == "yaml" and top[5]["code"]["caption"] == []
    assert top[8]["callout"]["icon"] == {"type": "emoji", "emoji": "⚠️"}
    assert top[10]["table"] == {
        "table_width": 2,
        "has_column_header": True,
        "has_row_header": False,
    }
    assert top[11]["image"]["external"]["url"] == "https://example.com/a.png"
    assert top[13]["link_to_page"] == {"type": "page_id", "page_id": root}
    mention, date, equation = top[16]["paragraph"]["rich_text"]
    assert mention["plain_text"] == "Handbook" and mention["href"].endswith(root.replace("-", ""))
    assert date["mention"]["date"] == {"start": "2026-01-02", "end": None, "time_zone": None}
    assert equation["plain_text"] == "x^2"
    assert [b["has_children"] for b in top if b["type"] in ("bulleted_list_item", "table")] == [
        True,
        True,
    ]
    level2 = children_of(client, top[2]["id"])
    assert level2[0]["parent"] == {"type": "block_id", "block_id": top[2]["id"]}
    level3 = children_of(client, level2[0]["id"])
    assert level3[0]["bulleted_list_item"]["rich_text"][0]["plain_text"] == "level 3"
    assert level3[0]["has_children"] is False
    rows = children_of(client, top[10]["id"])
    assert [row["table_row"]["cells"][0][0]["plain_text"] for row in rows] == ["a", "1"]
    assert rows[1]["table_row"]["cells"][1] == []
    retrieved = client.blocks.retrieve(block_id=top[1]["id"])
    assert retrieved["paragraph"]["rich_text"][0]["text"] == {
        "content": "Plain paragraph.",
        "link": None,
    }
    assert client.pages.retrieve(page_id=page["id"].replace("-", ""))["id"] == page["id"]


def test_children_over_a_hundred_are_paginated(client: Client, root: str) -> None:
    page = new_page(client, root, children=[para(f"p{i}") for i in range(100)])
    client.blocks.children.append(
        block_id=page["id"], children=[para(f"p{i}") for i in range(100, 150)]
    )
    first = client.blocks.children.list(block_id=page["id"])
    assert list(first) == [
        "object",
        "results",
        "next_cursor",
        "has_more",
        "type",
        "block",
        "request_id",
    ]
    assert len(first["results"]) == 100 and first["has_more"] is True
    second = client.blocks.children.list(block_id=page["id"], start_cursor=first["next_cursor"])
    assert len(second["results"]) == 50
    assert second["has_more"] is False and second["next_cursor"] is None
    small = client.blocks.children.list(block_id=page["id"], page_size=7)
    assert len(small["results"]) == 7
    everything = children_of(client, page["id"])
    assert [b["paragraph"]["rich_text"][0]["plain_text"] for b in everything] == [
        f"p{i}" for i in range(150)
    ]
    error = api_error(lambda: client.blocks.children.list(block_id=page["id"], page_size=101))
    assert error.status == 400 and error.code == "validation_error"
    assert str(error) == (
        "query failed validation: query.page_size should be ≤ `100`, instead was `101`."
    )


def test_append_positions_after_and_position(notion: NotionEmulator, root: str) -> None:
    client = make_client(notion)
    page = new_page(client, root, children=[para("a"), para("c")])
    first, last = children_of(client, page["id"])
    client.blocks.children.append(block_id=page["id"], children=[para("b")], after=first["id"])
    client.blocks.children.append(
        block_id=page["id"], children=[para("start")], position={"type": "start"}
    )
    newer = make_client(notion, notion_version="2026-03-11")
    appended = newer.blocks.children.append(
        block_id=page["id"],
        children=[para("d")],
        position={"type": "after_block", "after_block": {"id": last["id"]}},
    )
    assert "archived" not in appended["results"][0]
    assert appended["results"][0]["in_trash"] is False
    texts = [b["paragraph"]["rich_text"][0]["plain_text"] for b in children_of(client, page["id"])]
    assert texts == ["start", "a", "b", "c", "d"]
    both = api_error(
        lambda: client.blocks.children.append(
            block_id=page["id"], children=[para("x")], after=first["id"], position={"type": "end"}
        )
    )
    assert both.code == "validation_error" and "body.after should be not present" in str(both)
    renamed = api_error(
        lambda: newer.blocks.children.append(
            block_id=page["id"], children=[para("x")], after=first["id"]
        )
    )
    assert renamed.code == "validation_error"


def test_rich_text_runs_are_merged_on_read(client: Client, root: str) -> None:
    link = {"url": "https://example.com/doc"}
    runs = [
        text("Hello, "),
        text("world"),
        text("!", bold=True),
        text(" bold too", bold=True, italic=False),
        {"type": "text", "text": {"content": "see ", "link": link}},
        {"type": "text", "text": {"content": "docs", "link": link}},
        text(" end"),
    ]
    page = new_page(client, root, children=[{"paragraph": {"rich_text": runs}}])
    [block] = children_of(client, page["id"])
    merged = block["paragraph"]["rich_text"]
    assert [run["plain_text"] for run in merged] == [
        "Hello, world",
        "! bold too",
        "see docs",
        " end",
    ]
    assert merged[1]["annotations"] == {
        "bold": True,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "code": False,
        "color": "default",
    }
    assert merged[2]["href"] == "https://example.com/doc"
    assert merged[2]["text"] == {"content": "see docs", "link": link}


# -- limits and errors ------------------------------------------------------------------------


def test_more_than_a_hundred_children_rejected(client: Client, root: str) -> None:
    error = api_error(lambda: new_page(client, root, children=[para("x")] * 101))
    assert (error.status, error.code) == (400, "validation_error")
    assert str(error) == (
        "body failed validation: body.children.length should be ≤ `100`, instead was `101`."
    )
    page = new_page(client, root)
    error = api_error(
        lambda: client.blocks.children.append(block_id=page["id"], children=[para("x")] * 124)
    )
    assert "body.children.length should be ≤ `100`, instead was `124`." in str(error)
    assert children_of(client, page["id"]) == []


def test_text_longer_than_2000_characters_rejected(client: Client, root: str) -> None:
    page = new_page(client, root)
    error = api_error(
        lambda: client.blocks.children.append(
            block_id=page["id"], children=[para("ok"), para("x" * 2001)]
        )
    )
    assert (error.status, error.code) == (400, "validation_error")
    assert str(error) == (
        "body failed validation: body.children[1].paragraph.rich_text[0].text.content.length "
        "should be ≤ `2000`, instead was `2001`."
    )
    assert children_of(client, page["id"]) == []
    too_many_runs = {"paragraph": {"rich_text": [text("a", bold=i % 2 == 0) for i in range(101)]}}
    error = api_error(
        lambda: client.blocks.children.append(block_id=page["id"], children=[too_many_runs])
    )
    assert "body.children[0].paragraph.rich_text.length should be ≤ `100`" in str(error)


def test_three_levels_of_nesting_in_one_request_rejected(client: Client, root: str) -> None:
    deep = bullet("1", [bullet("2", [bullet("3", [bullet("4")])])])
    error = api_error(lambda: new_page(client, root, children=[deep]))
    assert (error.status, error.code) == (400, "validation_error")
    assert str(error).startswith(
        "body failed validation: body.children[0].bulleted_list_item.children[0]"
        ".bulleted_list_item.children[0].bulleted_list_item.children should be not present"
    )


def test_relative_link_rejected(client: Client, root: str) -> None:
    relative = {"type": "text", "text": {"content": "see", "link": {"url": "../other.md"}}}
    mail = {"type": "text", "text": {"content": "mail", "link": {"url": "mailto:a@example.com"}}}
    page = new_page(client, root)
    error = api_error(
        lambda: client.blocks.children.append(
            block_id=page["id"], children=[{"paragraph": {"rich_text": [mail, relative]}}]
        )
    )
    assert (error.status, error.code) == (400, "validation_error")
    assert str(error) == "Content creation Failed. Fix the following: \nInvalid URL for link."
    client.blocks.children.append(
        block_id=page["id"], children=[{"paragraph": {"rich_text": [mail]}}]
    )


def test_unknown_and_uncreatable_block_types_rejected(client: Client, root: str) -> None:
    page = new_page(client, root)

    def append(block: dict[str, Any]) -> APIResponseError:
        return api_error(
            lambda: client.blocks.children.append(block_id=page["id"], children=[block])
        )

    unknown = append({"type": "hologram", "hologram": {}})
    assert unknown.code == "validation_error"
    assert unknown.status == 400 and "body.children[0].type should be" in str(unknown)
    untyped = append({"sparkle": {"rich_text": []}})
    assert str(untyped).startswith("body failed validation. Fix one:\n")
    assert "body.children[0].paragraph should be defined, instead was `undefined`." in str(untyped)
    child_page = append({"type": "child_page", "child_page": {"title": "x"}})
    assert child_page.code == "validation_error" and "child_page" in str(child_page)
    no_language = append({"type": "code", "code": {"rich_text": [text("x")]}})
    assert "body.children[0].code.language should be defined" in str(no_language)
    bad_language = append({"type": "code", "code": {"rich_text": [], "language": "klingon"}})
    assert '`"plain text"`' in str(bad_language)
    short_row = append(
        {
            "type": "table",
            "table": {
                "table_width": 2,
                "children": [{"type": "table_row", "table_row": {"cells": [[text("only one")]]}}],
            },
        }
    )
    assert short_row.code == "validation_error" and "table width" in str(short_row)
    no_rows = append({"type": "table", "table": {"table_width": 2}})
    assert "body.children[0].table.children should be defined" in str(no_rows)
    stray_row = append({"type": "table_row", "table_row": {"cells": []}})
    assert stray_row.code == "validation_error"
    extra_key = append({"type": "paragraph", "paragraph": {"rich_text": [], "font": "serif"}})
    assert "body.children[0].paragraph.font should be not present" in str(extra_key)
    assert children_of(client, page["id"]) == []


def test_request_element_and_size_limits(client: Client, root: str) -> None:
    page = new_page(client, root)
    toggles = [
        {
            "type": "toggle",
            "toggle": {"rich_text": [text("t")], "children": [para("x") for _ in range(99)]},
        }
        for _ in range(11)
    ]
    error = api_error(lambda: client.blocks.children.append(block_id=page["id"], children=toggles))
    assert error.code == "validation_error" and "`1100` block elements" in str(error)
    heavy = {
        "type": "toggle",
        "toggle": {"rich_text": [text("t")], "children": [para("x" * 2000)] * 9},
    }
    error = api_error(
        lambda: client.blocks.children.append(block_id=page["id"], children=[heavy] * 30)
    )
    assert error.status == 413 and error.code == "validation_error"


def test_page_parent_accepts_only_title(client: Client, root: str) -> None:
    error = api_error(
        lambda: client.pages.create(
            parent={"page_id": root},
            properties={"title": [text("x")], "Status": {"select": {"name": "Open"}}},
        )
    )
    assert (error.status, error.code, str(error)) == (
        400,
        "validation_error",
        "Status is not a property that exists.",
    )
    missing = api_error(lambda: client.pages.create(parent={}, properties={}))
    assert str(missing).startswith("body failed validation. Fix one:\nbody.parent.page_id")


def test_wrong_token_unknown_id_and_unshared_page(notion: NotionEmulator, root: str) -> None:
    wrong = Client(auth="not-it", base_url=notion.base_url, retry=False, log_level=logging.CRITICAL)
    error = api_error(lambda: wrong.pages.retrieve(page_id=root))
    assert (error.status, error.code, str(error)) == (401, "unauthorized", "API token is invalid.")
    anonymous = Client(base_url=notion.base_url, retry=False, log_level=logging.CRITICAL)
    assert api_error(anonymous.users.me).code == "unauthorized"
    client = make_client(notion)
    unknown = "0f4e3c2a-1b2c-4d5e-8f90-123456789abc"
    error = api_error(lambda: client.blocks.retrieve(block_id=unknown))
    assert (error.status, error.code) == (404, "object_not_found")
    assert str(error) == (
        f"Could not find block with ID: {unknown}. "
        "Make sure the relevant pages and databases are shared with your integration."
    )
    assert "Could not find page with ID" in str(
        api_error(lambda: client.pages.retrieve(page_id=unknown))
    )
    private = notion.add_root_page("Private", shared=False)
    assert api_error(lambda: client.pages.retrieve(page_id=private)).status == 404
    assert api_error(lambda: new_page(client, private)).code == "object_not_found"
    malformed = api_error(lambda: client.blocks.retrieve(block_id="not-a-uuid"))
    assert (malformed.status, malformed.code) == (400, "validation_error")
    assert client.users.me()["type"] == "bot"


def test_raw_protocol_errors(notion: NotionEmulator, root: str) -> None:
    auth = {"Authorization": f"Bearer {notion.token}"}
    version = {"Notion-Version": "2025-09-03"}
    with httpx.Client(base_url=notion.base_url) as http:
        missing = http.get("/v1/users/me", headers=auth)
        assert missing.status_code == 400 and missing.json()["code"] == "missing_version"
        broken = http.post("/v1/pages", headers={**auth, **version}, content=b"{not json")
        assert broken.status_code == 400 and broken.json()["code"] == "invalid_json"
        assert broken.json()["message"] == "Error parsing JSON body."
        nowhere = http.get("/v1/nowhere", headers={**auth, **version})
        assert nowhere.status_code == 400 and nowhere.json() == {
            "object": "error",
            "status": 400,
            "code": "invalid_request_url",
            "message": "Invalid request URL.",
            "request_id": nowhere.json()["request_id"],
        }
        wrong_method = http.delete(f"/v1/pages/{root}", headers={**auth, **version})
        assert wrong_method.status_code == 405
        assert wrong_method.json()["code"] == "invalid_request"
        ok = http.get("/v1/users/me", headers={**auth, "Notion-Version": "2026-03-11"})
        assert ok.status_code == 200
        assert ok.headers["content-type"] == "application/json; charset=utf-8"


# -- databases and data sources ---------------------------------------------------------------


def test_database_rows_and_filtered_query(client: Client, root: str) -> None:
    parent = new_page(client, root, "Escalation paths")
    database = client.databases.create(
        parent={"type": "page_id", "page_id": parent["id"]},
        title=[text("Paths")],
        initial_data_source={
            "properties": {
                "Name": {"title": {}},
                "Source path": {"rich_text": {}},
                "Status": {"select": {"options": [{"name": "Draft", "color": "gray"}]}},
                "Severity": {"number": {}},
                "Reviewed": {"checkbox": {}},
            }
        },
    )
    assert database["object"] == "database"
    assert database["created_time"].endswith("+00:00")
    [source] = database["data_sources"]
    assert source["name"] == "Paths"
    retrieved = client.databases.retrieve(database_id=database["id"])
    assert retrieved["data_sources"] == database["data_sources"]
    child_blocks = children_of(client, parent["id"])
    assert [(b["type"], b["child_database"]) for b in child_blocks] == [
        ("child_database", {"title": "Paths"})
    ]
    schema = client.data_sources.retrieve(data_source_id=source["id"])
    assert schema["properties"]["Name"] == {
        "id": "title",
        "name": "Name",
        "description": None,
        "type": "title",
        "title": {},
    }
    assert schema["database_parent"] == {"type": "page_id", "page_id": parent["id"]}
    updated = client.data_sources.update(
        data_source_id=source["id"], properties={"Content hash": {"rich_text": {}}}
    )
    assert "Content hash" in updated["properties"]

    def row(name: str, path: str, status: str, severity: int) -> dict[str, Any]:
        return dict(
            client.pages.create(
                parent={"type": "data_source_id", "data_source_id": source["id"]},
                properties={
                    "Name": {"title": [text(name)]},
                    "Source path": {"rich_text": [text(path)]},
                    "Status": {"select": {"name": status}},
                    "Severity": {"number": severity},
                    "Content hash": {"rich_text": [text(f"hash-{name}")]},
                },
            )
        )

    outage = row("Outage", "paths/outage.yaml", "Published", 1)
    billing = row("Billing", "paths/billing.yaml", "Draft", 3)
    row("Security", "paths/security.yaml", "Published", 2)
    via_database = client.pages.create(
        parent={"database_id": database["id"]}, properties={"title": [text("Legal")]}
    )
    assert via_database["parent"] == {
        "type": "data_source_id",
        "data_source_id": source["id"],
        "database_id": database["id"],
    }
    assert via_database["properties"]["Reviewed"] == {
        "id": schema["properties"]["Reviewed"]["id"],
        "type": "checkbox",
        "checkbox": False,
    }
    assert outage["properties"]["Status"]["select"]["name"] == "Published"
    statuses = client.data_sources.retrieve(data_source_id=source["id"])["properties"]["Status"]
    assert [o["name"] for o in statuses["select"]["options"]] == ["Draft", "Published"]

    def names(**query: Any) -> list[str]:
        results = collect_paginated_api(
            client.data_sources.query, data_source_id=source["id"], **query
        )
        return [r["properties"]["Name"]["title"][0]["plain_text"] for r in results]

    assert names() == ["Outage", "Billing", "Security", "Legal"]
    equals = {"property": "Source path", "rich_text": {"equals": "paths/billing.yaml"}}
    assert names(filter=equals) == ["Billing"]
    published = {"property": "Status", "select": {"equals": "Published"}}
    assert names(filter=published) == ["Outage", "Security"]
    contains = {"property": "Source path", "rich_text": {"contains": "SECURITY"}}
    either = {"or": [contains, equals]}
    assert names(filter=either) == ["Billing", "Security"]
    assert names(filter={"and": [published, contains]}) == ["Security"]
    assert names(filter=published, sorts=[{"property": "Severity", "direction": "descending"}]) == [
        "Security",
        "Outage",
    ]
    assert names(page_size=1) == ["Outage", "Billing", "Security", "Legal"]
    first = client.data_sources.query(data_source_id=source["id"], page_size=2)
    assert first["has_more"] is True and first["type"] == "page_or_data_source"
    client.pages.update(page_id=billing["id"], in_trash=True)
    assert names() == ["Outage", "Security", "Legal"]
    unknown = api_error(
        lambda: client.data_sources.query(
            data_source_id=source["id"], filter={"property": "Owner", "select": {"equals": "x"}}
        )
    )
    assert unknown.code == "validation_error"
    wrong_type = api_error(
        lambda: client.pages.create(
            parent={"data_source_id": source["id"]},
            properties={"Severity": {"select": {"name": "x"}}},
        )
    )
    assert str(wrong_type) == "Severity is expected to be number."
    client.pages.update(page_id=outage["id"], properties={"Reviewed": {"checkbox": True}})
    reviewed = {"property": "Reviewed", "checkbox": {"equals": True}}
    assert names(filter=reviewed) == ["Outage"]
    found = client.search(query="outage", filter={"property": "object", "value": "page"})
    assert [r["id"] for r in found["results"]] == [outage["id"]]
    sources = client.search(filter={"property": "object", "value": "data_source"})
    assert [r["object"] for r in sources["results"]] == ["data_source"]


# -- trash ------------------------------------------------------------------------------------


def test_trash_hides_pages_and_blocks_from_writes(client: Client, root: str) -> None:
    page = new_page(client, root, "Doomed", children=[para("one"), para("two")])
    one, two = children_of(client, page["id"])
    deleted = client.blocks.delete(block_id=one["id"])
    assert deleted["in_trash"] is True and deleted["archived"] is True
    assert client.blocks.retrieve(block_id=one["id"])["in_trash"] is True
    assert [b["id"] for b in children_of(client, page["id"])] == [two["id"]]
    edit = api_error(
        lambda: client.blocks.update(block_id=one["id"], paragraph={"rich_text": [text("x")]})
    )
    assert edit.code == "validation_error" and "archived" in str(edit)
    client.blocks.update(block_id=one["id"], archived=False)
    assert len(children_of(client, page["id"])) == 2
    trashed = client.blocks.delete(block_id=page["id"])
    assert trashed["type"] == "child_page" and trashed["child_page"] == {"title": "Doomed"}
    assert trashed["has_children"] is True and trashed["in_trash"] is True
    assert client.pages.retrieve(page_id=page["id"])["in_trash"] is True
    assert client.search(query="Doomed")["results"] == []
    assert [b["id"] for b in children_of(client, root)] == []
    for write in (
        lambda: client.blocks.children.append(block_id=page["id"], children=[para("x")]),
        lambda: client.blocks.update(block_id=two["id"], paragraph={"rich_text": [text("x")]}),
        lambda: client.blocks.delete(block_id=two["id"]),
    ):
        assert api_error(write).code == "validation_error"
    restored = client.pages.update(page_id=page["id"], in_trash=False)
    assert restored["in_trash"] is False
    client.blocks.children.append(block_id=page["id"], children=[para("three")])
    assert len(children_of(client, page["id"])) == 3


def test_block_update_rules(client: Client, root: str) -> None:
    page = new_page(
        client,
        root,
        children=[
            para("old"),
            {
                "type": "table",
                "table": {
                    "table_width": 1,
                    "children": [{"type": "table_row", "table_row": {"cells": [[text("r")]]}}],
                },
            },
            {"type": "to_do", "to_do": {"rich_text": [text("task")]}},
        ],
    )
    paragraph, table, todo = children_of(client, page["id"])
    updated = client.blocks.update(
        block_id=paragraph["id"], paragraph={"rich_text": [text("new", bold=True)], "color": "red"}
    )
    assert updated["paragraph"]["rich_text"][0]["annotations"]["bold"] is True
    assert updated["paragraph"]["color"] == "red"
    checked = client.blocks.update(block_id=todo["id"], to_do={"checked": True})
    assert checked["to_do"]["checked"] is True
    assert checked["to_do"]["rich_text"][0]["plain_text"] == "task"
    other_type = api_error(
        lambda: client.blocks.update(block_id=paragraph["id"], heading_1={"rich_text": [text("x")]})
    )
    assert other_type.code == "validation_error"
    width = api_error(lambda: client.blocks.update(block_id=table["id"], table={"table_width": 3}))
    assert "body.table.table_width should be not present" in str(width)
    headers = client.blocks.update(block_id=table["id"], table={"has_row_header": True})
    assert headers["table"]["table_width"] == 1 and headers["table"]["has_row_header"] is True
    [row] = children_of(client, table["id"])
    wide = api_error(
        lambda: client.blocks.update(
            block_id=row["id"], table_row={"cells": [[text("a")], [text("b")]]}
        )
    )
    assert wide.code == "validation_error"
    client.blocks.children.append(
        block_id=table["id"],
        children=[{"type": "table_row", "table_row": {"cells": [[text("s")]]}}],
    )
    assert len(children_of(client, table["id"])) == 2
    leaf = api_error(
        lambda: client.blocks.children.append(
            block_id=paragraph["id"], children=[{"type": "table_row", "table_row": {"cells": []}}]
        )
    )
    assert leaf.code == "validation_error"
    divider = client.blocks.children.append(
        block_id=page["id"], children=[{"type": "divider", "divider": {}}]
    )["results"][0]
    barren = api_error(
        lambda: client.blocks.children.append(block_id=divider["id"], children=[para("x")])
    )
    assert str(barren) == "Block type divider does not support children."


# -- concurrency, faults, rate limits ---------------------------------------------------------


def test_concurrent_writes_to_one_page_conflict() -> None:
    with NotionEmulator() as notion:
        root = notion.add_root_page("Root")
        client = make_client(notion)
        page = new_page(client, root)
        other = new_page(client, root, "Other")
        notion.write_latency = 0.4  # each write now holds its page's lock that long
        outcomes: dict[str, Any] = {}

        def append(name: str, target: str) -> None:
            try:
                client.blocks.children.append(block_id=target, children=[para(name)])
                outcomes[name] = "ok"
            except APIResponseError as error:
                outcomes[name] = error

        first = threading.Thread(target=append, args=("first", page["id"]))
        first.start()
        time.sleep(0.15)
        elsewhere = threading.Thread(target=append, args=("elsewhere", other["id"]))
        elsewhere.start()
        append("second", page["id"])
        first.join()
        elsewhere.join()
        assert outcomes["first"] == "ok" and outcomes["elsewhere"] == "ok"
        conflict = outcomes["second"]
        assert isinstance(conflict, APIResponseError)
        assert (conflict.status, conflict.code, str(conflict)) == (
            409,
            "conflict_error",
            "Conflict occurred while saving. Please try again.",
        )
        assert len(children_of(client, page["id"])) == 1


def test_injected_rate_limit_is_retried_by_the_client(notion: NotionEmulator, root: str) -> None:
    notion.inject(429, retry_after=1, method="GET", route="/v1/pages/{id}")
    plain = make_client(notion)
    error = api_error(lambda: plain.pages.retrieve(page_id=root))
    assert (error.status, error.code) == (429, "rate_limited")
    assert error.headers["retry-after"] == "1"
    assert error.additional_data is not None
    assert error.additional_data["rate_limit_reason"] == "public_api_request_rate_limit"
    assert str(error) == "You have been rate limited. Please try again in a few minutes."
    notion.inject(429, retry_after=1, route="GET /v1/pages/{id}")
    retrying = make_client(notion, retry=True)
    started = time.monotonic()
    assert retrying.pages.retrieve(page_id=root)["id"] == root
    assert time.monotonic() - started >= 1.0
    assert notion.requests[("GET", "/v1/pages/{id}")] == 3


def test_injected_503_after_commit(notion: NotionEmulator, client: Client, root: str) -> None:
    page = new_page(client, root)
    notion.inject(503, route="PATCH /v1/blocks/{id}/children", commit=True)
    error = api_error(
        lambda: client.blocks.children.append(block_id=page["id"], children=[para("a"), para("b")])
    )
    assert (error.status, error.code) == (503, "service_unavailable")
    assert error.additional_data is not None
    committed = error.additional_data["committed_child_ids"]
    assert committed == [block["id"] for block in children_of(client, page["id"])]
    assert len(committed) == 2
    assert error.additional_data["retry_guidance"] == "committed_do_not_retry"
    notion.inject(503, method="POST", route="/v1/pages", commit=True)
    created = api_error(lambda: new_page(client, root, "Committed"))
    assert created.additional_data is not None
    page_id = created.additional_data["committed_resource_id"]
    assert (
        client.pages.retrieve(page_id=page_id)["properties"]["title"]["title"][0]["plain_text"]
        == "Committed"
    )
    notion.inject(503, route="/v1/pages")
    lost = api_error(lambda: new_page(client, root, "Lost"))
    assert lost.additional_data == {"retry_guidance": "not_committed_safe_to_retry"}
    assert [r["id"] for r in client.search(query="Lost")["results"]] == []


def test_other_injected_faults(notion: NotionEmulator, client: Client, root: str) -> None:
    notion.inject(409, times=2, method="PATCH")
    for _ in range(2):
        conflict = api_error(lambda: client.pages.update(page_id=root, icon=None))
        assert conflict.code == "conflict_error"
    client.pages.update(page_id=root, icon={"type": "emoji", "emoji": "📘"})
    notion.inject(500, route="/v1/users/me")
    assert api_error(client.users.me).code == "internal_server_error"
    notion.inject(529)
    with pytest.raises(UnknownHTTPResponseError) as overloaded:
        client.users.me()
    assert overloaded.value.status == 529
    assert json.loads(overloaded.value.body)["code"] == "service_overload"


def test_delay_makes_the_client_time_out(notion: NotionEmulator, root: str) -> None:
    impatient = make_client(notion, timeout_ms=200)
    page = new_page(impatient, root)
    notion.inject(200, route="/v1/blocks/{id}/children", method="PATCH", delay=0.6)
    with pytest.raises(RequestTimeoutError):
        impatient.blocks.children.append(block_id=page["id"], children=[para("slow")])
    time.sleep(0.5)
    assert len(children_of(make_client(notion), page["id"])) == 1


def test_token_bucket_rate_limit() -> None:
    with NotionEmulator(rate_per_second=2, burst=3) as notion:
        client = make_client(notion)
        for _ in range(3):
            client.users.me()
        error = api_error(client.users.me)
        assert (error.status, error.code) == (429, "rate_limited")
        assert int(error.headers["retry-after"]) >= 1
        assert error.additional_data == {
            "rate_limit_reason": "public_api_request_rate_limit",
            "retry_after": error.headers["retry-after"],
        }
        time.sleep(0.55)
        client.users.me()


def test_requests_are_counted_by_route(notion: NotionEmulator, client: Client, root: str) -> None:
    page = new_page(client, root)
    for _ in range(3):
        client.blocks.children.append(block_id=page["id"], children=[para("x")])
    children_of(client, page["id"])
    wrong = Client(auth="nope", base_url=notion.base_url, retry=False, log_level=logging.CRITICAL)
    api_error(lambda: wrong.blocks.children.append(block_id=page["id"], children=[]))
    assert notion.requests == {
        ("POST", "/v1/pages"): 1,
        ("PATCH", "/v1/blocks/{id}/children"): 4,
        ("GET", "/v1/blocks/{id}/children"): 1,
    }
    notion.reset_counts()
    assert sum(notion.requests.values()) == 0


# -- persistence and people -------------------------------------------------------------------


def test_sqlite_workspace_survives_a_new_emulator(tmp_path: Path) -> None:
    database = tmp_path / "notion.sqlite"
    with NotionEmulator(database) as first:
        root = first.add_root_page("Root")
        client = make_client(first)
        page = new_page(client, root, "Kept", children=[bullet("a", [bullet("b")]), para("c")])
        before = children_of(client, page["id"])
        bot = first.bot_user_id
    with NotionEmulator(database) as second:
        assert second.bot_user_id == bot
        client = make_client(second)
        assert (
            client.pages.retrieve(page_id=page["id"])["properties"]["title"]["title"][0][
                "plain_text"
            ]
            == "Kept"
        )
        after = children_of(client, page["id"])
        assert [b["id"] for b in after] == [b["id"] for b in before]
        assert (
            children_of(client, after[0]["id"])[0]["bulleted_list_item"]["rich_text"][0][
                "plain_text"
            ]
            == "b"
        )
        assert second.add_root_page("Root again", page_id=root) == root


def test_human_edit_marks_a_person_as_last_editor() -> None:
    now = [datetime(2026, 7, 4, 9, 8, 30, tzinfo=UTC)]
    with NotionEmulator(clock=lambda: now[0]) as notion:
        root = notion.add_root_page("Root")
        client = make_client(notion)
        page = new_page(client, root, children=[para("written by the publisher")])
        [block] = children_of(client, page["id"])
        assert block["last_edited_by"]["id"] == notion.bot_user_id
        assert block["last_edited_time"] == "2026-07-04T09:08:00.000Z"
        now[0] += timedelta(minutes=3)
        notion.human_edit(block["id"], text="fixed by a person")
        edited = client.blocks.retrieve(block_id=block["id"])
        assert edited["paragraph"]["rich_text"][0]["plain_text"] == "fixed by a person"
        assert edited["last_edited_by"] == {"object": "user", "id": notion.person_user_id}
        assert edited["last_edited_time"] == "2026-07-04T09:11:00.000Z"
        assert edited["created_by"]["id"] == notion.bot_user_id
        reread = client.pages.retrieve(page_id=page["id"])
        assert reread["last_edited_by"]["id"] == notion.person_user_id
        assert reread["last_edited_time"] == "2026-07-04T09:11:00.000Z"
        notion.human_edit(page["id"], title="Renamed")
        renamed = client.pages.retrieve(page_id=page["id"])
        assert renamed["properties"]["title"]["title"][0]["plain_text"] == "Renamed"
        with pytest.raises(ValueError):
            notion.human_edit(block["id"], colour="red")


def test_inject_checks_its_route_and_matches_method(notion: NotionEmulator, root: str) -> None:
    with pytest.raises(ValueError, match="unknown route"):
        notion.inject(500, route="/v1/block/{id}")
    notion.inject(500, route="blocks/{block_id}/children", method="get")
    client = make_client(notion)
    page = new_page(client, root, children=[para("x")])  # not a GET: untouched
    assert api_error(lambda: client.blocks.children.list(block_id=page["id"])).status == 500
    assert len(children_of(client, page["id"])) == 1


def test_empty_body_and_newer_version_shapes(notion: NotionEmulator, root: str) -> None:
    client = make_client(notion)
    empty = api_error(lambda: client.request(path="pages", method="POST", body={}))
    assert str(empty) == (
        "body failed validation: body.parent should be defined, instead was `undefined`."
    )
    newer = make_client(notion, notion_version="2026-03-11")
    page = newer.pages.create(parent={"page_id": root}, properties={"title": [text("New")]})
    assert "archived" not in page and page["in_trash"] is False
    block = newer.blocks.retrieve(block_id=page["id"])
    assert block["type"] == "child_page" and "archived" not in block
    old = client.pages.retrieve(page_id=page["id"])
    assert old["archived"] is False


def test_search_paginates_and_filters(client: Client, root: str) -> None:
    for i in range(5):
        new_page(client, root, f"Runbook {i}")
    new_page(client, root, "Glossary")
    first = client.search(query="runbook", page_size=2)
    assert len(first["results"]) == 2 and first["has_more"] is True
    assert first["type"] == "page_or_data_source" and first["page_or_data_source"] == {}
    everything = collect_paginated_api(client.search, query="runbook", page_size=2)
    assert sorted(p["properties"]["title"]["title"][0]["plain_text"] for p in everything) == [
        f"Runbook {i}" for i in range(5)
    ]
    bad = api_error(lambda: client.search(filter={"property": "object", "value": "database"}))
    assert bad.code == "validation_error"
    assert '`"page"` or `"data_source"`' in str(bad)


def test_human_edit_of_a_row_and_a_trashed_block(notion: NotionEmulator, client: Client) -> None:
    root = notion.add_root_page("Root")
    database = client.databases.create(
        parent={"page_id": root},
        title=[text("Docs")],
        initial_data_source={"properties": {"Name": {"title": {}}, "Hash": {"rich_text": {}}}},
    )
    source = database["data_sources"][0]["id"]
    row = client.pages.create(
        parent={"data_source_id": source},
        properties={"Name": {"title": [text("Doc")]}, "Hash": {"rich_text": [text("abc")]}},
        children=[para("body")],
    )
    notion.human_edit(row["id"], properties={"Hash": {"rich_text": [text("edited")]}})
    reread = client.pages.retrieve(page_id=row["id"])
    assert reread["properties"]["Hash"]["rich_text"][0]["plain_text"] == "edited"
    assert reread["last_edited_by"]["id"] == notion.person_user_id
    [block] = children_of(client, row["id"])
    notion.human_edit(block["id"], in_trash=True)
    assert children_of(client, row["id"]) == []
    with pytest.raises(KeyError):
        notion.human_edit("0" * 32, text="x")


def test_data_source_schema_changes_keep_values(client: Client, root: str) -> None:
    database = client.databases.create(
        parent={"page_id": root},
        title=[text("Rows")],
        initial_data_source={
            "properties": {"Title": {"title": {}}, "Severity": {"number": {}}, "Note": {"url": {}}}
        },
    )
    source = database["data_sources"][0]["id"]
    row = client.pages.create(
        parent={"data_source_id": source},
        properties={"Title": [text("r")], "Severity": {"number": 2}, "Note": {"url": "x"}},
    )
    changed = client.data_sources.update(
        data_source_id=source,
        properties={"Severity": {"name": "Priority"}, "Note": None, "Tags": {"rich_text": {}}},
    )
    assert list(changed["properties"]) == ["Title", "Priority", "Tags"]
    properties = client.pages.retrieve(page_id=row["id"])["properties"]
    assert properties["Priority"]["number"] == 2
    assert properties["Tags"] == {
        "id": changed["properties"]["Tags"]["id"],
        "type": "rich_text",
        "rich_text": [],
    }
    assert "Note" not in properties
    title = api_error(
        lambda: client.data_sources.update(data_source_id=source, properties={"Title": None})
    )
    assert title.code == "validation_error"
    second_title = api_error(
        lambda: client.data_sources.update(
            data_source_id=source, properties={"Other": {"title": {}}}
        )
    )
    assert second_title.code == "validation_error"


def test_link_url_length_limit(client: Client, root: str) -> None:
    url = "https://example.com/" + "a" * 1981
    run = {"type": "text", "text": {"content": "long", "link": {"url": url}}}
    error = api_error(
        lambda: new_page(client, root, children=[{"paragraph": {"rich_text": [run]}}])
    )
    assert str(error) == (
        "body failed validation: body.children[0].paragraph.rich_text[0].text.link.url.length "
        "should be ≤ `2000`, instead was `2001`."
    )
