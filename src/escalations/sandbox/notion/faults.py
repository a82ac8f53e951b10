"""Error answers, rate limiting, scripted faults and lag of the Notion emulator."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from escalations.sandbox import faults
from escalations.sandbox.faults import COMMON_KINDS, Lag, Prepared, gateway_page, http_date
from escalations.sandbox.http import Response
from escalations.sandbox.notion.shapes import ApiError
from escalations.sandbox.notion.store import new_id

FAULT_KINDS = COMMON_KINDS
"""Every fault kind of the Notion emulator (see `faults.COMMON_KINDS`)."""

READ_ONLY_POSTS = ("/v1/search", "/v1/data_sources/{id}/query")
CREATIONS = ("/v1/pages", "/v1/databases", "/v1/data_sources")

# fmt: off
ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request", "This request is not supported."),
    401: ("unauthorized", "API token is invalid."),
    403: ("restricted_resource", "API token does not have access to this resource."),
    404: ("object_not_found", "Could not find the requested object. Make sure the relevant pages "
          "and databases are shared with your integration."),
    409: ("conflict_error", "Conflict occurred while saving. Please try again."),
    429: ("rate_limited", "You have been rate limited. Please try again in a few minutes."),
    500: ("internal_server_error", "Unexpected error occurred."),
    502: ("bad_gateway", "Bad gateway."),
    503: ("service_unavailable",
          "Public API service is temporarily unavailable, please try again later."),
    504: ("gateway_timeout", "Notion timed out while attempting to complete this request."),
    529: ("service_overload", "Notion is overloaded. Please try again later."),
}
# fmt: on
"""Error code and message of each status `inject` can answer."""

RETRY_COMMITTED = "committed_do_not_retry"
RETRY_NOT_COMMITTED = "not_committed_safe_to_retry"
"""Values of `additional_data.retry_guidance` in a 503 answer to a write (emulator wording)."""


@dataclass
class Fault(faults.Fault):
    def error(
        self, method: str, route: str, result: dict[str, Any] | None, now: datetime
    ) -> ApiError:
        """The error answer; `result` is the committed write's answer, if it was performed."""
        if self.status == 429:
            limited = rate_limited(self.retry_after or 1)
            if self.kind == "retry_date":
                limited.headers["Retry-After"] = http_date(now, self.retry_after or 1)
            return limited
        code, message = ERRORS.get(self.status, ("internal_server_error", "Unexpected error."))
        headers: dict[str, str] = {}
        extra: dict[str, Any] | None = None
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        is_write = method != "GET" and route not in READ_ONLY_POSTS
        if self.status == 503 and is_write:
            if result is None:
                extra = {"retry_guidance": RETRY_NOT_COMMITTED}
            else:
                extra = {"retry_guidance": RETRY_COMMITTED}
                if route in CREATIONS:
                    extra["committed_resource_id"] = result["id"]
                elif route == "/v1/blocks/{id}/children":
                    extra["committed_child_ids"] = [child["id"] for child in result["results"]]
        return ApiError(self.status, code, message, additional_data=extra, headers=headers)

    def exception(
        self, method: str, route: str, result: dict[str, Any] | None, now: datetime
    ) -> Exception:
        """What the request processing raises for the fault's error answer."""
        if self.kind == "html":
            return Prepared(gateway_page(self.status))
        error = self.error(method, route, result, now)
        if self.kind == "reset":
            return Prepared(replace(error_response(error, new_id()), reset=True))
        return error


def rate_limited(seconds: int) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        ERRORS[429][1],
        additional_data={
            "rate_limit_reason": "public_api_request_rate_limit",
            "retry_after": str(seconds),
        },
        headers={"Retry-After": str(seconds)},
    )


class TokenBucket:
    """A token bucket: `rate` requests per second, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(max(burst, 1))
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> float:
        """Take a token; 0 when granted, else the seconds until one is available."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


def error_response(error: ApiError, request_id: str) -> Response:
    payload: dict[str, Any] = {
        "object": "error",
        "status": error.status,
        "code": error.code,
        "message": error.message,
        "request_id": request_id,
    }
    if error.additional_data is not None:
        payload["additional_data"] = error.additional_data
    return Response(error.status, payload, dict(error.headers))


def apply_lag(lag: Lag, method: str, template: str, result: dict[str, Any]) -> dict[str, Any]:
    """A creation or listing answer as seen through the search index's lag."""
    if method == "POST" and template in CREATIONS:
        sources = result.get("data_sources") or []
        lag.created(str(result["id"]), *(str(source["id"]) for source in sources))
    elif template in READ_ONLY_POSTS:
        kept, _ = lag.listed(result["results"])
        result = {**result, "results": kept}
    return result
