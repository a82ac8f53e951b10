"""Markdown to Notion blocks: every framework document, each construct, the limits, to_text."""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalations.publish.notion.languages import NOTION_LANGUAGES
from escalations.publish.notion.markdown import rich_text, to_blocks, to_text

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted((ROOT / "framework").rglob("*.md"))
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
NOTION = "https://www.notion.so/"

Block = dict[str, Any]


def body(path: Path) -> str:
    return FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1)


def to_notion(href: str) -> str | None:
    """A resolver like the publisher's: framework documents have pages, nothing else does."""
    path = href.split("#")[0]
    return f"{NOTION}{Path(path).stem}" if path.endswith(".md") else None


def t(content: str, url: str | None = None, **annotations: Any) -> dict[str, Any]:
    text: dict[str, Any] = {"content": content}
    if url is not None:
        text["link"] = {"url": url}
    return {"type": "text", "text": text, "annotations": annotations}


def block(kind: str, *items: dict[str, Any], children: list[Block] | None = None, **extra: Any):
    payload: dict[str, Any] = {"rich_text": list(items), **extra}
    if children is not None:
        payload["children"] = children
    return {"type": kind, kind: payload}


def para(*items: dict[str, Any]) -> Block:
    return block("paragraph", *items)


# --- an independent check that blocks are valid Notion *requests* ------------------------------

COLORS = {"gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red"}
COLORS |= {f"{color}_background" for color in COLORS}
URL = re.compile(r"(https?://[A-Za-z0-9.-]+(:\d+)?([/?#][!-~]*)?|mailto:[!-~]+)")
TEXT_TYPES = {
    "paragraph": {"color", "children"},
    "heading_1": {"color", "is_toggleable"},
    "heading_2": {"color", "is_toggleable"},
    "heading_3": {"color", "is_toggleable"},
    "bulleted_list_item": {"color", "children"},
    "numbered_list_item": {"color", "children"},
    "to_do": {"checked", "color", "children"},
    "quote": {"color", "children"},
    "callout": {"icon", "color", "children"},
    "code": {"language", "caption"},
}


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def rich_violations(items: Any, where: str) -> list[str]:
    if not isinstance(items, list):
        return [f"{where}: not a list"]
    found = [f"{where}: {len(items)} items"] if len(items) > 100 else []
    for index, entry in enumerate(items):
        at = f"{where}[{index}]"
        text = entry.get("text", {})
        if set(entry) != {"type", "text", "annotations"} or entry["type"] != "text":
            found.append(f"{at}: keys {sorted(entry)}")
        if set(text) - {"content", "link"} or not isinstance(text.get("content"), str):
            found.append(f"{at}: text {text}")
        elif not text["content"] or units(text["content"]) > 2000:
            found.append(f"{at}: content of {units(text['content'])} units")
        if "link" in text:
            url = text["link"].get("url", "")
            if set(text["link"]) != {"url"} or len(url) > 2000 or not URL.fullmatch(url):
                found.append(f"{at}: link {text['link']}")
        for name, value in entry.get("annotations", {}).items():
            ok = value in COLORS if name == "color" else value is True
            if name not in {"bold", "italic", "strikethrough", "underline", "code", "color"}:
                ok = False
            if not ok:
                found.append(f"{at}: annotation {name}={value!r}")
    return found


def violations(blocks: list[Block], where: str = "blocks") -> list[str]:
    """What Notion would reject in these blocks as a request (the per-request array and depth
    limits on *children* aside: a later stage batches them)."""
    found: list[str] = []
    for index, item in enumerate(blocks):
        at = f"{where}[{index}]"
        kind = item.get("type")
        payload = item.get(kind, {}) if isinstance(kind, str) else {}
        if set(item) != {"type", kind}:
            found.append(f"{at}: keys {sorted(item)}")
        if kind in TEXT_TYPES:
            extra = set(payload) - {"rich_text"} - TEXT_TYPES[kind]
            found += [f"{at}: {kind} has {sorted(extra)}"] if extra else []
            found += rich_violations(payload.get("rich_text"), f"{at}.rich_text")
            found += _specific_violations(kind, payload, at)
        elif kind == "table":
            found += _table_violations(payload, at)
        elif kind == "image":
            url = payload.get("external", {}).get("url", "")
            if payload.get("type") != "external" or not re.match(r"https?://", url):
                found.append(f"{at}: image {payload}")
            found += rich_violations(payload.get("caption", []), f"{at}.caption")
        elif kind != "divider" or payload != {}:
            found.append(f"{at}: unexpected {kind} {payload}")
        if kind != "table" and "children" in payload:
            found += violations(payload["children"], f"{at}.children")
    return found


