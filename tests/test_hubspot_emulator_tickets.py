"""The HubSpot emulator's tickets, search limits, rate limits, injected faults and persistence,
through the real `hubspot-api-client`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.properties import ApiException as PropertiesError
from hubspot.crm.tickets import ApiException as TicketsError
from hubspot.crm.tickets import SimplePublicObjectInput
from urllib3.util.retry import Retry

from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from tests.test_hubspot_emulator import (
    client,
    create_ticket,
    error_body,
    flow_body,
    flows,
    hub,
    make_client,
    prop,
    put_body,
)
from tests.test_hubspot_emulator import search as raw_search

__all__ = ["client", "hub"]


def search(client: HubSpot, **fields: Any) -> Any:
    """A search, waiting out the 4-per-second search limit."""
    for _ in range(20):
        try:
            return raw_search(client, **fields)
        except TicketsError as error:
            if error.status != 429:
                raise
            time.sleep(0.26)
    raise AssertionError("search kept answering 429")


def test_ticket_create_get_update(hub: HubSpotEmulator, client: HubSpot) -> None:
    owner = hub.add_owner("agent@example.com", "Ann", "Agent")
    created = create_ticket(
        client, subject="Printer on fire", hs_ticket_priority="HIGH", hubspot_owner_id=owner["id"]
    )
    assert created.properties["hs_pipeline"] == "0"
    assert created.properties["hs_pipeline_stage"] == "1"
    assert created.properties["hs_object_id"] == created.id
    fetched = client.crm.tickets.basic_api.get_by_id(
        created.id, properties=["subject", "content", "no_such_property"]
    )
    assert fetched.properties == {"subject": "Printer on fire", "content": None}
    update = SimplePublicObjectInput(properties={"hs_pipeline_stage": "4"})
    updated = client.crm.tickets.basic_api.update(created.id, simple_public_object_input=update)
    assert updated.properties["hs_pipeline_stage"] == "4"
    assert hub.ticket(created.id)["closed_date"]
    with pytest.raises(TicketsError) as caught:
        client.crm.tickets.basic_api.get_by_id("424242")
    assert caught.value.status == 404


@pytest.mark.parametrize(
    ("properties", "code"),
    [
        ({"no_such_property": "x"}, "PROPERTY_DOESNT_EXIST"),
        ({"hs_ticket_priority": "CRITICAL"}, "INVALID_OPTION"),
        ({"hubspot_owner_id": "123"}, "INVALID_OPTION"),
        ({"hs_pipeline_stage": "99"}, "INVALID_OPTION"),
        ({"time_to_close": "5"}, "READ_ONLY_VALUE"),
        ({"closed_date": "yesterday"}, "INVALID_DATE"),
    ],
)
def test_ticket_values_are_validated(
    client: HubSpot, properties: dict[str, Any], code: str
) -> None:
    with pytest.raises(TicketsError) as caught:
        create_ticket(client, **properties)
    assert caught.value.status == 400
    body = error_body(caught.value)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    assert body["errors"][0]["code"] == code


def test_custom_properties_on_tickets(client: HubSpot) -> None:
    client.crm.properties.core_api.create("tickets", property_create=prop())
    checkbox = prop(
        "esc_flags",
        field_type="checkbox",
        options=[{"label": x, "value": x, "hidden": False} for x in ("a", "b", "c")],
    )
    client.crm.properties.core_api.create("tickets", property_create=checkbox)
    ticket = create_ticket(client, esc_tier="tier_2", esc_flags="a;c")
    assert ticket.properties["esc_flags"] == "a;c"
    with pytest.raises(TicketsError):
        create_ticket(client, esc_flags="a;z")


def test_search_filters_sorts_and_paging(client: HubSpot) -> None:
    priorities = ["LOW", "HIGH", "URGENT", "HIGH", "MEDIUM", "URGENT", "HIGH"]
    ids = [
        create_ticket(client, subject=f"Ticket {n} about billing", hs_ticket_priority=p).id
        for n, p in enumerate(priorities)
    ]
    high = {"propertyName": "hs_ticket_priority", "operator": "IN", "values": ["HIGH", "URGENT"]}
    first = search(client, filter_groups=[{"filters": [high]}], limit=2, properties=["subject"])
    assert first.total == 5 and [r.id for r in first.results] == [ids[1], ids[2]]
    assert first.results[0].properties["subject"] == "Ticket 1 about billing"
    second = search(
        client, filter_groups=[{"filters": [high]}], limit=2, after=first.paging.next.after
    )
    third = search(
        client, filter_groups=[{"filters": [high]}], limit=2, after=second.paging.next.after
    )
    assert [r.id for r in second.results + third.results] == [ids[3], ids[5], ids[6]]
    assert third.paging is None
    low_or_medium = [
        {"filters": [{"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "LOW"}]},
        {"filters": [{"propertyName": "hs_ticket_priority", "operator": "EQ", "value": "MEDIUM"}]},
    ]
    assert search(client, filter_groups=low_or_medium).total == 2
    token = {"propertyName": "subject", "operator": "CONTAINS_TOKEN", "value": "bill*"}
    assert search(client, filter_groups=[{"filters": [token]}]).total == 7
    ordered = search(client, sorts=["-hs_object_id"], limit=3)
    assert [r.id for r in ordered.results] == ids[::-1][:3]
    gt = {"propertyName": "hs_object_id", "operator": "GT", "value": ids[4]}
    missing = {"propertyName": "content", "operator": "NOT_HAS_PROPERTY"}
    assert search(client, filter_groups=[{"filters": [gt, missing]}]).total == 2
    between = {
        "propertyName": "hs_object_id",
        "operator": "BETWEEN",
        "value": ids[1],
        "highValue": ids[3],
    }
    assert search(client, filter_groups=[{"filters": [between]}]).total == 3
    neq = {"propertyName": "hs_ticket_priority", "operator": "NEQ", "value": "HIGH"}
    assert search(client, filter_groups=[{"filters": [neq]}]).total == 4


def _eq(n: int) -> dict[str, Any]:
    return {"propertyName": "subject", "operator": "EQ", "value": f"s{n}"}


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"limit": 201}, "limit must be between 1 and 200"),
        ({"after": "10000"}, "10000-result limit"),
        ({"filter_groups": [{"filters": [_eq(1)]}] * 6}, "Too many filter groups"),
        ({"filter_groups": [{"filters": [_eq(n) for n in range(7)]}]}, "Too many filters in a"),
        ({"filter_groups": [{"filters": [_eq(n) for n in range(5)]}] * 4}, "Too many filters: 20"),
        ({"filter_groups": [{"filters": [{**_eq(1), "operator": "LIKE"}]}]}, "operator"),
    ],
)
def test_search_limits(client: HubSpot, fields: dict[str, Any], fragment: str) -> None:
    with pytest.raises(TicketsError) as caught:
        search(client, **fields)
    assert caught.value.status == 400
    assert fragment in error_body(caught.value)["message"]


def test_search_has_its_own_four_per_second_limit(hub: HubSpotEmulator, client: HubSpot) -> None:
    for _ in range(4):
        raw_search(client)
    with pytest.raises(TicketsError) as caught:
        raw_search(client)
    body = error_body(caught.value)
    assert caught.value.status == 429
    assert (body["policyName"], body["errorType"]) == ("SECONDLY", "RATE_LIMIT")
    search_route = ("POST", "/crm/v3/objects/tickets/search")
    assert (hub.requests[search_route], hub.refused[search_route]) == (5, 1)
    client.crm.properties.core_api.get_all("tickets")  # other calls are not affected
    time.sleep(1.05)
    assert raw_search(client).total == 0


def test_ten_secondly_rolling_limit_and_counts() -> None:
    with HubSpotEmulator(rate_limit=3, window=1.0) as hub:
        client = make_client(hub)
        for _ in range(3):
            client.crm.properties.core_api.get_by_name("tickets", "subject")
        with pytest.raises(PropertiesError) as caught:
            client.crm.properties.core_api.get_by_name("tickets", "subject")
        assert caught.value.status == 429
        body = error_body(caught.value)
        assert body["message"] == "You have reached your ten_secondly_rolling limit."
        assert (body["errorType"], body["policyName"], body["category"]) == (
            "RATE_LIMIT",
            "TEN_SECONDLY_ROLLING",
            "RATE_LIMITS",
        )
        assert caught.value.headers["X-HubSpot-RateLimit-Max"] == "3"
        assert flows(client, "GET").status_code == 429
        assert hub.requests[("GET", "/crm/v3/properties/{objectType}/{propertyName}")] == 4
        assert hub.requests[("GET", "/automation/v4/flows")] == 1
        assert sum(hub.refused.values()) == 2  # the fourth property read and the flows read
        time.sleep(1.05)
        assert flows(client, "GET").status_code == 200
        hub.reset_counts()
        assert not hub.requests and not hub.refused


def test_injected_faults(hub: HubSpotEmulator, client: HubSpot) -> None:
    hub.inject(503, times=2, route="POST /crm/v3/objects/tickets")
    for _ in range(2):
        with pytest.raises(TicketsError) as caught:
            create_ticket(client, subject="x")
        assert caught.value.status == 503
    assert search(client).total == 0
    hub.inject(500, route="/crm/v3/objects/tickets", method="POST", commit=True)
    with pytest.raises(TicketsError) as caught:
        create_ticket(client, subject="committed")
    assert caught.value.status == 500 and error_body(caught.value)["message"] == "internal error"
    assert search(client).results[0].properties["hs_object_id"]
    hub.inject(429, route="GET /automation/v4/flows")
    limited = flows(client, "GET")
    assert limited.status_code == 429 and limited.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    hub.inject(409, method="PUT")
    created = flows(client, "POST", body=flow_body()).json()
    flows(client, "GET", f"/{created['id']}")
    assert flows(client, "PUT", f"/{created['id']}", put_body(created)).status_code == 409
    assert flows(client, "PUT", f"/{created['id']}", put_body(created)).status_code == 200
    hub.inject(502, route="GET /crm/v3/owners", delay=0.2)
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        client.crm.owners.owners_api.get_page()
    assert caught.value.status == 502  # type: ignore[attr-defined]
    assert time.monotonic() - started >= 0.2
    with pytest.raises(ValueError):
        hub.inject(500, route="/nowhere")


def test_portal_persists_across_instances(tmp_path: Path) -> None:
    database = tmp_path / "portal.sqlite"
    with HubSpotEmulator(database) as first:
        client = make_client(first)
        client.crm.properties.core_api.create("tickets", property_create=prop())
        owner = first.add_owner("agent@example.com", "Ann", "Agent")
        flow = flows(client, "POST", body=flow_body()).json()
        ticket = create_ticket(client, subject="kept", esc_tier="tier_1")
    with HubSpotEmulator(database) as second:
        client = make_client(second)
        assert client.crm.properties.core_api.get_by_name("tickets", "esc_tier").label
        assert client.crm.owners.owners_api.get_by_id(owner["id"]).email == "agent@example.com"
        assert flows(client, "GET", f"/{flow['id']}").json()["name"] == flow["name"]
        fetched = client.crm.tickets.basic_api.get_by_id(ticket.id, properties=["esc_tier"])
        assert fetched.properties["esc_tier"] == "tier_1"
        assert int(create_ticket(client, subject="next").id) == int(ticket.id) + 1
        names = [p.name for p in client.crm.properties.core_api.get_all("tickets").results]
        assert names.count("subject") == 1
    assert json.loads(json.dumps(flow))["id"]


def test_sdk_retry_recovers_from_injected_429(hub: HubSpotEmulator) -> None:
    retry = Retry(total=3, backoff_factor=0.01, status_forcelist=(429,), allowed_methods=None)
    client = HubSpot(access_token=hub.token, host=hub.base_url, retry=retry)
    hub.inject(429, times=2, route="POST /crm/v3/objects/tickets")
    assert create_ticket(client, subject="eventually").properties["subject"] == "eventually"
    assert hub.requests[("POST", "/crm/v3/objects/tickets")] == 3


def test_property_list_can_name_properties(client: HubSpot) -> None:
    results = client.crm.properties.core_api.get_all("tickets", properties="subject,content")
    assert sorted(p.name for p in results.results) == ["content", "subject"]
