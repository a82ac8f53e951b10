"""JSON Schema validation of Documents, with problems that say where and how to fix."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from escalations.errors import SchemaSetError
from escalations.load import Document, Pointer
from escalations.problems import Problem, error

KINDS = (
    "framework",
    "people",
    "teams",
    "calendars",
    "fields",
    "tiers",
    "trigger",
    "path",
    "playbook",
    "review",
    "doc",
    "tests",
)

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty (null)",
}


def schema_dir() -> Path:
    """Where the schemas are: inside an installed wheel, or the repository's `schema/`."""
    packaged = Path(str(resources.files("escalations"))) / "_schema"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[2] / "schema"
    if source.is_dir():
        return source
    raise SchemaSetError(
        "the JSON Schemas are missing from this installation; reinstall escalations "
        "(pip install --force-reinstall escalations)."
    )


@cache
def validators(directory: Path | None = None) -> dict[str, Draft202012Validator]:
    """One validator per document kind, sharing a registry of every schema file."""
    directory = directory or schema_dir()
    schemas: dict[str, Any] = {}
    for path in sorted(directory.glob("*.schema.json")):
        try:
            schemas[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SchemaSetError(f"cannot read the schema {path}: {exc}") from exc
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in schemas.items()
    )
    missing = [kind for kind in KINDS if f"{kind}.schema.json" not in schemas]
    if missing:
        raise SchemaSetError(f"schemas missing from {directory}: {', '.join(missing)}")
    return {
        kind: Draft202012Validator(schemas[f"{kind}.schema.json"], registry=registry)
        for kind in KINDS
    }


def check_document(document: Document) -> list[Problem]:
    validator = validators()[document.kind]
    problems: list[Problem] = []
    for err in validator.iter_errors(document.data):
        problems.extend(_explain(document, err))
    return sorted(set(problems))


def _explain(document: Document, err: ValidationError) -> Iterator[Problem]:
    pointer: Pointer = tuple(err.absolute_path)
    where = _describe(pointer)
    validator = err.validator
    if validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = list(err.schema.get("properties", {}))
        for key in err.instance:
            if key in allowed:
                continue
            hint = _did_you_mean(key, allowed)
            yield error(
                document.path,
                document.at((*pointer, key), key=True),
                "schema",
                f"unknown key '{key}' in {where}{hint}; allowed keys: {', '.join(allowed)}.",
            )
        return
    position = document.at(pointer)
    yield error(document.path, position, "schema", _message(document, err, pointer, where))


def _message(document: Document, err: ValidationError, pointer: Pointer, where: str) -> str:
    validator, value, schema = err.validator, err.instance, err.schema
    if validator == "required":
        missing = [key for key in err.validator_value if key not in (value or {})]
        key = missing[0] if missing else "?"
        description = schema.get("properties", {}).get(key, {}).get("description", "")
        more = f" ({_first_sentence(description)})" if description else ""
        return f"{where} is missing the required key '{key}'{more}; add it."
    if validator == "type":
        expected = err.validator_value
        names = (
            [_TYPE_NAMES.get(t, t) for t in expected]
            if isinstance(expected, list)
            else [_TYPE_NAMES.get(expected, expected)]
        )
        if pointer and pointer[-1] == "owner" and isinstance(value, list):
            return (
                f"{where} must name exactly one accountable owner (a person or a team), not a "
                "list; keep one and move the others to 'assignees'."
            )
        return f"{where} must be {' or '.join(names)}, not {_describe_value(value)}."
    if validator in ("enum", "const"):
        options = err.validator_value if validator == "enum" else [err.validator_value]
        hint = _did_you_mean(str(value), [str(o) for o in options])
        choices = ", ".join(str(o) for o in options)
        return f"{where} is {_describe_value(value)}{hint}; it must be one of: {choices}."
    if validator in ("pattern", "format"):
        what = schema.get("title") or "value"
        description = _first_sentence(schema.get("description", ""))
        example = schema.get("examples", [None])[0]
        tail = f" for example '{example}'" if example is not None else ""
        return (
            f"{where} is {_describe_value(value)}, not a valid {what.lower()}: "
            f"{description.rstrip('.')}{',' if tail else ''}{tail}."
        )
    if validator in ("minItems", "maxItems"):
        bound = "at least" if validator == "minItems" else "at most"
        return f"{where} must have {bound} {err.validator_value} item(s)."
    if validator in ("minLength", "maxLength"):
        bound = "at least" if validator == "minLength" else "at most"
        return f"{where} must be {bound} {err.validator_value} characters long."
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{where} is {value}; {err.message.split(' is ', 1)[-1]}."
    if validator == "uniqueItems":
        return f"{where} lists the same value more than once; remove the duplicates."
    if validator == "dependentRequired":
        for key, needs in err.validator_value.items():
            if key in value:
                lacking = [n for n in needs if n not in value]
                if lacking:
                    return f"{where} has '{key}', which needs '{lacking[0]}' too; add it."
    if validator in ("minProperties", "maxProperties"):
        keys = list(schema.get("properties", {}))
        if validator == "minProperties" and not value:
            return f"{where} is empty; give at least one of: {', '.join(keys)}."
        return f"{where} must have exactly one of: {', '.join(keys)}."
    if validator == "not" and isinstance(err.validator_value, dict):
        together = err.validator_value.get("required")
        if together:
            return f"{where} cannot have {' and '.join(repr(k) for k in together)} together; keep one."
    if validator == "false" or (validator is None and schema is False):
        return f"{where} is not allowed here; remove it."
    if validator in ("anyOf", "oneOf"):
        required = [e.validator_value for e in err.context if e.validator == "required"]
        if required and len(required) == len({id(e.schema) for e in err.context}):
            options = " or ".join(f"'{r[0]}'" for r in required)
            return f"{where} needs one of {options}; add one."
        best = best_match(err.context)
        if best is not None:
            return _message(document, best, tuple(best.absolute_path), _describe(tuple(best.absolute_path)))
    return f"{where}: {err.message}."


def _describe(pointer: Pointer) -> str:
    if not pointer:
        return "the document"
    text = ""
    for part in pointer:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return f"'{text}'"


def _describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "empty (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 60 else f"'{value[:57]}...'"
    return str(value)


def _did_you_mean(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _first_sentence(text: str) -> str:
    sentence = text.strip().split(". ", 1)[0]
    return sentence if sentence.endswith(".") else sentence + "."
