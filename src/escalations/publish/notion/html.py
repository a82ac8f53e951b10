"""The Notion pages as a static HTML preview: the same blocks, readable offline, linked."""

from __future__ import annotations

from html import escape
from typing import Any

from escalations.publish.notion.blocks import Block, children, payload
from escalations.publish.notion.render import Page

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; }
nav a { margin-right: 1rem; } table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: .25rem .5rem; vertical-align: top; }
.callout { background: #f3f3f1; padding: .5rem 1rem; border-radius: .25rem; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; }
"""


PREVIEW = "https://preview.invalid/"
"""Links between pages point here while rendering (the blocks take absolute URLs only) and
become relative links between the preview's files."""


def file_name(key: str) -> str:
    return key.replace(":", "-") + ".html"


def render_site(pages: list[Page], title: str) -> dict[str, str]:
    """File name -> HTML for every page, and an index that lists them."""
    site = {file_name(p.key): _document(p.title, title, _blocks(list(p.blocks))) for p in pages}
    items = "".join(
        f'<li><a href="{file_name(p.key)}">{escape(p.title)}</a> ({escape(p.kind)})</li>'
        for p in pages
    )
    site["index.html"] = _document(title, title, f"<ul>{items}</ul>")
    return site


def _document(heading: str, site: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(heading)}</title><style>{STYLE}</style></head><body>"
        f'<nav><a href="index.html">{escape(site)}</a></nav><h1>{escape(heading)}</h1>'
        f"{body}</body></html>\n"
    )


def _blocks(blocks: list[Block]) -> str:
    out: list[str] = []
    for i, block in enumerate(blocks):
        kind = block["type"]
        previous = blocks[i - 1]["type"] if i else None
        following = blocks[i + 1]["type"] if i + 1 < len(blocks) else None
        if kind in ("bulleted_list_item", "numbered_list_item", "to_do"):
            tag = {"bulleted_list_item": "ul", "numbered_list_item": "ol", "to_do": "ul"}[kind]
            if previous != kind:
                out.append(f"<{tag}>")
            out.append(f"<li>{_item(block)}{_blocks(children(block))}</li>")
            if following != kind:
                out.append(f"</{tag}>")
        else:
            out.append(_block(block))
    return "".join(out)


def _item(block: Block) -> str:
    body = payload(block)
    text = _rich(body.get("rich_text", []))
    if block["type"] == "to_do":
        box = "&#9745;" if body.get("checked") else "&#9744;"
        return f"{box} {text}"
    return text


def _block(block: Block) -> str:
    kind = block["type"]
    body = payload(block)
    text = _rich(body.get("rich_text", []))
    nested = _blocks(children(block))
    if kind.startswith("heading_"):
        level = int(kind[-1]) + 1
        return f"<h{level}>{text}</h{level}>"
    if kind == "paragraph":
        return f"<p>{text}</p>{nested}"
    if kind == "quote":
        return f"<blockquote>{text}{nested}</blockquote>"
    if kind == "callout":
        icon = (body.get("icon") or {}).get("emoji", "")
        return f'<div class="callout">{escape(icon)} {text}{nested}</div>'
    if kind == "code":
        plain = "".join(_plain(item) for item in body.get("rich_text", []))
        language = escape(body.get("language", ""))
        return f'<pre><code data-language="{language}">{escape(plain)}</code></pre>'
    if kind == "divider":
        return "<hr>"
    if kind == "table":
        rows = children(block)
        cells = [payload(row).get("cells", []) for row in rows]
        head = body.get("has_column_header")
        html = []
        for r, row in enumerate(cells):
            tag = "th" if head and r == 0 else "td"
            html.append("<tr>" + "".join(f"<{tag}>{_rich(c)}</{tag}>" for c in row) + "</tr>")
        return f"<table>{''.join(html)}</table>"
    if kind == "image":
        url = (body.get("external") or {}).get("url", "")
        alt = "".join(_plain(i) for i in body.get("caption", []))
        return f'<img src="{escape(url)}" alt="{escape(alt)}">'
    if kind == "toggle":
        return f"<details><summary>{text}</summary>{nested}</details>"
    return f"<p>{text}</p>{nested}"


def _plain(item: dict[str, Any]) -> str:
    return str(item.get("plain_text") or item.get("text", {}).get("content", ""))


def _rich(items: list[dict[str, Any]]) -> str:
    html = []
    for item in items:
        text = escape(_plain(item)).replace("\n", "<br>")
        marks = item.get("annotations", {})
        if marks.get("code"):
            text = f"<code>{text}</code>"
        if marks.get("bold"):
            text = f"<strong>{text}</strong>"
        if marks.get("italic"):
            text = f"<em>{text}</em>"
        if marks.get("strikethrough"):
            text = f"<s>{text}</s>"
        link = (item.get("text", {}).get("link") or {}).get("url")
        if link:
            link = link.removeprefix(PREVIEW)
            text = f'<a href="{escape(link)}">{text}</a>'
        html.append(text)
    return "".join(html)
