"""References to framework values in prose (`{{tier:tier-1.first_response}}`), with positions."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from escalations.model.load import Document, Pointer, Position

PATTERN = re.compile(r"\{\{\s*([a-z][a-z_-]*):([^{}\s]*?)\s*\}\}")
"""`{{kind:id.attribute}}`: double braces survive Markdown (no CommonMark construct uses them)
and ids never contain a dot, so the first dot ends the id."""

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "tier": ("name", "first_response", "update_cadence", "resolution"),
    "person": ("name", "title", "email", "slack"),
    "team": ("name", "lead", "email", "slack"),
    "calendar": ("name", "hours", "timezone"),
    "trigger": ("name", "criteria", "tier", "path", "precedence"),
    "path": ("name",),
    "playbook": ("name", "owner", "severity"),
}
"""What each kind of reference can name; the first is the default (`{{person:priya-nair}}`)."""

LEVEL_ATTRIBUTES = ("name", "owner", "move_on")
"""What `{{path:<path>.<level>.<attribute>}}` can name; `<level>` is a level id or `level-N`."""

PROSE_KEYS = frozenset({"description", "summary", "definition_of_done"})
"""Keys whose text is prose a person reads, where restated values are looked for."""

_MARKDOWN = MarkdownIt("commonmark").enable(["table"])
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)


@dataclass(frozen=True, slots=True)
class TextRef:
    """One reference as written: its kind, the id and the attributes after it, and where."""

    kind: str
    key: str
    attributes: tuple[str, ...]
    start: int
    end: int
    written: str


def find_refs(text: str) -> list[TextRef]:
    """Every reference in `text`, in order."""
    refs = []
    for match in PATTERN.finditer(text):
        key, *attributes = match[2].split(".")
        refs.append(TextRef(match[1], key, tuple(attributes), *match.span(), match[0]))
    return refs


@functools.lru_cache(maxsize=256)
def markdown_prose(body: str) -> str:
    """`body` with code (fenced, indented, inline) blanked out, offsets kept: references in code
    are shown as written, which is how a page documents the syntax itself."""
    lines = body.splitlines(keepends=True)
    for token in _MARKDOWN.parse(body):
        if token.type in ("fence", "code_block") and token.map:
            for number in range(*token.map):
                lines[number] = _blank(lines[number])
    prose = "".join(lines)
    return _CODE_SPAN.sub(lambda m: _blank(m[0]), prose)


def _blank(text: str) -> str:
    return "".join(c if c == "\n" else " " for c in text)


@dataclass(frozen=True, slots=True)
class Prose:
    """One text of a document where references may be written, and how to place its offsets."""

    document: Document
    pointer: Pointer | None
    """Where the text is in the document's data; None for a Markdown body."""
    text: str
    """The text, code blanked out in a Markdown body."""
    locate: Callable[[int], Position]

    @property
    def prose(self) -> bool:
        """Whether a person reads it as prose (a body, a description), not a name or a value."""
        if self.pointer is None:
            return True
        keys = [part for part in self.pointer if isinstance(part, str)]
        return bool(keys) and keys[-1] in PROSE_KEYS


def texts(document: Document) -> Iterator[Prose]:
    """Every string of the document, and its Markdown body, as texts with their positions."""
    for pointer, value in _strings(document.data, ()):
        yield Prose(document, pointer, value, _scalar_locator(document, pointer, value))
    if document.body:
        yield Prose(document, None, markdown_prose(document.body), _body_locator(document))


def _strings(data: Any, pointer: Pointer) -> Iterator[tuple[Pointer, str]]:
    if isinstance(data, str):
        yield pointer, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*pointer, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*pointer, index))


@functools.lru_cache(maxsize=64)
def _lines(text: str) -> list[str]:
    return text.splitlines()


def _body_locator(document: Document) -> Callable[[int], Position]:
    body = document.body

    def locate(offset: int) -> Position:
        line_start = body.rfind("\n", 0, offset) + 1
        return document.body_line + body.count("\n", 0, offset), offset - line_start + 1

    return locate


def _scalar_locator(document: Document, pointer: Pointer, value: str) -> Callable[[int], Position]:
    """Offsets of a YAML string placed in the file: its characters other than whitespace appear
    in the source in the same order (folding only changes whitespace), so the n-th of them in
    the value is the n-th in the source from where the scalar's content starts. Where escapes
    break that, the scalar's own position is the answer. Worked out only when asked: most
    strings hold no reference, and a document has thousands of them."""

    def locate(offset: int) -> Position:
        start = document.at(pointer)
        lines = _lines(document.text)
        wanted = sum(not c.isspace() for c in value[:offset])
        target = value[offset] if offset < len(value) else ""
        line, col = start
        if line - 1 >= len(lines):
            return start
        first = lines[line - 1][col - 1 : col]
        if first in (">", "|"):
            line, col = line + 1, 1  # a block scalar's content starts on the next line
        elif first in ("'", '"'):
            col += 1
        seen = 0
        for number in range(line - 1, len(lines)):
            text = lines[number]
            for index in range(col - 1 if number == line - 1 else 0, len(text)):
                if text[index].isspace():
                    continue
                if seen == wanted:
                    return (number + 1, index + 1) if text[index] == target else start
                seen += 1
        return start

    return locate