def _specific_violations(kind: str, payload: dict[str, Any], at: str) -> list[str]:
    if kind == "to_do" and not isinstance(payload.get("checked"), bool):
        return [f"{at}: checked {payload.get('checked')!r}"]
    if kind == "code" and payload.get("language") not in NOTION_LANGUAGES:
        return [f"{at}: language {payload.get('language')!r}"]
    if kind == "callout":
        icon, color = payload.get("icon", {}), payload.get("color")
        if icon.get("type") != "emoji" or not icon.get("emoji") or color not in COLORS:
            return [f"{at}: callout {icon} {color}"]
    return []


def _table_violations(payload: dict[str, Any], at: str) -> list[str]:
    width = payload.get("table_width")
    found = [] if isinstance(width, int) and width >= 1 else [f"{at}: width {width!r}"]
    if set(payload) != {"table_width", "has_column_header", "has_row_header", "children"}:
        found.append(f"{at}: table keys {sorted(payload)}")
    for index, row in enumerate(payload.get("children", [])):
        cells = row.get("table_row", {}).get("cells", [])
        if row.get("type") != "table_row" or len(cells) != width:
            found.append(f"{at}.children[{index}]: row of {len(cells)} cells")
        for column, cell in enumerate(cells):
            found += rich_violations(cell, f"{at}.children[{index}].cells[{column}]")
    return found


# --- the same blocks as Notion would return them, and with rich text split differently --------


def responded(blocks: list[Block]) -> list[Block]:
    """Blocks as read back: response-only keys, full annotations, plain_text, children beside."""
    result = []
    for number, item in enumerate(copy.deepcopy(blocks)):
        kind = item["type"]
        payload = item[kind]
        nested = payload.pop("children", [])
        _walk_rich(payload, _respond_items)
        if kind.startswith("heading_"):
            payload |= {"is_toggleable": False, "color": "default"}
        if kind == "code":
            payload.setdefault("caption", [])
        item |= {"object": "block", "id": f"id-{number}", "has_children": bool(nested)}
        item["children"] = responded(nested)
        result.append(item)
    return result


def _respond_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    full = {"bold": False, "italic": False, "strikethrough": False, "underline": False}
    full |= {"code": False, "color": "default"}
    out = []
    for entry in items:
        link = entry["text"].get("link")
        out.append(
            {
                "type": "text",
                "text": {"content": entry["text"]["content"], "link": link},
                "annotations": full | entry["annotations"],
                "plain_text": entry["text"]["content"],
                "href": link["url"] if link else None,
            }
        )
    return out


