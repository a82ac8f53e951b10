"""The escalation history refreshed from HubSpot's CRM search, incrementally and resumably."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import duckdb
from hubspot.crm.tickets import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.tickets import models as ticket_models

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.hubspot.portal import Portal
from escalations.report.companies import Companies
from escalations.report.ingest import Resolver, store_rows

PAGE = 200
"""PublicObjectSearchRequest.limit: "up to 200 objects"."""
CAP = 10_000
"""Reference §3.3: a query pages through at most 10,000 results; wider ranges are halved."""
SEARCHES_PER_SECOND = 4.0
"""Reference §3.3 quotes five searches per second per account today and four per token
before; the stricter keeps one pull clear of its own 429s (the emulator enforces four)."""
WEEK_MS = 7 * 24 * 3600 * 1000
_EPOCH_MONDAY_MS = int(datetime(1970, 1, 5, tzinfo=UTC).timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class Progress:
    pages: int
    stored: int
    expected: int
    """Escalated tickets the refresh will read (known after its first request)."""


@dataclass(frozen=True, slots=True)
class Refresh:
    stored: int
    searches: int
    weeks: int
    cursor: str | None
    notes: tuple[str, ...]
    lookups: int = 0
    """Associations and companies batch reads: the tickets' companies."""

    @property
    def requests(self) -> int:
        return self.searches + self.lookups


class Pace:
    """At most `rate` calls per second (0: no pacing)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # A little over 1/rate: HubSpot's window and ours do not start at the same instant.
        self.gap = 1.02 / rate if rate > 0 else 0.0
        self.clock, self.sleep, self.last = clock, sleep, -1e9

    def wait(self) -> None:
        delay = self.last + self.gap - self.clock()
        if delay > 0:
            self.sleep(delay)
        self.last = self.clock()


class Pull:
    """One refresh of the history from a portal; see `pull_history`."""

    def __init__(
        self,
        portal: Portal,
        framework: Framework,
        con: duckdb.DuckDBPyConnection,
        source: str,
        pace: Pace,
        cap: int,
        progress: Callable[[Progress], None],
    ) -> None:
        self.portal, self.con, self.source = portal, con, source
        self.pace, self.cap, self.progress = pace, cap, progress
        self.prefix = portal.prefix
        self.resolver = Resolver(framework, {})
        self.requests = 0
        self.companies = Companies(portal)
        self.pages = 0
        self.stored = 0
        self.expected = 0
        self.cursor: str | None = None

    def search(
        self,
        groups: list[list[Filter]],
        *,
        sort: str,
        descending: bool = False,
        limit: int = PAGE,
        after: str | None = None,
        names: tuple[str, ...] = (),
    ) -> Any:
        api = self.portal.client.crm.tickets.search_api
        request = PublicObjectSearchRequest(
            filter_groups=[FilterGroup(filters=group) for group in groups],
            sorts=[
                {"propertyName": sort, "direction": "DESCENDING" if descending else "ASCENDING"}
            ],
            properties=list(names),
            limit=limit,
            after=after,
        )

        def call() -> Any:
            self.pace.wait()
            self.requests += 1
            return api.do_search(
                public_object_search_request=request, _request_timeout=self.portal.caller.timeout
            )

        return self.portal.caller.read(
            "searching the tickets",
            call,
            api=api.api_client,
            models=ticket_models,
            model="CollectionResponseWithTotalSimplePublicObject",
        )

    def escalated(self, *extra: Filter) -> list[list[Filter]]:
        p = self.prefix
        return [
            [Filter(property_name=f"{p}escalated", operator="EQ", value="true"), *extra],
            [Filter(property_name=f"{p}escalated_at", operator="HAS_PROPERTY"), *extra],
        ]

    def names(self) -> tuple[str, ...]:
        p = self.prefix
        own = (
            "escalated",
            "trigger",
            "type",
            "tier",
            "level",
            "status",
            "owner",
            "escalated_at",
            "response_due_at",
            "acknowledged_at",
            "resolved_at",
            "root_cause",
            "framework_version",
        )
        return (
            *(p + name for name in own),
            "subject",
            "createdate",
            "hs_lastmodifieddate",
            "hs_pipeline_stage",
            "first_agent_reply_date",
            "closed_date",
            "hubspot_owner_id",
        )

    # -- rows ------------------------------------------------------------------------------

    def run(self, since: int | None, ties_read: bool) -> None:
        """Every escalated ticket last modified from `since` (after it when the rows modified
        at `since` were all stored: `ties_read`), oldest first."""
        low = 0 if since is None else since + ties_read
        after = [Filter(property_name="hs_lastmodifieddate", operator="GTE", value=str(low))]
        newest = self.search(
            self.escalated(*after), sort="hs_lastmodifieddate", descending=True, limit=1
        )
        self.expected = int(newest.total)
        if not newest.results:
            return
        high = _ms(newest.results[0].properties["hs_lastmodifieddate"])
        if since is None:  # the oldest bounds the first range: fewer halvings
            oldest = self.search(self.escalated(), sort="hs_lastmodifieddate", limit=1)
            low = _ms(oldest.results[0].properties["hs_lastmodifieddate"])
        for page in self.ranges(low, high):
            rows = [self.resolver.row(r.id, r.properties, self.prefix, self.source) for r in page]
            named = self.companies.of([row.ticket_id for row in rows])
            rows = [replace(row, company=named.get(row.ticket_id)) for row in rows]
            store_rows(self.con, rows)
            self.stored += len(rows)
            self.pages += 1
            self.cursor = max((row.last_modified for row in rows), default=self.cursor)
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('cursor', ?)", [self.cursor])
            self.progress(Progress(self.pages, self.stored, self.expected))

    def ranges(self, low: int, high: int) -> Iterator[list[Any]]:
        """Pages of the escalated tickets last modified in [low, high] ms, oldest first."""
        window = [
            Filter(
                property_name="hs_lastmodifieddate",
                operator="BETWEEN",
                value=str(low),
                high_value=str(high),
            )
        ]
        first = self.search(self.escalated(*window), sort="hs_lastmodifieddate", names=self.names())
        if int(first.total) > self.cap:
            if high > low:
                middle = (low + high) // 2
                yield from self.ranges(low, middle)
                yield from self.ranges(middle + 1, high)
            else:  # one millisecond holds more than the cap: keyset on the record id
                yield from self.keyset(window)
            return
        page = first
        while True:
            if page.results:
                yield list(page.results)
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return
            left = self.cap - int(after)  # the last page stops at the cap, not past it
            page = self.search(
                self.escalated(*window),
                sort="hs_lastmodifieddate",
                after=after,
                limit=min(PAGE, left),
                names=self.names(),
            )

    def keyset(self, window: list[Filter]) -> Iterator[list[Any]]:
        last = "0"
        while True:
            above = Filter(property_name="hs_object_id", operator="GT", value=last)
            page = self.search(
                self.escalated(*window, above), sort="hs_object_id", names=self.names()
            )
            if not page.results:
                return
            yield list(page.results)
            last = str(page.results[-1].id)

    # -- weeks -----------------------------------------------------------------------------

    def weeks(self, since: int | None) -> int:
        """Tickets created per week, from the cursor's week (every week on a first pull)."""
        if since is None:
            oldest = self.search([], sort="createdate", limit=1)
            if not oldest.results:
                return 0
            since = _ms(oldest.results[0].properties["createdate"])
        newest = self.search([], sort="createdate", descending=True, limit=1)
        if not newest.results:
            return 0
        last = _ms(newest.results[0].properties["createdate"])
        start = _monday(since)
        counted = 0
        while start <= last:
            end = start + WEEK_MS - 1
            found = self.search(
                [
                    [
                        Filter(
                            property_name="createdate",
                            operator="BETWEEN",
                            value=str(start),
                            high_value=str(end),
                        )
                    ]
                ],
                sort="createdate",
                limit=1,
            )
            week = datetime.fromtimestamp(start / 1000, UTC).date()
            self.con.execute(
                "INSERT OR REPLACE INTO ticket_weeks VALUES (?, ?)", [week, int(found.total)]
            )
            counted += 1
            start += WEEK_MS
        return counted


