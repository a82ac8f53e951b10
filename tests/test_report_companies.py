"""Each escalated ticket's company, read by the pull from the emulator's v4 associations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hubspot.crm.companies import BatchInputSimplePublicObjectBatchInputForCreate as CompanyBatch
from hubspot.crm.companies import SimplePublicObjectBatchInputForCreate as CompanyInput
from hubspot.crm.tickets import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputForCreate,
)

from escalations.model.framework import Framework
from escalations.publish.hubspot.http import Caller
from escalations.publish.hubspot.portal import Portal
from escalations.publish.targets import _hubspot
from escalations.report.history import connect
from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from escalations.sandbox.hubspot.history import ensure_properties

from .conftest import HUBSPOT_TOKEN
from .test_report_pull import SEARCH, escalated, pull

ASSOCIATIONS = ("POST", "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read")
NAMES = ("POST", "/crm/v3/objects/companies/batch/read")


@pytest.fixture
def hub(hubspot_emulator: HubSpotEmulator) -> Iterator[HubSpotEmulator]:
    yield hubspot_emulator


@pytest.fixture
def portal(hub: HubSpotEmulator, framework: Framework) -> Portal:
    made = Portal(_hubspot(HUBSPOT_TOKEN, hub.base_url), "esc_",
                  caller=Caller(hub.base_url, max_delay=0.05, sleep=lambda _: None))  # fmt: skip
    ensure_properties(made, framework)
    return made


def companies(portal: Portal, *names: str) -> list[str]:
    inputs = [CompanyInput(properties={"name": n} if n else {}, associations=[]) for n in names]
    answer = portal.client.crm.companies.batch_api.create(CompanyBatch(inputs=inputs))
    return sorted((str(c.id) for c in answer.results), key=int)


def link(company: str, type_id: int = 339) -> dict[str, Any]:
    kind = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}
    return {"to": {"id": company}, "types": [kind]}


def create(portal: Portal, tickets: list[tuple[dict[str, str], list[dict[str, Any]]]]) -> None:
    for start in range(0, len(tickets), 100):
        inputs = [SimplePublicObjectBatchInputForCreate(properties=p, associations=a)
                  for p, a in tickets[start : start + 100]]  # fmt: skip
        portal.client.crm.tickets.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )


def test_the_pull_stores_each_tickets_company_name(
    hub: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    globex, initech, nameless = companies(portal, "Globex", "Initech", "")
    create(portal, [
        (escalated(0), [link(globex)]),
        (escalated(1), [link(initech, 26), link(globex)]),  # the primary one counts
        (escalated(2), [link(initech, 26), link(globex, 26)]),  # no primary: the lowest id
        (escalated(3), []),
        (escalated(4), [link(nameless, 26)]),
    ])  # fmt: skip
    hub.reset_counts()
    con = connect(None)
    refresh = pull(portal, framework, con)
    rows = con.execute("SELECT subject, company FROM escalations ORDER BY subject").fetchall()
    assert rows == [
        ("ticket 0", "Globex"),
        ("ticket 1", "Globex"),
        ("ticket 2", "Globex"),
        ("ticket 3", None),
        ("ticket 4", f"HubSpot company {nameless}"),
    ]
    # one page: one associations read (a 207: ticket 3 has none), one read of the two names
    # chosen (Initech is nobody's company here)
    assert (refresh.lookups, hub.requests[ASSOCIATIONS], hub.requests[NAMES]) == (2, 1, 1)
    assert refresh.requests == refresh.searches + 2 == hub.requests[SEARCH] + 2
    read = [body for method, route, _, body in hub.journal if (method, route) == NAMES]
    assert read == [{"inputs": [{"id": globex}, {"id": nameless}],
                     "properties": ["name"], "propertiesWithHistory": []}]  # fmt: skip


def test_a_page_costs_one_associations_read_and_a_names_read_per_100_new_companies(
    hub: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    ids = companies(portal, *(f"Customer {n}" for n in range(100)))
    ids += companies(portal, *(f"Customer {n}" for n in range(100, 150)))
    # the first page: 200 tickets of 150 companies; the second, after it, 50 known ones
    create(portal, [(escalated(n), [link(ids[n % 150])]) for n in range(200)])
    hub.advance(timedelta(milliseconds=2))
    create(portal, [(escalated(n), [link(ids[n % 150])]) for n in range(200, 250)])
    hub.reset_counts()
    con = connect(None)
    refresh = pull(portal, framework, con)
    assert refresh.stored == 250
    assert (hub.requests[ASSOCIATIONS], hub.requests[NAMES], refresh.lookups) == (2, 2, 4)
    sizes = [len(body["inputs"]) for method, route, _, body in hub.journal
             if (method, route) in (ASSOCIATIONS, NAMES)]  # fmt: skip
    assert sizes == [200, 100, 50, 50]  # page 1, its 150 names, page 2 (all known)
    counted = con.execute("SELECT count(DISTINCT company), count(company) FROM escalations")
    assert counted.fetchone() == (150, 250)
