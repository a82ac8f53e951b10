"""Problems found in framework files, and their text, JSON and GitHub renderings."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    """Says what was not checked and why; counts as neither an error nor a warning."""


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One finding at a file position: `path:line:col: severity [rule] message`."""

    path: str
    line: int
    col: int
    severity: Severity
    rule: str
    message: str

    def to_text(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity} [{self.rule}] {self.message}"

    def to_dict(self) -> dict[str, str | int]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": str(self.severity),
            "rule": self.rule,
            "message": self.message,
        }


def error(path: str, pos: tuple[int, int], rule: str, message: str) -> Problem:
    return Problem(path, pos[0], pos[1], Severity.ERROR, rule, message)


def warning(path: str, pos: tuple[int, int], rule: str, message: str) -> Problem:
    return Problem(path, pos[0], pos[1], Severity.WARNING, rule, message)


def note(path: str, pos: tuple[int, int], rule: str, message: str) -> Problem:
    return Problem(path, pos[0], pos[1], Severity.NOTE, rule, message)


def summary(problems: Iterable[Problem], documents: int) -> str:
    counts = Counter(p.severity for p in problems)
    errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
    noun = "document" if documents == 1 else "documents"
    if not errors and not warnings:
        return f"{documents} {noun} valid"
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {documents} {noun}"


def render_text(problems: list[Problem], documents: int) -> str:
    lines = [p.to_text() for p in problems]
    lines.append(summary(problems, documents))
    return "\n".join(lines)


def render_json(problems: list[Problem], documents: int) -> str:
    counts = Counter(p.severity for p in problems)
    payload = {
        "documents": documents,
        "errors": counts[Severity.ERROR],
        "warnings": counts[Severity.WARNING],
        "problems": [p.to_dict() for p in problems],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def render_github(problems: list[Problem], documents: int) -> str:
    """GitHub Actions workflow commands: one annotation per problem, then the summary."""
    lines = [
        f"::{_GITHUB_LEVELS[p.severity]} file={escape_property(p.path)},line={p.line},col={p.col},"
        f"title={escape_property(p.rule)}::{escape_data(p.message)}"
        for p in problems
    ]
    lines.append(summary(problems, documents))
    return "\n".join(lines)


_GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
