"""The validation pipeline: load, check schemas, check rules, build the Framework."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from escalations.errors import FrameworkNotFoundError
from escalations.model.build import build_framework
from escalations.model.framework import Framework
from escalations.model.load import Document, load_framework
from escalations.model.problems import Problem, Severity
from escalations.model.rules import check_rules
from escalations.model.schema import check_document


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


def validate_framework(directory: Path, *, display_root: str | None = None) -> Validation:
    """Every problem of the framework in `directory`, and its model when it has no errors."""
    if not directory.is_dir():
        raise FrameworkNotFoundError(
            f"framework directory '{directory}' not found; run the command from the repository "
            "root or pass --framework DIR."
        )
    loaded = load_framework(directory, display_root=display_root)
    problems = list(loaded.problems)
    invalid: set[str] = set()
    for document in loaded.documents:
        schema_problems = check_document(document)
        if schema_problems:
            invalid.add(document.path)
            problems.extend(schema_problems)
    problems.extend(check_rules(loaded.documents, frozenset(invalid)))
    problems.sort()
    has_errors = any(p.severity is Severity.ERROR for p in problems)
    framework = None if has_errors else build_framework(loaded.documents)
    return Validation(loaded.documents, problems, framework)
