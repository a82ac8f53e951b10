"""Calls to HubSpot through hubspot-api-client: timeouts, HubSpot's retry rules, clear errors."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import ModuleType
from typing import Any, TypeVar

import urllib3
from hubspot import HubSpot
from hubspot.crm.owners import exceptions as owner_errors
from hubspot.crm.properties import exceptions as property_errors
from hubspot.crm.tickets import exceptions as ticket_errors

from escalations.errors import EscalationsError

T = TypeVar("T")

TIMEOUT = (5.0, 30.0)
"""Connect and read timeouts, seconds: without them a stalled answer is waited out in full."""
UNREACHABLE_ATTEMPTS = 3
"""Tries before a host that does not answer is reported (a closed port need not take long)."""
RETRIED = frozenset({429, 500, 502, 503, 504})
API_ERRORS = (property_errors.ApiException, owner_errors.ApiException, ticket_errors.ApiException)
"""The generated packages each raise their own ApiException (status, headers, body)."""
SCOPES = "tickets, crm.objects.owners.read and automation"


class RemoteValueError(EscalationsError):
    """HubSpot sent a value that hubspot-api-client cannot read."""


class Caller:
    """Runs one SDK call at a time with HubSpot's retry rules (ref §4.3).

    Reads are retried on 429, 5xx, timeouts and dropped connections. A write is retried on 429
    (HubSpot did not apply it); after a 5xx or a lost connection it may have landed, so
    `landed` reads back whether it did before the write is sent again. 401, 403, a daily
    limit, and retries that run out are one clear EscalationsError each."""

    def __init__(
        self,
        host: str,
        *,
        attempts: int = 6,
        max_delay: float = 30.0,
        timeout: tuple[float, float] = TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.host = host
        self.attempts = attempts
        self.timeout = timeout
        self.max_delay = max_delay
        self.sleep = sleep
        self.counts: Counter[str] = Counter()
        """Requests sent, by "read" and "write"."""

    def read(self, what: str, call: Callable[[], T], *, models: ModuleType | None = None,
             api: Any = None, model: str = "") -> T:  # fmt: skip
        """`call()` until it answers. `api`, `models` and `model` name the SDK client, models
        module and response model, to say which value could not be read."""
        for attempt in range(self.attempts):
            self.counts["read"] += 1
            try:
                return call()
            except (ValueError, TypeError) as exc:
                raise _unreadable(what, exc, api, models, model) from None
            except Exception as exc:
                self._settle(what, exc, attempt)
        raise AssertionError("unreachable")  # the last attempt raises

    def write(self, what: str, call: Callable[[], T], *, landed: Callable[[], bool] | None = None,
              conflict: bool = False) -> T | None:  # fmt: skip
        """`call()` until it is applied once. `landed` reads back whether a write that failed
        without a clear answer was applied (None: the write is safe to send again); when it
        was, None is returned. `conflict` lets a 409 through to the caller."""
        for attempt in range(self.attempts):
            self.counts["write"] += 1
            try:
                return call()
            except Exception as exc:
                status = _status(exc)
                if conflict and status == 409:
                    raise
                self._settle(what, exc, attempt)
                if status != 429 and landed is not None and landed():
                    return None
        raise AssertionError("unreachable")

    def _settle(self, what: str, exc: Exception, attempt: int) -> None:
        """Sleep before the next attempt, or raise the error a person should see."""
        status = _status(exc)
        if status is None:
            raise exc
        last = attempt == self.attempts - 1
        if status == 0:  # no answer: refused, reset, or timed out
            if last or attempt >= UNREACHABLE_ATTEMPTS - 1:
                raise EscalationsError(
                    f"cannot reach HubSpot at {self.host} while {what} ({_reason(exc)}) after "
                    f"{attempt + 1} attempts; check the network and hubspot.base_url in "
                    "sync/targets.yaml."
                ) from None
            self.sleep(self._backoff(attempt))
            return
        body = _body(exc)
        if status == 401:
            raise EscalationsError(
                "HubSpot rejected the token (401 INVALID_AUTHENTICATION); set "
                "HUBSPOT_ACCESS_TOKEN to the private app's token or a service key."
            ) from None
        if status == 403:
            raise EscalationsError(
                f"HubSpot refused {what} (403 {body.get('category', 'FORBIDDEN')}): the token "
                f"lacks a scope; give the private app the scopes {SCOPES}."
            ) from None
        if status == 429 and body.get("policyName") == "DAILY":
            raise EscalationsError(
                "HubSpot's daily API limit is used up (429, policy DAILY); it resets at midnight "
                "in the portal's time zone: run apply again then (it picks up where it stopped)."
            ) from None
        if status not in RETRIED:
            message = body.get("message") or _text(exc)[:300]
            raise EscalationsError(f"HubSpot answered {status} to {what}: {message}") from None
        delay = _retry_after(exc)
        if last or (delay is not None and delay > self.max_delay):
            wait = f"; it asks to wait {delay:.0f} s" if delay else ""
            raise EscalationsError(
                f"HubSpot answered {status} to {what} {attempt + 1} times{wait}; try again later "
                "(apply is safe to run again)."
            ) from None
        self.sleep(delay if delay is not None else self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        return min(self.max_delay, 0.5 * 2.0**attempt) * (0.5 + random.random() / 2)


def raw(
    client: HubSpot,
    method: str,
    path: str,
    *,
    body: Any = None,
    query: dict[str, Any] | None = None,
    timeout: tuple[float, float] = TIMEOUT,
) -> Any:
    """A JSON request to an endpoint without a generated client (flows: ref §0.1), through the
    SDK's own ApiClient so that it has the same host, token, timeouts and errors as the rest
    (`client.api_request` has no timeout and prints errors to standard output)."""
    api = client.crm.properties.core_api.api_client
    return api.call_api(
        path,
        method,
        query_params=list((query or {}).items()),
        header_params={"Content-Type": "application/json", "Accept": "application/json"},
        body=body,
        response_types_map={200: "object", 201: "object", 207: "object"},
        auth_settings=["oauth2"],
        _return_http_data_only=True,
        _request_timeout=timeout,
    )


def _status(exc: Exception) -> int | None:
    """The HTTP status of an SDK error, 0 when no answer came, None for anything else."""
    if isinstance(exc, API_ERRORS):
        return int(exc.status or 0)
    if isinstance(exc, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError):
        return 0
    return None


def _text(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return str(body or getattr(exc, "reason", "") or "")


def _body(exc: Exception) -> dict[str, Any]:
    """HubSpot's JSON error body; {} for an HTML page from a gateway or no body."""
    try:
        data = json.loads(_text(exc))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _reason(exc: Exception) -> str:
    if isinstance(exc, API_ERRORS):
        return str(exc.reason or "no answer").splitlines()[0]
    text = str(exc)
    for marker in ("Connection refused", "timed out", "Connection reset", "Connection aborted"):
        if marker.lower() in text.lower():
            return marker.lower()
    return type(exc).__name__


