"""Semantic rules over schema-valid Documents: references, conditions, cycles, targets, dates."""

from __future__ import annotations

from escalations.model.load import Document
from escalations.model.problems import Problem
from escalations.model.rules import references, structure  # noqa: F401  (they register the rules)
from escalations.model.rules.index import RULES, Index, Rule

__all__ = ["RULES", "Rule", "check_rules"]


def check_rules(documents: list[Document], invalid: frozenset[str] = frozenset()) -> list[Problem]:
    """Problems of the rules; documents in `invalid` (failed their schema) are not checked, but
    the ids they define still resolve, so one schema error does not cascade."""
    index = Index(documents, invalid)
    return [problem for rule in RULES for problem in rule.check(index)]