def resplit(blocks: list[Block], rng: random.Random) -> list[Block]:
    """The same blocks with every rich-text item cut at random places into several items."""

    def cut(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for entry in items:
            content = entry["text"]["content"]
            points = sorted(rng.sample(range(1, len(content)), min(3, len(content) - 1)))
            for start, end in zip([0, *points], [*points, len(content)], strict=True):
                piece = copy.deepcopy(entry)
                piece["text"]["content"] = content[start:end]
                out.append(piece)
        return out

    blocks = copy.deepcopy(blocks)
    _walk_rich(blocks, cut)
    return blocks


def _walk_rich(node: Any, change: Any) -> None:
    if isinstance(node, list):
        for child in node:
            _walk_rich(child, change)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("rich_text", "caption"):
                node[key] = change(value)
            elif key == "cells":
                node[key] = [change(cell) for cell in value]
            else:
                _walk_rich(value, change)


def sizes(blocks: list[Block], kind: str, measure: Any = len) -> list[list[int]]:
    return [[measure(i["text"]["content"]) for i in b[kind]["rich_text"]] for b in blocks]


def texts(blocks: list[Block], kind: str) -> list[str]:
    return ["".join(i["text"]["content"] for i in b[kind]["rich_text"]) for b in blocks]


# --- the framework's own documents --------------------------------------------------------------


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_framework_documents_convert_to_valid_requests(path: Path) -> None:
    blocks = to_blocks(body(path), resolve_link=to_notion)
    assert blocks
    assert violations(blocks) == []
    rendered = to_text(blocks)
    assert to_text(responded(blocks)) == rendered
    assert to_text(resplit(blocks, random.Random(str(path)))) == rendered


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_framework_links_resolve_or_drop(path: Path) -> None:
    source = body(path)
    relative = re.findall(r"\]\(([^)]+\.md)\)", source)
    linked = to_text(to_blocks(source, resolve_link=to_notion))
    unlinked = to_blocks(source)
    assert linked.count(f"]({NOTION}") == len(relative)
    assert violations(unlinked) == []
    assert "](" not in to_text(unlinked)


def test_front_matter_is_not_content() -> None:
    path = ROOT / "framework" / "playbooks" / "outage.md"
    whole = path.read_text(encoding="utf-8")
    assert to_blocks(whole) == to_blocks(body(path))
    assert to_blocks(whole)[0] == block("heading_1", t("Outage escalation"))


def test_framework_constructs_are_all_there() -> None:
    kinds: set[str] = set()

    def collect(blocks: list[Block]) -> None:
        for item in blocks:
            kinds.add(item["type"])
            collect(item[item["type"]].get("children", []))

    for path in DOCUMENTS:
        collect(to_blocks(body(path)))
    expected = {"heading_1", "heading_2", "paragraph", "bulleted_list_item", "to_do"}
    expected |= {"numbered_list_item", "code", "table", "table_row", "callout"}
    assert expected <= kinds


# --- each construct -----------------------------------------------------------------------------


def test_headings() -> None:
    blocks = to_blocks("# One\n## Two\n### Three\n#### Four\n###### Six")
    assert [b["type"] for b in blocks] == ["heading_1", "heading_2"] + ["heading_3"] * 3
    assert blocks[3] == block("heading_3", t("Four"))


def test_inline_marks() -> None:
    source = "a **b** *c* ~~d~~ `e` ***f*** **`g`** [h](https://example.com/x?y=1#z)"
    assert to_blocks(source) == [
        para(
            t("a "),
            t("b", bold=True),
            t(" "),
            t("c", italic=True),
            t(" "),
            t("d", strikethrough=True),
            t(" "),
            t("e", code=True),
            t(" "),
            t("f", bold=True, italic=True),
            t(" "),
            t("g", bold=True, code=True),
            t(" "),
            t("h", "https://example.com/x?y=1#z"),
        )
    ]


def test_adjacent_runs_with_the_same_marks_are_merged() -> None:
    assert to_blocks("**a** **b**c") == [para(t("a", bold=True), t(" "), t("b", bold=True), t("c"))]
    assert to_blocks("**a*b*c**") == [
        para(t("a", bold=True), t("b", bold=True, italic=True), t("c", bold=True))
    ]
    assert to_blocks("plain &amp; simple\\*") == [para(t("plain & simple*"))]


def test_line_breaks() -> None:
    # A soft break is a space, as GitHub shows hard-wrapped prose; a hard break is a newline.
    assert to_blocks("one\ntwo  \nthree\\\nfour") == [para(t("one two\nthree\nfour"))]
    assert to_blocks("one\ntwo", soft_break="\n") == [para(t("one\ntwo"))]
    assert to_blocks("**one\ntwo**") == [para(t("one two", bold=True))]


def test_nested_lists() -> None:
    source = "- a\n  - b\n    1. c\n    2. d\n- e\n\n  more about e\n"
    assert to_blocks(source) == [
        block(
            "bulleted_list_item",
            t("a"),
            children=[
                block(
                    "bulleted_list_item",
                    t("b"),
                    children=[
                        block("numbered_list_item", t("c")),
                        block("numbered_list_item", t("d")),
                    ],
                )
            ],
        ),
        block("bulleted_list_item", t("e"), children=[para(t("more about e"))]),
    ]


def test_list_item_starting_with_code_has_empty_text_and_the_code_as_child() -> None:
    source = "1. ```sh\n   make\n   ```\n"
    assert to_blocks(source) == [
        block(
            "numbered_list_item",
            children=[block("code", t("make"), language="shell")],
        )
    ]


def test_task_lists() -> None:
    source = "- [ ] open **now**\n- [x] done\n  - [ ] sub\n- plain\n"
    assert to_blocks(source) == [
        block("to_do", t("open "), t("now", bold=True), checked=False),
        block("to_do", t("done"), checked=True, children=[block("to_do", t("sub"), checked=False)]),
        block("bulleted_list_item", t("plain")),
    ]


@pytest.mark.parametrize(
    ("info", "language"),
    [
        ("py", "python"),
        ("python", "python"),
        ("sh", "shell"),
        ("bash", "shell"),
        ("shell", "shell"),
        ("console", "shell"),
        ("yml", "yaml"),
        ("yaml", "yaml"),
        ("YAML", "yaml"),
        ("json", "json"),
        ("text", "plain text"),
        ("txt", "plain text"),
        ("", "plain text"),
        ("brainfuck", "plain text"),
        ("md", "markdown"),
        ("js", "javascript"),
        ("ts", "typescript"),
        ("sql", "sql"),
        ("mermaid", "mermaid"),
        ("c++", "c++"),
        ("python title=x.py", "python"),
    ],
)
def test_code_languages(info: str, language: str) -> None:
    assert language in NOTION_LANGUAGES
    blocks = to_blocks(f"```{info}\nx = 1\n\ny\n```\n")
    assert blocks == [block("code", t("x = 1\n\ny"), language=language)]


def test_indented_and_empty_code() -> None:
    assert to_blocks("    indented\n") == [block("code", t("indented"), language="plain text")]
    assert to_blocks("```\n```\n") == [block("code", language="plain text")]


def test_quotes() -> None:
    assert to_blocks("> one *line*\n> two") == [
        block("quote", t("one "), t("line", italic=True), t(" two"))
    ]
    assert to_blocks("> first\n>\n> second\n>\n> - item") == [
        block(
            "quote",
            t("first"),
            children=[para(t("second")), block("bulleted_list_item", t("item"))],
        )
    ]


ALERTS = {
    "NOTE": ("\u2139\ufe0f", "blue_background"),
    "TIP": ("💡", "green_background"),
    "IMPORTANT": ("❗", "purple_background"),
    "WARNING": ("⚠️", "yellow_background"),
    "CAUTION": ("🛑", "red_background"),
}


@pytest.mark.parametrize("name", ALERTS)
def test_admonitions(name: str) -> None:
    emoji, color = ALERTS[name]
    icon = {"type": "emoji", "emoji": emoji}
    assert to_blocks(f"> [!{name}]\n> Do **not** promise.\n> Really.") == [
        block(
            "callout", t("Do "), t("not", bold=True), t(" promise. Really."), icon=icon, color=color
        )
    ]


def test_admonition_with_separate_paragraphs_and_lowercase_marker() -> None:
    icon = {"type": "emoji", "emoji": "⚠️"}
    assert to_blocks("> [!warning]\n>\n> Careful.\n>\n> - one") == [
        block(
            "callout",
            t("Careful."),
            icon=icon,
            color="yellow_background",
            children=[block("bulleted_list_item", t("one"))],
        )
    ]
    note = {"type": "emoji", "emoji": ALERTS["NOTE"][0]}
    assert to_blocks("> [!NOTE]") == [block("callout", icon=note, color="blue_background")]


def test_not_admonitions() -> None:
    assert to_blocks("> [!NOTE] on the same line") == [
        block("quote", t("[!NOTE] on the same line"))
    ]
    assert to_blocks("> [!FOO]\n> text") == [block("quote", t("[!FOO] text"))]


def test_table() -> None:
    source = "| Who | What |\n|---|:-:|\n| **SRE** | `page` |\n| lead |\n"
    header = {"type": "table_row", "table_row": {"cells": [[t("Who")], [t("What")]]}}
    row = {
        "type": "table_row",
        "table_row": {"cells": [[t("SRE", bold=True)], [t("page", code=True)]]},
    }
    short = {"type": "table_row", "table_row": {"cells": [[t("lead")], []]}}
    table = {"table_width": 2, "has_column_header": True, "has_row_header": False}
    assert to_blocks(source) == [
        {"type": "table", "table": {**table, "children": [header, row, short]}}
    ]


def test_divider() -> None:
    assert to_blocks("a\n\n---\n\nb") == [
        para(t("a")),
        {"type": "divider", "divider": {}},
        para(t("b")),
    ]


def test_images() -> None:
    image = {
        "type": "image",
        "image": {
            "type": "external",
            "external": {"url": "https://example.com/a.png"},
            "caption": [t("Flow chart")],
        },
    }
    assert to_blocks("![Flow *chart*](https://example.com/a.png)") == [image]
    assert to_blocks("See ![Flow chart](https://example.com/a.png) here.") == [
        para(t("See")),
        image,
        para(t("here.")),
    ]
    assert to_blocks("![Local diagram](img/flow.png)") == [para(t("Local diagram"))]
    assert to_blocks("- ![Flow chart](https://example.com/a.png)") == [
        block("bulleted_list_item", children=[image])
    ]


def test_raw_html() -> None:
    assert to_blocks("<div class='x'>\n<b>Raw</b> &amp; text\n</div>\n") == [para(t("Raw & text"))]
    assert to_blocks("<!-- notion: keep -->\n") == []
    assert to_blocks("a <kbd>Ctrl</kbd><br>b") == [para(t("a Ctrl\nb"))]


def test_links_absolute_resolved_and_dropped() -> None:
    seen: list[str] = []

    def resolve(href: str) -> str | None:
        seen.append(href)
        return {"outage.md": "https://www.notion.so/outage"}.get(href)

    source = (
        "[web](http://example.com) [mail](mailto:ops@example.com) [outage](outage.md) "
        "[docs](../docs/how-to-escalate.md) [anchor](#tiers) [js](javascript:alert(1))"
    )
    assert to_blocks(source, resolve_link=resolve) == [
        para(
            t("web", "http://example.com"),
            t(" "),
            t("mail", "mailto:ops@example.com"),
            t(" "),
            t("outage", "https://www.notion.so/outage"),
            t(" docs anchor [js](javascript:alert(1))"),
        )
    ]
    assert seen == ["outage.md", "../docs/how-to-escalate.md", "#tiers"]


def test_resolver_answers_that_notion_rejects_are_dropped() -> None:
    for answer in ("outage.md", "/outage", "https://", "ftp://example.com/x", "https://a b"):
        assert to_blocks("[x](outage.md)", resolve_link=lambda href, a=answer: a) == [para(t("x"))]
    long = "https://example.com/" + "a" * 2000
    blocks = to_blocks(f"[x]({long}) <{long}>")
    assert texts(blocks, "paragraph") == [f"x {long}"]
    assert "link" not in json.dumps(blocks)


def test_autolinks_keep_their_url() -> None:
    assert to_blocks("<https://example.com/a>") == [
        para(t("https://example.com/a", "https://example.com/a"))
    ]


# --- Notion's limits ----------------------------------------------------------------------------


def test_long_paragraph_is_split_into_items_of_2000() -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(5000))
    blocks = to_blocks(text)
    assert sizes(blocks, "paragraph") == [[2000, 2000, 1000]]
    assert texts(blocks, "paragraph") == [text]
    assert violations(blocks) == []


