"""The order pages are created in: each after the pages it links to, cycles broken by few."""

from __future__ import annotations

from itertools import combinations

from escalations.model.framework import Framework
from escalations.publish.notion.drafts import draft_pages
from escalations.publish.notion.order import Order, creation_order


def order(links: dict[str, str]) -> Order:
    """Keys in the dict's order, each linking to the keys named in its value."""
    return creation_order(list(links), {k: frozenset(v.split()) for k, v in links.items()})


def test_each_page_comes_after_the_pages_it_links_to() -> None:
    assert order({"a": "b c", "b": "c", "c": "", "d": ""}) == Order((), ("c", "d", "b", "a"))


def test_links_to_pages_not_created_do_not_wait() -> None:
    assert order({"a": "existing gone", "b": "a"}) == Order((), ("a", "b"))


def test_a_cycle_defers_one_page_and_a_self_link_defers_its_page() -> None:
    assert order({"a": "b", "b": "c", "c": "a", "d": "a"}) == Order(("a",), ("c", "d", "b"))
    assert order({"a": "a", "b": "a"}) == Order(("a",), ("b",))


def test_the_page_in_most_cycles_is_deferred() -> None:
    # hub is in the cycles with x, y and z; deferring it breaks all three.
    links = {"x": "hub", "y": "hub", "z": "hub", "hub": "x y z"}
    assert order(links) == Order(("hub",), ("x", "y", "z"))


def test_the_example_defers_three_pages_the_fewest_its_cycles_allow(
    framework: Framework,
) -> None:
    drafts = draft_pages(framework)
    keys = [d.page.key for d in drafts]
    result = creation_order(keys, {d.page.key: d.links for d in drafts})
    assert result.deferred == ("playbook:relationship", "playbook:technical", "doc:overview")
    assert sorted(result.deferred + result.ordered) == sorted(keys)
    done = set(result.deferred)
    links = {d.page.key: d.links for d in drafts}
    for key in result.ordered:
        assert links[key] & set(keys) <= done, key
        done.add(key)
    # No two pages break every cycle: without any pair, one is left.
    for pair in combinations(keys, 2):
        assert _has_cycle(links, set(keys) - set(pair)), pair


def _has_cycle(links: dict[str, frozenset[str]], keys: set[str]) -> bool:
    left = set(keys)
    while True:
        free = {k for k in left if not (links[k] & left)}
        if not free:
            return bool(left)
        left -= free
