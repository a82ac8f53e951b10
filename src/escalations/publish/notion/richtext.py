"""Notion rich text: request items built within Notion's limits, and their Markdown-like text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

RichText = dict[str, Any]
Marks = tuple[tuple[str, bool | str], ...]

# Notion measures lengths as JavaScript does, in UTF-16 code units: an emoji counts twice.
MAX_TEXT = 2000
MAX_ITEMS = 100
ANNOTATIONS = ("bold", "italic", "strikethrough", "underline", "code", "color")
_DEFAULTS: dict[str, bool | str] = dict.fromkeys(ANNOTATIONS, False) | {"color": "default"}
# Rendering order, innermost first, so that `**`code`**` and friends come out the same every time.
_WRAPS = (
    ("code", "`", "`"),
    ("strikethrough", "~~", "~~"),
    ("italic", "*", "*"),
    ("bold", "**", "**"),
    ("underline", "<u>", "</u>"),
)


@dataclass(frozen=True)
class Run:
    """A stretch of text with one set of annotations and at most one link."""

    text: str
    marks: Marks = ()
    url: str | None = None

    def joins(self, other: Run) -> bool:
        return self.marks == other.marks and self.url == other.url


def canonical_marks(annotations: Mapping[str, Any]) -> Marks:
    """Only the non-default annotations, in a fixed order, so equal formatting compares equal."""
    return tuple(
        (name, annotations[name])
        for name in ANNOTATIONS
        if name in annotations and annotations[name] != _DEFAULTS[name]
    )


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, never cutting a character in two."""
    if utf16_len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    start = size = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            pieces.append(text[start:index])
            start, size = index, 0
        size += width
    pieces.append(text[start:])
    return pieces


def is_link_url(url: str) -> bool:
    """Whether Notion accepts `url` as a link: absolute http(s) with a host, or mailto.

    Stricter than Notion on purpose (printable ASCII only): one rejected URL fails the whole
    request, and Markdown hrefs arrive percent-encoded anyway."""
    if not url or utf16_len(url) > MAX_TEXT or not all("!" <= char <= "~" for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname)
    return parts.scheme == "mailto" and bool(parts.path)


def merge(runs: Iterable[Run]) -> list[Run]:
    """Adjacent runs with the same annotations and link joined, empty ones dropped, as Notion
    itself stores them: output merged this way equals what is read back."""
    merged: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if merged and merged[-1].joins(run):
            merged[-1] = Run(merged[-1].text + run.text, run.marks, run.url)
        else:
            merged.append(run)
    return merged


def item(content: str, marks: Marks = (), url: str | None = None) -> RichText:
    text: dict[str, Any] = {"content": content}
    if url is not None:
        text["link"] = {"url": url}
    return {"type": "text", "text": text, "annotations": dict(marks)}


def to_items(runs: Iterable[Run]) -> list[RichText]:
    """Request items for runs: merged, then cut to Notion's 2000-unit content limit."""
    return [
        item(piece, run.marks, run.url) for run in merge(runs) for piece in split_text(run.text)
    ]


def chunks(items: Sequence[RichText]) -> list[list[RichText]]:
    """Items in groups of at most 100, one group per block; an empty text is one empty group."""
    groups = [list(items[start : start + MAX_ITEMS]) for start in range(0, len(items), MAX_ITEMS)]
    return groups or [[]]


def fit(items: Sequence[RichText]) -> list[RichText]:
    """Items squeezed into one array of at most 100, for slots that cannot be split into more
    blocks (table cells, captions): the tail loses its formatting, and past 200,000 units the
    text is cut. Real cells never come close; the point is never to send a rejected request."""
    if len(items) <= MAX_ITEMS:
        return list(items)
    for keep in range(MAX_ITEMS - 1, 0, -1):
        tail = split_text(plain(items[keep:]))
        if keep + len(tail) <= MAX_ITEMS:
            return list(items[:keep]) + [item(piece) for piece in tail]
    return [item(piece) for piece in split_text(plain(items))[:MAX_ITEMS]]


def rich_text(text: str, *, link: str | None = None, **annotations: bool | str) -> list[RichText]:
    """Rich-text request items for a plain string, e.g. `rich_text("Owner", bold=True)`.

    Text over 2000 units is split into several items; default annotations are left out."""
    unknown = sorted(set(annotations) - set(ANNOTATIONS))
    if unknown:
        raise ValueError(f"unknown annotations {unknown}: use {', '.join(ANNOTATIONS)}")
    if link is not None and not is_link_url(link):
        raise ValueError(f"Notion rejects '{link}' as a link: use an absolute http(s) URL")
    return to_items([Run(text, canonical_marks(annotations), link)])


def runs_of(items: Iterable[Mapping[str, Any]]) -> list[Run]:
    """Runs of request- or response-shaped items, merged, so that splitting does not matter."""
    return merge(_run_of(entry) for entry in items)


def _run_of(entry: Mapping[str, Any]) -> Run:
    marks = canonical_marks(entry.get("annotations") or {})
    kind = entry.get("type", "text")
    if kind == "text":
        text = entry.get("text") or {}
        link = text.get("link") or {}
        return Run(str(text.get("content", "")), marks, link.get("url"))
    if kind == "equation":
        return Run(f"${(entry.get('equation') or {}).get('expression', '')}$", marks)
    return Run(str(entry.get("plain_text", f"[{kind}]")), marks, entry.get("href"))


def render(items: Iterable[Mapping[str, Any]]) -> str:
    """Rich text as Markdown-like text: **bold**, *italic*, ~~strike~~, `code`, [text](url)."""
    return "".join(_render_run(run) for run in runs_of(items))


def plain(items: Iterable[Mapping[str, Any]]) -> str:
    return "".join(run.text for run in runs_of(items))


def _render_run(run: Run) -> str:
    marks = dict(run.marks)
    text = run.text
    for name, opening, closing in _WRAPS:
        if marks.get(name):
            text = f"{opening}{text}{closing}"
    if "color" in marks:
        text = f"<{marks['color']}>{text}</{marks['color']}>"
    return f"[{text}]({run.url})" if run.url else text
