"""JSON Schema validation of Documents, with problems that say where and how to fix."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from escalations.errors import SchemaSetError
from escalations.model.load import Document, Pointer
from escalations.model.problems import Problem, error

if TYPE_CHECKING:
    # jsonschema explains what is wrong; it is imported only when a document is invalid,
    # which saves valid runs (nearly all of them) a fifth of `validate`'s start-up.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

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
    "targets",
)

RULES = {
    "schema": "Every document matches the JSON Schema of its kind (schema/<kind>.schema.json): "
    "keys, types, required keys, allowed values and formats.",
    "accountable-owner": "Every level of a path has exactly one accountable owner, a person or a "
    "team.",
}
"""The rules checked by JSON Schema validation, by id (documented in the README)."""

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
    source = Path(__file__).resolve().parents[3] / "schema"
    if source.is_dir():
        return source
    raise SchemaSetError(
        "the JSON Schemas are missing from this installation; reinstall escalations "
        "(pip install --force-reinstall escalations)."
    )


@cache
def _schemas(directory: Path) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for path in sorted(directory.glob("*.schema.json")):
        try:
            schemas[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SchemaSetError(f"cannot read the schema {path}: {exc}") from exc
    missing = [kind for kind in KINDS if f"{kind}.schema.json" not in schemas]
    if missing:
        raise SchemaSetError(f"schemas missing from {directory}: {', '.join(missing)}")
    return schemas


@cache
def validators(directory: Path | None = None) -> dict[str, Draft202012Validator]:
    """One validator per document kind, sharing a registry of every schema file; these
    explain what is wrong with an invalid document."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = _schemas(directory or schema_dir())
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in schemas.items()
    )
    return {
        kind: Draft202012Validator(schemas[f"{kind}.schema.json"], registry=registry)
        for kind in KINDS
    }


@cache
def fast_validators(directory: Path | None = None) -> dict[str, jsonschema_rs.Validator]:
    """The same schemas compiled by jsonschema-rs: a yes/no answer about 300 times faster,
    so valid documents (nearly all of them) never pay for the detailed validator."""
    schemas = _schemas(directory or schema_dir())
    base = "file:///escalations/schema/"
    registry = jsonschema_rs.Registry([(base + name, schema) for name, schema in schemas.items()])
    return {
        kind: jsonschema_rs.validator_for(
            schemas[f"{kind}.schema.json"], registry=registry, base_uri=f"{base}{kind}.schema.json"
        )
        for kind in KINDS
    }


def check_document(document: Document) -> list[Problem]:
    return check_parts(document)[0]


def check_parts(
    document: Document, references: frozenset[Pointer] = frozenset()
) -> tuple[list[Problem], frozenset[Pointer]]:
    """The document's schema problems, and the pointers of the values that fail it (so rules
    can skip just those). A malformed reference at one of `references` is left to the
    reference rule, which knows the ids and suggests the right one."""
    if fast_validators()[document.kind].is_valid(document.data):
        return [], frozenset()
    problems: list[Problem] = []
    bad: set[Pointer] = set()
    found = False
    for err in validators()[document.kind].iter_errors(document.data):
        found = True
        pointer: Pointer = tuple(err.absolute_path)
        if pointer in references and _malformed_reference(err):
            continue
        bad.update(_failing(err, pointer))
        if not _misspelled(err):
            problems.extend(_explain(document, err))
    if not found:
        # The two validators disagree; say what jsonschema-rs saw rather than accept the file.
        first = next(iter(fast_validators()[document.kind].iter_errors(document.data)))
        pointer = tuple(first.instance_path)
        bad.add(pointer)
        problems.append(
            error(
                document.path,
                document.at(pointer),
                "schema",
                f"{_describe(pointer)}: {first.message}.",
            )
        )
    return sorted(set(problems)), frozenset(bad)


def _malformed_reference(err: ValidationError) -> bool:
    schema: Any = err.schema
    pattern = str(schema.get("pattern", "")) if isinstance(schema, dict) else ""
    return (
        err.validator == "pattern"
        and isinstance(err.instance, str)
        and pattern.startswith(("^person:", "^team:", "^(person|team):"))
    )


def _failing(err: ValidationError, pointer: Pointer) -> set[Pointer]:
    """The values a schema error makes unusable: none for a missing key (but a missing id
    counts, as nothing can refer to it), the unknown or forbidden keys, else the value."""
    schema: Any = err.schema
    expected: Any = err.validator_value
    instance: Any = err.instance
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = schema.get("properties", {})
        return {(*pointer, key) for key in err.instance if key not in allowed}
    if err.validator in ("required", "dependentRequired"):
        missing_id = err.validator == "required" and "id" in expected
        return {(*pointer, "id")} if missing_id and "id" not in (instance or {}) else set()
    forbidden = _forbidden_keys(err)
    return {(*pointer, key) for key in forbidden} if forbidden else {pointer}


def _explain(document: Document, err: ValidationError) -> Iterator[Problem]:
    pointer: Pointer = tuple(err.absolute_path)
    where = _describe(pointer)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        schema: Any = err.schema
        allowed = [str(key) for key in schema.get("properties", {})]
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
    rule, message = _message(err, pointer, where)
    forbidden = _forbidden_keys(err)
    if len(forbidden) == 1:
        yield error(document.path, document.at((*pointer, forbidden[0]), key=True), rule, message)
        return
    yield error(document.path, document.at(pointer), rule, message)


