"""Workflow WEBHOOK actions of the HubSpot emulator: HubSpot's POST, signed, retried."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from escalations.sandbox.hubspot.shapes import iso

# slack-webhooks-search.md §2.4 [DOC webhook_information]: "Workflows wait up to three seconds
# to connect", "up to 30 seconds for a response"; [KB] retries "for up to three days, starting
# one minute after failure ... a maximum gap of eight hours"; no retry on a 4xx but 429.
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 30.0
FIRST_RETRY = timedelta(minutes=1)
LONGEST_GAP = timedelta(hours=8)
GIVE_UP_AFTER = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Attempt:
    at: str
    status: int | None
    """The HTTP status, or None when no answer came (refused, timed out)."""
    error: str | None = None


@dataclass(slots=True)
class Delivery:
    """One webhook call of one run, with its attempts; `state` is PENDING, DELIVERED, FAILED."""

    flow_id: str
    action_id: str
    ticket_id: str
    url: str
    """The full URL with its query string, as signed."""
    headers: dict[str, str]
    body: bytes
    first: datetime
    attempts: list[Attempt] = field(default_factory=list)
    state: str = "PENDING"
    due: datetime | None = None
    auth: dict[str, Any] = field(default_factory=dict)


class Webhooks:
    """Sends WEBHOOK actions as HubSpot does (slack-webhooks-search.md §2.2-§2.4).

    The body is the enrolled ticket as the CRM objects API shows it, with every property that
    has a value (the exact JSON HubSpot sends is UNVERIFIED, §2.2). SIGNATURE auth adds
    `X-HubSpot-Signature-v3` and `X-HubSpot-Request-Timestamp` (epoch ms) keyed with the client
    secret of `apps[appId]`; AUTH_KEY sends `secrets[secretName]` in a header or query
    parameter. A 5xx, a 429 or no answer is retried on the emulator's clock (`due`, reached by
    `HubSpotEmulator.advance`): one minute later, then doubling up to 8 hours, for 3 days; a
    429's Retry-After is read in milliseconds (HubSpot's KB). The call runs on the request
    thread that wrote the ticket, so `read_timeout` is shorter than HubSpot's 30 s."""

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = 5.0,
    ) -> None:
        self.now = now
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.apps: dict[int, str] = {}
        """appId -> the app's client secret (SIGNATURE auth)."""
        self.secrets: dict[str, str] = {}
        """The portal's secrets by name (AUTH_KEY auth)."""
        self.deliveries: list[Delivery] = []

    def send(self, run: dict[str, Any], action: dict[str, Any], query: list[tuple[str, str]],
             ticket: dict[str, Any]) -> Delivery:  # fmt: skip
        """Call the action's URL for `run` (its first attempt, now)."""
        auth = dict(action.get("authSettings") or {})
        params = list(query)
        headers = {"Content-Type": "application/json"}
        if auth.get("type") == "AUTH_KEY":
            key = self.secrets.get(str(auth.get("secretName")), "")
            if auth.get("location") == "QUERY_PARAM":
                params.append((str(auth["name"]), key))
            else:
                headers[str(auth["name"])] = key
        url = str(action["webhookUrl"])
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        properties = {k: v for k, v in ticket["properties"].items() if v is not None}
        body = json.dumps({**ticket, "properties": properties}, separators=(",", ":")).encode()
        delivery = Delivery(str(run["flowId"]), str(action["actionId"]), str(run["ticketId"]),
                            url, headers, body, self.now(), auth=auth)  # fmt: skip
        self.deliveries.append(delivery)
        self._attempt(delivery)
        return delivery

    def next_due(self, limit: datetime) -> datetime | None:
        due = [d.due for d in self.deliveries if d.state == "PENDING" and d.due is not None]
        return min((moment for moment in due if moment <= limit), default=None)

    def retry_due(self) -> None:
        now = self.now()
        for delivery in self.deliveries:
            if delivery.state == "PENDING" and delivery.due is not None and delivery.due <= now:
                self._attempt(delivery)

    def _attempt(self, delivery: Delivery) -> None:
        now = self.now()
        headers = dict(delivery.headers)
        if delivery.auth.get("type") == "SIGNATURE":
            secret = self.apps.get(int(delivery.auth.get("appId") or 0), "")
            stamp = str(int(now.timestamp() * 1000))
            headers["X-HubSpot-Request-Timestamp"] = stamp
            headers["X-HubSpot-Signature-v3"] = sign_v3(secret, "POST", delivery.url,
                                                        delivery.body, stamp)  # fmt: skip
        timeout = httpx.Timeout(self.read_timeout, connect=self.connect_timeout)
        retry_after: timedelta | None = None
        try:
            with httpx.Client(timeout=timeout, trust_env=False) as client:
                answer = client.post(delivery.url, content=delivery.body, headers=headers)
            status: int | None = answer.status_code
            error = None
            if status == 429 and answer.headers.get("Retry-After", "").isdigit():
                retry_after = timedelta(milliseconds=int(answer.headers["Retry-After"]))
        except httpx.HTTPError as failure:
            status, error = None, type(failure).__name__
        delivery.attempts.append(Attempt(iso(now), status, error))
        if status is not None and status < 400:
            delivery.state, delivery.due = "DELIVERED", None
            return
        if status is not None and status < 500 and status != 429:
            delivery.state, delivery.due = "FAILED", None
            return
        gap = min(FIRST_RETRY * 2 ** (len(delivery.attempts) - 1), LONGEST_GAP)
        due = now + max(gap, retry_after or timedelta(0))
        if due - delivery.first > GIVE_UP_AFTER:
            delivery.state, delivery.due = "FAILED", None
        else:
            delivery.due = due


def sign_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """base64(HMAC-SHA256(secret, method + uri + body + timestamp)) (§2.3 [DOC, SDK])."""
    source = method.encode() + uri.encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), source, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()