def test_text_limit_counts_utf16_units() -> None:
    text = "😀" * 1500  # 3000 UTF-16 units: Notion counts as JavaScript does
    blocks = to_blocks(text)
    assert sizes(blocks, "paragraph", units) == [[2000, 1000]]
    assert texts(blocks, "paragraph") == [text]


def test_more_than_100_items_become_consecutive_blocks() -> None:
    source = " ".join(f"**w{i}** x" for i in range(125))  # 250 runs
    blocks = to_blocks(source)
    assert [b["type"] for b in blocks] == ["paragraph"] * 3
    assert [len(b["paragraph"]["rich_text"]) for b in blocks] == [100, 100, 50]
    assert "".join(texts(blocks, "paragraph")) == source.replace("**", "")
    assert violations(blocks) == []


def test_long_list_item_keeps_its_children_after_its_text() -> None:
    item = " ".join(f"`c{i}` x" for i in range(60))  # 120 runs
    blocks = to_blocks(f"- {item}\n  - child\n")
    assert [len(b["bulleted_list_item"]["rich_text"]) for b in blocks] == [100, 20]
    assert "children" not in blocks[0]["bulleted_list_item"]
    assert blocks[1]["bulleted_list_item"]["children"] == [block("bulleted_list_item", t("child"))]


