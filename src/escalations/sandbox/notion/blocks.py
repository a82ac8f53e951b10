"""Blocks in requests to the Notion emulator: types, fields, children and nesting limits.

A block of a request is parsed into a `NewBlock`: its type, its payload in stored (response)
form, and its parsed children. Problems raise `Invalid` with Notion's messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from escalations.sandbox.notion.richtext import parse_rich_text
from escalations.sandbox.notion.shapes import (
    COLORS,
    MAX_ARRAY,
    MAX_EQUATION,
    MAX_URL,
    MISSING,
    Context,
    Invalid,
    check_keys,
    expect_bool,
    expect_enum,
    expect_id,
    expect_int,
    expect_list,
    expect_object,
    expect_string,
    parse_external,
    parse_icon,
    required,
    show,
    valid_link,
    validation_error,
)

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
            image = parse_external(
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
