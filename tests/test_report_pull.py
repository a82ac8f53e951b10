"""The escalation history pulled from the HubSpot emulator with hubspot-api-client's CRM search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hubspot.crm.tickets import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputForCreate,
)

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.hubspot.http import Caller
from escalations.publish.hubspot.portal import Portal
from escalations.publish.targets import _hubspot
from escalations.report.history import connect
from escalations.report.pull import SEARCHES_PER_SECOND, Pace, Progress, pull_history
from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from escalations.sandbox.hubspot.history import ensure_properties

from .conftest import HUBSPOT_TOKEN

SEARCH = ("POST", "/crm/v3/objects/tickets/search")
MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
CAP = 250
"""The emulator's search cap in these tests (HubSpot's is 10,000): splits stay small."""


@pytest.fixture
def hub(framework: Framework) -> Iterator[HubSpotEmulator]:
    clock = [datetime(2026, 3, 20, 12, tzinfo=UTC)]
    server = HubSpotEmulator(token=HUBSPOT_TOKEN, rate_limit=None, clock=lambda: clock[0],
                             max_results=CAP)  # fmt: skip
    server.start()
    for person in framework.people:
        first, _, last = person.name.partition(" ")
        server.add_owner(person.email, first, last)
    yield server
    server.stop()


@pytest.fixture
def portal(hub: HubSpotEmulator, framework: Framework) -> Portal:
    made = Portal(_hubspot(HUBSPOT_TOKEN, hub.base_url), "esc_",
                  caller=Caller(hub.base_url, max_delay=0.05, sleep=lambda _: None))  # fmt: skip
    ensure_properties(made, framework)
    return made


def owner_id(portal: Portal, email: str) -> str:
    return portal.owners()[email].owner_id


def create(portal: Portal, tickets: list[dict[str, str]]) -> list[str]:
    ids = []
    for start in range(0, len(tickets), 100):
        inputs = [SimplePublicObjectBatchInputForCreate(properties=p, associations=[])
                  for p in tickets[start : start + 100]]  # fmt: skip
        answer = portal.client.crm.tickets.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs)
        )
        ids += sorted((str(r.id) for r in answer.results), key=int)
    return ids


def escalated(number: int, **extra: str) -> dict[str, str]:
    created = MONDAY + timedelta(hours=number)
    return {
        "subject": f"ticket {number}",
        "createdate": created.isoformat(),
        "esc_escalated": "true",
        "esc_trigger": "manager-request",
        "esc_type": "relationship",
        "esc_tier": "tier-1",
        "esc_level": "1",
        "esc_status": "open",
        "esc_escalated_at": (created + timedelta(minutes=30)).isoformat(),
        **extra,
    }


PACE = Pace(SEARCHES_PER_SECOND)
"""One for every pull of the module: the emulator's four searches a second span tests."""


def pull(portal: Portal, framework: Framework, con: Any, **options: Any) -> Any:
    options.setdefault("cap", CAP)
    return pull_history(portal, framework, con, target="sandbox", pace=PACE, **options)


