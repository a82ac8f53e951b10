"""The HTTP layer under notion-client: a client-side throttle and Notion's retry rules."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from escalations.errors import EscalationsError

RETRY_STATUSES = frozenset({429, 409, 500, 502, 503, 504, 529})
SAFE_METHODS = frozenset({"GET", "DELETE"})


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

    429 and 409 were not applied: always retried, honouring Retry-After. 5xx and 529 on GET
    and DELETE are retried with backoff; on POST and PATCH they may have been committed
    (Notion documents that a 503 on a write can mean it was saved), so they raise
    AmbiguousWriteError and the caller re-reads the state instead of writing twice.
    """

    def __init__(
        self,
        *,
        rate: float = 3.0,
        attempts: int = 6,
        max_delay: float = 30.0,
        inner: httpx.BaseTransport | None = None,
    ) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.throttle = Throttle(rate)
        self.attempts = attempts
        self.max_delay = max_delay
        self.counts: Counter[str] = Counter()
        """Requests sent, by "read" (GET and POST .../query or /search) and "write"."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method
        for attempt in range(self.attempts):
            self.throttle.wait()
            self.counts["read" if _is_read(request) else "write"] += 1
            try:
                response = self.inner.handle_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                if attempt == self.attempts - 1:
                    raise
                self._sleep(attempt, None)  # nothing was sent: safe to send again
                continue
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError):
                # Sent, and the answer was lost (a timeout, a reset mid-response).
                if method not in SAFE_METHODS and not _is_read(request):
                    raise AmbiguousWriteError(method, str(request.url), None) from None
                if attempt == self.attempts - 1:
                    raise
                self._sleep(attempt, None)
                continue
            status = response.status_code
            if status not in RETRY_STATUSES or attempt == self.attempts - 1:
                return response
            response.read()
            if status >= 500 and method not in SAFE_METHODS and not _is_read(request):
                raise AmbiguousWriteError(method, str(request.url), status)
            self._sleep(attempt, response.headers.get("retry-after"))
        raise AssertionError("unreachable")  # the last attempt returns

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = _retry_after(retry_after)
        if delay is None:
            delay = min(self.max_delay, 0.5 * 2.0**attempt) * (0.5 + random.random() / 2)
        time.sleep(min(delay, self.max_delay))

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
