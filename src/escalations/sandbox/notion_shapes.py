"""Request validation for the Notion emulator: rich text, blocks, icons, with Notion's messages.

Parsing turns a request value into the stored (response) form or raises `Invalid`, whose
problems are rendered like Notion's `body failed validation: ...` messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from escalations.sandbox.notion_store import normalize_id

MAX_ARRAY = 100
MAX_TEXT = 2000
MAX_URL = 2000
MAX_EQUATION = 1000
MAX_BLOCKS = 1000
MAX_PAYLOAD_BYTES = 500 * 1024

MISSING: Any = object()

BASE_COLORS = ("gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
COLORS = ("default", *BASE_COLORS, "default_background", *(f"{c}_background" for c in BASE_COLORS))

# fmt: off
LANGUAGES = (
    "abap", "abc", "agda", "arduino", "ascii art", "assembly", "bash", "basic", "bnf", "c",
    "c#", "c++", "clojure", "coffeescript", "coq", "css", "dart", "dhall", "diff", "docker",
    "ebnf", "elixir", "elm", "erlang", "f#", "flow", "fortran", "gherkin", "glsl", "go",
    "graphql", "groovy", "haskell", "hcl", "html", "idris", "java", "javascript", "json",
    "julia", "kotlin", "latex", "less", "lisp", "livescript", "llvm ir", "lua", "makefile",
    "markdown", "markup", "matlab", "mathematica", "mermaid", "nix", "notion formula",
    "objective-c", "ocaml", "pascal", "perl", "php", "plain text", "powershell", "prolog",
    "protobuf", "purescript", "python", "r", "racket", "reason", "ruby", "rust", "sass",
    "scala", "scheme", "scss", "shell", "smalltalk", "solidity", "sql", "swift", "toml",
    "typescript", "vb.net", "verilog", "vhdl", "visual basic", "webassembly", "xml", "yaml",
    "java/c/c++/c#",
)
# fmt: on

_TEXT_TYPES: dict[str, tuple[str, ...]] = {
    "paragraph": ("icon", "color", "children"),
    "heading_1": ("is_toggleable", "color", "children"),
    "heading_2": ("is_toggleable", "color", "children"),
    "heading_3": ("is_toggleable", "color", "children"),
    "bulleted_list_item": ("color", "children"),
    "numbered_list_item": ("color", "children"),
    "to_do": ("checked", "color", "children"),
    "toggle": ("color", "children"),
    "quote": ("color", "children"),
    "callout": ("icon", "color", "children"),
    "code": ("caption", "language"),
}
CREATABLE = (
    *_TEXT_TYPES,
    "divider",
    "table",
    "table_row",
    "image",
    "bookmark",
    "link_to_page",
    "equation",
    "table_of_contents",
    "breadcrumb",
)
"""Block types the emulator accepts in requests."""

NOT_CREATABLE = ("child_page", "child_database", "link_preview", "meeting_notes", "unsupported")
DEFAULT_CALLOUT_ICON = {"type": "emoji", "emoji": "\N{ELECTRIC LIGHT BULB}"}


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
    if max_length is not None and len(value) > max_length:
        raise Invalid(f"{path}.length should be ≤ `{max_length}`, instead was `{len(value)}`")
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
    notes: list[str] = field(default_factory=list)

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
        return _external(obj, path)
    raise Invalid(
        f"{path}.emoji should be defined, instead was `undefined`",
        f"{path}.external should be defined, instead was `undefined`",
    )


def parse_cover(value: Any, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    return _external(expect_object(value, path), path)


def _external(obj: dict[str, Any], path: str) -> dict[str, Any]:
    check_keys(obj, path, ("type", "external"))
    if obj.get("type", "external") != "external":
        raise Invalid(f'{path}.type should be `"external"`, instead was `{show(obj["type"])}`')
    external = expect_object(required(obj, "external", path), f"{path}.external")
    check_keys(external, f"{path}.external", ("url",))
    url = expect_string(required(external, "url", f"{path}.external"), f"{path}.external.url")
    if len(url) > MAX_URL or not valid_link(url):
        raise Invalid(f"{path}.external.url should be a valid URL, instead was `{show(url)}`")
    return {"type": "external", "external": {"url": url}}


# -- blocks -----------------------------------------------------------------------------------


@dataclass
class NewBlock:
    """A parsed block of a request: stored payload and parsed children."""

    type: str
    payload: dict[str, Any]
    children: list[NewBlock]


def parse_children(
    value: Any, path: str, level: int, ctx: Context, table_width: int | None = None
) -> list[NewBlock]:
    """Parse a `children` array whose blocks sit at nesting `level` (1 = top of the request).

    `table_width` is set when the children are rows of a table of that width."""
    items = expect_list(value, path)
    return [
        parse_block(item, f"{path}[{i}]", level, ctx, table_width) for i, item in enumerate(items)
    ]


def block_type(obj: dict[str, Any], path: str) -> str:
    """The type of a block object in a request (`type`, or its single type key)."""
    declared = obj.get("type", MISSING)
    if declared is not MISSING:
        if declared in NOT_CREATABLE:
            raise Invalid(
                f"{path}.{declared} should be not present, instead was "
                f"`{show(obj.get(declared, MISSING))}`"
            )
        kind = expect_enum(declared, f"{path}.type", CREATABLE)
        required(obj, kind, path)
        return kind
    for key in NOT_CREATABLE:
        if key in obj:
            raise Invalid(f"{path}.{key} should be not present, instead was `{show(obj[key])}`")
    present = [key for key in obj if key in CREATABLE]
    if not present:
        raise Invalid(
            *(f"{path}.{k} should be defined, instead was `undefined`" for k in CREATABLE)
        )
    return present[0]


def parse_block(
    item: Any, path: str, level: int, ctx: Context, table_width: int | None = None
) -> NewBlock:
    obj = expect_object(item, path)
    ctx.blocks += 1
    kind = block_type(obj, path)
    check_keys(obj, path, ("object", "type", "id", kind))
    if "object" in obj and obj["object"] != "block":
        raise Invalid(f'{path}.object should be `"block"`, instead was `{show(obj["object"])}`')
    inner = f"{path}.{kind}"
    raw = expect_object(obj[kind], inner)
    payload = parse_payload(kind, raw, inner, ctx, create=True)
    if table_width is not None:
        if kind != "table_row":
            raise Invalid(f'{path}.type should be `"table_row"`, instead was `{show(kind)}`')
        check_row_width(payload, table_width)
    elif kind == "table_row":
        raise validation_error("table_row blocks can only be children of a table block.")
    children: list[NewBlock] = []
    if "children" in raw:
        if not can_have_children(kind, payload) or level >= 3:
            raise Invalid(
                f"{inner}.children should be not present, instead was `{show(raw['children'])}`"
            )
        width = payload["table_width"] if kind == "table" else None
        children = parse_children(raw["children"], f"{inner}.children", level + 1, ctx, width)
    elif kind == "table":
        raise Invalid(f"{inner}.children should be defined, instead was `undefined`")
    return NewBlock(kind, payload, children)


def can_have_children(kind: str, payload: dict[str, Any]) -> bool:
    if kind.startswith("heading_"):
        return bool(payload.get("is_toggleable"))
    return kind == "table" or "children" in _TEXT_TYPES.get(kind, ())


def check_row_width(payload: dict[str, Any], width: int) -> None:
    cells = len(payload["cells"])
    if cells != width:
        raise validation_error(
            f"Number of cells in table row ({cells}) must match the table width ({width})."
        )


def parse_payload(
    kind: str, raw: dict[str, Any], path: str, ctx: Context, *, create: bool
) -> dict[str, Any]:
    """The stored payload of a `kind` block from its request object (`children` excluded).

    With `create` false (a block update) every field is optional and only given ones return."""
    out: dict[str, Any] = {}
    if kind in _TEXT_TYPES:
        extra = _TEXT_TYPES[kind]
        updatable = tuple(key for key in extra if key != "children")
        allowed = ("rich_text", *(extra if create else updatable))
        check_keys(raw, path, allowed)
        if create or "rich_text" in raw:
            value = required(raw, "rich_text", path) if create else raw["rich_text"]
            out["rich_text"] = parse_rich_text(value, f"{path}.rich_text", ctx)
        _text_block_fields(kind, raw, path, ctx, out, create)
    elif kind in ("divider", "breadcrumb"):
        check_keys(raw, path, ())
    elif kind == "table":
        check_keys(
            raw,
            path,
            ("table_width", "has_column_header", "has_row_header", "children")
            if create
            else ("has_column_header", "has_row_header"),
        )
        if create:
            width = required(raw, "table_width", path)
            out["table_width"] = expect_int(width, f"{path}.table_width", 1, MAX_ARRAY)
        for key in ("has_column_header", "has_row_header"):
            if key in raw or create:
                out[key] = expect_bool(raw.get(key, False), f"{path}.{key}")
    elif kind == "table_row":
        check_keys(raw, path, ("cells",))
        if create or "cells" in raw:
            cells = expect_list(required(raw, "cells", path), f"{path}.cells")
            out["cells"] = [
                parse_rich_text(cell, f"{path}.cells[{i}]", ctx) for i, cell in enumerate(cells)
            ]
    elif kind == "image":
        check_keys(raw, path, ("type", "external", "caption"))
        if create or "external" in raw:
            image = _external(
                {"type": raw.get("type", "external"), "external": required(raw, "external", path)},
                path,
            )
            out["caption"] = []
            out.update(image)
        if "caption" in raw:
            out["caption"] = parse_rich_text(raw["caption"], f"{path}.caption", ctx)
    elif kind == "bookmark":
        check_keys(raw, path, ("url", "caption"))
        if create or "caption" in raw:
            out["caption"] = parse_rich_text(raw.get("caption", []), f"{path}.caption", ctx)
        if create or "url" in raw:
            url = expect_string(required(raw, "url", path), f"{path}.url", MAX_URL)
            if not valid_link(url):
                raise Invalid(f"{path}.url should be a valid URL, instead was `{show(url)}`")
            out["url"] = url
    elif kind == "link_to_page":
        check_keys(raw, path, ("type", "page_id", "database_id"))
        target = raw.get("type") or next((k for k in ("page_id", "database_id") if k in raw), None)
        if target not in ("page_id", "database_id"):
            raise Invalid(
                f"{path}.page_id should be defined, instead was `undefined`",
                f"{path}.database_id should be defined, instead was `undefined`",
            )
        out["type"] = target
        out[target] = expect_id(required(raw, target, path), f"{path}.{target}")
    elif kind == "equation":
        check_keys(raw, path, ("expression",))
        if create or "expression" in raw:
            expression = required(raw, "expression", path)
            out["expression"] = expect_string(expression, f"{path}.expression", MAX_EQUATION)
    elif kind == "table_of_contents":
        check_keys(raw, path, ("color",))
        if create or "color" in raw:
            out["color"] = expect_enum(raw.get("color", "default"), f"{path}.color", COLORS)
    return out


def _text_block_fields(
    kind: str, raw: dict[str, Any], path: str, ctx: Context, out: dict[str, Any], create: bool
) -> None:
    if kind == "code":
        if create or "caption" in raw:
            out["caption"] = parse_rich_text(raw.get("caption", []), f"{path}.caption", ctx)
        if create or "language" in raw:
            language = required(raw, "language", path)
            out["language"] = expect_enum(language, f"{path}.language", LANGUAGES)
        order = ("caption", "rich_text", "language")
        snapshot = dict(out)
        out.clear()
        out.update({key: snapshot[key] for key in order if key in snapshot})
        return
    if kind.startswith("heading_") and (create or "is_toggleable" in raw):
        out["is_toggleable"] = expect_bool(raw.get("is_toggleable", False), f"{path}.is_toggleable")
    if kind == "to_do" and (create or "checked" in raw):
        out["checked"] = expect_bool(raw.get("checked", False), f"{path}.checked")
    if kind in ("paragraph", "callout") and (create or "icon" in raw):
        default = DEFAULT_CALLOUT_ICON if kind == "callout" else None
        icon = raw.get("icon", default)
        out["icon"] = parse_icon(icon, f"{path}.icon")
    if create or "color" in raw:
        out["color"] = expect_enum(raw.get("color", "default"), f"{path}.color", COLORS)


def block_plain_text(payload: dict[str, Any]) -> str:
    """The text of a block's rich text, for search and messages."""
    return "".join(run.get("plain_text", "") for run in payload.get("rich_text", []))
