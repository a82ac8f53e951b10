"""The emulators' fault kinds seen through the real SDKs and at the HTTP level: resets, gateway
pages, HTTP-date Retry-After, HubSpot's daily limit, listing lag, stalls; and Notion's text
limits counted in UTF-16 units."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import requests
import urllib3
from hubspot import HubSpot
from hubspot.crm.owners import ApiException as OwnersError
from hubspot.crm.tickets import ApiException as TicketsError
from notion_client import APIResponseError, Client
from notion_client.errors import RequestTimeoutError, UnknownHTTPResponseError

from escalations.sandbox.hubspot import emulator as hubspot
from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from escalations.sandbox.notion import emulator as notion
from escalations.sandbox.notion.emulator import NotionEmulator
from tests.test_hubspot_emulator import create_ticket, flows
from tests.test_hubspot_emulator_tickets import search

NOON = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
GRIN = "\N{GRINNING FACE}"  # outside the BMP: 2 UTF-16 units, 1 code point
RESET = "[Errno 104] Connection reset by peer"


def text(content: str, url: str | None = None) -> dict[str, Any]:
    run: dict[str, Any] = {"content": content}
    if url is not None:
        run["link"] = {"url": url}
    return {"type": "text", "text": run}


def para(*runs: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "paragraph": {"rich_text": list(runs)}}


@pytest.fixture
def notion_emulator() -> Iterator[NotionEmulator]:
    with NotionEmulator(clock=lambda: NOON) as emulator:
        yield emulator


def notion_sdk(emulator: NotionEmulator, **options: Any) -> Client:
    return Client(
        auth=emulator.token,
        base_url=emulator.base_url,
        retry=False,
        log_level=logging.CRITICAL,
        **options,
    )


@pytest.fixture
def sdk(notion_emulator: NotionEmulator) -> Client:
    return notion_sdk(notion_emulator)


@pytest.fixture
def root(notion_emulator: NotionEmulator) -> str:
    return notion_emulator.add_root_page("Handbook")


@pytest.fixture
def hub() -> Iterator[HubSpotEmulator]:
    with HubSpotEmulator(clock=lambda: NOON) as emulator:
        yield emulator


@pytest.fixture
def portal(hub: HubSpotEmulator) -> HubSpot:
    return HubSpot(access_token=hub.token, host=hub.base_url, base_url=hub.base_url)


def new_page(sdk: Client, parent: str, title: str) -> dict[str, Any]:
    return dict(sdk.pages.create(parent={"page_id": parent}, properties={"title": [text(title)]}))


def found(sdk: Client, title: str) -> list[str]:
    return [page["id"] for page in sdk.search(query=title)["results"]]


def raw_exchange(base_url: str, request: bytes) -> tuple[bytes, OSError | None]:
    """Everything the server sent for `request` on a fresh connection, and how it ended."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError as error:
            return received, error
    return received, None


def notion_get(emulator: NotionEmulator, path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {emulator.token}\r\n"
        "Notion-Version: 2025-09-03\r\nConnection: close\r\n\r\n"
    ).encode()


def request_threads(name: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == name]


# -- the kinds --------------------------------------------------------------------------------


def test_every_emulator_names_its_fault_kinds() -> None:
    assert notion.FAULT_KINDS == ("error", "stall", "reset", "html", "retry_date", "lag")
    assert hubspot.FAULT_KINDS == (
        "error", "stall", "reset", "html", "retry_date", "lag", "daily"
    )  # fmt: skip


@pytest.mark.parametrize("kind", notion.FAULT_KINDS)
def test_notion_fault_matrix(notion_emulator: NotionEmulator, kind: str) -> None:
    if kind == "lag":
        with pytest.raises(ValueError, match=r"lag is switched on by lag\(\)"):
            notion_emulator.inject(kind=kind)
        return
    notion_emulator.inject(500 if kind == "error" else None, kind=kind, delay=0.01)
    headers = {"Authorization": f"Bearer {notion_emulator.token}", "Notion-Version": "2025-09-03"}
    with httpx.Client(base_url=notion_emulator.base_url, headers=headers) as http:
        if kind == "reset":
            with pytest.raises(httpx.ReadError, match=r"Connection reset by peer"):
                http.get("/v1/users/me")
        else:
            answer = http.get("/v1/users/me")
            expected = {"error": 500, "stall": 200, "html": 502, "retry_date": 429}[kind]
            assert answer.status_code == expected
        assert http.get("/v1/users/me").status_code == 200