def test_four_level_list_keeps_full_depth() -> None:
    blocks = to_blocks("- 1\n  - 2\n    - 3\n      - 4\n        - 5\n")
    depth, level = 0, blocks
    while level:
        depth += 1
        assert texts(level, "bulleted_list_item") == [str(depth)]
        level = level[0]["bulleted_list_item"].get("children", [])
    assert depth == 5


def test_150_row_table_stays_one_block() -> None:
    rows = "".join(f"| {i} | row {i} |\n" for i in range(150))
    blocks = to_blocks(f"| n | name |\n|---|---|\n{rows}")
    assert len(blocks) == 1
    assert len(blocks[0]["table"]["children"]) == 151
    assert blocks[0]["table"]["children"][-1]["table_row"]["cells"] == [[t("149")], [t("row 149")]]
    assert violations(blocks) == []


def test_cell_with_more_than_100_runs_is_squeezed() -> None:
    cell = " ".join(f"**b{i}** x" for i in range(80))
    blocks = to_blocks(f"| a |\n|---|\n| {cell} |\n")
    [items] = blocks[0]["table"]["children"][1]["table_row"]["cells"]
    assert len(items) == 100
    assert "".join(i["text"]["content"] for i in items) == cell.replace("**", "")
    assert violations(blocks) == []