def _misspelled(err: ValidationError) -> bool:
    """A missing required key that an unknown key of the same mapping misspells: the unknown
    key's problem (with its "did you mean") already says what to do."""
    schema: Any = err.schema
    if err.validator != "required" or not isinstance(err.instance, dict):
        return False
    missing = [k for k in err.validator_value if k not in err.instance]  # type: ignore[union-attr]
    unknown = [k for k in err.instance if k not in schema.get("properties", {})]
    return any(difflib.get_close_matches(k, missing, n=1, cutoff=0.6) for k in unknown)


def _forbidden_keys(err: ValidationError) -> list[str]:
    expected: Any = err.validator_value
    if err.validator == "not" and isinstance(expected, dict) and isinstance(err.instance, dict):
        return [k for k in expected.get("required", []) if k in err.instance]
    return []


def _message(err: ValidationError, pointer: Pointer, where: str) -> tuple[str, str]:
    """The rule id and a sentence that says what is wrong and how to fix it."""
    validator: Any = err.validator
    expected: Any = err.validator_value
    value: Any = err.instance
    schema: dict[str, Any] = err.schema if isinstance(err.schema, dict) else {}
    if pointer and pointer[-1] == "owner" and isinstance(value, list) and "levels" in pointer:
        return "accountable-owner", (
            f"{where} must name exactly one accountable owner (a person or a team), not a "
            "list; keep one and move the others to 'assignees'."
        )
    if validator == "required":
        key = next((k for k in expected if k not in (value or {})), "?")
        if key == "owner" and "levels" in pointer:
            return "accountable-owner", (
                f"{where} has no accountable owner; add 'owner: person:<id>' or "
                "'owner: team:<id>' (exactly one)."
            )
        description = schema.get("properties", {}).get(key, {}).get("description", "")
        more = f": {_lower_first(_first_sentence(description))}" if description else "."
        return "schema", f"{where} is missing the required key '{key}'; add it{more}"
    return "schema", _sentence(err, validator, expected, value, schema, where)


def _sentence(
    err: ValidationError,
    validator: Any,
    expected: Any,
    value: Any,
    schema: dict[str, Any],
    where: str,
) -> str:
    if validator == "type":
        types = expected if isinstance(expected, list) else [expected]
        names = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in types)
        return f"{where} must be {names}, not {_describe_value(value)}."
    if validator in ("enum", "const"):
        options = [str(o) for o in (expected if validator == "enum" else [expected])]
        hint = _did_you_mean(str(value), options)
        return (
            f"{where} is {_describe_value(value)}{hint}; it must be one of: {', '.join(options)}."
        )
    if validator in ("pattern", "format"):
        what = str(schema.get("title") or "value").lower()
        description = _first_sentence(str(schema.get("description", ""))).rstrip(".")
        examples = schema.get("examples") or []
        tail = f", for example '{examples[0]}'" if examples else ""
        return f"{where} is {_describe_value(value)}, not a valid {what}: {description}{tail}."
    if validator in ("minItems", "maxItems"):
        bound = "at least" if validator == "minItems" else "at most"
        return f"{where} must have {bound} {expected} item(s)."
    if validator in ("minLength", "maxLength"):
        bound = "at least" if validator == "minLength" else "at most"
        return f"{where} must be {bound} {expected} characters long."
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{where} is {value}; {err.message.split(' is ', 1)[-1]}."
    if validator == "uniqueItems":
        return f"{where} lists the same value more than once; remove the duplicates."
    if validator == "dependentRequired":
        for key, needs in expected.items():
            lacking = [n for n in needs if key in value and n not in value]
            if lacking:
                return f"{where} has '{key}', which needs '{lacking[0]}' too; add it."
    if validator in ("minProperties", "maxProperties"):
        keys = ", ".join(schema.get("properties", {}))
        if validator == "minProperties" and not value:
            return f"{where} is empty; give at least one of: {keys}."
        return f"{where} must have exactly one of: {keys}."
    if validator == "not" and isinstance(expected, dict) and expected.get("required"):
        keys = expected["required"]
        why = _lower_first(_first_sentence(str(schema.get("description", ""))))
        if len(keys) == 1:
            return f"'{keys[0]}' is not allowed in {where}{': ' + why if why else '.'} Remove it."
        together = " and ".join(f"'{k}'" for k in keys)
        return f"{where} cannot have {together} together; keep one."
    if validator == "false" or err.schema is False:
        return f"{where} is not allowed here; remove it."
    if validator in ("anyOf", "oneOf"):
        required: list[Any] = [e.validator_value for e in err.context if e.validator == "required"]
        if required and len(required) == len(err.context):
            either = " or ".join(f"'{next(iter(r))}'" for r in required)
            return f"{where} needs one of {either}; add one."
        from jsonschema.exceptions import best_match

        best = best_match(err.context)
        if best is not None:
            pointer = tuple(best.absolute_path)
            return _message(best, pointer, _describe(pointer))[1]
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


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _first_sentence(text: str) -> str:
    sentence = text.strip().split(". ", 1)[0]
    return sentence if sentence.endswith(".") else sentence + "."
