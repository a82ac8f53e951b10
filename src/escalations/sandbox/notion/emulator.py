"""A local emulator of the Notion API subset the publisher uses, served over loopback HTTP.

`notion-client` talks to it unchanged through `base_url`:

    with NotionEmulator() as notion:
        root = notion.add_root_page("Handbook")
        client = notion_client.Client(auth=notion.token, base_url=notion.base_url)

Responses have the structure of the recorded real traffic (Notion-Version 2025-09-03;
2026-03-11 is accepted too: `position` instead of `after`, no `archived` key). Routes are in
`ROUTES`. Requests are validated with Notion's limits and messages: 100 elements per array,
2000 characters per text and link, two levels of nested children per request, 1000 blocks and
500 KB per request, absolute http(s)/mailto links, block types and their fields, property values
against the data source's schema. Unknown or unshared ids answer 404, a wrong token 401; writes
to a page while another write to it runs answer 409; `rate_per_second` adds a token bucket (429
with Retry-After); `inject` scripts faults (`FAULT_KINDS`) and `lag` delays listings. The
workspace lives in SQLite: in memory, or in a file that a later emulator reopens.

Emulator choices where Notion's behaviour is not documented: API writes to blocks bump the
containing page's `last_edited_time`; deleting an already trashed block answers 400 like any
edit of a trashed block; some messages (table row width, block count, 413, `after` not a
sibling, 503 `retry_guidance` values) are worded by the emulator.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from escalations.sandbox.faults import Lag, Prepared, check_fault, take_fault
from escalations.sandbox.http import Emulator, Response
from escalations.sandbox.notion.faults import (
    ERRORS,
    FAULT_KINDS,
    READ_ONLY_POSTS,
    Fault,
    TokenBucket,
    apply_lag,
    error_response,
    rate_limited,
)
from escalations.sandbox.notion.shapes import MAX_PAYLOAD_BYTES, ApiError, Invalid
from escalations.sandbox.notion.store import Store, new_id, normalize_id
from escalations.sandbox.notion.workspace import Workspace

__all__ = ["ERRORS", "FAULT_KINDS", "ROUTES", "SUPPORTED_VERSIONS", "NotionEmulator", "Response"]

SUPPORTED_VERSIONS = ("2025-09-03", "2026-03-11")

ROUTES: dict[str, tuple[str, ...]] = {
    "/v1/users/me": ("GET",),
    "/v1/users": ("GET",),
    "/v1/users/{id}": ("GET",),
    "/v1/pages": ("POST",),
    "/v1/pages/{id}": ("GET", "PATCH"),
    "/v1/blocks/{id}": ("GET", "PATCH", "DELETE"),
    "/v1/blocks/{id}/children": ("GET", "PATCH"),
    "/v1/databases": ("POST",),
    "/v1/databases/{id}": ("GET", "PATCH"),
    "/v1/data_sources": ("POST",),
    "/v1/data_sources/{id}": ("GET", "PATCH"),
    "/v1/data_sources/{id}/query": ("POST",),
    "/v1/search": ("POST",),
}
"""Route templates (as counted in `NotionEmulator.requests`) and their methods."""

_ID_NAMES = {
    "users": "user_id",
    "pages": "page_id",
    "blocks": "block_id",
    "databases": "database_id",
    "data_sources": "data_source_id",
}


def match_route(path: str) -> tuple[str, str | None] | None:
    """The route template of a request path and the id segment in it, if any."""
    segments = path.rstrip("/").split("/")
    for template in ROUTES:
        pattern = template.split("/")
        if len(pattern) != len(segments):
            continue
        found: str | None = None
        for want, got in zip(pattern, segments, strict=True):
            if want == "{id}" and got:
                found = got
            elif want != got:
                break
        else:
            return template, found
    return None


def _normalize_route(route: str) -> tuple[str | None, str]:
    """`"PATCH /v1/blocks/{id}/children"`, `"/v1/blocks/{block_id}/children"` or
    `"blocks/{id}/children"` -> (method or None, template); unknown routes are an error."""
    method: str | None = None
    text = route.strip()
    if " " in text:
        head, text = text.split(None, 1)
        method = head.upper()
    text = re.sub(r"\{[^}]*\}", "{id}", "/" + text.strip("/"))
    if not text.startswith("/v1/"):
        text = "/v1" + text
    if text not in ROUTES:
        raise ValueError(f"unknown route {route!r}; routes: {', '.join(ROUTES)}")
    return method, text


class NotionEmulator(Emulator):
    """A Notion API emulator on 127.0.0.1 for `notion-client` (see the module docstring).

    `requests` counts every request received, rejected ones included, by
    `(method, route template)`, e.g. `("PATCH", "/v1/blocks/{id}/children")` (unknown routes:
    their raw path). `write_latency` makes every write hold its page's lock that long (to
    provoke 409s); `clock` replaces the wall clock for timestamps.
    """

    NAME = "Notion"
    _store: Store

    def __init__(
        self,
        database: Path | None = None,
        *,
        token: str = "secret-sandbox-token",
        rate_per_second: float | None = None,
        burst: int = 10,
        write_latency: float = 0.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.token = token
        self.write_latency = write_latency
        self.requests: Counter[tuple[str, str]] = Counter()
        super().__init__(Store(database))
        self._clock = clock or (lambda: datetime.now(UTC))
        self._workspace = Workspace(self._store, self._clock)
        self._bucket = TokenBucket(rate_per_second, burst) if rate_per_second else None
        self._faults: list[Fault] = []
        self._lag = Lag()
        self._lock = threading.Lock()
        self._page_locks: dict[str, threading.Lock] = {}

    # -- test controls --------------------------------------------------------------------

    @property
    def bot_user_id(self) -> str:
        """The integration's bot user (author of every API write)."""
        return self._workspace.bot_id

    @property
    def person_user_id(self) -> str:
        """The person who edits through `human_edit` and owns root pages."""
        return self._workspace.person_id

    def add_root_page(self, title: str, page_id: str | None = None, *, shared: bool = True) -> str:
        """A workspace page shared with the integration (unless `shared` is false: then the
        API answers 404 for it and everything in it); returns its id. An existing id is
        returned unchanged."""
        with self._store.transaction():
            return self._workspace.add_root_page(title, page_id, shared)

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    def inject(
        self,
        status: int | None = None,
        *,
        kind: str = "error",
        times: int = 1,
        method: str | None = None,
        route: str | None = None,
        retry_after: int | None = None,
        commit: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Make the next `times` requests matching `method`/`route` answer a fault of `kind`
        (one of `FAULT_KINDS`, see `faults.COMMON_KINDS`): by default `status` with Notion's
        error body for it (`Retry-After: retry_after` when given; kind `retry_date`: a 429
        whose Retry-After is an HTTP date). `commit` performs the request first (a write
        committed although the client sees an error; a 503 then carries `additional_data`);
        `delay` sleeps before answering. A status below 400 only delays a normal answer."""
        code = check_fault(FAULT_KINDS, kind, status, times=times, delay=delay, commit=commit)
        route_method, template = _normalize_route(route) if route else (None, None)
        wanted = (method or route_method or "").upper() or None
        fault = Fault(kind, code, times, wanted, template, delay, commit, retry_after)
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def lag(self, queries: int) -> None:
        """Eventual consistency: each page, database or data source created from now on is
        missing from the next `queries` data source queries and searches (counted together);
        0 turns it off and shows them all."""
        self._lag.switch(queries)

    def human_edit(self, block_or_page_id: str, **changes: Any) -> None:
        """Edit like a person in the Notion UI: the change is authored by a person user and
        bumps `last_edited_time` of the block and of its page.

        Blocks: `text="..."` (or `rich_text=` text or request rich text) and any field of the
        block's type in request form (`checked=True`, `language="yaml"`, ...). Pages:
        `title="..."`, `icon="emoji"` or an icon object, `properties={...}` (rows).
        Both: `in_trash=True/False`."""
        with self._store.transaction():
            self._workspace.human_edit(block_or_page_id, changes)

    # -- request handling -----------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one HTTP request (`headers` with lower-case names)."""
        request_id = new_id()
        parts = urlsplit(target)
        route = match_route(parts.path)
        with self._lock:
            self.requests[(method, route[0] if route else parts.path)] += 1
        try:
            payload = self._process(method, route, parts.query, headers, body)
        except Prepared as prepared:
            return prepared.response
        except Invalid as problem:
            return error_response(problem.to_api_error(), request_id)
        except ApiError as error:
            return error_response(error, request_id)
        except Exception as exc:  # an emulator bug: answer like an unexpected Notion failure
            failure = ApiError(500, "internal_server_error", f"Emulator failure: {exc!r}")
            return error_response(failure, request_id)
        return Response(200, {**payload, "request_id": request_id})

    def _process(
        self,
        method: str,
        route: tuple[str, str | None] | None,
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> dict[str, Any]:
        template = route[0] if route else ""
        if self._bucket is not None:
            wait = self._bucket.take()
            if wait > 0:
                raise rate_limited(max(1, math.ceil(wait)))
        fault = self._take_fault(method, template)
        if fault is not None and fault.answers_early:
            self._closing.wait(fault.delay)
            raise fault.exception(method, template, None, self._clock())
        version = headers.get("notion-version")
        if version is None:
            raise ApiError(
                400,
                "missing_version",
                "Notion-Version header failed validation: "
                "Notion-Version header should be defined, instead was `undefined`.",
            )
        if version not in SUPPORTED_VERSIONS:
            raise ApiError(
                400,
                "validation_error",
                "Notion-Version header failed validation: "
                f"Notion-Version header should be one of {list(SUPPORTED_VERSIONS)} "
                f"in this emulator, instead was `{json.dumps(version)}`.",
            )
        if headers.get("authorization") != f"Bearer {self.token}":
            raise ApiError(401, "unauthorized", "API token is invalid.")
        if route is None:
            raise ApiError(400, "invalid_request_url", "Invalid request URL.")
        if method not in ROUTES[template]:
            raise ApiError(405, "invalid_request", f"Unsupported request: {method} {template}.")
        object_id = _path_id(template, route[1])
        if len(body) > MAX_PAYLOAD_BYTES:
            raise ApiError(
                413,
                "validation_error",
                f"Request body too large: {len(body)} bytes, "
                f"more than the limit of {MAX_PAYLOAD_BYTES} bytes.",
            )
        data: Any = None
        if method in ("POST", "PATCH"):
            try:
                data = json.loads(body) if body.strip() else {}
            except ValueError:
                raise ApiError(400, "invalid_json", "Error parsing JSON body.") from None
        query = {key: values[-1] for key, values in parse_qs(query_string).items()}
        result = self._dispatch(method, template, object_id, query, data, version)
        result = apply_lag(self._lag, method, template, result)
        if fault is not None:
            self._closing.wait(fault.delay)
            if fault.status >= 400:
                raise fault.exception(method, template, result, self._clock())
            if fault.kind == "reset":
                answer = Response(200, {**result, "request_id": new_id()}, reset=True)
                raise Prepared(answer)
        return result

    def _take_fault(self, method: str, route: str) -> Fault | None:
        with self._lock:
            return take_fault(self._faults, method, route)

    def _dispatch(
        self,
        method: str,
        template: str,
        object_id: str | None,
        query: dict[str, str],
        data: Any,
        version: str,
    ) -> dict[str, Any]:
        call = self._handler(method, template, object_id or "", query, data, version)
        scope: str | None = None
        if method != "GET" and template not in READ_ONLY_POSTS:
            with self._store.transaction():
                scope = self._workspace.lock_scope(template, object_id, data)
        if scope is None:
            with self._store.transaction():
                return call()
        lock = self._page_lock(scope)
        if not lock.acquire(blocking=False):
            raise ApiError(409, "conflict_error", ERRORS[409][1])
        try:
            with self._store.transaction():
                result = call()
            if self.write_latency > 0:
                self._closing.wait(self.write_latency)
            return result
        finally:
            lock.release()

    def _page_lock(self, page_id: str) -> threading.Lock:
        with self._lock:
            return self._page_locks.setdefault(page_id, threading.Lock())

    def _handler(
        self,
        method: str,
        template: str,
        oid: str,
        query: dict[str, str],
        data: Any,
        version: str,
    ) -> Callable[[], dict[str, Any]]:
        ws = self._workspace
        handlers: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
            ("GET", "/v1/users/me"): ws.bot,
            ("GET", "/v1/users"): ws.users,
            ("GET", "/v1/users/{id}"): lambda: ws.user(oid),
            ("POST", "/v1/pages"): lambda: ws.create_page(data, version),
            ("GET", "/v1/pages/{id}"): lambda: ws.get_page(oid, version),
            ("PATCH", "/v1/pages/{id}"): lambda: ws.update_page(oid, data, version),
            ("GET", "/v1/blocks/{id}"): lambda: ws.get_block(oid, version),
            ("PATCH", "/v1/blocks/{id}"): lambda: ws.update_block(oid, data, version),
            ("DELETE", "/v1/blocks/{id}"): lambda: ws.delete_block(oid, version),
            ("GET", "/v1/blocks/{id}/children"): lambda: ws.list_children(oid, query, version),
            ("PATCH", "/v1/blocks/{id}/children"): lambda: ws.append_children(oid, data, version),
            ("POST", "/v1/databases"): lambda: ws.create_database(data, version),
            ("GET", "/v1/databases/{id}"): lambda: ws.get_database(oid, version),
            ("PATCH", "/v1/databases/{id}"): lambda: ws.update_database(oid, data, version),
            ("POST", "/v1/data_sources"): lambda: ws.create_data_source(data, version),
            ("GET", "/v1/data_sources/{id}"): lambda: ws.get_data_source(oid, version),
            ("PATCH", "/v1/data_sources/{id}"): lambda: ws.update_data_source(oid, data, version),
            ("POST", "/v1/data_sources/{id}/query"): (
                lambda: ws.query_data_source(oid, data, version)
            ),
            ("POST", "/v1/search"): lambda: ws.search(data, version),
        }
        return handlers[(method, template)]


def _path_id(template: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    normalized = normalize_id(raw)
    if normalized is None:
        name = _ID_NAMES.get(template.split("/")[2], "id")
        raise ApiError(
            400,
            "validation_error",
            f"path failed validation: path.{name} should be "
            f"a valid uuid, instead was `{json.dumps(raw)}`.",
        )
    return normalized