def test_7000_character_code_block() -> None:
    code = "\n".join(f"line {i:05d} " + "x" * 40 for i in range(140))[:7000]
    blocks = to_blocks(f"```python\n{code}\n```\n")
    assert len(blocks) == 1
    assert sizes(blocks, "code") == [[2000, 2000, 2000, 1000]]
    assert texts(blocks, "code") == [code]


def test_code_over_100_items_becomes_several_code_blocks() -> None:
    code = "y" * 250_000
    blocks = to_blocks(f"```yml\n{code}\n```\n")
    assert [len(b["code"]["rich_text"]) for b in blocks] == [100, 25]
    assert {b["code"]["language"] for b in blocks} == {"yaml"}
    assert "".join(texts(blocks, "code")) == code
    assert violations(blocks) == []


def test_rich_text_helper() -> None:
    assert rich_text("Owner", bold=True, italic=False, color="default") == [t("Owner", bold=True)]
    assert rich_text("x", color="red", link="https://example.com") == [
        t("x", "https://example.com", color="red")
    ]
    assert [len(i["text"]["content"]) for i in rich_text("z" * 4500)] == [2000, 2000, 500]
    assert rich_text("") == []
    with pytest.raises(ValueError, match="unknown annotations"):
        rich_text("x", heavy=True)
    with pytest.raises(ValueError, match="rejects"):
        rich_text("x", link="outage.md")


# --- to_text ------------------------------------------------------------------------------------

SAMPLE = """# Title

Some **bold** and [a link](https://example.com) text,
wrapped.

- one
  1. nested *item*
- [x] done

> [!TIP]
> Be kind.

```py
print("hi")
```

| a | b \\| c |
|---|---|
| `x` | y |

---
"""


def test_to_text_renders_markers_and_nesting() -> None:
    assert to_text(to_blocks(SAMPLE)) == (
        "# Title\n"
        "Some **bold** and [a link](https://example.com) text, wrapped.\n"
        "- one\n"
        "  1. nested *item*\n"
        "[x] done\n"
        "! 💡 Be kind. {green_background}\n"
        "```python\n"
        'print("hi")\n'
        "```\n"
        "| a | b \\| c |\n"
        "|---|---|\n"
        "| `x` | y |\n"
        "---\n"
    )


def test_to_text_indents_continuation_lines() -> None:
    assert to_text(to_blocks("- a  \n  b\n  - c\\\n    d")) == "- a\n  b\n  - c\n    d\n"


def test_to_text_is_the_same_for_requests_responses_and_resplit_runs() -> None:
    blocks = to_blocks(SAMPLE, resolve_link=to_notion)
    rendered = to_text(blocks)
    assert to_text(to_blocks(SAMPLE, resolve_link=to_notion)) == rendered
    assert to_text(json.loads(json.dumps(blocks))) == rendered
    assert to_text(resplit(blocks, random.Random(1))) == rendered
    assert to_text(responded(blocks)) == rendered
    assert to_text(resplit(responded(blocks), random.Random(2))) == rendered