def test_a_known_history_is_stored_row_for_row(
    hub: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    jonas = owner_id(portal, "jonas.becker@acmecloud.example")
    aisha = owner_id(portal, "aisha.okafor@acmecloud.example")
    create(portal, [
        escalated(0, esc_owner=jonas, esc_status="resolved",
                  esc_resolved_at="2026-03-03T10:00:00Z", esc_root_cause="missing-runbook",
                  closed_date="2026-03-03T11:00:00Z", hs_pipeline_stage="4",
                  esc_acknowledged_at="2026-03-02T10:00:00Z", esc_framework_version="1.4.0"),
        escalated(30, esc_owner=aisha, esc_level="2", esc_tier="tier-2"),
        {"subject": "not escalated", "createdate": MONDAY.isoformat()},
        {"subject": "next week", "createdate": (MONDAY + timedelta(days=8)).isoformat()},
    ])  # fmt: skip
    con = connect(None)
    refresh = pull(portal, framework, con)
    rows = con.execute(
        "SELECT subject, company, created_at, escalated_at, trigger, type, tier, level, owner, "
        "team, status, acknowledged_at, resolved_at, closed_at, root_cause, framework_version, "
        "source FROM escalations ORDER BY subject"
    ).fetchall()
    at = lambda text: datetime.fromisoformat(text)  # noqa: E731
    assert rows == [
        ("ticket 0", None, at("2026-03-02T09:00:00+00:00"), at("2026-03-02T09:30:00+00:00"),
         "manager-request", "relationship", "tier-1", 1, "team:support-leads", "support-leads",
         "resolved", at("2026-03-02T10:00:00+00:00"), at("2026-03-03T10:00:00+00:00"),
         at("2026-03-03T11:00:00+00:00"), "missing-runbook", "1.4.0", "hubspot:sandbox"),
        ("ticket 30", None, at("2026-03-03T15:00:00+00:00"), at("2026-03-03T15:30:00+00:00"),
         "manager-request", "relationship", "tier-2", 2, "person:aisha-okafor", "frontline-emea",
         "open", None, None, None, None, None, "hubspot:sandbox"),
    ]  # fmt: skip
    weeks = con.execute("SELECT week::VARCHAR, tickets FROM ticket_weeks ORDER BY week").fetchall()
    assert weeks == [("2026-03-02", 3), ("2026-03-09", 1)]
    assert (refresh.stored, refresh.weeks, refresh.notes) == (2, 2, ())
    # newest and oldest modified, one page, oldest and newest created, two weeks counted
    # (a search a busy machine delayed into the next one's second is answered 429 and retried)
    assert refresh.searches == hub.requests[SEARCH]
    assert hub.requests[SEARCH] - hub.refused[SEARCH] == 2 + 1 + 2 + 2


def test_pages_past_200_and_splits_ranges_over_the_cap(
    hub: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    create(portal, [escalated(n % 24) for n in range(260)])
    hub.advance(timedelta(milliseconds=2))
    create(portal, [escalated(n % 24) for n in range(260, 520)])
    con = connect(None)
    seen: list[Progress] = []
    refresh = pull(portal, framework, con, progress=seen.append)
    assert con.execute("SELECT count(*) FROM escalations").fetchone() == (520,)
    assert refresh.stored == 520
    # 520 in [t, t+2 ms] > 250: halved to [t, t+1], still 260 > 250, then [t, t]: 260 modified
    # in one millisecond are read by record id (2 pages); [t+2, t+2] holds 260 too (2 pages)
    assert [(p.pages, p.stored) for p in seen] == [(1, 200), (2, 260), (3, 460), (4, 520)]
    assert seen[0].expected == 520
    assert refresh.searches == hub.requests[SEARCH]


def test_the_incremental_refresh_reads_only_changed_rows(
    hub: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    ids = create(portal, [escalated(n) for n in range(5)])
    con = connect(None)
    pull(portal, framework, con)
    hub.advance(timedelta(minutes=1))
    portal.client.crm.tickets.basic_api.update(ids[2], {"properties": {"esc_status": "resolved"}})
    hub.reset_counts()
    refresh = pull(portal, framework, con)
    # the newest (1), one page of the changed row (1), the newest creation (1): no week to
    # count again (the tickets were created before the cursor's week)
    assert (refresh.stored, hub.requests[SEARCH] - hub.refused[SEARCH]) == (1, 3)
    statuses = con.execute("SELECT status, count(*) FROM escalations GROUP BY 1 ORDER BY 1")
    assert statuses.fetchall() == [("open", 4), ("resolved", 1)]


def test_a_429_burst_is_retried(hub: HubSpotEmulator, portal: Portal, framework: Framework) -> None:
    create(portal, [escalated(n) for n in range(3)])
    hub.inject(429, times=3, route="POST /crm/v3/objects/tickets/search", retry_after=0)
    refresh = pull(portal, framework, connect(None))
    assert refresh.stored == 3


def test_hubspot_going_away_keeps_what_was_stored_and_a_rerun_converges(
    hub: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    create(portal, [escalated(n % 24) for n in range(230)])
    con = connect(None)

    def fail_after_first_page(progress: Progress) -> None:
        if progress.pages == 1:
            hub.inject(503, times=20, route="POST /crm/v3/objects/tickets/search")

    with pytest.raises(EscalationsError) as caught:
        pull(portal, framework, con, progress=fail_after_first_page)
    cursor = con.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
    assert str(caught.value) == (
        "HubSpot answered 503 to searching the tickets 6 times; try again later (apply is safe "
        "to run again). The pull stopped after storing 200 of 230 escalated tickets (last "
        f"modified up to {cursor[0]}); the tickets modified after that and the weekly ticket "
        "counts were not read: run the pull again to fetch them."
    )
    assert con.execute("SELECT count(*) FROM escalations").fetchone() == (200,)
    hub.clear_faults()
    pull(portal, framework, con)
    assert con.execute("SELECT count(*) FROM escalations").fetchone() == (230,)


def test_values_the_framework_no_longer_has_are_stored_and_noted(
    hub: HubSpotEmulator, portal: Portal, framework: Framework
) -> None:
    names = [t.id for t in framework.triggers] + ["retired-trigger"]
    options = [{"label": n, "value": n, "hidden": False, "displayOrder": i}
               for i, n in enumerate(names)]  # fmt: skip
    hub.human_edit_property("esc_trigger", options=options)  # as if a trigger was retired
    create(portal, [escalated(0, esc_trigger="retired-trigger"), escalated(1)])
    con = connect(None)
    refresh = pull(portal, framework, con)
    assert refresh.notes == (
        "1 ticket has the trigger 'retired-trigger', which the framework no longer has (stored "
        "as it is)",
    )
    assert con.execute("SELECT count(*) FROM escalations").fetchone() == (2,)