def _retry_after(exc: Exception) -> float | None:
    """Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3), if HubSpot sent one."""
    headers = getattr(exc, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _unreadable(what: str, exc: Exception, api: Any, models: ModuleType | None,
                model: str) -> RemoteValueError:  # fmt: skip
    where = None
    if api is not None and models is not None and model:
        try:
            data = json.loads(api.last_response.data)
        except (AttributeError, TypeError, ValueError):
            data = None
        where = _locate(data, model, models, "")
    found = f": {where}" if where else f" ({exc})"
    return RemoteValueError(
        f"HubSpot sent a value hubspot-api-client cannot read while {what}{found}; correct it "
        "in HubSpot, then run the command again."
    )


PRIMITIVES: dict[str, Callable[[Any], Any]] = {"int": int, "float": float, "str": str}
KEYS = ("name", "email", "id")


def _locate(data: Any, klass: str, models: ModuleType, path: str) -> str | None:
    """Where in `data` the SDK model `klass` (an openapi_types name) fails to read."""
    if data is None:
        return None
    if klass.startswith("list["):
        for index, item in enumerate(data if isinstance(data, list) else []):
            label = next((f"{k} {item[k]!r}" for k in KEYS if isinstance(item, dict) and k in item),
                         f"#{index}")  # fmt: skip
            found = _locate(item, klass[5:-1], models, f"{path} > {label}".strip(" >"))
            if found:
                return found
        return None
    if klass in PRIMITIVES:
        try:
            PRIMITIVES[klass](data)
        except (TypeError, ValueError):
            return f"{path} is {data!r}, not {'an integer' if klass == 'int' else 'a ' + klass}"
        return None
    cls = getattr(models, klass, None)
    if cls is None or not isinstance(data, dict):
        return None
    for attr, sub in cls.openapi_types.items():
        key = cls.attribute_map[attr]
        if key in data:
            found = _locate(data[key], sub, models, f"{path} {key}".strip())
            if found:
                return found
    return None
