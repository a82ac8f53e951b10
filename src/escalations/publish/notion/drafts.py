"""Pages rendered once per publish, their links to other pages resolved against the rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, unquote

from escalations.model.framework import Framework
from escalations.publish.notion.render import Page, render_pages

PLACEHOLDER = "https://escalations.invalid/page/"
"""Where a draft links to a page until the page's URL is known (`.invalid` never resolves)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """A rendered page whose links to other pages are placeholders, and the keys they name."""

    page: Page
    links: frozenset[str]


def draft_pages(framework: Framework) -> tuple[Draft, ...]:
    """Every page of the handbook, rendered once: a publish resolves the same drafts against
    the rows it observed, then against each row it creates."""
    pages = render_pages(framework, lambda key: PLACEHOLDER + quote(key, safe=""))
    return tuple(Draft(page, frozenset(_linked(page.blocks))) for page in pages)


def resolve(draft: Draft, url_of: Callable[[str], str | None]) -> Page:
    """The page with each placeholder replaced by the URL of its page, or by plain text while
    that page is not published (what rendering with `url_of` itself would mean)."""
    if not draft.links:
        return draft.page
    blocks = tuple(_resolved(block, url_of) for block in draft.page.blocks)
    return replace(draft.page, blocks=blocks)


def _key(url: Any) -> str | None:
    if isinstance(url, str) and url.startswith(PLACEHOLDER):
        return unquote(url[len(PLACEHOLDER) :])
    return None


def _link_of(value: dict[str, Any]) -> Any:
    text = value.get("text")
    if value.get("type") != "text" or not isinstance(text, dict):
        return None
    return (text.get("link") or {}).get("url")


def _linked(value: Any) -> set[str]:
    if isinstance(value, list | tuple):
        return {key for item in value for key in _linked(item)}
    if not isinstance(value, dict):
        return set()
    key = _key(_link_of(value))
    found = {key} if key is not None else set()
    return found.union(*(_linked(item) for item in value.values()))


def _resolved(value: Any, url_of: Callable[[str], str | None]) -> Any:
    if isinstance(value, list):
        return [_resolved(item, url_of) for item in value]
    if not isinstance(value, dict):
        return value
    key = _key(_link_of(value))
    if key is not None:
        url = url_of(key)
        text = {k: v for k, v in value["text"].items() if k != "link"}
        if url is not None:
            text["link"] = {"url": url}
        return {**value, "text": text}
    return {k: _resolved(item, url_of) for k, item in value.items()}