def test_to_text_accepts_blocks_without_type_and_other_block_kinds() -> None:
    blocks: list[Block] = [
        {"paragraph": {"rich_text": [t("untyped")]}},
        {"type": "toggle", "toggle": {"rich_text": [t("more")]}, "children": [para(t("inside"))]},
        {"type": "child_page", "child_page": {"title": "Sub"}, "id": "p"},
        {"type": "equation", "equation": {"expression": "x^2"}},
        {"type": "bookmark", "bookmark": {"url": "https://example.com", "caption": []}},
        {"type": "unsupported", "unsupported": {}},
    ]
    assert to_text(blocks) == (
        "untyped\n▸ more\n  inside\n[child_page] Sub\n[equation] $$x^2$$\n"
        "[bookmark] https://example.com\n[unsupported] \n"
    )


def test_to_text_shows_differences() -> None:
    base = to_text(to_blocks("- [ ] a **b**"))
    assert to_text(to_blocks("- [x] a **b**")) != base
    assert to_text(to_blocks("- [ ] a *b*")) != base
    assert to_text(to_blocks("1. [ ] a **b**")) == base  # Notion has no numbered to-do


# --- property: any document gives valid requests and a stable text ------------------------------

WORD = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    min_size=1,
    max_size=12,
)
HREF = st.sampled_from(
    ["https://example.com/a", "outage.md", "../docs/overview.md#tiers", "#anchor", "mailto:a@b.co"]
)


@st.composite
def inline(draw: st.DrawFn) -> str:
    word = draw(WORD)
    forms = ["{}", "**{}**", "*{}*", "~~{}~~", "`{}`", "[{}]({})", "![{}]({})"]
    form = draw(st.sampled_from(forms))
    return form.format(word, draw(HREF)) if "](" in form else form.format(word)


def line() -> st.SearchStrategy[str]:
    return st.lists(inline(), min_size=1, max_size=8).map(" ".join)


def paragraph() -> st.SearchStrategy[str]:
    return st.lists(line(), min_size=1, max_size=4).map("\n".join)


@st.composite
def nested_list(draw: st.DrawFn, depth: int = 0) -> str:
    marker = draw(st.sampled_from(["- ", "1. ", "- [ ] ", "- [x] "]))
    items = []
    for _ in range(draw(st.integers(1, 3))):
        item = "  " * depth * 2 + marker + draw(line())
        if depth < 4 and draw(st.booleans()):
            item += "\n" + draw(nested_list(depth + 1))
        items.append(item)
    return "\n".join(items)


@st.composite
def code(draw: st.DrawFn) -> str:
    info = draw(st.sampled_from(["", "py", "yaml", "sh", "nonsense", "json"]))
    text = draw(st.lists(WORD, max_size=5).map("\n".join)) + "x" * draw(st.sampled_from([0, 2500]))
    return f"~~~{info}\n{text}\n~~~"


@st.composite
def table(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 4))
    cells = st.lists(inline().map(lambda s: s.replace("|", "\\|")), min_size=width, max_size=width)
    rows = draw(st.lists(cells, min_size=1, max_size=5))
    lines = [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join([lines[0], "|" + "---|" * width, *lines[1:]])


DOCUMENT = st.lists(
    st.one_of(
        paragraph(),
        nested_list(),
        code(),
        table(),
        paragraph().map(lambda p: "> " + p.replace("\n", "\n> ")),
        paragraph().map(lambda p: "> [!WARNING]\n> " + p.replace("\n", "\n> ")),
        st.integers(1, 6).map(lambda n: "#" * n + " heading"),
        st.integers(90, 130).map(lambda n: " ".join(f"**{i}** x" for i in range(n))),
    ),
    min_size=1,
    max_size=6,
).map("\n\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT, st.integers(0, 2**32))  # a seed: hypothesis's own Random is slow to draw from
def test_any_document_gives_valid_requests_and_stable_text(document: str, seed: int) -> None:
    blocks = to_blocks(document, resolve_link=to_notion)
    assert violations(blocks) == []
    rendered = to_text(blocks)
    assert to_text(to_blocks(document, resolve_link=to_notion)) == rendered
    assert to_text(json.loads(json.dumps(blocks))) == rendered
    assert to_text(resplit(blocks, random.Random(seed))) == rendered
    assert to_text(responded(blocks)) == rendered
