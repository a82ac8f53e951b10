"""Markdown inline tokens to rich-text runs: emphasis, code, links (resolved or dropped), breaks."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from markdown_it.token import Token

from escalations.publish.notion.richtext import Marks, Run, is_link_url

LinkResolver = Callable[[str], str | None]

_MARKS = {"strong": "bold", "em": "italic", "s": "strikethrough"}
_ORDER = ("bold", "italic", "strikethrough")
_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ABSOLUTE = ("http", "https", "mailto")


@dataclass(frozen=True)
class Image:
    """An image that can stand as its own block: an absolute http(s) URL and its alt text."""

    url: str
    caption: list[Run]


def inline_runs(tokens: Sequence[Token], resolve_link: LinkResolver, soft_break: str) -> list[Run]:
    """Runs for a rich-text slot (heading, list item, cell), where images become their alt text."""
    return [
        part for part in _parts(tokens, resolve_link, soft_break, False) if isinstance(part, Run)
    ]


def inline_parts(
    tokens: Sequence[Token], resolve_link: LinkResolver, soft_break: str
) -> list[Run | Image]:
    """Runs and the images between them, for a paragraph that may break around its images."""
    return list(_parts(tokens, resolve_link, soft_break, True))


def link_url(href: str, resolve_link: LinkResolver) -> str | None:
    """The URL to link to, or None to keep only the text: Notion fails a whole request on one
    link it cannot parse, so relative links must resolve to an absolute URL or go."""
    scheme = _scheme(href)
    target = href if scheme in _ABSOLUTE else resolve_link(href)
    return target if target is not None and is_link_url(target) else None


def image_url(src: str) -> str | None:
    return src if _scheme(src) in ("http", "https") and is_link_url(src) else None


def _scheme(href: str) -> str:
    try:
        return urlsplit(href).scheme.lower()
    except ValueError:
        return ""


def _parts(
    tokens: Sequence[Token], resolve_link: LinkResolver, soft_break: str, images: bool
) -> Iterator[Run | Image]:
    active: Counter[str] = Counter()
    links: list[str | None] = []
    for token in tokens:
        kind, _, edge = token.type.rpartition("_")
        if kind in _MARKS and edge in ("open", "close"):
            active[_MARKS[kind]] += 1 if edge == "open" else -1
        elif token.type == "link_open":
            links.append(link_url(str(token.attrs.get("href", "")), resolve_link))
        elif token.type == "link_close" and links:
            links.pop()
        else:
            marks = tuple((name, True) for name in _ORDER if active[name] > 0)
            url = links[-1] if links else None
            yield from _leaf(token, marks, url, soft_break, images)


def _leaf(
    token: Token, marks: Marks, url: str | None, soft_break: str, images: bool
) -> Iterator[Run | Image]:
    match token.type:
        case "text":
            yield Run(token.content, marks, url)
        case "code_inline":
            yield Run(token.content, (*marks, ("code", True)), url)
        case "softbreak":
            yield Run(soft_break, marks, url)
        case "hardbreak":
            yield Run("\n", marks, url)
        case "html_inline":
            # Tags themselves are dropped (the text between them is in their own tokens), and so
            # is the tasklist plugin's checkbox; only a line break survives.
            if _BREAK_TAG.fullmatch(token.content.strip()):
                yield Run("\n", marks, url)
        case "image":
            yield from _image(token, marks, url, images)
        case _:
            yield Run(token.content, marks, url)


def _image(token: Token, marks: Marks, url: str | None, images: bool) -> Iterator[Run | Image]:
    alt = "".join(
        " " if child.type in ("softbreak", "hardbreak") else child.content
        for child in token.children or []
    )
    src = image_url(str(token.attrs.get("src", "")))
    if images and src is not None:
        yield Image(src, [Run(alt)])
    else:
        yield Run(alt, marks, url)
