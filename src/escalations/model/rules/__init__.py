"""Semantic rules over schema-valid Documents: references, conditions, cycles, targets, dates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from escalations.model.load import Document, Pointer, Unread
from escalations.model.problems import Problem
from escalations.model.rules import references, reviews, structure, textrefs  # noqa: F401
from escalations.model.rules.index import RULES, Index, Rule

__all__ = ["NOTES", "RULES", "Rule", "check_rules"]

NOTES = {
    "skipped": "(note) When a file cannot be read (or the part of it that defines ids fails "
    "its schema), the checks that need its ids are skipped, and one note at that file says "
    "how many; the note is neither an error nor a warning.",
}
"""The notes the rules may add, by id (documented in the README)."""


def check_rules(
    documents: list[Document],
    invalid: frozenset[str] = frozenset(),
    *,
    unread: Iterable[Unread] = (),
    failing: Mapping[str, frozenset[Pointer]] | None = None,
    today: date | None = None,
) -> list[Problem]:
    """Problems of the rules. Documents in `invalid` are not checked, but the ids they define
    still resolve; `failing` holds the pointers of values that failed their schema (already
    left out of the documents). Where a file in `unread` or a failing value hides the ids of a
    kind, checks that need them are skipped, with one note at the file that says so. The rules
    that compare dates with `today` (overdue action items, the next review) run only with it."""
    index = Index(documents, invalid, unread=unread, failing=failing, today=today)
    problems = [problem for rule in RULES for problem in rule.check(index)]
    return problems + index.notes()
