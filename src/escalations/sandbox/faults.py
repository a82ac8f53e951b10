"""Scripted faults the emulators share: kinds, matching, gateway pages, HTTP dates and lag."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any, TypeVar

from escalations.sandbox.http import Response

COMMON_KINDS = ("error", "stall", "reset", "html", "retry_date", "lag")
"""Fault kinds of the emulators. `lag` is switched on by `lag()`, the others by
`inject(kind=...)`:

- error: the API's JSON error body for the status (a status below 400 only delays);
- stall: the normal answer (or the status's error answer) after `delay` seconds;
- reset: the status line, the headers and half the body, then a TCP reset; the answer is the
  real one when `commit` performed the request, else the status's error answer (503 default);
- html: a gateway's small HTML page (`Content-Type: text/html`) for the status (502 default);
- retry_date: a 429 whose `Retry-After` is an HTTP date (RFC 9110 IMF-fixdate);
- lag: objects just created are missing from the next listings (eventual consistency)."""

NORMAL = 0
"""The status of a fault that keeps the normal answer (a stall, a reset after commit)."""


@dataclass
class Fault:
    """One scripted fault for the next `remaining` matching requests (None: until cleared)."""

    kind: str
    status: int
    remaining: int | None
    method: str | None
    route: str | None
    delay: float = 0.0
    commit: bool = False
    retry_after: int | None = None

    def matches(self, method: str, route: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.route is None or self.route == route
        )

    @property
    def answers_early(self) -> bool:
        """Whether the fault answers without performing the request."""
        return not self.commit and self.status >= 400


def check_fault(
    kinds: tuple[str, ...], kind: str, status: int | None, *, times: int, delay: float, commit: bool
) -> int:
    """The status a fault of `kind` answers (NORMAL: the normal answer); ValueError when the
    arguments do not make sense for the kind."""
    if kind not in kinds or kind == "lag":
        choices = ", ".join(repr(k) for k in kinds if k != "lag")
        hint = "; lag is switched on by lag()" if kind == "lag" else ""
        raise ValueError(f"unknown fault kind {kind!r}; kinds: {choices}{hint}")
    if times < 1:
        raise ValueError("times must be at least 1")
    if kind == "stall" and delay <= 0:
        raise ValueError("a stall needs a delay in seconds")
    defaults = {"stall": NORMAL, "reset": NORMAL if commit else 503, "html": 502}
    defaults |= {"retry_date": 429, "daily": 429}
    if status is None:
        if kind not in defaults:
            raise ValueError(f"a fault of kind {kind!r} needs a status")
        return defaults[kind]
    if kind in ("html", "retry_date", "daily") and status < 400:
        raise ValueError(f"a fault of kind {kind!r} answers an error: status {status} is not one")
    if kind in ("retry_date", "daily") and status != 429:
        raise ValueError(f"a fault of kind {kind!r} answers 429, not {status}")
    return status


F = TypeVar("F", bound=Fault)


def take_fault(faults: list[F], method: str, route: str) -> F | None:
    """The first fault matching the request, used up once (the caller holds the lock)."""
    for fault in faults:
        if fault.matches(method, route):
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    faults.remove(fault)
            return fault
    return None


class Prepared(Exception):
    """An answer sent as is, outside the API's error shape (a gateway page, a reset)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def gateway_page(status: int, headers: dict[str, str] | None = None) -> Response:
    """What a proxy in front of the API (nginx) answers for `status`: a small HTML page."""
    known = {code.value: code.phrase for code in HTTPStatus}
    title = f"{status} {known[status]}" if status in known else str(status)
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(
        status, None, {**(headers or {}), "Content-Type": "text/html"}, body=page.encode()
    )


def http_date(moment: datetime, seconds: int) -> str:
    """`moment` plus `seconds`, rounded up to a whole second, as an RFC 9110 IMF-fixdate."""
    later = moment.astimezone(UTC) + timedelta(seconds=seconds)
    whole = later.replace(microsecond=0)
    if later.microsecond:
        whole += timedelta(seconds=1)
    return format_datetime(whole, usegmt=True)


class Lag:
    """Eventual consistency without a clock: while on, each object created is missing from the
    next `listings` listing answers (searches, queries), whatever they ask for."""

    def __init__(self) -> None:
        self.listings = 0
        self._hidden: dict[str, int] = {}
        self._lock = threading.Lock()

    def switch(self, listings: int) -> None:
        """Lag by `listings` answers from now on; 0 turns it off and shows everything."""
        if listings < 0:
            raise ValueError("the lag is a number of listings, at least 0")
        with self._lock:
            self.listings = listings
            if listings == 0:
                self._hidden.clear()

    def created(self, *object_ids: str) -> None:
        with self._lock:
            if self.listings:
                self._hidden.update(dict.fromkeys(object_ids, self.listings))

    def listed(self, results: list[Any]) -> tuple[list[Any], int]:
        """`results` without the objects still hidden, and how many were left out; counts one
        listing against every hidden object."""
        with self._lock:
            hidden = set(self._hidden)
            for object_id in hidden:
                self._hidden[object_id] -= 1
                if self._hidden[object_id] <= 0:
                    del self._hidden[object_id]
        kept = [r for r in results if not (isinstance(r, dict) and str(r.get("id")) in hidden)]
        return kept, len(results) - len(kept)
