"""Column indexes of the stored tickets for CRM search, rebuilt when the store changes."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from math import isnan
from typing import Any

from escalations.sandbox.hubspot.store import Store

Test = Callable[[Any, dict[str, Any]], bool]
"""`tickets._test`: whether one raw value passes one filter (the meaning every index keeps)."""
Number = Callable[[Any], "float | None"]
_RANGES = ("GT", "GTE", "LT", "LTE", "BETWEEN")


@dataclass(slots=True)
class _Numbers:
    """A property's numeric values sorted (NaN left out: it compares equal to everything)."""

    values: list[float]
    positions: list[int]
    others: list[int]
    """Known values that are not numbers (or NaN): compared one by one."""


@dataclass(slots=True)
class _Snapshot:
    version: tuple[int, int]
    keys: list[str]
    columns: dict[str, list[Any]] = field(default_factory=dict)
    numbers: dict[str, _Numbers] = field(default_factory=dict)
    parts: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    sort_keys: dict[str, list[Any]] = field(default_factory=dict)


class SearchIndex:
    """The live tickets' values by property, loaded column by column as searches need them
    and dropped on any write (`Store.version`), so a search over 100,000 tickets neither parses
    every document nor compares every value; answers are those of filtering each ticket."""

    def __init__(self, store: Store, test: Test, number: Number) -> None:
        self.store, self.test, self.number = store, test, number
        self._snapshot: _Snapshot | None = None

    def current(self) -> _Snapshot:
        """Call with the store's lock held, for as long as the snapshot is used."""
        version = self.store.version()
        if self._snapshot is None or self._snapshot.version != version:
            self._snapshot = _Snapshot(version, self.store.keys("ticket"))
        return self._snapshot

    def column(self, snap: _Snapshot, name: str) -> list[Any]:
        found = snap.columns.get(name)
        if found is None:
            found = snap.columns[name] = self.store.column("ticket", name)
        return found

    def match(self, snap: _Snapshot, groups: list[dict[str, Any]]) -> list[int]:
        """Positions (insertion order) of the tickets meeting any group (all, for none)."""
        everything = range(len(snap.keys))
        if not groups:
            return list(everything)
        hits: set[int] = set()
        for group in groups:
            found: set[int] | None = None
            for item in group["filters"]:
                found = self._one(snap, item) if found is None else found & self._one(snap, item)
                if not found:
                    break
            hits |= set(everything) if found is None else found
        return sorted(hits)

    def _one(self, snap: _Snapshot, item: dict[str, Any]) -> set[int]:
        name, operator = str(item["propertyName"]), item["operator"]
        raws = self.column(snap, name)
        if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
            known = {i for i, raw in enumerate(raws) if raw not in (None, "")}
            return known if operator == "HAS_PROPERTY" else set(range(len(raws))) - known
        wanted = _wanted(item)
        if operator in ("EQ", "NEQ", "IN", "NOT_IN") and all(
            self.number(w) is None for w in wanted
        ):
            # Against a value that is not a number, equality is of lower-cased text per part.
            parts = self._parts(snap, name, raws)
            hit = set().union(*(parts.get(str(w).lower(), set()) for w in wanted))
            return hit if operator in ("EQ", "IN") else set(range(len(raws))) - hit
        bounds = [self.number(w) for w in wanted]
        if operator in _RANGES and all(b is not None and not isnan(b) for b in bounds):
            return self._range(snap, name, raws, item, [b for b in bounds if b is not None])
        return {i for i, raw in enumerate(raws) if self.test(raw, item)}

    def _parts(self, snap: _Snapshot, name: str, raws: list[Any]) -> dict[str, set[int]]:
        found = snap.parts.get(name)
        if found is None:
            found = snap.parts[name] = {}
            for i, raw in enumerate(raws):
                if raw in (None, ""):
                    continue
                for part in [p for p in str(raw).split(";") if p] or [str(raw)]:
                    found.setdefault(part.lower(), set()).add(i)
        return found

    def _range(
        self, snap: _Snapshot, name: str, raws: list[Any], item: dict[str, Any], bounds: list[float]
    ) -> set[int]:
        numbers = snap.numbers.get(name)
        if numbers is None:
            pairs, others = [], []
            for i, raw in enumerate(raws):
                if raw in (None, ""):
                    continue
                value = self.number(raw)
                if value is None or isnan(value):
                    others.append(i)
                else:
                    pairs.append((value, i))
            pairs.sort()
            numbers = snap.numbers[name] = _Numbers(
                [v for v, _ in pairs], [i for _, i in pairs], others
            )
        values, operator = numbers.values, item["operator"]
        low, high = 0, len(values)
        if operator == "GT":
            low = bisect_right(values, bounds[0])
        elif operator == "GTE":
            low = bisect_left(values, bounds[0])
        elif operator == "LT":
            high = bisect_left(values, bounds[0])
        elif operator == "LTE":
            high = bisect_right(values, bounds[0])
        else:
            low, high = bisect_left(values, bounds[0]), bisect_right(values, bounds[1])
        found = set(numbers.positions[low:high])
        return found | {i for i in numbers.others if self.test(raws[i], item)}

    def sort_keys(self, snap: _Snapshot, name: str, key: Callable[[Any], Any]) -> list[Any]:
        """`key` of each known value of `name`, None for the tickets without one."""
        found = snap.sort_keys.get(name)
        if found is None:
            found = snap.sort_keys[name] = [
                None if raw in (None, "") else key(raw) for raw in self.column(snap, name)
            ]
        return found


def _wanted(item: dict[str, Any]) -> list[Any]:
    if item["operator"] in ("IN", "NOT_IN"):
        return list(item.get("values") or [])
    if item["operator"] == "BETWEEN":
        return [item.get("value"), item.get("highValue")]
    return [item.get("value")]
