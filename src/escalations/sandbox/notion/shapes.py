"""Request validation for the Notion emulator: errors, checks, dates and icons.

Parsing turns a request value into the stored (response) form or raises `Invalid`, whose
problems are rendered like Notion's `body failed validation: ...` messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from escalations.sandbox.notion.store import normalize_id

MAX_ARRAY = 100
MAX_TEXT = 2000
MAX_URL = 2000
MAX_EQUATION = 1000
MAX_BLOCKS = 1000
MAX_PAYLOAD_BYTES = 500 * 1024

MISSING: Any = object()

BASE_COLORS = ("gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
COLORS = ("default", *BASE_COLORS, "default_background", *(f"{c}_background" for c in BASE_COLORS))


class ApiError(Exception):
    """An error answer: HTTP status, Notion error code and message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        additional_data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.additional_data = additional_data
        self.headers = headers or {}


class Invalid(Exception):
    """A value that does not match the request schema; several problems mean "fix one"."""

    def __init__(self, *problems: str) -> None:
        super().__init__(*problems)
        self.problems = problems

    def to_api_error(self, part: str | None = None) -> ApiError:
        """The 400 answer; `part` ("body", "query", ...) defaults to the problems' root."""
        if part is None:
            root = re.match(r"[A-Za-z_]+", self.problems[0])
            part = root.group(0) if root else "body"
        if len(self.problems) == 1:
            message = f"{part} failed validation: {self.problems[0]}."
        else:
            lines = "\n".join(f"{problem}." for problem in self.problems)
            message = f"{part} failed validation. Fix one:\n{lines}"
        return ApiError(400, "validation_error", message)


def validation_error(message: str) -> ApiError:
    return ApiError(400, "validation_error", message)


def text_length(text: str) -> int:
    """A string's length as Notion counts it: in UTF-16 code units (JavaScript's
    `length`), so an emoji outside the Basic Multilingual Plane counts 2."""
    return len(text.encode("utf-16-le")) // 2


def show(value: Any) -> str:
    """A value as Notion quotes it in messages (JSON, `undefined` when absent)."""
    if value is MISSING:
        return "undefined"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- generic checks ---------------------------------------------------------------------------


def expect_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{path} should be an object, instead was `{show(value)}`")
    return value


def expect_list(value: Any, path: str, max_items: int = MAX_ARRAY) -> list[Any]:
    if not isinstance(value, list):
        raise Invalid(f"{path} should be an array, instead was `{show(value)}`")
    if len(value) > max_items:
        raise Invalid(f"{path}.length should be ≤ `{max_items}`, instead was `{len(value)}`")
    return value


def expect_string(value: Any, path: str, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{path} should be a string, instead was `{show(value)}`")
    if max_length is not None and (length := text_length(value)) > max_length:
        raise Invalid(f"{path}.length should be ≤ `{max_length}`, instead was `{length}`")
    return value


def expect_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{path} should be a boolean, instead was `{show(value)}`")
    return value


def expect_int(
    value: Any, path: str, minimum: int | None = None, maximum: int | None = None
) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{path} should be an integer, instead was `{show(value)}`")
    if minimum is not None and value < minimum:
        raise Invalid(f"{path} should be ≥ `{minimum}`, instead was `{value}`")
    if maximum is not None and value > maximum:
        raise Invalid(f"{path} should be ≤ `{maximum}`, instead was `{value}`")
    return value


def expect_enum(value: Any, path: str, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        quoted = [f"`{show(option)}`" for option in options]
        listed = (
            ", ".join(quoted[:-1]) + f", or {quoted[-1]}"
            if len(quoted) > 2
            else (" or ".join(quoted))
        )
        raise Invalid(f"{path} should be {listed}, instead was `{show(value)}`")
    return value


def expect_id(value: Any, path: str) -> str:
    text = expect_string(value, path)
    normalized = normalize_id(text)
    if normalized is None:
        raise Invalid(f"{path} should be a valid uuid, instead was `{show(value)}`")
    return normalized


def check_keys(obj: dict[str, Any], path: str, allowed: tuple[str, ...] | set[str]) -> None:
    for key, value in obj.items():
        if key not in allowed:
            raise Invalid(f"{path}.{key} should be not present, instead was `{show(value)}`")


def required(obj: dict[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise Invalid(f"{path}.{key} should be defined, instead was `undefined`")
    return obj[key]


def valid_link(url: str) -> bool:
    """An absolute http(s) URL with a host, or a mailto: address."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme in ("http", "https"):
        return bool(parts.netloc) and " " not in url
    return parts.scheme == "mailto" and bool(parts.path)


def valid_date(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


# -- rich text --------------------------------------------------------------------------------


@dataclass
class Context:
    """Lookups and counters shared by the parse of one request."""

    page_title: Callable[[str], str | None] = lambda _id: None
    user_name: Callable[[str], str | None] = lambda _id: None
    bad_links: int = 0
    blocks: int = 0

    def raise_content_errors(self) -> None:
        if self.bad_links:
            lines = "\n".join(["Invalid URL for link."] * self.bad_links)
            raise validation_error(f"Content creation Failed. Fix the following: \n{lines}")


def parse_date(value: Any, path: str) -> dict[str, Any]:
    obj = expect_object(value, path)
    check_keys(obj, path, ("start", "end", "time_zone"))
    start = expect_string(required(obj, "start", path), f"{path}.start")
    end = obj.get("end")
    zone = obj.get("time_zone")
    for key, text in (("start", start), ("end", end)):
        if text is not None and not (isinstance(text, str) and valid_date(text)):
            raise Invalid(
                f"{path}.{key} should be a valid ISO 8601 date string, instead was `{show(text)}`"
            )
    if zone is not None:
        expect_string(zone, f"{path}.time_zone")
    return {"start": start, "end": end, "time_zone": zone}


# -- icons and files --------------------------------------------------------------------------


def parse_icon(value: Any, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    obj = expect_object(value, path)
    kind = obj.get("type") or next((k for k in ("emoji", "external") if k in obj), None)
    if kind == "emoji":
        check_keys(obj, path, ("type", "emoji"))
        emoji = expect_string(required(obj, "emoji", path), f"{path}.emoji", 100)
        if not emoji:
            raise Invalid(f'{path}.emoji should be an emoji, instead was `""`')
        return {"type": "emoji", "emoji": emoji}
    if kind == "external":
        return parse_external(obj, path)
    raise Invalid(
        f"{path}.emoji should be defined, instead was `undefined`",
        f"{path}.external should be defined, instead was `undefined`",
    )


def parse_cover(value: Any, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    return parse_external(expect_object(value, path), path)


def parse_external(obj: dict[str, Any], path: str) -> dict[str, Any]:
    check_keys(obj, path, ("type", "external"))
    if obj.get("type", "external") != "external":
        raise Invalid(f'{path}.type should be `"external"`, instead was `{show(obj["type"])}`')
    external = expect_object(required(obj, "external", path), f"{path}.external")
    check_keys(external, f"{path}.external", ("url",))
    url = expect_string(required(external, "url", f"{path}.external"), f"{path}.external.url")
    if text_length(url) > MAX_URL or not valid_link(url):
        raise Invalid(f"{path}.external.url should be a valid URL, instead was `{show(url)}`")
    return {"type": "external", "external": {"url": url}}
