"""Who sent a request: HubSpot's signatures or auth key, Slack's v0 signature."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from hubspot.exceptions import InvalidSignatureTimestampError, InvalidSignatureVersionError
from hubspot.utils.signature import Signature
from slack_sdk.signature import Clock, SignatureVerifier

WINDOW_SECONDS = 300
"""HubSpot v3 and Slack v0 both refuse a timestamp older than 5 minutes (reference §1.11, §2.3)."""


@dataclass(frozen=True, slots=True)
class Secrets:
    """What the service checks requests with; each comes from the environment, never a file."""

    slack_signing_secret: str
    hubspot_client_secret: str | None = None
    """The client secret of the app a SIGNATURE webhook names (targets.yaml notify.app_id)."""
    hubspot_key: str | None = None
    """The AUTH_KEY webhook's key, sent by HubSpot in `hubspot_key_header`."""
    hubspot_key_header: str = "X-Escalations-Key"


def hubspot_refusal(
    secrets: Secrets, method: str, url: str, headers: Mapping[str, str], body: bytes, now: datetime
) -> str | None:
    """Why a request is not HubSpot's (None when it is): v3 when its headers are present, else
    v1/v2, else the auth key. `headers` must match names case-insensitively (Starlette's do)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    v3 = headers.get("X-HubSpot-Signature-v3")
    older = headers.get("X-HubSpot-Signature")
    secret = secrets.hubspot_client_secret
    if secret and v3 is not None:
        stamp = headers.get("X-HubSpot-Request-Timestamp", "")
        if not stamp.isdigit():
            return "X-HubSpot-Request-Timestamp is missing or not epoch milliseconds"
        if abs(now.timestamp() - int(stamp) / 1000) > WINDOW_SECONDS:
            return "the v3 signature's timestamp is more than 5 minutes away"
        # HubSpot's docs say the URI is URL-decoded for v3 (UNVERIFIED, §2.3): accept either.
        for uri in dict.fromkeys((url, unquote(url))):
            try:
                if Signature.is_valid(v3, secret, text, uri, method, "v3", stamp):
                    return None
            except InvalidSignatureTimestampError:
                return "the v3 signature's timestamp is more than 5 minutes away"
        return "the v3 signature does not match"
    if secret and older is not None:
        version = headers.get("X-HubSpot-Signature-Version", "v1")
        try:
            valid = Signature.is_valid(older, secret, text, url, method, version)
        except InvalidSignatureVersionError:
            return f"unknown signature version {version!r}"
        return None if valid else f"the {version} signature does not match"
    if secrets.hubspot_key:
        given = headers.get(secrets.hubspot_key_header)
        if given is None:
            return f"no signature and no {secrets.hubspot_key_header} header"
        # compare_digest: the time taken does not tell how much of the key was right.
        if hmac.compare_digest(given.encode(), secrets.hubspot_key.encode()):
            return None
        return f"the {secrets.hubspot_key_header} header is not the key"
    return "no HubSpot signature"


class _Clock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def slack_refusal(
    signing_secret: str, headers: Mapping[str, str], body: bytes, now: datetime
) -> str | None:
    """Why a request is not Slack's (None when it is): slack_sdk's v0 check, on our clock."""
    stamp = headers.get("X-Slack-Request-Timestamp")
    signature = headers.get("X-Slack-Signature")
    if stamp is None or signature is None:
        return "no Slack signature"
    if not stamp.lstrip("-").isdigit():
        return "X-Slack-Request-Timestamp is not a number"
    if abs(now.timestamp() - int(stamp)) > WINDOW_SECONDS:
        return "the Slack signature's timestamp is more than 5 minutes away"
    verifier = SignatureVerifier(signing_secret, clock=_Clock(now.timestamp()))
    if verifier.is_valid(body, stamp, signature):
        return None
    return "the Slack signature does not match"
