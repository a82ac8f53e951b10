"""File names the framework can show and publish: UTF-8, no control or formatting characters."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from escalations.model.problems import Problem, error

# os.fsdecode keeps each byte that is not UTF-8 as a lone surrogate U+DC80..U+DCFF.
_UNDECODABLE = range(0xDC80, 0xDD00)
_CONTROL = frozenset({"Cc"})
# Invisible characters that reorder or hide text (U+202E, U+2028, ...) disguise a name in review.
_FORMATTING = frozenset({"Cf", "Cs", "Zl", "Zp"})


def name_defect(name: str) -> str | None:
    """Why `name` cannot be shown or published (a phrase to follow "the name ..."), else None."""
    if any(ord(char) in _UNDECODABLE for char in name):
        return "is not valid UTF-8"
    categories = {unicodedata.category(char) for char in name}
    if categories & _CONTROL:
        return "holds a control character"
    if categories & _FORMATTING:
        return "holds an invisible formatting character"
    return None


def escape_name(name: str) -> str:
    """`name` quoted, its undecodable bytes and unprintable characters as Python escapes."""
    return f"'{_escaped(name)}'"


def printable(path: str) -> str:
    """`path` as it is when it can be printed, else with escapes (stdout may refuse it)."""
    return _escaped(path) if name_defect(path) else path


def _escaped(text: str) -> str:
    escaped = []
    for char in text:
        if ord(char) in _UNDECODABLE:
            escaped.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif char == "\\":
            escaped.append("\\\\")
        elif unicodedata.category(char) in _CONTROL | _FORMATTING:
            escaped.append(repr(char)[1:-1])
        else:
            escaped.append(char)
    return "".join(escaped)


def walk(folder: Path) -> tuple[list[Path], list[Path]]:
    """The files under `folder`, and the entries whose names have a defect (not looked into).

    Hidden entries are skipped, and symlinked folders are not followed, as `Path.rglob` does.
    """
    files: list[Path] = []
    misnamed: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if name_defect(child.name):
            misnamed.append(child)
        elif child.is_dir() and not child.is_symlink():
            inner_files, inner_misnamed = walk(child)
            files.extend(inner_files)
            misnamed.extend(inner_misnamed)
        elif child.is_file():
            files.append(child)
    return files, misnamed


def misnamed_problem(path: Path, folder: str) -> Problem:
    """The `file-name` error for `path`, reported at `folder`, the displayed folder holding it."""
    what = "folder" if path.is_dir() else "file"
    return error(
        folder,
        (1, 1),
        "file-name",
        f"the {what} name {escape_name(path.name)} {name_defect(path.name)}; rename it "
        "(letters, digits, '-', '_' and '.').",
    )
