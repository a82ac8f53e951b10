"""Composed YAML nodes to JSON-like data with the position of every node, within budgets."""

from __future__ import annotations

from typing import Any

import yaml

Pointer = tuple[str | int, ...]
Position = tuple[int, int]

MAX_NODES = 50_000
"""Nodes one file may expand to; aliases that expand beyond this are an alias bomb."""

MAX_DEPTH = 64

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


class ConvertError(Exception):
    def __init__(self, position: Position, rule: str, message: str) -> None:
        super().__init__(message)
        self.position, self.rule, self.message = position, rule, message


class Converter:
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
            raise ConvertError(
                where,
                "too-many-nodes",
                f"{name} expands to more than {MAX_NODES:,} values (aliases that repeat "
                "aliases, an 'alias bomb'?); write the content out plainly instead.",
            )
        if len(pointer) > MAX_DEPTH:
            raise ConvertError(
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
                raise ConvertError(
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


def _unsupported_tag(tag: str, position: Position) -> ConvertError:
    written = tag.replace("tag:yaml.org,2002:", "!!", 1)
    return ConvertError(
        position,
        "yaml-tag",
        f"the YAML tag '{written}' is not supported; remove it and write a plain value.",
    )
