"""Rate-limit windows, 429 bodies and scripted faults of the HubSpot emulator."""

from __future__ import annotations

import time
import uuid
from collections import Counter, deque
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalations.sandbox import faults
from escalations.sandbox.faults import COMMON_KINDS, Lag, Prepared, gateway_page, http_date
from escalations.sandbox.http import Response
from escalations.sandbox.hubspot.shapes import ApiError

SEARCH_PER_SECOND = 4
"""CRM search requests per second per token (reference §4.2)."""

TICKETS = "/crm/v3/objects/tickets"
TICKET_SEARCH = "/crm/v3/objects/tickets/search"

DAILY_LIMIT = 650_000
"""Requests per day of a Professional portal's private app (reference §4.3)."""

FAULT_KINDS = (*COMMON_KINDS, "daily")
"""Every fault kind of the HubSpot emulator (see `faults.COMMON_KINDS`); `daily` answers the
daily limit's 429 to every matching request until `clear_faults()`."""

# fmt: off
ERRORS: dict[int, tuple[str, str]] = {
    401: ("INVALID_AUTHENTICATION", "Authentication credentials not found. This API supports "
          "OAuth 2.0 authentication and you can find more details at "
          "https://developers.hubspot.com/docs/methods/auth/oauth-overview"),
    403: ("MISSING_SCOPES", "This app hasn't been granted all required scopes to make this "
          "call. Read more about required scopes here: https://developers.hubspot.com/scopes."),
    404: ("OBJECT_NOT_FOUND", "resource not found"),
    409: ("CONFLICT", "Conflict: the object was modified concurrently. Please try again."),
    500: ("", "internal error"),
    502: ("", "Bad Gateway"),
    503: ("", "Service Unavailable"),
    504: ("", "Gateway Timeout"),
}
# fmt: on
"""Category and message of each status `inject` can answer (429: see `rate_limited`)."""


def rate_limited(policy: str, limit: int, window: float) -> ApiError:
    """HubSpot's 429 (reference §4.3): TEN_SECONDLY_ROLLING, or SECONDLY for searches."""
    message = (
        "You have reached your ten_secondly_rolling limit."
        if policy == "TEN_SECONDLY_ROLLING"
        else "You have reached your secondly limit."
    )
    return ApiError(
        429,
        message,
        "RATE_LIMITS",
        headers={
            "X-HubSpot-RateLimit-Max": str(limit),
            "X-HubSpot-RateLimit-Remaining": "0",
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(window * 1000)),
        },
        errorType="RATE_LIMIT",
        policyName=policy,
        groupName="publicapi:private-app:sandbox",
    )


def daily_limited() -> ApiError:
    """The 429 of an exhausted daily allowance (reference §4.3): it lasts until midnight, so
    a client should give up rather than retry."""
    return ApiError(
        429,
        "You have reached your daily limit.",
        "RATE_LIMITS",
        headers={
            "X-HubSpot-RateLimit-Daily": str(DAILY_LIMIT),
            "X-HubSpot-RateLimit-Daily-Remaining": "0",
        },
        errorType="RATE_LIMIT",
        policyName="DAILY",
        groupName="publicapi:private-app:sandbox",
    )


@dataclass
class Fault(faults.Fault):
    def error(self, rate_limit: int, window: float, now: datetime) -> ApiError:
        """HubSpot's error answer for the fault (429: TEN_SECONDLY_ROLLING, or the daily
        limit; with `retry_after`, a Retry-After header in seconds or as a date)."""
        if self.kind == "daily":
            return daily_limited()
        if self.status == 429:
            error = rate_limited("TEN_SECONDLY_ROLLING", rate_limit, window)
            if self.kind == "retry_date":
                error.headers["Retry-After"] = http_date(now, self.retry_after or 1)
            elif self.retry_after is not None:
                error.headers["Retry-After"] = str(self.retry_after)
            return error
        category, message = ERRORS.get(self.status, ("", "internal error"))
        return ApiError(self.status, message, category)

    def exception(self, rate_limit: int, window: float, now: datetime) -> Exception:
        """What the request processing raises for the fault's error answer."""
        if self.kind == "html":
            return Prepared(gateway_page(self.status))
        error = self.error(rate_limit, window, now)
        if self.kind == "reset":
            body = error.body(str(uuid.uuid4()))
            return Prepared(Response(error.status, body, error.headers, reset=True))
        return error


class Window:
    """A rolling window: at most `limit` events per `seconds`."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.stamps: deque[float] = deque()

    def take(self) -> int | None:
        """Record an event; the remaining allowance, or None when over the limit."""
        now = time.monotonic()
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        if len(self.stamps) >= self.limit:
            return None
        self.stamps.append(now)
        return self.limit - len(self.stamps)


def apply_lag(lag: Lag, method: str, template: str, result: tuple[int, Any]) -> tuple[int, Any]:
    """A ticket creation or search answer as seen through the search index's lag."""
    status, payload = result
    if (method, template) == ("POST", TICKETS):
        lag.created(str(payload["id"]))
    elif template == TICKET_SEARCH:
        kept, dropped = lag.listed(payload["results"])
        payload = {**payload, "results": kept, "total": payload["total"] - dropped}
    return status, payload


class Throttle:
    """The portal's rate limits: searches at `SEARCH_PER_SECOND` (policy SECONDLY), other
    requests but `exempt` routes at `rate_limit` per `window` seconds, rolling (policy
    TEN_SECONDLY_ROLLING; None: unlimited); `refused` counts what they answered 429."""

    def __init__(
        self, rate_limit: int | None, window: float, search: str, exempt: Collection[str]
    ) -> None:
        self.rate_limit, self.window = rate_limit, window
        self.search, self.exempt = search, exempt
        self.refused: Counter[tuple[str, str]] = Counter()
        self._searches = Window(SEARCH_PER_SECOND, 1.0)
        self._rolling = Window(rate_limit or 0, window)

    def take(self, method: str, template: str, extra: dict[str, str]) -> None:
        """Count one request against its limit, or raise its 429; the rolling window's
        headers go into `extra`. The caller holds the emulator's lock."""
        if template == self.search:
            if self._searches.take() is None:
                self.refused[(method, template)] += 1
                raise rate_limited("SECONDLY", SEARCH_PER_SECOND, 1.0)
            return
        if self.rate_limit is None or template in self.exempt:
            return
        remaining = self._rolling.take()
        if remaining is None:
            self.refused[(method, template)] += 1
            raise rate_limited("TEN_SECONDLY_ROLLING", self.rate_limit, self.window)
        extra["X-HubSpot-RateLimit-Max"] = str(self.rate_limit)
        extra["X-HubSpot-RateLimit-Remaining"] = str(remaining)
        extra["X-HubSpot-RateLimit-Interval-Milliseconds"] = str(int(self.window * 1000))
