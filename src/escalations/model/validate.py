"""The validation pipeline: load, check schemas, check rules, build the Framework."""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from escalations.errors import FrameworkNotFoundError
from escalations.model.build import build_framework
from escalations.model.framework import Framework
from escalations.model.load import Document, Pointer, load_framework
from escalations.model.problems import Problem, Severity
from escalations.model.rules import check_rules
from escalations.model.rules.index import reference_pointers
from escalations.model.schema import check_parts


@dataclass(frozen=True, slots=True)
class Validation:
    documents: list[Document]
    problems: list[Problem]
    framework: Framework | None
    """The model, present only when no problem is an error."""

    @property
    def errors(self) -> int:
        return sum(p.severity is Severity.ERROR for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity is Severity.WARNING for p in self.problems)


def validate_framework(
    directory: Path, *, display_root: str | None = None, today: date | None = None
) -> Validation:
    """Every problem of the framework in `directory`, and its model when it has no errors;
    with `today`, also the warnings relative to it (overdue action items, the next review)."""
    if not directory.is_dir():
        raise FrameworkNotFoundError(
            f"framework directory '{directory}' not found; run the command from the repository "
            "root or pass --framework DIR."
        )
    loaded = load_framework(directory, display_root=display_root)
    problems = list(loaded.problems)
    checked: list[Document] = []
    unmapped: set[str] = set()
    failing: dict[str, frozenset[Pointer]] = {}
    for document in loaded.documents:
        schema_problems, bad = check_parts(document, reference_pointers(document))
        problems.extend(schema_problems)
        if not bad:
            checked.append(document)
            continue
        failing[document.path] = bad
        if () in bad:
            unmapped.add(document.path)  # nothing of it can be trusted: the ids still resolve
            checked.append(document)
        else:
            checked.append(replace(document, data=_without(document.data, bad)))
    problems.extend(
        check_rules(
            checked, frozenset(unmapped), unread=loaded.unread, failing=failing, today=today
        )
    )
    problems.sort()
    has_errors = any(p.severity is Severity.ERROR for p in problems)
    framework = None if has_errors else build_framework(loaded.documents)
    return Validation(loaded.documents, problems, framework)


def _without(data: Any, pointers: frozenset[Pointer]) -> Any:
    """A copy of `data` without the values at `pointers` (list items become None, so the
    positions of the others still match), for the rules to check the rest of the file."""
    pruned = copy.deepcopy(data)
    for pointer in sorted(pointers, key=len):
        parent = pruned
        for part in pointer[:-1]:
            if isinstance(parent, dict) and isinstance(part, str):
                parent = parent.get(part)
            elif isinstance(parent, list) and isinstance(part, int) and part < len(parent):
                parent = parent[part]
            else:
                parent = None
                break
        last = pointer[-1]
        if isinstance(parent, dict) and isinstance(last, str):
            parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            parent[last] = None
    return pruned
