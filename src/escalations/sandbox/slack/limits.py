"""Rate limits, error answers and scripted faults of the Slack emulator."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escalations.sandbox import faults
from escalations.sandbox.faults import COMMON_KINDS, Prepared, gateway_page, http_date
from escalations.sandbox.http import Response

FAULT_KINDS = tuple(kind for kind in COMMON_KINDS if kind != "lag")
"""Fault kinds of the Slack emulator (see `faults.COMMON_KINDS`; nothing Slack lists lags)."""

POST_MESSAGE = "chat.postMessage"

PER_MINUTE = {"chat.update": 50, "users.lookupByEmail": 50, "conversations.info": 50}
PER_MINUTE |= {"conversations.history": 50, "conversations.open": 50, "conversations.list": 20}
PER_MINUTE["auth.test"] = 300
"""Requests per minute of each tiered method (reference §1.9: Tier 3 "50+ per minute";
auth.test "hundreds"; conversations.list is Tier 2, "20+ per minute", per Slack's method
page); chat.postMessage is limited per channel instead. conversations.history is Tier 3 for
internal apps; commercially distributed non-Marketplace apps installed since 2025-05-29 get
1 per minute and 15 messages a page (docs.slack.dev/apis/web-api/rate-limits), which the
notifier's one lookup per interrupted delivery fits too."""

# the Slack errors that 5xx answers carry (emulator choice: Slack does not document them)
SERVER_ERRORS = {500: "internal_error", 503: "service_unavailable", 504: "request_timeout"}


class ApiError(Exception):
    """A Slack error answer: `{"ok": false, "error": code, ...}` with its HTTP status."""

    def __init__(
        self,
        code: str,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.headers = headers or {}
        self.fields = fields

    def response(self) -> Response:
        return Response(self.status, {"ok": False, "error": self.code, **self.fields}, self.headers)


def rate_limited(seconds: int) -> ApiError:
    """Slack's 429: an integer `Retry-After`, as slack_sdk's retry handler parses it (§1.9)."""
    return ApiError("ratelimited", 429, {"Retry-After": str(max(seconds, 1))})


class Bucket:
    """A token bucket: `rate` requests per second, `burst` at once, on the emulator's clock."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.capacity = float(max(burst, 1))
        self.tokens = self.capacity
        self.clock = clock
        self.stamp = clock()

    def take(self) -> int:
        """Take a token: 0 when granted, else the whole seconds until one is available."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0
        return max(1, math.ceil((1 - self.tokens) / self.rate))


class Limits:
    """The buckets: one per channel for chat.postMessage (1 per second, `burst` at once), one
    per tiered method; `enabled` False lets everything through."""

    def __init__(self, burst: int, clock: Callable[[], float]) -> None:
        self.enabled = True
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def check(self, method: str, channel: str | None) -> None:
        """Raise the 429 when `method` (on `channel` for chat.postMessage) is over its limit."""
        if not self.enabled:
            return
        if method == POST_MESSAGE:
            key, rate, burst = f"{method}:{channel}", 1.0, self.burst
        elif method in PER_MINUTE:
            key, rate, burst = method, PER_MINUTE[method] / 60, PER_MINUTE[method]
        else:
            return
        with self._lock:
            bucket = self._buckets.setdefault(key, Bucket(rate, burst, self._clock))
            wait = bucket.take()
        if wait:
            raise rate_limited(wait)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


@dataclass
class Fault(faults.Fault):
    error: str | None = None
    """The Slack error code of the answer (default: the status's, see `exception`)."""

    def exception(self, now: datetime) -> Exception:
        """What the request processing raises for the fault's answer."""
        if self.kind == "html":
            return Prepared(gateway_page(self.status))
        if self.status == 429:
            error = rate_limited(self.retry_after or 1)
            if self.kind == "retry_date":
                error.headers["Retry-After"] = http_date(now, self.retry_after or 1)
        else:
            default = SERVER_ERRORS.get(self.status, "fatal_error")
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after else {}
            error = ApiError(self.error or default, self.status, headers)
        if self.kind == "reset":
            response = error.response()
            response.reset = True
            return Prepared(response)
        return error