@pytest.mark.parametrize("kind", hubspot.FAULT_KINDS)
def test_hubspot_fault_matrix(hub: HubSpotEmulator, kind: str) -> None:
    if kind == "lag":
        with pytest.raises(ValueError, match=r"lag is switched on by lag\(\)"):
            hub.inject(kind=kind)
        return
    hub.inject(500 if kind == "error" else None, kind=kind, delay=0.01)
    headers = {"Authorization": f"Bearer {hub.token}"}
    with httpx.Client(base_url=hub.base_url, headers=headers) as http:
        if kind == "reset":
            with pytest.raises(httpx.ReadError, match=r"Connection reset by peer"):
                http.get("/crm/v3/owners")
        else:
            answer = http.get("/crm/v3/owners")
            expected = {"error": 500, "stall": 200, "html": 502, "retry_date": 429, "daily": 429}
            assert answer.status_code == expected[kind]
        hub.clear_faults()
        assert http.get("/crm/v3/owners").status_code == 200


def test_inject_refuses_what_a_kind_cannot_mean(notion_emulator: NotionEmulator) -> None:
    with pytest.raises(ValueError, match=r"unknown fault kind 'slow'; kinds: 'error', 'stall'"):
        notion_emulator.inject(500, kind="slow")
    with pytest.raises(ValueError, match="a fault of kind 'error' needs a status"):
        notion_emulator.inject()
    with pytest.raises(ValueError, match="a stall needs a delay in seconds"):
        notion_emulator.inject(kind="stall")
    with pytest.raises(ValueError, match="a fault of kind 'retry_date' answers 429, not 503"):
        notion_emulator.inject(503, kind="retry_date")
    with pytest.raises(ValueError, match="status 200 is not one"):
        notion_emulator.inject(200, kind="html")


# -- connection resets ------------------------------------------------------------------------


def test_reset_sends_the_head_and_part_of_the_body_then_rst(
    notion_emulator: NotionEmulator,
) -> None:
    notion_emulator.inject(kind="reset", commit=True, route="GET /v1/users/me")
    received, ending = raw_exchange(
        notion_emulator.base_url, notion_get(notion_emulator, "/v1/users/me")
    )
    assert isinstance(ending, ConnectionResetError)
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK"
    length = int(next(line for line in lines if line.startswith("Content-Length:")).split()[1])
    assert 0 < len(body) < length
    assert body.startswith(b'{"object": "user"')
    whole, ending = raw_exchange(
        notion_emulator.base_url, notion_get(notion_emulator, "/v1/users/me")
    )
    assert ending is None and b'"type": "bot"' in whole


def test_notion_reset_after_commit_kept_the_page(
    sdk: Client, notion_emulator: NotionEmulator, root: str
) -> None:
    notion_emulator.inject(kind="reset", commit=True, route="POST /v1/pages")
    with pytest.raises(httpx.ReadError) as caught:
        new_page(sdk, root, "Committed")
    assert str(caught.value) == RESET
    assert len(found(sdk, "Committed")) == 1
    notion_emulator.inject(kind="reset", route="POST /v1/pages")
    with pytest.raises(httpx.ReadError):
        new_page(sdk, root, "Lost")
    assert found(sdk, "Lost") == []


def test_hubspot_reset_through_both_clients(hub: HubSpotEmulator, portal: HubSpot) -> None:
    hub.inject(kind="reset", commit=True, route="POST /crm/v3/objects/tickets")
    with pytest.raises(urllib3.exceptions.ProtocolError) as caught:
        create_ticket(portal, subject="committed")
    assert RESET.split("] ")[1] in str(caught.value)
    [ticket] = search(portal).results
    assert hub.ticket(ticket.id)["subject"] == "committed"
    hub.inject(kind="reset", route="GET /automation/v4/flows")
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="Connection reset by peer"):
        flows(portal, "GET")
    hub.inject(kind="reset", route="POST /crm/v3/objects/tickets")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        create_ticket(portal, subject="lost")
    assert search(portal).total == 1


# -- gateway pages ----------------------------------------------------------------------------


