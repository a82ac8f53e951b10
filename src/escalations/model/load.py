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

from escalations.model.filenames import misnamed_problem, name_defect, printable, walk
from escalations.model.problems import Problem, error, warning

Pointer = tuple[str | int, ...]
Position = tuple[int, int]

MAX_BYTES = 1024 * 1024
"""Framework files are hand-written; anything larger is a mistake (or an attack)."""

MAX_NODES = 50_000
"""Nodes one file may expand to; aliases that expand beyond this are an alias bomb."""

MAX_DEPTH = 64

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
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:null": _CONSTRUCTOR.construct_yaml_null,
}
# Dates stay text, exactly as written: the schemas and rules parse them.
_TEXT_TAGS = frozenset({_STR, "tag:yaml.org,2002:timestamp"})
_STANDARD_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


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
class Loaded:
    documents: list[Document]
    problems: list[Problem]


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
    for path, kind in found:
        display = _display(shown, path.relative_to(root))
        document, file_problems = load_document(path, kind, display)
        problems.extend(file_problems)
        if document is not None:
            documents.append(replace(document, name=path.relative_to(root).as_posix()))
    for path in misnamed:
        problems.append(misnamed_problem(path, _display(shown, path.parent.relative_to(root))))
    present = {kind for _, kind in found}
    for name, kind in SINGLE_FILES.items():
        if kind not in present:
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
    return Loaded(documents, problems)


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
        return _load_markdown(text, kind, display)
    return _load_yaml(text, kind, display, line_offset=0)


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
        return None, [_syntax_problem(exc, display, line_offset)]
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
    converter = _Converter(line_offset)
    try:
        data = converter.convert(root, ())
    except _ConvertError as exc:
        return None, [error(display, exc.position, exc.rule, exc.message)]
    document = Document(
        display, kind, data, converter.positions, converter.key_positions, schema_ref
    )
    return document, [
        error(display, pos, "duplicate-key", msg) for pos, msg in converter.duplicates
    ]


def _syntax_problem(exc: yaml.MarkedYAMLError, display: str, line_offset: int) -> Problem:
    problem, context = exc.problem or "invalid YAML", exc.context
    mark = exc.problem_mark or exc.context_mark
    if "end of stream" in problem and exc.context_mark:
        mark = exc.context_mark  # where the unclosed quote or bracket was opened
    pos = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
    if "another document" in problem:
        message = (
            "the file holds more than one YAML document (a second '---' line); keep one "
            "document per file."
        )
    else:
        what = f"{context}: {problem}" if context else problem
        message = f"YAML syntax error ({what}); fix the syntax here."
    return error(display, pos, "yaml-syntax", message)


class _ConvertError(Exception):
    def __init__(self, position: Position, rule: str, message: str) -> None:
        super().__init__(message)
        self.position, self.rule, self.message = position, rule, message


class _Converter:
    """Turns composed YAML nodes into JSON-like data, recording positions, within budgets."""

    def __init__(self, line_offset: int) -> None:
        self.line_offset = line_offset
        self.nodes = 0
        self.positions: dict[Pointer, Position] = {}
        self.key_positions: dict[Pointer, Position] = {}
        self.duplicates: list[tuple[Position, str]] = []

    def position(self, node: yaml.Node) -> Position:
        return (node.start_mark.line + 1 + self.line_offset, node.start_mark.column + 1)

    def convert(self, node: yaml.Node, pointer: Pointer) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            keys = [
                pointer[:i] for i in range(len(pointer), 0, -1) if pointer[:i] in self.key_positions
            ]
            where = self.key_positions[keys[0]] if keys else self.position(node)
            name = f"'{keys[0][-1]}'" if keys else "the document"
            raise _ConvertError(
                where,
                "too-many-nodes",
                f"{name} expands to more than {MAX_NODES:,} values (aliases that repeat "
                "aliases, an 'alias bomb'?); write the content out plainly instead.",
            )
        if len(pointer) > MAX_DEPTH:
            raise _ConvertError(
                self.position(node),
                "too-deep",
                f"the document nests deeper than {MAX_DEPTH} levels; flatten it.",
            )
        self.positions.setdefault(pointer, self.position(node))
        if node.tag not in _STANDARD_TAGS and not isinstance(node, yaml.ScalarNode):
            raise _unsupported_tag(node.tag, self.position(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, pointer)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*pointer, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, pointer: Pointer) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _ConvertError(
                    self.position(key_node),
                    "yaml-syntax",
                    "a mapping key must be plain text, not a list or mapping.",
                )
            key = str(key_node.value)
            child = (*pointer, key)
            if key in result:
                first = self.key_positions[child]
                self.duplicates.append(
                    (
                        self.position(key_node),
                        f"key '{key}' appears twice in this mapping (first on line {first[0]}); "
                        "YAML keeps only the last one: remove or rename one of them.",
                    )
                )
            self.key_positions.setdefault(child, self.position(key_node))
            result[key] = self.convert(value_node, child)
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag in _TEXT_TAGS:
            return str(node.value)
        construct = _SCALAR_TAGS.get(node.tag)
        if construct is None:
            raise _unsupported_tag(node.tag, self.position(node))
        return construct(node)


def _unsupported_tag(tag: str, position: Position) -> _ConvertError:
    written = tag.replace("tag:yaml.org,2002:", "!!", 1)
    return _ConvertError(
        position,
        "yaml-tag",
        f"the YAML tag '{written}' is not supported; remove it and write a plain value.",
    )


def _byte_position(raw: bytes, offset: int) -> Position:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column


def _display(root: str, relative: Path) -> str:
    return str(Path(root) / relative)
