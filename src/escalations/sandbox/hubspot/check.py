"""Declarative request-body checks of the HubSpot emulator: schemas as tables of fields."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from escalations.sandbox.hubspot.shapes import ApiError, invalid

KINDS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
ARTICLE = {"integer": "an integer", "array": "an array", "object": "an object"}
INT32 = 2**31


@dataclass(frozen=True, slots=True)
class Field:
    """One row: a field of a spec schema, its JSON kind, whether required, its enum, and the
    schema of its items (arrays) or of itself (objects)."""

    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    items: str | Schema | None = None
    shape: Schema | None = None


@dataclass(frozen=True, slots=True)
class Schema:
    """A request schema: `name` is the spec's schema name (or reference section) that every
    row cites as `name.field`; `closed` refuses fields the schema does not list."""

    name: str
    fields: tuple[Field, ...]
    closed: bool = False

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def need(name: str, kind: str, *choices: str, **nested: Any) -> Field:
    """A row of the schema's `required` list."""
    return Field(name, kind, True, choices, **nested)


def may(name: str, kind: str, *choices: str, **nested: Any) -> Field:
    """An optional row (listed in the schema's `properties` only)."""
    return Field(name, kind, False, choices, **nested)


def path(where: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{where}[{name}]"
    return f"{where}.{name}" if where else name


def shown(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, dict | list) else type(value).__name__


def detail(message: str, where: str, code: str, schema: str) -> dict[str, Any]:
    """An `errors` entry: HubSpot's ErrorDetail {message, in, code, context}."""
    return {"message": message, "in": where, "code": code, "context": {"schema": [schema]}}


def refuse(errors: list[dict[str, Any]]) -> ApiError:
    """400 VALIDATION_ERROR whose message joins the entries' (missing fields listed first,
    in HubSpot's "Some required fields were not set: [...]" form)."""
    missing = [e["in"] for e in errors if e["code"] == "REQUIRED_FIELD"]
    parts = [f"Some required fields were not set: [{', '.join(missing)}]"] if missing else []
    parts += [e["message"] for e in errors if e["code"] != "REQUIRED_FIELD"]
    return invalid("; ".join(parts), errors=errors)


def fail(message: str, where: str, code: str, schema: str) -> ApiError:
    return refuse([detail(message, where, code, schema)])


def kind_problem(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return True
    if not isinstance(value, KINDS[kind]):
        return True
    return isinstance(value, int) and kind == "integer" and not -INT32 <= value < INT32


def value_errors(value: Any, row: Field, where: str, schema: str) -> list[dict[str, Any]]:
    cite = f"{schema}.{row.name}"
    if kind_problem(value, row.kind):
        wanted = ARTICLE.get(row.kind, f"a {row.kind}")
        message = f"{where} must be {wanted} ({cite}), got {shown(value)}"
        return [detail(message, where, "INVALID_TYPE", schema)]
    if row.choices and value not in row.choices:
        message = f"{where} must be one of {', '.join(row.choices)} ({cite}), got {shown(value)}"
        return [detail(message, where, "INVALID_ENUM", schema)]
    errors: list[dict[str, Any]] = []
    if row.kind == "array" and row.items is not None:
        for index, item in enumerate(value):
            spot = path(where, index)
            if isinstance(row.items, Schema):
                errors += object_errors(item, row.items, spot)
            else:
                errors += value_errors(item, Field(f"{row.name}[]", row.items), spot, schema)
    if row.kind == "object" and row.shape is not None:
        errors += object_errors(value, row.shape, where)
    return errors


def object_errors(body: Any, schema: Schema, where: str) -> list[dict[str, Any]]:
    """Every problem of `body` against `schema` (nested shapes included)."""
    if not isinstance(body, dict):
        message = f"{where or 'the body'} must be an object ({schema.name}), got {shown(body)}"
        return [detail(message, where, "INVALID_TYPE", schema.name)]
    errors = [
        detail(
            f"{path(where, row.name)} is required",
            path(where, row.name),
            "REQUIRED_FIELD",
            schema.name,
        )
        for row in schema.fields
        if row.required and body.get(row.name) is None
    ]
    for name, value in body.items():
        row = schema.field(str(name))
        spot = path(where, str(name))
        if row is None:
            if schema.closed:
                message = f'Unrecognized field "{spot}": {schema.name} has no field {name}'
                errors.append(detail(message, spot, "UNRECOGNIZED_FIELD", schema.name))
        elif value is not None:
            errors += value_errors(value, row, spot, schema.name)
    return errors


def check(body: Any, schema: Schema, where: str = "") -> dict[str, Any]:
    """`body` if it meets `schema`, else 400 listing every problem found."""
    errors = object_errors(body, schema, where)
    if errors:
        raise refuse(errors)
    return dict(body)


def check_choice(
    body: dict[str, Any], key: str, tables: dict[str, Schema], where: str, union: str
) -> Schema:
    """The schema of a oneOf member chosen by its discriminator `key` (400 if unknown)."""
    spot = path(where, key)
    if body.get(key) is None:
        raise fail(f"{spot} is required", spot, "REQUIRED_FIELD", union)
    chosen = tables.get(str(body[key]))
    if chosen is None:
        message = f"{spot} must be one of {', '.join(tables)} ({union}), got {shown(body[key])}"
        raise fail(message, spot, "INVALID_ENUM", union)
    return chosen
