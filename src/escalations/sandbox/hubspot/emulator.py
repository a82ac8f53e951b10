"""A local emulator of the HubSpot API subset the deployer uses, served over loopback HTTP.

`hubspot-api-client` 12 talks to it unchanged. Every generated client reads its
`Configuration` from the keyword arguments of `HubSpot(...)` (each one is `setattr` on the
configuration, and `host` is a Configuration property), and `api_request` reads `base_url`
from the same dict, so one constructor call points everything at the emulator:

    with HubSpotEmulator() as hub:
        client = HubSpot(access_token=hub.token, host=hub.base_url, base_url=hub.base_url)
        client.crm.properties.core_api.get_all("tickets")
        client.api_request({"method": "GET", "path": "/automation/v4/flows"})

Routes are in `routes.ROUTES`: ticket properties and groups (v3; objectType `tickets` or `0-5`),
owners, the default pipeline (read), v4 flows, tickets (batch create too) and search. Errors have
HubSpot's body `{"status": "error", "message", "correlationId", "category", ...}`; a missing or
wrong token answers 401 (category INVALID_AUTHENTICATION). `rate_limit` requests per `window`
seconds per token (rolling) answer 429 with the TEN_SECONDLY_ROLLING body beyond; searches are
exempt from that window and limited to 4 per second instead (policy SECONDLY).
Request bodies are checked against the published contract (`contract*.py`: 400
VALIDATION_ERROR with an `errors` list); `install_action` adds a portal's integration actions.
`inject` scripts faults. Enabled ticket flows run on ticket writes (`runtime.py`):
`advance` moves the emulator clock past delays, `notifications` collects notification actions.
The portal lives in SQLite: in memory, or in a file that a later emulator reopens.

Emulator choices where HubSpot's behaviour is undocumented: a stale flow `revisionId` answers
409 (category CONFLICT); a PUT while the flow is PENDING answers 400; a PUT clears what it
omits (`isEnabled` becomes false); flow POSTs count against the rolling window (the spec
exempts them); new tickets default to pipeline "0", stage "1"; a closed stage sets
`closed_date`; read-only values (other than `createdate`) are refused on ticket writes; `after`
past `max_results` answers 400; 502/503/504 answers carry a JSON body (unless injected with
`kind="html"`, a gateway's page); an owner picker takes the id of an owner.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from escalations.sandbox.faults import Lag, Prepared, check_fault, take_fault
from escalations.sandbox.http import Emulator, Response
from escalations.sandbox.hubspot.companies import Companies
from escalations.sandbox.hubspot.flows import Flows
from escalations.sandbox.hubspot.limits import (
    ERRORS,
    FAULT_KINDS,
    Fault,
    Throttle,
    apply_lag,
)
from escalations.sandbox.hubspot.owners import Owners
from escalations.sandbox.hubspot.properties import Properties, object_type
from escalations.sandbox.hubspot.routes import ROUTES, SEARCH, P, match_route, normalize_route
from escalations.sandbox.hubspot.runtime import Runtime
from escalations.sandbox.hubspot.shapes import ApiError, iso, not_found
from escalations.sandbox.hubspot.store import Store
from escalations.sandbox.hubspot.tickets import Tickets
from escalations.sandbox.hubspot.webhooks import Webhooks

__all__ = ["FAULT_KINDS", "ROUTES", "HubSpotEmulator", "Response"]


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body.strip() else None
    except ValueError:
        return None


class HubSpotEmulator(Emulator):
    """A HubSpot API emulator on 127.0.0.1 for `hubspot-api-client` (see the module docstring).

    `requests` counts every request received, rejected ones included, by
    `(method, route template)`, e.g. `("PUT", "/automation/v4/flows/{flowId}")` (unknown
    routes: their raw path). `clock` replaces the wall clock for timestamps; `advance` moves
    the emulator's clock forward (on top of `clock`)."""

    NAME = "HubSpot"
    _store: Store

    def __init__(
        self,
        database: Path | None = None,
        *,
        token: str = "sandbox-token",
        rate_limit: int | None = 190,
        window: float = 10.0,
        clock: Callable[[], datetime] | None = None,
        max_results: int = 10000,
    ) -> None:
        self.token = token
        self.rate_limit = rate_limit
        self.window = window
        self.requests: Counter[tuple[str, str]] = Counter()
        self._throttle = Throttle(rate_limit, window, SEARCH, Companies.UNTHROTTLED)
        self.refused = self._throttle.refused
        """The requests answered 429 by a rate limit, by (method, route template); what a
        client asked for is `requests - refused`, whatever the machine's timing cost it."""
        self.journal: list[tuple[str, str, dict[str, str], Any]] = []
        """(method, route template, query, JSON body or None) of every request, in order."""
        self.notifications: list[dict[str, Any]] = []
        self._clock = clock or (lambda: datetime.now(UTC))
        self._offset = timedelta(0)
        self._pinned: datetime | None = None
        """While `advance` resumes what is due, the moment it is due (the wall clock stands)."""
        super().__init__(Store(database))
        self._properties = Properties(self._store, self._now)
        self._owners = Owners(self._store, self._now)
        self._flows = Flows(self._store, self._now, self._property_type)
        self._tickets = Tickets(self._store, self._now, self._properties, self._owners, max_results)
        self.webhooks = Webhooks(self.now)
        """WEBHOOK actions' deliveries; register `apps` (client secrets) and `secrets` here."""
        self._runtime = Runtime(
            self._store, self._flows, self._tickets, self.now, self.notifications, self.webhooks
        )
        with self._store.transaction():
            self._properties.seed()
            self._owners.pipeline()
        self._faults: list[Fault] = []
        self._lag = Lag()
        self._lock = threading.Lock()

    # -- test controls --------------------------------------------------------------------

    def now(self) -> datetime:
        """The emulator's current time (the clock plus every `advance`)."""
        if self._pinned is not None:
            return self._pinned
        return self._clock() + self._offset

    def _now(self) -> str:
        return iso(self.now())

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.refused.clear()
            self.journal.clear()

    def inject(
        self,
        status: int | None = None,
        *,
        kind: str = "error",
        times: int = 1,
        method: str | None = None,
        route: str | None = None,
        delay: float = 0.0,
        commit: bool = False,
        retry_after: int | None = None,
    ) -> None:
        """Make the next `times` requests matching `method`/`route` answer a fault of `kind`
        (one of `FAULT_KINDS`, see `faults.COMMON_KINDS`): by default `status` with HubSpot's
        error body for it (429: the TEN_SECONDLY_ROLLING body, with `Retry-After: retry_after`
        when given; kind `retry_date`: as an HTTP date; kind `daily`: the daily limit, for
        every matching request until `clear_faults()`). `commit` performs the request first
        (a write applied although the client sees an error); `delay` sleeps before answering.
        A status below 400 only delays a normal answer."""
        code = check_fault(FAULT_KINDS, kind, status, times=times, delay=delay, commit=commit)
        route_method, template = normalize_route(route) if route else (None, None)
        wanted = (method or route_method or "").upper() or None
        remaining = None if kind == "daily" else times
        fault = Fault(kind, code, remaining, wanted, template, delay, commit, retry_after)
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Drop every scripted fault (the daily limit included)."""
        with self._lock:
            self._faults.clear()

    def lag(self, searches: int) -> None:
        """Eventual consistency: each ticket created from now on is missing from the next
        `searches` search answers (results and total); 0 turns it off and shows them all."""
        self._lag.switch(searches)

    def add_owner(
        self,
        email: str,
        first_name: str,
        last_name: str,
        *,
        owner_id: str | None = None,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """A PERSON owner (a user of the portal); returns its PublicOwner shape."""
        with self._store.transaction():
            return self._owners.add(email, first_name, last_name, owner_id, user_id)

    def install_action(
        self, action_type_id: str, required_fields: Iterable[str], optional: Iterable[str] = ()
    ) -> None:
        """Install an integration (app) action type, e.g. Slack's: flows may then use it with
        these `fields`. HubSpot's are portal specific (reference §3.3); others are unknown."""
        with self._store.transaction():
            self._flows.install_action(action_type_id, tuple(required_fields), tuple(optional))

    def human_edit_property(self, name: str, **changes: Any) -> None:
        """Edit a ticket property like a person in the HubSpot UI (any definition field,
        HubSpot-defined properties included); bumps `updatedAt`."""
        with self._store.transaction():
            self._properties.update(name, changes, human=True)

    def human_edit_flow(self, flow_id: str, **changes: Any) -> None:
        """Edit a flow like a person in the workflow editor: top-level fields replaced as
        given; bumps `revisionId` and `updatedAt`."""
        with self._store.transaction():
            self._flows.human_edit(flow_id, changes)

    def record_replies(self, replies: Mapping[str, datetime]) -> None:
        """Agents' first replies by ticket id (first_agent_reply_date; HubSpot's inbox sets it)."""
        with self._store.transaction():
            self._tickets.replied({ticket_id: iso(at) for ticket_id, at in replies.items()})

    def advance(self, delta: timedelta) -> None:
        """Move the emulator clock forward; waiting workflow runs resume in time order."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._store.transaction():
            target = self.now() + delta
            try:
                while (due := self._runtime.next_due(target)) is not None:
                    # What falls due runs at that very moment: the time its retries and
                    # delays are measured from must not drift by the milliseconds it takes.
                    self._pinned = max(due, self.now())
                    self._runtime.resume_due()
            finally:
                self._pinned = None
            self._offset = target - self._clock()

    def ticket(self, ticket_id: str) -> dict[str, str | None]:
        """A ticket's stored property values (for assertions)."""
        with self._store.transaction():
            return self._tickets.values(ticket_id)

    # -- request handling -----------------------------------------------------------------

    def _property_type(self, name: str) -> str | None:
        spec = self._properties.find(name)
        return str(spec["type"]) if spec is not None else None

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one HTTP request (`headers` with lower-case names)."""
        correlation = str(uuid.uuid4())
        parts = urlsplit(target)
        route = match_route(parts.path)
        template = route[0] if route else parts.path
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        with self._lock:
            self.requests[(method, template)] += 1
            self.journal.append((method, template, query, _json_or_none(body)))
        extra: dict[str, str] = {}
        try:
            status, payload = self._process(method, route, parts.query, headers, body, extra)
        except Prepared as prepared:
            return prepared.response
        except ApiError as error:
            return Response(error.status, error.body(correlation), {**extra, **error.headers})
        except Exception as exc:  # an emulator bug: answer like an unexpected HubSpot failure
            failure = ApiError(500, f"Emulator failure: {exc!r}", "")
            return Response(500, failure.body(correlation))
        return Response(status, payload, extra)

    def _process(
        self,
        method: str,
        route: tuple[str, dict[str, str]] | None,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
        extra: dict[str, str],
    ) -> tuple[int, Any]:
        if headers.get("authorization") != f"Bearer {self.token}":
            category, message = ERRORS[401]
            raise ApiError(401, message, category)
        template = route[0] if route else ""
        with self._lock:
            self._throttle.take(method, template, extra)
        with self._lock:
            fault = take_fault(self._faults, method, template)
        if fault is not None and fault.answers_early:
            self._closing.wait(fault.delay)
            raise fault.exception(self.rate_limit or 0, self.window, self.now())
        if route is None:
            raise not_found(f"Unknown route: {method} {urlsplit(template).path}")
        if method not in ROUTES[template]:
            raise ApiError(405, f"Method {method} is not allowed on {template}", "")
        data: Any = None
        if method in ("POST", "PATCH", "PUT"):
            try:
                data = json.loads(body) if body.strip() else {}
            except ValueError:
                raise ApiError(400, "Invalid input JSON on line 1", "VALIDATION_ERROR") from None
        multi = parse_qs(query_string)
        query = {key: values[-1] for key, values in multi.items()}
        with self._store.transaction():
            result = self._dispatch(method, template, route[1], query, multi, data)
        result = apply_lag(self._lag, method, template, result)
        if fault is not None:
            self._closing.wait(fault.delay)
            if fault.status >= 400:
                raise fault.exception(self.rate_limit or 0, self.window, self.now())
            if fault.kind == "reset":
                raise Prepared(Response(result[0], result[1], dict(extra), reset=True))
        return result

    def _dispatch(
        self,
        method: str,
        template: str,
        params: dict[str, str],
        query: dict[str, str],
        multi: dict[str, list[str]],
        data: Any,
    ) -> tuple[int, Any]:
        if template in Companies.ROUTES:
            return self._tickets.companies.dispatch(method, template, params, query, data)
        if "objectType" in params:
            object_type(params["objectType"])
        props, owners, flows, tickets = self._properties, self._owners, self._flows, self._tickets
        archived = query.get("archived", "false").lower() == "true"
        names = [n for value in multi.get("properties", []) for n in value.split(",") if n]
        name = params.get("propertyName") or params.get("groupName") or ""
        flow_id = params.get("flowId", "")
        ticket_id = params.get("ticketId", "")
        key = (method, template)
        if key == ("GET", P):
            return 200, props.list_all(archived, names)
        if key == ("POST", P):
            return 201, props.create(data)
        if key == ("GET", f"{P}/{{propertyName}}"):
            return 200, props.get(name, archived)
        if key == ("PATCH", f"{P}/{{propertyName}}"):
            return 200, props.update(name, data)
        if key == ("DELETE", f"{P}/{{propertyName}}"):
            props.archive(name)
            return 204, None
        if key == ("GET", f"{P}/groups"):
            return 200, props.list_groups()
        if key == ("POST", f"{P}/groups"):
            return 201, props.create_group(data)
        if key == ("GET", f"{P}/groups/{{groupName}}"):
            return 200, props.get_group(name)
        if key == ("PATCH", f"{P}/groups/{{groupName}}"):
            return 200, props.update_group(name, data)
        if key == ("DELETE", f"{P}/groups/{{groupName}}"):
            props.archive_group(name)
            return 204, None
        if template == "/crm/v3/owners":
            return 200, owners.page(query)
        if template == "/crm/v3/owners/{ownerId}":
            return 200, owners.get(params["ownerId"], query)
        if template == "/crm/v3/pipelines/{objectType}":
            return 200, owners.pipelines()
        if template == "/crm/v3/pipelines/{objectType}/{pipelineId}":
            return 200, owners.get_pipeline(params["pipelineId"])
        if template == "/automation/v4/flows/batch/read":
            return flows.batch_read(data)
        if key == ("GET", "/automation/v4/flows"):
            return 200, flows.list_all(query)
        if key == ("POST", "/automation/v4/flows"):
            new_id = str(self._store.next_id("flow", 1000000001))
            return 201, flows.create(data, new_id)
        if key == ("GET", "/automation/v4/flows/{flowId}"):
            return 200, flows.get(flow_id)
        if key == ("PUT", "/automation/v4/flows/{flowId}"):
            return 200, flows.replace(flow_id, data)
        if key == ("DELETE", "/automation/v4/flows/{flowId}"):
            flows.delete(flow_id)
            self._runtime.forget_flow(flow_id)
            return 204, None
        if template == SEARCH:
            return 200, tickets.search(data)
        if template == "/crm/v3/objects/tickets/batch/create":
            return 201, tickets.batch_create(data, self._runtime.ticket_changed)
        if key == ("POST", "/crm/v3/objects/tickets"):
            created = tickets.create(data)
            self._runtime.ticket_changed(created["id"], None)
            return 201, tickets.get(created["id"], list(created["properties"]))
        if key == ("GET", "/crm/v3/objects/tickets/{ticketId}"):
            return 200, tickets.get(ticket_id, names)
        before = tickets.values(ticket_id)
        updated = tickets.update(ticket_id, data)
        self._runtime.ticket_changed(ticket_id, before)
        return 200, tickets.get(ticket_id, list(updated["properties"]))