def pull_history(
    portal: Portal,
    framework: Framework,
    con: duckdb.DuckDBPyConnection,
    *,
    target: str,
    pace: Pace | None = None,
    cap: int = CAP,
    progress: Callable[[Progress], None] = lambda _: None,
) -> Refresh:
    """Refresh the history in `con` from the portal: the escalated tickets last modified since
    the stored cursor (all of them the first time), upserted by ticket id, then the weekly
    ticket counts of the weeks that can have changed. A failure keeps what was stored and
    leaves the cursor at the last stored row, so running it again converges. `pace` spaces
    the searches (share one between pulls run back to back)."""
    pull = Pull(
        portal,
        framework,
        con,
        f"hubspot:{target}",
        pace or Pace(SEARCHES_PER_SECOND),
        cap,
        progress,
    )
    owners = portal.owners()
    pull.resolver = Resolver(framework, {o.owner_id: email for email, o in owners.items()})
    found = con.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
    pull.cursor = found[0] if found else None
    since = _ms(pull.cursor) if pull.cursor else None
    state = con.execute("SELECT value FROM meta WHERE key = 'cursor_state'").fetchone()
    ties_read = state is not None and state[0] == "complete"
    con.execute("INSERT OR REPLACE INTO meta VALUES ('cursor_state', 'partial')")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('source', ?)", [pull.source])
    con.execute("INSERT OR REPLACE INTO meta VALUES ('framework_version', ?)", [framework.version])
    try:
        pull.run(since, ties_read)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('cursor_state', 'complete')")
        weeks = pull.weeks(since)
    except EscalationsError as exc:
        where = f"up to {pull.cursor}" if pull.cursor else "none yet"
        said = str(exc) if str(exc).endswith(".") else f"{exc}."
        raise EscalationsError(
            f"{said} The pull stopped after storing {pull.stored} of {pull.expected} escalated "
            f"tickets (last modified {where}); the tickets modified after that and the weekly "
            "ticket counts were not read: run the pull again to fetch them."
        ) from None
    return Refresh(
        pull.stored,
        pull.requests,
        weeks,
        pull.cursor,
        pull.resolver.notes(),
        pull.companies.requests,
    )


def _ms(text: str) -> int:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return int(moment.timestamp() * 1000)


def _monday(ms: int) -> int:
    return ms - (ms - _EPOCH_MONDAY_MS) % WEEK_MS
