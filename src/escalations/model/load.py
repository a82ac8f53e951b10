"""Framework files to Documents: JSON-like data with the line and column of every node."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from escalations.model.convert import (
    MAX_DEPTH,
    MAX_NODES,
    Converter,
    ConvertError,
)
from escalations.model.convert import Pointer as Pointer
from escalations.model.convert import Position as Position
from escalations.model.filenames import misnamed_problem, name_defect, printable, walk
from escalations.model.problems import Problem, error, warning
from escalations.model.yamlhints import syntax_problem

MAX_BYTES = 1024 * 1024
"""Framework files are hand-written; anything larger is a mistake (or an attack)."""

RULES = {
    "missing-file": "The required files framework.yaml, people.yaml, teams.yaml, calendars.yaml, "
    "fields.yaml and tiers.yaml exist.",
    "unknown-file": "(warning) Every file belongs to a document kind; stray files are ignored.",
    "file-too-large": f"A file is at most {MAX_BYTES // 1024} KiB; larger ones are refused unread.",
    "binary-file": "A file is text: a NUL byte marks it as binary.",
    "encoding": "A file is UTF-8.",
    "file-name": "A file or folder name is UTF-8 without control or formatting characters, so it "
    "can be shown and published.",
    "yaml-syntax": "A file is well-formed YAML (one document, plain keys).",
    "yaml-tag": "Only the standard YAML tags are used (no !python/... or custom tags).",
    "duplicate-key": "No mapping has the same key twice (YAML would silently keep the last).",
    "too-many-nodes": f"A file expands to at most {MAX_NODES:,} values: alias bombs are refused.",
    "too-deep": f"A file nests at most {MAX_DEPTH} levels deep.",
    "empty-document": "A file is not empty.",
    "front-matter": "A Markdown document starts with YAML front matter between two '---' lines.",
}
"""The rules checked while reading files, by id (documented in the README)."""

SINGLE_FILES = {
    "framework.yaml": "framework",
    "people.yaml": "people",
    "teams.yaml": "teams",
    "calendars.yaml": "calendars",
    "fields.yaml": "fields",
    "tiers.yaml": "tiers",
}
FOLDERS = {
    "triggers": "trigger",
    "paths": "path",
    "playbooks": "playbook",
    "reviews": "review",
    "docs": "doc",
    "tests": "tests",
}
MARKDOWN_KINDS = frozenset({"playbook", "review", "doc"})
YAML_SUFFIXES = (".yaml", ".yml")

_SCHEMA_COMMENT = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)")
_FRONT_MATTER = MarkdownIt("zero").use(front_matter_plugin)


@dataclass(frozen=True, slots=True)
class Document:
    """One framework file: its kind, its data and where each node of the data was written."""

    path: str
    kind: str
    data: Any
    positions: Mapping[Pointer, Position] = field(repr=False)
    key_positions: Mapping[Pointer, Position] = field(repr=False)
    schema_ref: str | None = None
    name: str = ""
    body: str = ""
    body_line: int = 1
    text: str = field(default="", repr=False)
    """The whole file as read, for the rules that place positions inside a value."""

    def at(self, pointer: Pointer, *, key: bool = False) -> Position:
        """Where the node at `pointer` starts (its key with `key=True`), else its nearest parent."""
        if key and pointer in self.key_positions:
            return self.key_positions[pointer]
        while pointer:
            if pointer in self.positions:
                return self.positions[pointer]
            pointer = pointer[:-1]
        return self.positions.get((), (1, 1))

    def get(self, pointer: Pointer) -> Any:
        """The value at `pointer`, or None when the path does not exist or has another shape."""
        node = self.data
        for part in pointer:
            if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
            elif isinstance(part, str) and isinstance(node, dict):
                node = node.get(part)
            else:
                return None
        return node


@dataclass(frozen=True, slots=True)
class Unread:
    """A framework file that could not be read into a Document (or is missing), and where."""

    path: str
    kind: str
    position: Position
    missing: bool = False


@dataclass(frozen=True, slots=True)
class Loaded:
    documents: list[Document]
    problems: list[Problem]
    unread: list[Unread] = field(default_factory=list)


def discover(root: Path) -> tuple[list[tuple[Path, str]], list[Path], list[Path]]:
    """The framework files under `root` with their kind, the files that belong to none, and the
    files and folders whose names cannot be shown or published (which are not read)."""
    found: list[tuple[Path, str]] = []
    strays: list[Path] = []
    misnamed: list[Path] = []
    for path in sorted(root.iterdir()):
        if path.name.startswith("."):
            continue
        if name_defect(path.name):
            misnamed.append(path)
        elif path.is_file() and path.name in SINGLE_FILES:
            found.append((path, SINGLE_FILES[path.name]))
        elif path.is_dir() and path.name in FOLDERS:
            kind = FOLDERS[path.name]
            suffixes = (".md",) if kind in MARKDOWN_KINDS else YAML_SUFFIXES
            files, misnamed_inside = walk(path)
            misnamed.extend(misnamed_inside)
            for child in files:
                found.append((child, kind)) if child.suffix in suffixes else strays.append(child)
        else:
            strays.append(path)
    return found, strays, misnamed


def load_framework(root: Path, *, display_root: str | None = None) -> Loaded:
    """Read every framework file under `root`; problems instead of exceptions for bad files."""
    shown = printable(display_root if display_root is not None else str(root))
    found, strays, misnamed = discover(root)
    documents: list[Document] = []
    problems: list[Problem] = []
    unread: list[Unread] = []
    for path, kind in found:
        display = _display(shown, path.relative_to(root))
        document, file_problems = load_document(path, kind, display)
        problems.extend(file_problems)
        if document is not None:
            documents.append(replace(document, name=path.relative_to(root).as_posix()))
        else:
            first = min(file_problems, default=None)
            unread.append(Unread(display, kind, (first.line, first.col) if first else (1, 1)))
    for path in misnamed:
        problems.append(misnamed_problem(path, _display(shown, path.parent.relative_to(root))))
    present = {kind for _, kind in found}
    for name, kind in SINGLE_FILES.items():
        if kind not in present:
            unread.append(Unread(_display(shown, Path(name)), kind, (1, 1), missing=True))
            problems.append(
                error(
                    _display(shown, Path(name)),
                    (1, 1),
                    "missing-file",
                    f"the framework has no {name}; create it (see the authoring guide in the "
                    f"README and schema/{kind}.schema.json).",
                )
            )
    for path in strays:
        relative = path.relative_to(root)
        problems.append(
            warning(_display(shown, relative), (1, 1), "unknown-file", _stray_message(relative))
        )
    return Loaded(documents, problems, unread)


def _stray_message(relative: Path) -> str:
    folder = relative.parts[0]
    if len(relative.parts) > 1 and folder in FOLDERS:
        kind = FOLDERS[folder]
        suffixes = ".md" if kind in MARKDOWN_KINDS else ".yaml or .yml"
        return (
            f"{folder}/ holds only {suffixes} files, so this file is ignored; rename it or move "
            "it out of the framework."
        )
    return (
        f"this file is not part of the framework and is ignored; the framework is "
        f"{', '.join(SINGLE_FILES)} and the folders {', '.join(f + '/' for f in FOLDERS)}."
    )


def load_document(path: Path, kind: str, display: str) -> tuple[Document | None, list[Problem]]:
    """Read one file safely: size, binary, encoding and YAML problems are reported, never raised."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        return None, [
            error(
                display,
                (1, 1),
                "file-too-large",
                f"the file is {size:,} bytes, over the limit of {MAX_BYTES:,}; framework files are "
                "hand-written text: split it into several documents or remove what does not "
                "belong.",
            )
        ]
    raw = path.read_bytes()
    if b"\x00" in raw:
        return None, [
            error(
                display,
                _byte_position(raw, raw.index(b"\x00")),
                "binary-file",
                "the file contains NUL bytes, so it is binary, not YAML or Markdown text; "
                "remove it or replace it with a text file.",
            )
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        return None, [
            error(
                display,
                _byte_position(raw, offset),
                "encoding",
                f"byte 0x{raw[offset]:02x} is not valid UTF-8; save the file as UTF-8.",
            )
        ]
    if kind in MARKDOWN_KINDS:
        document, problems = _load_markdown(text, kind, display)
    else:
        document, problems = _load_yaml(text, kind, display, line_offset=0)
    return (replace(document, text=text) if document else None), problems


def _load_markdown(text: str, kind: str, display: str) -> tuple[Document | None, list[Problem]]:
    tokens = _FRONT_MATTER.parse(text)
    opened = text.lstrip("\ufeff").split("\n", 1)[0].rstrip() == "---"
    if opened and (not tokens or tokens[0].type != "front_matter"):
        return None, [
            error(
                display,
                (1, 1),
                "front-matter",
                "the front matter is never closed; end it with a line '---' before the body.",
            )
        ]
    if not tokens or tokens[0].type != "front_matter" or tokens[0].map is None:
        return None, [
            error(
                display,
                (1, 1),
                "front-matter",
                "the file has no YAML front matter; start it with a line '---', the document's "
                "properties (id, ...), and a closing line '---'.",
            )
        ]
    start, end = tokens[0].map
    lines = text.splitlines(keepends=True)
    document, problems = _load_yaml(tokens[0].content, kind, display, line_offset=start + 1)
    if document is None:
        return None, problems
    return replace(document, body="".join(lines[end:]), body_line=end + 1), problems


def _load_yaml(
    text: str, kind: str, display: str, *, line_offset: int
) -> tuple[Document | None, list[Problem]]:
    try:
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        return None, [syntax_problem(exc, text, display, line_offset)]
    except yaml.YAMLError as exc:
        message = str(exc).splitlines()[0]
        return None, [
            error(display, (1 + line_offset, 1), "yaml-syntax", f"YAML error: {message}.")
        ]
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    match = _SCHEMA_COMMENT.match(first)
    schema_ref = match.group(1) if match else None
    if root is None:
        return None, [
            error(
                display,
                (1 + line_offset, 1),
                "empty-document",
                "the document is empty; it must be a mapping of the keys described in "
                f"schema/{kind}.schema.json.",
            )
        ]
    converter = Converter(line_offset)
    try:
        data = converter.convert(root, ())
    except ConvertError as exc:
        return None, [error(display, exc.position, exc.rule, exc.message)]
    document = Document(
        display, kind, data, converter.positions, converter.key_positions, schema_ref
    )
    return document, [
        error(display, pos, "duplicate-key", msg) for pos, msg in converter.duplicates
    ]


def _byte_position(raw: bytes, offset: int) -> Position:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column


def _display(root: str, relative: Path) -> str:
    return str(Path(root) / relative)
