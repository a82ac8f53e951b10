"""Two conditions compared leaf by leaf: which leaves changed, and whether that widens them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from escalations.criteria import describe
from escalations.criteria.conditions import Condition, Leaf
from escalations.model.framework import Framework

from .statement import NONE, Effect, Span
from .words import runs, word_diff

ANY_OF = frozenset({"eq", "in", "contains", "starts_with", "ends_with"})
"""Ops that hold when the field matches any one of the values: more values, wider."""
NONE_OF = frozenset({"neq", "not_in", "not_contains"})
"""Ops that hold when the field matches none of the values: more values, narrower."""
SAME_MEANING = {"in": "eq", "not_in": "neq"}
WIDER_OP = {("gt", "gte"), ("lt", "lte")}
"""(old, new) pairs that, on the same value, let more tickets through."""


@dataclass(frozen=True, slots=True)
class LeafChange:
    where: str
    """`` for a one-group condition, else ` (alternative N)`."""
    before: str
    after: str
    effect: Effect
    words: tuple[Span, ...] = ()


def compare_conditions(
    before: Condition, after: Condition, base: Framework, head: Framework
) -> list[LeafChange]:
    """The leaves (and alternatives) that differ, in plain language, each with its effect."""
    several = len(before.groups) > 1 or len(after.groups) > 1
    changes: list[LeafChange] = []
    pairs, gone, new = _match_groups(before.groups, after.groups)
    for old_index, new_index in pairs:
        where = f" (alternative {new_index + 1})" if several else ""
        changes += _compare_group(
            before.groups[old_index], after.groups[new_index], where, base, head
        )
    for index in gone:
        text = _group(before.groups[index], base)
        changes.append(LeafChange(f" (alternative {index + 1})", text, NONE, "narrower"))
    for index in new:
        text = _group(after.groups[index], head)
        changes.append(LeafChange(f" (alternative {index + 1})", NONE, text, "wider"))
    return changes


def combined(effects: Iterable[Effect]) -> Effect | None:
    """One effect for several changes: all wider, all narrower, or unclear."""
    found = set(effects)
    if not found:
        return None
    return found.pop() if len(found) == 1 else "unclear"


def _match_groups(
    old: tuple[tuple[Leaf, ...], ...], new: tuple[tuple[Leaf, ...], ...]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Each old group paired with the unpaired new group sharing the most leaves or fields."""
    pairs: list[tuple[int, int]] = []
    free = list(range(len(new)))
    gone = []
    for i, group in enumerate(old):
        scored = [(_likeness(group, new[j]), -abs(i - j), j) for j in free]
        best = max(scored, default=None)
        if best is None or best[0] == 0:
            gone.append(i)
            continue
        pairs.append((i, best[2]))
        free.remove(best[2])
    return sorted(pairs, key=lambda p: p[1]), gone, free


def _likeness(a: tuple[Leaf, ...], b: tuple[Leaf, ...]) -> int:
    same = len(set(a) & set(b))
    fields = len({leaf.field for leaf in a} & {leaf.field for leaf in b})
    return 2 * same + fields


def _compare_group(
    old: tuple[Leaf, ...], new: tuple[Leaf, ...], where: str, base: Framework, head: Framework
) -> list[LeafChange]:
    left = [leaf for leaf in old if leaf not in new]
    right = [leaf for leaf in new if leaf not in old]
    changes = []
    for same_op in (True, False):
        for leaf in list(left):
            twin = next(
                (r for r in right if r.field == leaf.field and (r.op == leaf.op or not same_op)),
                None,
            )
            if twin is not None:
                left.remove(leaf)
                right.remove(twin)
                was, now = describe.leaf(leaf, base), describe.leaf(twin, head)
                changes.append(
                    LeafChange(
                        where, was, now, leaf_effect(leaf, twin), _words(leaf, twin, base, head)
                    )
                )
    # One more condition that must hold lets fewer tickets through, one less lets more.
    changes += [LeafChange(where, describe.leaf(leaf, base), NONE, "wider") for leaf in left]
    changes += [LeafChange(where, NONE, describe.leaf(leaf, head), "narrower") for leaf in right]
    return changes


def _words(old: Leaf, new: Leaf, base: Framework, head: Framework) -> tuple[Span, ...]:
    """The leaf's sentences word by word; for lists of values, value by value, since a value
    added at the end moves the sentence's `or`."""
    was, now = describe.leaf(old, base), describe.leaf(new, head)
    if old.op != new.op or not isinstance(old.value, tuple) or not isinstance(new.value, tuple):
        return word_diff(was, now)
    singles = [describe.leaf(Leaf(old.field, old.op, (v,)), base) for v in old.value]
    singles_new = [describe.leaf(Leaf(new.field, new.op, (v,)), head) for v in new.value]
    prefix = _common_words(singles + singles_new)
    if not prefix:
        return word_diff(was, now)
    left = [s[len(prefix) :] for s in singles]
    right = [s[len(prefix) :] for s in singles_new]
    values = runs(left, right, ", ")
    # A comma after every run but the last keeps the list readable around a marked value.
    marked = [
        Span(v.op, v.text + ("," if i < len(values) - 1 else "")) for i, v in enumerate(values)
    ]
    return (Span("same", prefix.strip()), *marked)


def _common_words(texts: list[str]) -> str:
    """The words all `texts` start with, and the space after them, up to a quoted value (the
    values of a text field may all start with the same word: `your manager`, `your boss`)."""
    first, *rest = [t.split(" ") for t in texts]
    count = 0
    while (
        count < len(first)
        and not first[count].startswith("“")
        and all(len(w) > count and w[count] == first[count] for w in rest)
    ):
        count += 1
    return " ".join(first[:count]) + " " if count else ""


def _group(group: tuple[Leaf, ...], framework: Framework) -> str:
    return ", and ".join(describe.leaf(leaf, framework) for leaf in group)


def leaf_effect(old: Leaf, new: Leaf) -> Effect:
    """Whether `new` holds for more tickets than `old` (wider), fewer (narrower), or unclear."""
    old_op, new_op = SAME_MEANING.get(old.op, old.op), SAME_MEANING.get(new.op, new.op)
    if old_op == new_op and old_op in ANY_OF | NONE_OF:
        was, now = _values(old.value), _values(new.value)
        if now == was:
            return "unclear"
        more: Effect = "wider" if old_op in ANY_OF else "narrower"
        fewer: Effect = "narrower" if old_op in ANY_OF else "wider"
        return more if now > was else fewer if now < was else "unclear"
    try:
        if old_op == new_op and old.value != new.value:
            higher = new.value > old.value
            if old_op in ("gt", "gte", "after"):
                return "narrower" if higher else "wider"
            if old_op in ("lt", "lte", "before"):
                return "wider" if higher else "narrower"
        if old.value == new.value and (old_op, new_op) in WIDER_OP:
            return "wider"
        if old.value == new.value and (new_op, old_op) in WIDER_OP:
            return "narrower"
    except TypeError:
        pass  # values that do not order (a date against a relative time, ...)
    return "unclear"


def _values(value: Any) -> frozenset[Any]:
    items = value if isinstance(value, tuple | list) else (value,)
    return frozenset(str(v).lower() if isinstance(v, str) else v for v in items)
