"""Rich text in requests to the Notion emulator: runs, annotations, mentions, merged runs."""

from __future__ import annotations

from typing import Any

from escalations.sandbox.notion.shapes import (
    COLORS,
    MAX_EQUATION,
    MAX_TEXT,
    MAX_URL,
    MISSING,
    Context,
    Invalid,
    check_keys,
    expect_bool,
    expect_enum,
    expect_id,
    expect_list,
    expect_object,
    expect_string,
    parse_date,
    required,
    show,
    valid_link,
)


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
