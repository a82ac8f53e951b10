"""The sandbox's seeded year of tickets, written with batch create, and the pull reading it back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from hubspot.crm.tickets import BatchInputSimplePublicObjectBatchInputForCreate
from hubspot.crm.tickets.exceptions import ApiException

from escalations.model.framework import Framework
from escalations.publish.hubspot.http import Caller
from escalations.publish.hubspot.portal import Portal
from escalations.publish.targets import _hubspot
from escalations.report.history import connect
from escalations.report.metrics import build
from escalations.report.pull import Pace, pull_history
from escalations.report.sections import Table, sections
from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from escalations.sandbox.hubspot.history import generate, seed_history

from .conftest import HUBSPOT_TOKEN

END = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def portal(hubspot_emulator: HubSpotEmulator) -> Iterator[Portal]:
    caller = Caller(hubspot_emulator.base_url, max_delay=0.05)
    yield Portal(_hubspot(HUBSPOT_TOKEN, hubspot_emulator.base_url), "esc_", caller=caller)


def test_the_generated_year_is_deterministic_and_about_5_percent_escalated(
    framework: Framework,
) -> None:
    owners = {p.email.lower(): str(n) for n, p in enumerate(framework.people)}
    first = generate(framework, owners, tickets=2000, seed=7, end=END)
    assert first == generate(framework, owners, tickets=2000, seed=7, end=END)
    assert first != generate(framework, owners, tickets=2000, seed=8, end=END)
    escalated = [props for props, _ in first if props.get("esc_escalated") == "true"]
    assert 60 <= len(escalated) <= 140
    assert {p["esc_trigger"] for p in escalated} <= {t.id for t in framework.triggers}
    assert all(p["esc_owner"] in owners.values() for p in escalated)
    assert any(p["esc_status"] != "resolved" for p in escalated)
    assert min(props["createdate"] for props, _ in first) >= "2025-06-01"


def test_seeding_twice_does_not_duplicate_and_the_pull_reads_it(
    hubspot_emulator: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    hub = hubspot_emulator
    first = seed_history(
        portal, framework, tickets=250, seed=3, end=END, replies=hub.record_replies
    )
    again = seed_history(
        portal, framework, tickets=250, seed=3, end=END, replies=hub.record_replies
    )
    # the ten customers in one batch, then the tickets 100 a batch
    assert (first.created, first.kept, first.requests) == (250, 0, 1 + 3)
    assert (again.created, again.kept, again.requests) == (0, 250, 0)
    assert hub.requests[("POST", "/crm/v3/objects/tickets/batch/create")] == 3
    assert hub.requests[("POST", "/crm/v3/objects/companies/batch/create")] == 1
    con = connect(None)
    refresh = pull_history(portal, framework, con, target="sandbox", pace=Pace(4))
    assert refresh.stored == first.escalated
    replied = con.execute("SELECT count(first_response_at) FROM escalations").fetchone()
    assert replied is not None and replied[0] > 0
    weeks = con.execute("SELECT sum(tickets) FROM ticket_weeks").fetchone()
    assert weeks == (250,)
    # repeats by hand: the generated escalations by the company their subject names
    owners = {email: o.owner_id for email, o in portal.owners().items()}
    made = generate(framework, owners, tickets=250, seed=3, end=END)
    escalations = Counter(props["subject"].partition(": ")[0] for props, _ in made
                          if "esc_escalated_at" in props)  # fmt: skip
    repeats = {company: n for company, n in escalations.items() if n > 1}
    assert len(repeats) >= 2
    report = build(con, framework, date(2025, 6, 1), date(2026, 5, 31))
    assert {r.company: r.escalations for r in report.repeats} == repeats
    assert report.with_company == report.escalations == first.escalated
    assert not [note for note in report.notes if "have no company" in note]
    table = next(s for s in sections(report) if s.title == "Repeat escalations").blocks[0]
    assert isinstance(table, Table)
    top = max(repeats.values())
    assert table.rows[0][:2] == (min(c for c, n in repeats.items() if n == top), str(top))


def test_a_batch_over_100_is_refused(portal: Portal) -> None:
    inputs = [{"properties": {"subject": str(n)}, "associations": []} for n in range(101)]
    with pytest.raises(ApiException) as caught:
        portal.client.crm.tickets.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )
    assert caught.value.status == 400
    assert "inputs must hold 1 to 100 objects, got 101" in str(caught.value.body)
