"""Replay every recorded real Notion interaction against the emulator.

Each cassette (real traffic recorded by `notion-client`'s own test suite, copied with its MIT
licence into tests/fixtures/notion-cassettes/ so the test runs from the repository alone) runs
against a fresh emulator through `notion-client`. Ids in the recorded requests are mapped to the
emulator's: ids that appear before any response created them are pre-existing pages (seeded with
`add_root_page` under the same id); the others are learnt by walking each recorded response
alongside the emulator's. Every answer must have the recorded status and the recorded
structure: the same keys and JSON value types at every depth, lists of the same length with
elements of the same structure (values of ids, timestamps, texts and urls may differ; null and
non-null are different types, no exception was needed).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from notion_client import APIResponseError, Client

from escalations.sandbox.notion.emulator import NotionEmulator

CASSETTES = Path(__file__).parent / "fixtures" / "notion-cassettes"

UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def structure_differences(recorded: Any, actual: Any, path: str = "$") -> list[str]:
    """Where `actual` does not have the structure of `recorded` (keys, types, list lengths)."""
    if _json_type(recorded) != _json_type(actual):
        return [f"{path}: {_json_type(actual)} instead of {_json_type(recorded)}"]
    if isinstance(recorded, dict):
        problems = [f"{path}.{key}: missing" for key in recorded if key not in actual]
        problems += [f"{path}.{key}: unexpected" for key in actual if key not in recorded]
        for key in recorded.keys() & actual.keys():
            problems += structure_differences(recorded[key], actual[key], f"{path}.{key}")
        return problems
    if isinstance(recorded, list):
        if len(recorded) != len(actual):
            return [f"{path}: {len(actual)} elements instead of {len(recorded)}"]
        problems = []
        for i, (want, got) in enumerate(zip(recorded, actual, strict=True)):
            problems += structure_differences(want, got, f"{path}[{i}]")
        return problems
    return []


def _dashed(text: str) -> str:
    hex_id = text.replace("-", "").lower()
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


class IdMap:
    """Recorded ids -> emulator ids, in dashed form."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def learn(self, recorded: Any, actual: Any) -> None:
        """Map the ids found at the same places of a recorded and an emulator response."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for key in recorded.keys() & actual.keys():
                self.learn(recorded[key], actual[key])
        elif isinstance(recorded, list) and isinstance(actual, list):
            for want, got in zip(recorded, actual, strict=False):
                self.learn(want, got)
        elif (
            isinstance(recorded, str)
            and isinstance(actual, str)
            and UUID.fullmatch(recorded)
            and UUID.fullmatch(actual)
        ):
            self.ids.setdefault(_dashed(recorded), _dashed(actual))

    def rewrite(self, text: str) -> str:
        """Replace every known recorded id (dashed or not) in `text` by the emulator's."""
        return UUID.sub(lambda m: self.ids.get(_dashed(m.group(0)), m.group(0)), text)


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.yaml"))


@functools.cache
def _interactions(cassette: Path) -> list[dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(cassette.read_text(encoding="utf-8"), Loader=loader)
    return list(data["interactions"])


def _workspace_pages(value: Any) -> Iterator[str]:
    """Ids of pages at the top of the workspace found in a recorded response."""
    if isinstance(value, dict):
        if value.get("object") == "page" and value.get("parent", {}).get("type") == "workspace":
            yield _dashed(value["id"])
        for item in value.values():
            yield from _workspace_pages(item)
    elif isinstance(value, list):
        for item in value:
            yield from _workspace_pages(item)


def pre_existing_ids(interactions: list[dict[str, Any]]) -> list[str]:
    """Pages that existed before the recording: ids a request uses before any recorded response
    returned them, and workspace-level pages that responses list."""
    seen: set[str] = set()
    found: list[str] = []
    for interaction in interactions:
        request = interaction["request"]
        body = interaction["response"]["body"]["string"]
        uses = UUID.findall(request["uri"] + (request["body"] or ""))
        for page_id in [*map(_dashed, uses), *_workspace_pages(json.loads(body))]:
            if page_id not in seen:
                seen.add(page_id)
                found.append(page_id)
        seen.update(_dashed(m) for m in UUID.findall(body))
    return found


@pytest.fixture
def emulator() -> Iterator[NotionEmulator]:
    with NotionEmulator() as notion:
        yield notion


@pytest.mark.parametrize("cassette", _cassettes(), ids=lambda path: path.stem)
def test_replay_matches_recorded_structure(cassette: Path, emulator: NotionEmulator) -> None:
    interactions = _interactions(cassette)
    ids = IdMap()
    for page_id in pre_existing_ids(interactions):
        ids.ids[page_id] = emulator.add_root_page("", page_id=page_id)
    good = Client(auth=emulator.token, base_url=emulator.base_url, retry=False)
    for number, interaction in enumerate(interactions):
        request, response = interaction["request"], interaction["response"]
        want_status = response["status"]["code"]
        recorded = json.loads(response["body"]["string"])
        uri = urlsplit(ids.rewrite(request["uri"]))
        body = json.loads(ids.rewrite(request["body"])) if request["body"] else None
        client = good
        if want_status == 401:  # recorded with a bad token
            client = Client(auth="ntn_not-the-token", base_url=emulator.base_url, retry=False)
        try:
            actual = client.request(
                path=uri.path.removeprefix("/v1/"),
                method=request["method"],
                query=dict(parse_qsl(uri.query)) or None,
                body=body,
            )
            status = 200
        except APIResponseError as error:
            status, actual = error.status, json.loads(error.body)
        where = f"{cassette.name} #{number} {request['method']} {request['uri']}"
        assert status == want_status, f"{where}: {status} {actual}"
        problems = structure_differences(recorded, actual)
        assert not problems, f"{where}:\n" + "\n".join(problems)
        ids.learn(recorded, actual)


def test_every_cassette_has_interactions() -> None:
    assert _cassettes()
    for cassette in _cassettes():
        assert _interactions(cassette), cassette.name


def test_structure_comparison_catches_differences() -> None:
    assert structure_differences({"a": [1, {"b": None}]}, {"a": [2, {"b": None}]}) == []
    assert structure_differences({"a": None}, {"a": "x"}) == ["$.a: string instead of null"]
    assert structure_differences({"a": 1}, {"b": 1}) == ["$.a: missing", "$.b: unexpected"]
    assert structure_differences([1], [1, 2]) == ["$: 2 elements instead of 1"]
