"""Notion failures through notion-client: Retry-After dates honoured, gateway pages one line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from notion_client import Client

from escalations.publish.notion.http import Transport
from escalations.sandbox.notion.emulator import NotionEmulator

from .conftest import FRAMEWORK, Result

TOKEN = "notion-errors-token"


@pytest.fixture
def emulator() -> Iterator[NotionEmulator]:
    with NotionEmulator(token=TOKEN) as server:
        yield server


def client(emulator: NotionEmulator, waits: list[float]) -> Client:
    transport = Transport(rate=0, sleep=waits.append)
    options = {"auth": TOKEN, "base_url": emulator.base_url, "retry": False,
               "log_level": logging.CRITICAL}  # fmt: skip
    return Client(options, client=httpx.Client(transport=transport))


def test_a_retry_after_date_is_waited_for(emulator: NotionEmulator) -> None:
    parent = emulator.add_root_page("Handbook")
    waits: list[float] = []
    emulator.inject(kind="retry_date", retry_after=3, route="/v1/blocks/{id}/children")
    listed = client(emulator, waits).blocks.children.list(block_id=parent)
    assert listed["results"] == []
    assert len(waits) == 1 and 1.0 <= waits[0] <= 4.0  # the date, not the backoff's 0.5 s


def test_a_reset_in_the_middle_of_a_read_is_retried(emulator: NotionEmulator) -> None:
    parent = emulator.add_root_page("Handbook")
    waits: list[float] = []
    emulator.inject(kind="reset", route="/v1/blocks/{id}/children")
    assert client(emulator, waits).blocks.children.list(block_id=parent)["results"] == []
    assert len(waits) == 1


def test_a_gateway_page_on_every_try_is_one_line(
    emulator: NotionEmulator,
    tmp_path: Path,
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = emulator.add_root_page("Handbook")
    emulator.inject(502, kind="html", times=20, route="/v1/blocks/{id}/children")
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        f"targets:\n  local:\n    notion: {{parent_page: {parent}, database: Handbook, "
        f"base_url: '{emulator.base_url}', requests_per_second: 1000}}\n"
    )
    monkeypatch.setattr(Transport, "__init__", _fast_init(Transport.__init__))
    result = cli("plan", "-f", str(FRAMEWORK), "-t", "local", "--targets-file", str(targets))
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "error: Notion answered 502 with a text/html body instead of its JSON (a gateway or "
        "outage); try again later (apply is safe to run again)."
    ]


def _fast_init(init: Callable[..., None]) -> Callable[..., None]:
    """Transport as the CLI makes it, with its backoff waits left out (the test's clock)."""

    def fast(self: Transport, **options: object) -> None:
        init(self, **{**options, "sleep": lambda _: None})

    return fast
