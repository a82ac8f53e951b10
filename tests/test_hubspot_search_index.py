"""The emulator's indexed ticket search answers as filtering every stored ticket would."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from escalations.sandbox.hubspot.store import Store
from escalations.sandbox.hubspot.tickets import Tickets, _sort_key, _sorts, _test

RAWS = (
    None, "", "10", "9", "10.0", "-3", "nan", "inf", "abc", "ABC", "a;b", "b;10", "1767225600000",
    "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.001Z", "2026-03-01", "true", "True", "none",
)  # fmt: skip
"""Raw values of every kind a property can hold: absent, empty, numbers, NaN, text of either
case, multiple choices, epoch milliseconds and ISO times."""
NAMES = ("subject", "hs_ticket_priority", "hs_lastmodifieddate")
VALUES = ("10", "9.5", "abc", "a", "b", "nan", "1767225600000", "2026-01-01T00:00:00Z", "none")


def reference(tickets: Tickets, body: dict[str, Any]) -> dict[str, Any]:
    """The search before the index: every live ticket filtered, then sorted, then paged."""
    docs = [d for d in tickets.store.all("ticket") if not d["archived"]]
    groups = body.get("filterGroups") or []
    if groups:
        docs = [d for d in docs if any(all(_test(d["properties"].get(f["propertyName"]), f)
                                           for f in g["filters"]) for g in groups)]  # fmt: skip
    query = str(body.get("query") or "").lower()
    if query:
        docs = [d for d in docs if any(query in str(d["properties"].get(n) or "").lower()
                                       for n in ("subject", "content"))]  # fmt: skip
    for key, descending in reversed(_sorts(body.get("sorts") or [])):
        known = [d for d in docs if d["properties"].get(key) not in (None, "")]
        known.sort(key=lambda d: _sort_key(d["properties"][key]), reverse=descending)
        docs = known + [d for d in docs if d["properties"].get(key) in (None, "")]
    start, limit = int(body.get("after") or 0), int(body.get("limit") or 10)
    return {"total": len(docs), "ids": [d["id"] for d in docs[start : start + limit]]}


def answer(tickets: Tickets, body: dict[str, Any]) -> dict[str, Any]:
    found = tickets.search(body)
    return {"total": found["total"], "ids": [r["id"] for r in found["results"]]}


def bodies() -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    for name, value in itertools.product(NAMES, VALUES):
        for operator in ("EQ", "NEQ", "GT", "GTE", "LT", "LTE", "CONTAINS_TOKEN"):
            made.append({"filters": [{"propertyName": name, "operator": operator, "value": value}]})
        made.append({"filters": [{"propertyName": name, "operator": "BETWEEN", "value": value,
                                  "highValue": "2026-02-01T00:00:00Z"}]})  # fmt: skip
    for name in NAMES:
        for operator in ("IN", "NOT_IN"):
            for values in ([], ["abc", "b"], ["10", "abc"], ["TRUE"]):
                made.append({"filters": [{"propertyName": name, "operator": operator,
                                          "values": values}]})  # fmt: skip
        for operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
            made.append({"filters": [{"propertyName": name, "operator": operator}]})
    groups = [made[i]["filters"][0] for i in range(0, len(made), 17)]
    made.append({"filters": groups[:3]})  # one group of several filters
    return [{"filterGroups": [group], "limit": 200} for group in made] + [
        {"filterGroups": [{"filters": groups[:2]}, {"filters": groups[2:4]}], "limit": 200},
        {"filterGroups": [], "limit": 200},
    ]


@pytest.fixture
def tickets() -> Tickets:
    emulator = HubSpotEmulator(token="index")  # not started: its Tickets are called directly
    made: Tickets = emulator._tickets
    for number, values in enumerate(itertools.product(RAWS, repeat=2)):
        created = made.create({"properties": {"content": f"ticket {number}"}})
        raw = dict(zip(NAMES[:2], values, strict=True))
        raw["hs_lastmodifieddate"] = RAWS[number % len(RAWS)]
        made.update(created["id"], {"properties": raw}, check=False)
    return made


def test_every_filter_gives_the_answer_of_a_full_scan(tickets: Tickets) -> None:
    for body in bodies():
        assert answer(tickets, body) == reference(tickets, body), body


def test_sorts_queries_and_pages_give_the_answer_of_a_full_scan(tickets: Tickets) -> None:
    group = [{"filters": [{"propertyName": "subject", "operator": "HAS_PROPERTY"}]}]
    for sorts, query, after, limit in itertools.product(
        ([], ["subject"], ["-hs_ticket_priority", "subject"],
         [{"propertyName": "hs_lastmodifieddate", "direction": "DESCENDING"}]),
        ("", "ticket 1"), ("0", "7"), (1, 13),
    ):  # fmt: skip
        body = {"filterGroups": group, "sorts": sorts, "query": query, "after": after,
                "limit": limit}  # fmt: skip
        assert answer(tickets, body) == reference(tickets, body), body


def test_writes_archives_and_other_connections_refresh_the_index(tmp_path: Path) -> None:
    emulator = HubSpotEmulator(tmp_path / "hub.sqlite", token="index")
    tickets: Tickets = emulator._tickets
    body = {"filterGroups": [{"filters": [{"propertyName": "subject", "operator": "EQ",
                                           "value": "late"}]}], "limit": 10}  # fmt: skip
    first = tickets.create({"properties": {"subject": "late"}})["id"]
    assert answer(tickets, body) == {"total": 1, "ids": [first]}
    second = tickets.create({"properties": {"subject": "Late"}})["id"]
    assert answer(tickets, body) == {"total": 2, "ids": [first, second]}
    tickets.update(first, {"properties": {"subject": "on time"}})
    assert answer(tickets, body) == {"total": 1, "ids": [second]}
    other = Store(tmp_path / "hub.sqlite")  # another process's connection to the same file
    doc = other.get("ticket", second)
    assert doc is not None
    other.put("ticket", second, {**doc, "archived": True})
    other.close()
    assert answer(tickets, body) == {"total": 0, "ids": []}
    emulator._store.close()