def test_notion_gateway_page(sdk: Client, notion_emulator: NotionEmulator, root: str) -> None:
    notion_emulator.inject(502, kind="html", route="GET /v1/users/me")
    with pytest.raises(UnknownHTTPResponseError) as caught:
        sdk.users.me()
    assert caught.value.status == 502
    assert caught.value.headers["content-type"] == "text/html"
    assert caught.value.body.startswith("<html>\r\n<head><title>502 Bad Gateway</title></head>")
    notion_emulator.inject(504, kind="html", commit=True, route="POST /v1/pages")
    with pytest.raises(UnknownHTTPResponseError) as timed_out:
        new_page(sdk, root, "Behind the gateway")
    assert "<h1>504 Gateway Timeout</h1>" in timed_out.value.body
    assert len(found(sdk, "Behind the gateway")) == 1


def test_hubspot_gateway_page(hub: HubSpotEmulator, portal: HubSpot) -> None:
    hub.inject(503, kind="html", commit=True, route="POST /crm/v3/objects/tickets")
    with pytest.raises(TicketsError) as caught:
        create_ticket(portal, subject="behind the gateway")
    assert caught.value.status == 503
    assert caught.value.headers["Content-Type"] == "text/html"
    assert "<title>503 Service Unavailable</title>" in caught.value.body
    assert search(portal).total == 1
    hub.inject(kind="html", route="GET /automation/v4/flows")
    answer = flows(portal, "GET")
    assert (answer.status_code, answer.headers["content-type"]) == (502, "text/html")
    assert answer.text.endswith("<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")


# -- Retry-After ------------------------------------------------------------------------------


def test_notion_retry_after_as_an_http_date(sdk: Client, notion_emulator: NotionEmulator) -> None:
    notion_emulator.inject(kind="retry_date", retry_after=3)
    with pytest.raises(APIResponseError) as caught:
        sdk.users.me()
    assert (caught.value.status, caught.value.code) == (429, "rate_limited")
    header = caught.value.headers["retry-after"]
    assert header == "Wed, 01 Apr 2026 12:00:03 GMT"
    assert parsedate_to_datetime(header) == NOON + timedelta(seconds=3)


