"""Rate-limit windows, 429 bodies and scripted faults of the HubSpot emulator."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from escalations.sandbox.hubspot_shapes import ApiError

SEARCH_PER_SECOND = 4
"""CRM search requests per second per token (reference §4.2)."""

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


@dataclass
class Fault:
    status: int
    remaining: int
    method: str | None
    route: str | None
    delay: float
    commit: bool

    def matches(self, method: str, route: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.route is None or self.route == route
        )

    def error(self, rate_limit: int, window: float) -> ApiError:
        if self.status == 429:
            return rate_limited("TEN_SECONDLY_ROLLING", rate_limit, window)
        category, message = ERRORS.get(self.status, ("", "internal error"))
        return ApiError(self.status, message, category)


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
