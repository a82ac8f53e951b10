"""YAML syntax errors as Problems that point at the offending character and say how to fix it."""

from __future__ import annotations

import json

import yaml

from escalations.model.problems import Problem, error

Position = tuple[int, int]

_CLOSERS = {"flow sequence": ("[", "]", "list"), "flow mapping": ("{", "}", "mapping")}


def syntax_problem(exc: yaml.MarkedYAMLError, text: str, display: str, line_offset: int) -> Problem:
    """The problem of a YAML syntax error in `text`, whose first line is `line_offset` lines
    into the file (front matter); PyYAML's marks are 0-based, Problems 1-based like editors."""
    lines = text.split("\n")
    problem, context = exc.problem or "invalid YAML", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    where = (mark.line, mark.column) if mark else (0, 0)
    opened = (exc.context_mark.line, exc.context_mark.column) if exc.context_mark else where
    line = lines[where[0]] if where[0] < len(lines) else ""

    def at(spot: tuple[int, int], message: str) -> Problem:
        return error(display, (spot[0] + 1 + line_offset, spot[1] + 1), "yaml-syntax", message)

    if "another document" in problem:
        return at(
            where,
            "the file holds more than one YAML document (a second '---' line); keep one "
            "document per file.",
        )
    tab = _tab_in(lines, where, opened)
    if tab is not None:
        return at(tab, "a tab character here breaks the indentation; indent with spaces, not tabs.")
    if "mapping values are not allowed" in problem:
        return at(where, _colon_hint(line, where[1]))
    if "quoted scalar" in context and "end of stream" in problem:
        quote = _char(lines, opened) or '"'
        return at(
            opened,
            f"the quote {quote} opened here is never closed; end the value with {quote} on the "
            "same line.",
        )
    for kind, (start, end, noun) in _CLOSERS.items():
        if kind in context and ("did not find expected" in problem or "expected ','" in problem):
            found = _char(lines, where)
            if where[0] > opened[0] or not found:
                return at(
                    opened,
                    f"the '{start}' opened here is never closed; end the {noun} with '{end}' "
                    f"on this line, or write it as a block {noun}.",
                )
            return at(
                where,
                f"'{found}' does not close the {noun} opened with '{start}' at column "
                f"{opened[1] + 1}; close it with '{end}', or separate its items with ','.",
            )
    found = _char(lines, where)
    if "cannot start any token" in problem and found in ("@", "`"):
        return at(
            where,
            f"a plain value cannot start with '{found}'; quote the value: "
            f"{_quoted_line(line, where[1])}",
        )
    what = f"{context}: {problem}" if context else problem
    return at(where, f"YAML syntax error ({what}); fix the syntax here.")


def _tab_in(lines: list[str], *spots: tuple[int, int]) -> tuple[int, int] | None:
    """The first tab in the indentation of the lines the error names, if that is the cause."""
    for line_no, _ in sorted(set(spots), reverse=True):
        text = lines[line_no] if line_no < len(lines) else ""
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        if "\t" in indent:
            return line_no, indent.index("\t")
        after_key = text.find(":\t")
        if after_key >= 0 and not text.lstrip().startswith("#"):
            return line_no, after_key + 1
    return None


def _char(lines: list[str], spot: tuple[int, int]) -> str:
    text = lines[spot[0]] if spot[0] < len(lines) else ""
    return text[spot[1]] if spot[1] < len(text) else ""


def _colon_hint(line: str, column: int) -> str:
    return (
        "this ': ' starts a second mapping on the line (YAML reads it as a key); quote the "
        f"value: {_quoted_line(line, column)}"
    )


def _quoted_line(line: str, column: int) -> str:
    """The line rewritten with its value in double quotes, as the fix to type."""
    body = line.lstrip(" ")
    indent = len(line) - len(body)
    item = "- " if body.startswith("- ") else ""
    body = body[len(item) :]
    key, sep, value = body.partition(": ")
    if not sep or indent + len(item) + len(key) >= column:
        key, value = "", body
    value = value.split(" #", 1)[0].strip()
    quoted = json.dumps(value, ensure_ascii=False)
    return f"{item}{key}: {quoted}" if key else f"{item}{quoted}"