def test_hubspot_retry_after_in_seconds_as_a_date_or_absent(
    hub: HubSpotEmulator, portal: HubSpot
) -> None:
    hub.inject(429, route="GET /automation/v4/flows")
    plain = flows(portal, "GET")
    assert plain.status_code == 429 and "Retry-After" not in plain.headers
    hub.inject(429, retry_after=2, route="GET /automation/v4/flows")
    assert flows(portal, "GET").headers["Retry-After"] == "2"
    hub.inject(kind="retry_date", retry_after=7, route="POST /crm/v3/objects/tickets")
    with pytest.raises(TicketsError) as caught:
        create_ticket(portal, subject="later")
    assert caught.value.status == 429
    assert json.loads(caught.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"
    date = parsedate_to_datetime(caught.value.headers["Retry-After"])
    assert date == NOON + timedelta(seconds=7)


# -- HubSpot's daily limit --------------------------------------------------------------------


def test_daily_limit_lasts_until_cleared(hub: HubSpotEmulator, portal: HubSpot) -> None:
    hub.inject(kind="daily")
    for _ in range(3):
        answer = flows(portal, "GET")
        assert answer.status_code == 429
        body = answer.json()
        assert body.pop("correlationId")
        assert body == {
            "status": "error",
            "message": "You have reached your daily limit.",
            "category": "RATE_LIMITS",
            "errorType": "RATE_LIMIT",
            "policyName": "DAILY",
            "groupName": "publicapi:private-app:sandbox",
        }
        assert answer.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    with pytest.raises(OwnersError) as caught:
        portal.crm.owners.owners_api.get_page()
    assert caught.value.status == 429
    assert json.loads(caught.value.body)["policyName"] == "DAILY"
    hub.clear_faults()
    assert flows(portal, "GET").status_code == 200


# -- eventual consistency ---------------------------------------------------------------------


def test_notion_lag_hides_new_pages_from_the_next_queries(
    sdk: Client, notion_emulator: NotionEmulator, root: str
) -> None:
    database = sdk.databases.create(
        parent={"type": "page_id", "page_id": root},
        title=[text("Paths")],
        initial_data_source={"properties": {"Name": {"title": {}}}},
    )
    [source] = database["data_sources"]
    before = sdk.pages.create(
        parent={"data_source_id": source["id"]}, properties={"Name": {"title": [text("old")]}}
    )
    notion_emulator.lag(queries=2)
    row = sdk.pages.create(
        parent={"data_source_id": source["id"]}, properties={"Name": {"title": [text("new")]}}
    )
    assert sdk.pages.retrieve(page_id=row["id"])["id"] == row["id"]

    def listed() -> list[str]:
        return [
            page["id"] for page in sdk.data_sources.query(data_source_id=source["id"])["results"]
        ]

    assert listed() == [before["id"]]
    assert found(sdk, "new") == []
    assert sorted(listed()) == sorted([before["id"], row["id"]])
    notion_emulator.lag(queries=5)
    later = new_page(sdk, root, "Later")
    assert found(sdk, "Later") == []
    notion_emulator.lag(queries=0)
    assert found(sdk, "Later") == [later["id"]]


def test_hubspot_lag_hides_new_tickets_from_the_next_searches(
    hub: HubSpotEmulator, portal: HubSpot
) -> None:
    old = create_ticket(portal, subject="old")
    hub.lag(searches=2)
    new = create_ticket(portal, subject="new")
    assert portal.crm.tickets.basic_api.get_by_id(new.id).id == new.id
    for _ in range(2):
        hidden = search(portal)
        assert (hidden.total, [t.id for t in hidden.results]) == (1, [old.id])
    shown = search(portal)
    assert (shown.total, sorted(t.id for t in shown.results)) == (2, sorted([old.id, new.id]))


# -- stalls -----------------------------------------------------------------------------------


def test_notion_stall_times_the_client_out_and_ends_with_the_emulator(
    notion_emulator: NotionEmulator,
) -> None:
    impatient = notion_sdk(notion_emulator, timeout_ms=200)
    notion_emulator.inject(kind="stall", delay=60, route="GET /v1/users/me")
    with pytest.raises(RequestTimeoutError):
        impatient.users.me()
    assert request_threads("notion-emulator-request")
    notion_emulator.stop()
    assert request_threads("notion-emulator-request") == []
    notion_emulator.start()
    assert notion_sdk(notion_emulator).users.me()["type"] == "bot"


def test_hubspot_stall_times_the_client_out_and_ends_with_the_emulator(
    hub: HubSpotEmulator,
) -> None:
    portal = HubSpot(access_token=hub.token, host=hub.base_url, retry=False)
    hub.inject(kind="stall", delay=60, route="GET /crm/v3/owners")
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        portal.crm.owners.owners_api.get_page(_request_timeout=0.2)
    assert request_threads("hubspot-emulator-request")
    hub.stop()
    assert request_threads("hubspot-emulator-request") == []


# -- UTF-16 lengths ---------------------------------------------------------------------------


def test_rich_text_content_counts_utf16_units(sdk: Client, root: str) -> None:
    page = new_page(sdk, root, "Emoji")
    exact = GRIN * 1000
    added = sdk.blocks.children.append(block_id=page["id"], children=[para(text(exact))])
    assert added["results"][0]["paragraph"]["rich_text"][0]["plain_text"] == exact
    with pytest.raises(APIResponseError) as caught:
        sdk.blocks.children.append(block_id=page["id"], children=[para(text(exact + "a"))])
    assert (caught.value.status, caught.value.code) == (400, "validation_error")
    assert str(caught.value) == (
        "body failed validation: body.children[0].paragraph.rich_text[0].text.content.length "
        "should be ≤ `2000`, instead was `2001`."
    )


def test_link_and_equation_lengths_count_utf16_units(sdk: Client, root: str) -> None:
    page = new_page(sdk, root, "Links")
    url = "https://example.com/" + GRIN * 990
    sdk.blocks.children.append(block_id=page["id"], children=[para(text("ok", url))])
    with pytest.raises(APIResponseError) as link:
        sdk.blocks.children.append(block_id=page["id"], children=[para(text("no", url + "a"))])
    assert str(link.value) == (
        "body failed validation: body.children[0].paragraph.rich_text[0].text.link.url.length "
        "should be ≤ `2000`, instead was `2001`."
    )
    equation = {"type": "equation", "equation": {"expression": GRIN * 500}}
    sdk.blocks.children.append(block_id=page["id"], children=[para(equation)])
    equation["equation"]["expression"] += "x"
    with pytest.raises(APIResponseError) as long_equation:
        sdk.blocks.children.append(block_id=page["id"], children=[para(equation)])
    assert str(long_equation.value) == (
        "body failed validation: body.children[0].paragraph.rich_text[0].equation.expression"
        ".length should be ≤ `1000`, instead was `1001`."
    )
