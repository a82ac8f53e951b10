"""Request validation for the Notion emulator: errors, checks, rich text and icons.

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


def default_annotations() -> dict[str, Any]:
    return {
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "code": False,
        "color": "default",
    }


def parse_annotations(value: Any, path: str) -> dict[str, Any]:
    result = default_annotations()
    if value is MISSING:
        return result
    obj = expect_object(value, path)
    check_keys(obj, path, tuple(result))
    for key in ("bold", "italic", "strikethrough", "underline", "code"):
        if key in obj:
            result[key] = expect_bool(obj[key], f"{path}.{key}")
    if "color" in obj:
        result["color"] = expect_enum(obj["color"], f"{path}.color", COLORS)
    return result


def text_run(content: str, link: str | None = None) -> dict[str, Any]:
    """A plain text run in stored (response) form."""
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link is not None else None},
        "annotations": default_annotations(),
        "plain_text": content,
        "href": link,
    }


def parse_rich_text(value: Any, path: str, ctx: Context) -> list[dict[str, Any]]:
    items = expect_list(value, path)
    return merge_runs([_rich_text_item(item, f"{path}[{i}]", ctx) for i, item in enumerate(items)])


def merge_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Join adjacent text runs with the same annotations and link, as Notion does."""
    merged: list[dict[str, Any]] = []
    for run in runs:
        last = merged[-1] if merged else None
        if (
            last is not None
            and run["type"] == "text"
            and last["type"] == "text"
            and last["annotations"] == run["annotations"]
            and last["text"]["link"] == run["text"]["link"]
        ):
            content = last["text"]["content"] + run["text"]["content"]
            last["text"] = {"content": content, "link": last["text"]["link"]}
            last["plain_text"] = content
            continue
        merged.append(run)
    return merged


def _rich_text_item(item: Any, path: str, ctx: Context) -> dict[str, Any]:
    obj = expect_object(item, path)
    kinds = ("text", "mention", "equation")
    check_keys(obj, path, {"type", *kinds, "annotations", "plain_text", "href"})
    declared = obj.get("type", MISSING)
    if declared is not MISSING:
        expect_enum(declared, f"{path}.type", kinds)
        kind = str(declared)
        required(obj, kind, path)
    else:
        present = [k for k in kinds if k in obj]
        if not present:
            raise Invalid(
                *(f"{path}.{k} should be defined, instead was `undefined`" for k in kinds)
            )
        kind = present[0]
    for other in kinds:
        if other != kind and other in obj:
            raise Invalid(f"{path}.{other} should be not present, instead was `{show(obj[other])}`")
    annotations = parse_annotations(obj.get("annotations", MISSING), f"{path}.annotations")
    if kind == "text":
        run = _text(obj["text"], f"{path}.text", ctx)
    elif kind == "mention":
        run = _mention(obj["mention"], f"{path}.mention", ctx)
    else:
        equation = expect_object(obj["equation"], f"{path}.equation")
        check_keys(equation, f"{path}.equation", ("expression",))
        expression = expect_string(
            required(equation, "expression", f"{path}.equation"),
            f"{path}.equation.expression",
            MAX_EQUATION,
        )
        run = {
            "type": "equation",
            "equation": {"expression": expression},
            "plain_text": expression,
            "href": None,
        }
    run["annotations"] = annotations
    order = ("type", "text", "mention", "equation", "annotations", "plain_text", "href")
    return {key: run[key] for key in order if key in run}


def _text(value: Any, path: str, ctx: Context) -> dict[str, Any]:
    obj = expect_object(value, path)
    check_keys(obj, path, ("content", "link"))
    content = expect_string(required(obj, "content", path), f"{path}.content", MAX_TEXT)
    link = obj.get("link")
    url: str | None = None
    if link is not None:
        link_obj = expect_object(link, f"{path}.link")
        check_keys(link_obj, f"{path}.link", ("url", "type"))
        url = expect_string(required(link_obj, "url", f"{path}.link"), f"{path}.link.url", MAX_URL)
        if not valid_link(url):
            ctx.bad_links += 1
    run = text_run(content, url)
    del run["annotations"]
    return run


def _mention(value: Any, path: str, ctx: Context) -> dict[str, Any]:
    obj = expect_object(value, path)
    kinds = ("page", "database", "user", "date")
    check_keys(obj, path, {"type", *kinds})
    declared = obj.get("type", MISSING)
    if declared is not MISSING:
        kind = expect_enum(declared, f"{path}.type", kinds)
        required(obj, kind, path)
    else:
        present = [k for k in kinds if k in obj]
        if not present:
            raise Invalid(
                *(f"{path}.{k} should be defined, instead was `undefined`" for k in kinds)
            )
        kind = present[0]
    target = expect_object(obj[kind], f"{path}.{kind}")
    if kind in ("page", "database"):
        check_keys(target, f"{path}.{kind}", ("id",))
        object_id = expect_id(required(target, "id", f"{path}.{kind}"), f"{path}.{kind}.id")
        title = ctx.page_title(object_id) or "Untitled"
        return {
            "type": "mention",
            "mention": {"type": kind, kind: {"id": object_id}},
            "plain_text": title,
            "href": f"https://www.notion.so/{object_id.replace('-', '')}",
        }
    if kind == "user":
        check_keys(target, f"{path}.user", ("id", "object"))
        user_id = expect_id(required(target, "id", f"{path}.user"), f"{path}.user.id")
        name = ctx.user_name(user_id) or "Unknown user"
        return {
            "type": "mention",
            "mention": {"type": "user", "user": {"object": "user", "id": user_id}},
            "plain_text": f"@{name}",
            "href": None,
        }
    date = parse_date(target, f"{path}.date")
    plain = date["start"] if date["end"] is None else f"{date['start']} → {date['end']}"
    return {
        "type": "mention",
        "mention": {"type": "date", "date": date},
        "plain_text": plain,
        "href": None,
    }


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
