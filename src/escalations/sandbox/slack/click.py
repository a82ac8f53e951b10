"""A button click as Slack delivers it: a signed `block_actions` payload POSTed to a URL."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from escalations.sandbox.slack.methods import APP_ID, TEAM_DOMAIN, TEAM_ID
from escalations.sandbox.slack.store import Channel, Message, User


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the interactivity URL answered, and what was sent to it."""

    status: int
    body: bytes
    payload: dict[str, Any]
    headers: dict[str, str]


def sign(signing_secret: str, timestamp: int, body: bytes) -> str:
    """Slack's v0 signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` (§1.11)."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def find_button(message: Message, action_id: str) -> tuple[str, dict[str, Any]]:
    """The block id and the element of the button `action_id`; KeyError when absent."""
    for index, block in enumerate(message.blocks or []):
        elements = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return str(block.get("block_id") or f"block-{index}"), element
    raise KeyError(f"message {message.ts} has no element with action_id {action_id!r}")


def block_actions(
    message: Message,
    channel: Channel,
    user: User,
    action_id: str,
    moment: int,
    option: str | None = None,
) -> dict[str, Any]:
    """The `block_actions` payload of a click (fields of reference §1.11); for a static_select,
    the choice of its option whose value is `option` (`selected_option`, as Slack sends it)."""
    block_id, element = find_button(message, action_id)
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": element.get("type", "button"),
        "action_ts": f"{moment}.000000",
    }
    for name in ("text", "value", "style", "url", "placeholder"):
        if name in element:
            action[name] = element[name]
    if element.get("type") == "static_select":
        listed = [o for o in element.get("options") or [] if o.get("value") == option]
        if not listed:
            raise KeyError(f"the select {action_id!r} has no option {option!r}")
        action["selected_option"] = listed[0]
    shape: dict[str, Any] = {"type": "message", "ts": message.ts, "text": message.text}
    if message.blocks:
        shape["blocks"] = message.blocks
    name = user.email.split("@")[0]
    return {
        "type": "block_actions",
        "user": {"id": user.id, "username": name, "name": name, "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "sandbox-verification-token",
        "container": {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": channel.id,
            "is_ephemeral": False,
        },
        "trigger_id": f"{moment}.{message.ts.replace('.', '')}.sandbox",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "channel": {"id": channel.id, "name": channel.name},
        "message": shape,
        "state": {"values": {}},
        "response_url": f"https://hooks.slack.com/actions/{TEAM_ID}/{message.ts}/sandbox",
        "actions": [action],
    }


def deliver_click(
    message: Message,
    channel: Channel,
    user: User,
    action_id: str,
    url: str,
    signing_secret: str,
    moment: int,
    timeout: float,
    option: str | None = None,
) -> Delivery:
    """POST the click's payload form-encoded (`payload=<json>`) and signed to `url`."""
    payload = block_actions(message, channel, user, action_id, moment, option)
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(moment),
        "X-Slack-Signature": sign(signing_secret, moment, body),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    # no proxy: the receiver is a local test server
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as answer:
            return Delivery(answer.status, answer.read(), payload, headers)
    except urllib.error.HTTPError as refused:
        return Delivery(refused.code, refused.read(), payload, headers)
