"""How the Slack emulator reads a request's arguments: JSON body, form body or query string."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from escalations.sandbox.slack.limits import ApiError


@dataclass(frozen=True, slots=True)
class Call:
    """One request as received: HTTP verb, API method, encoding (json, form, query or
    empty), arguments."""

    verb: str
    method: str
    encoding: str
    args: dict[str, Any]


def read_call(verb: str, method: str, query: str, headers: Mapping[str, str], body: bytes) -> Call:
    """The request's arguments, the query string's under the body's (Slack reads both)."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    encoding = "query" if verb == "GET" else "empty"
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if body.strip():
        if content_type == "application/json":
            encoding = "json"
            try:
                data = json.loads(body)
            except ValueError:
                raise ApiError("invalid_json") from None
            if not isinstance(data, dict):
                raise ApiError("json_not_object")
            args.update(data)
        else:
            encoding = "form"
            try:
                args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except UnicodeDecodeError:
                raise ApiError("invalid_charset") from None
    return Call(verb, method, encoding, args)


def token_of(call: Call, headers: Mapping[str, str]) -> str | None:
    """The token: the bearer header, else the `token` argument (reference §1.1)."""
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    token = call.args.get("token")
    return str(token) if token else None


def text_arg(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError("invalid_arguments", response_metadata=_messages(f"{name} must be text"))
    return value


def flag_arg(args: Mapping[str, Any], name: str) -> bool:
    """A boolean argument: JSON true/false, or form text ("1", "true"; slack_sdk sends 1/0)."""
    value = args.get(name, False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true")
    return bool(value)


def blocks_arg(args: Mapping[str, Any]) -> Any:
    """`blocks`: a JSON array in a JSON body, a JSON string in a form body (reference §1.1)."""
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        try:
            return json.loads(blocks) if blocks.strip() else None
        except ValueError:
            raise ApiError("invalid_blocks_format") from None
    return blocks


def required(args: Mapping[str, Any], name: str) -> str:
    """A required text argument; Slack's `invalid_arguments` when it is missing."""
    value = text_arg(args, name)
    if not value:
        raise ApiError(
            "invalid_arguments", response_metadata=_messages(f"missing required field: {name}")
        )
    return value


def _messages(*texts: str) -> dict[str, list[str]]:
    return {"messages": [f"[ERROR] {text}" for text in texts]}
