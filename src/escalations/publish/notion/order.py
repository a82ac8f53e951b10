"""The order to create pages in, so that each is created with its links: a pure function."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Order:
    """`deferred` pages are created empty first and filled last: together they break every
    cycle of links. Each of the `ordered` pages comes after every page it links to."""

    deferred: tuple[str, ...]
    ordered: tuple[str, ...]


def creation_order(keys: Sequence[str], links: Mapping[str, frozenset[str]]) -> Order:
    """An order of `keys` (pages to create) in which as few as possible wait for a page that
    is not created yet. Links to keys outside `keys` do not constrain it (those pages exist or
    never will). Keeps the order of `keys` wherever links leave a choice."""
    wanted = set(keys)
    waits = {key: (links.get(key, frozenset()) & wanted) for key in keys}
    deferred = _feedback_set(keys, waits)
    ordered: list[str] = []
    done = set(deferred)
    remaining = [key for key in keys if key not in done]
    while remaining:
        ready = [key for key in remaining if waits[key] <= done]
        assert ready, "the deferred pages break every cycle"
        ordered += ready
        done |= set(ready)
        remaining = [key for key in remaining if key not in done]
    return Order(tuple(k for k in keys if k in deferred), tuple(ordered))


def _feedback_set(keys: Sequence[str], waits: Mapping[str, frozenset[str]]) -> set[str]:
    """Pages whose removal leaves no cycle. Finding the fewest is NP-hard; each step removes,
    from a strongly connected component, the page with the most links in times links out
    within it (a common heuristic; it finds the fewest for the example's cycles)."""
    position = {key: i for i, key in enumerate(keys)}
    removed: set[str] = set()
    while True:
        cyclic = [c for c in _components(keys, waits, removed) if _is_cycle(c, waits)]
        if not cyclic:
            return removed
        component = cyclic[0]
        scores = {
            key: sum(1 for other in component if key in waits[other]) * len(waits[key] & component)
            for key in component
        }
        # max keeps the first of equal scores: the earliest in the plan's order.
        removed.add(max(sorted(component, key=position.__getitem__), key=scores.__getitem__))


def _is_cycle(component: set[str], waits: Mapping[str, frozenset[str]]) -> bool:
    if len(component) > 1:
        return True
    (only,) = component
    return only in waits[only]


def _components(
    keys: Sequence[str], waits: Mapping[str, frozenset[str]], removed: set[str]
) -> list[set[str]]:
    """Strongly connected components of the links between the keys not removed (Tarjan's
    algorithm, iterative so that long chains of links cannot overflow the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in keys:
        if root in removed or root in index:
            continue
        work = [(root, iter(sorted(waits[root] - removed)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(waits[target] - removed))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                found.append(component)
    return found
