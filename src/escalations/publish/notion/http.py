"""The HTTP layer under notion-client: a client-side throttle and Notion's retry rules."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from escalations.errors import EscalationsError

RETRY_STATUSES = frozenset({429, 409, 500, 502, 503, 504, 529})
SAFE_METHODS = frozenset({"GET", "DELETE"})
UNREACHABLE_ATTEMPTS = 3
"""Tries before a host that does not answer is reported (a closed port need not take long)."""


class AmbiguousWriteError(EscalationsError):
    """A write failed in a way that may have been committed; re-read before trying again."""

    def __init__(self, method: str, url: str, status: int | None) -> None:
        outcome = status or "no response"
        super().__init__(
            f"{method} {url} failed ({outcome}); it may have been saved. Run apply again: it "
            "reads what was saved and finishes the job without writing anything twice."
        )
        self.method, self.url, self.status = method, url, status


class Throttle:
    """About `rate` requests per second on average, spaced evenly (Notion: ~3 per second)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_at)
            self.next_at = start + self.interval
        if start > now:
            time.sleep(start - now)


class Transport(httpx.BaseTransport):
    """Retries what Notion says to retry, so that a publish survives rate limits and outages.

    429 was not applied: always retried, honouring Retry-After (seconds or a date). Reads,
    and DELETE, are retried on 409, 5xx, 529, timeouts and lost connections, with backoff. A
    write that may have been committed (a 5xx, a 409 on a create, a lost answer: Notion
    documents that a 503 on a write can mean it was saved) raises AmbiguousWriteError, and
    the caller reads the state again instead of writing twice.
    """

    def __init__(
        self,
        *,
        rate: float = 3.0,
        attempts: int = 6,
        max_delay: float = 30.0,
        inner: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.sleep = sleep
        self.throttle = Throttle(rate)
        self.attempts = attempts
        self.max_delay = max_delay
        self.counts: Counter[str] = Counter()
        """Requests sent, by "read" (GET and POST .../query or /search) and "write"."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method
        write = method not in SAFE_METHODS and not _is_read(request)
        for attempt in range(self.attempts):
            self.throttle.wait()
            self.counts["write" if write else "read"] += 1
            last = attempt == self.attempts - 1
            try:
                response = self.inner.handle_request(request)
                response.read()  # inside the try: a reset can come in the middle of the body
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if last or attempt >= UNREACHABLE_ATTEMPTS - 1:
                    raise
                self._sleep(attempt, None)  # nothing was sent: safe to send again
                continue
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError):
                # Sent, and the answer was lost (a timeout, a reset mid-response).
                if write:
                    raise AmbiguousWriteError(method, str(request.url), None) from None
                if last:
                    raise
                self._sleep(attempt, None)
                continue
            status = response.status_code
            if status not in RETRY_STATUSES or last:
                return response
            # A create answered 409 may have been saved too (a data collision after commit);
            # a PATCH answered 409 is sent again, and apply reads back what it wrote.
            if write and (status >= 500 or (status == 409 and method == "POST")):
                raise AmbiguousWriteError(method, str(request.url), status)
            self._sleep(attempt, response.headers.get("retry-after"))
        raise AssertionError("unreachable")  # the last attempt returns

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = _retry_after(retry_after)
        if delay is None:
            delay = min(self.max_delay, 0.5 * 2.0**attempt) * (0.5 + random.random() / 2)
        self.sleep(min(delay, self.max_delay))

    def close(self) -> None:
        self.inner.close()


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _is_read(request: httpx.Request) -> bool:
    path = request.url.path
    return request.method == "GET" or path.endswith("/query") or path.endswith("/search")
