"""Data-source properties for the Notion emulator: schema and page values (queries: queries.py).

A data source's schema is an ordered mapping name -> property (`{"id", "name", "description",
"type", <type>: config}`); a row stores its values by property id, in response form.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from escalations.sandbox.notion.richtext import parse_rich_text
from escalations.sandbox.notion.shapes import (
    BASE_COLORS,
    MAX_URL,
    Context,
    Invalid,
    check_keys,
    expect_bool,
    expect_enum,
    expect_list,
    expect_object,
    expect_string,
    parse_date,
    required,
    show,
    validation_error,
)

PROPERTY_TYPES = ("title", "rich_text", "number", "select", "date", "url", "checkbox")
NUMBER_FORMATS = ("number", "number_with_commas", "percent", "dollar", "euro", "pound", "yen")
OPTION_COLORS = ("default", *BASE_COLORS)

Schema = dict[str, dict[str, Any]]


def new_property_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(4))


def find_property(schema: Schema, key: str) -> dict[str, Any] | None:
    """A property by name, else by id."""
    if key in schema:
        return schema[key]
    return next((prop for prop in schema.values() if prop["id"] == key), None)


# -- schema -----------------------------------------------------------------------------------


def parse_schema(value: Any, path: str, existing: Schema | None = None) -> Schema:
    """Apply a `properties` object of a data-source create (no `existing`) or update."""
    obj = expect_object(value, path)
    schema: Schema = dict(existing or {})
    for key, definition in obj.items():
        current = find_property(schema, key)
        where = f"{path}.{key}"
        if definition is None:
            if current is None:
                raise validation_error(f"{key} is not a property that exists.")
            if current["type"] == "title":
                raise validation_error("Cannot delete the title property of a data source.")
            del schema[current["name"]]
            continue
        prop = _schema_property(key, definition, where, current)
        if current is not None:
            schema = {
                (prop["name"] if name == current["name"] else name): (
                    prop if name == current["name"] else other
                )
                for name, other in schema.items()
            }
        else:
            schema[prop["name"]] = prop
    titles = [name for name, prop in schema.items() if prop["type"] == "title"]
    if len(titles) > 1:
        raise validation_error(
            f"A data source can have only one title property, found {len(titles)}: "
            + ", ".join(titles)
            + "."
        )
    if not titles:
        schema = {"Name": _blank("Name", "title"), **schema}
    return schema


def _blank(name: str, kind: str) -> dict[str, Any]:
    pid = "title" if kind == "title" else new_property_id()
    return {"id": pid, "name": name, "description": None, "type": kind, kind: _config(kind, {})}


def _schema_property(
    key: str, value: Any, path: str, current: dict[str, Any] | None
) -> dict[str, Any]:
    obj = expect_object(value, path)
    check_keys(obj, path, {"type", "name", "description", "id", *PROPERTY_TYPES})
    present = [kind for kind in PROPERTY_TYPES if kind in obj]
    if "type" in obj:
        kind = expect_enum(obj["type"], f"{path}.type", PROPERTY_TYPES)
    elif present:
        kind = present[0]
    elif current is not None:
        kind = current["type"]
    else:
        raise Invalid(
            *(f"{path}.{k} should be defined, instead was `undefined`" for k in PROPERTY_TYPES)
        )
    name = expect_string(obj.get("name", current["name"] if current else key), f"{path}.name", 100)
    description = obj.get("description", current["description"] if current else None)
    if description is not None:
        expect_string(description, f"{path}.description")
    same_type = current is not None and current["type"] == kind
    base = current[kind] if same_type and current is not None else {}
    config = _config(kind, obj.get(kind, base), f"{path}.{kind}", base)
    if same_type and current is not None:
        pid = current["id"]
    else:
        pid = "title" if kind == "title" else new_property_id()
    return {"id": pid, "name": name, "description": description, "type": kind, kind: config}


def _config(
    kind: str, value: Any, path: str = "", base: dict[str, Any] | None = None
) -> dict[str, Any]:
    obj = expect_object(value, path)
    if kind == "number":
        check_keys(obj, path, ("format",))
        fmt = obj.get("format", (base or {}).get("format", "number"))
        return {"format": expect_enum(fmt, f"{path}.format", NUMBER_FORMATS)}
    if kind == "select":
        check_keys(obj, path, ("options",))
        options = list((base or {}).get("options", []))
        raw = expect_list(obj.get("options", []), f"{path}.options")
        for i, option in enumerate(raw):
            option_path = f"{path}.options[{i}]"
            entry = expect_object(option, option_path)
            check_keys(entry, option_path, ("id", "name", "color", "description"))
            name = expect_string(required(entry, "name", option_path), f"{option_path}.name", 100)
            color = expect_enum(
                entry.get("color", "default"), f"{option_path}.color", OPTION_COLORS
            )
            if not any(existing["name"] == name for existing in options):
                options.append(_option(name, color))
        return {"options": options}
    check_keys(obj, path, ())
    return {}


def _option(name: str, color: str = "default") -> dict[str, Any]:
    return {"id": new_property_id(), "name": name, "color": color, "description": None}


# -- page values ------------------------------------------------------------------------------


def empty_value(kind: str) -> Any:
    if kind in ("title", "rich_text"):
        return []
    return False if kind == "checkbox" else None


def render_properties(schema: Schema, values: dict[str, Any]) -> dict[str, Any]:
    """A row's `properties` in response form: every schema property, empty when unset."""
    rendered: dict[str, Any] = {}
    for name, prop in schema.items():
        kind = prop["type"]
        value = values.get(prop["id"], empty_value(kind))
        rendered[name] = {"id": prop["id"], "type": kind, kind: value}
    return rendered


def parse_values(
    schema: Schema, value: Any, path: str, ctx: Context
) -> tuple[dict[str, Any], bool]:
    """Property values of a row from a request's `properties`: values by id, and whether the
    schema gained select options (then the caller saves it)."""
    obj = expect_object(value, path)
    values: dict[str, Any] = {}
    grew = False
    for key, raw in obj.items():
        prop = find_property(schema, key)
        if prop is None:
            raise validation_error(f"{key} is not a property that exists.")
        parsed, added = _value(prop, raw, f"{path}.{key}", ctx)
        values[prop["id"]] = parsed
        grew = grew or added
    return values, grew


def parse_title(value: Any, path: str, ctx: Context) -> list[dict[str, Any]]:
    """The `title` of a page whose parent is a page: a rich-text array or `{"title": [...]}`."""
    if isinstance(value, list):
        return parse_rich_text(value, path, ctx)
    obj = expect_object(value, path)
    check_keys(obj, path, ("id", "type", "title"))
    return parse_rich_text(required(obj, "title", path), f"{path}.title", ctx)


def _value(prop: dict[str, Any], value: Any, path: str, ctx: Context) -> tuple[Any, bool]:
    kind = prop["type"]
    if isinstance(value, list) and kind in ("title", "rich_text"):
        return parse_rich_text(value, path, ctx), False
    obj = expect_object(value, path)
    if kind not in obj or obj.get("type", kind) != kind:
        raise validation_error(f"{prop['name']} is expected to be {kind}.")
    check_keys(obj, path, ("id", "type", kind))
    raw = obj[kind]
    where = f"{path}.{kind}"
    if kind in ("title", "rich_text"):
        return parse_rich_text(raw, where, ctx), False
    if kind == "checkbox":
        return expect_bool(raw, where), False
    if raw is None:
        return None, False
    if kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise Invalid(f"{where} should be a number or `null`, instead was `{show(raw)}`")
        return raw, False
    if kind == "url":
        return expect_string(raw, where, MAX_URL), False
    if kind == "date":
        return parse_date(raw, where), False
    return _select(prop, raw, where)


def _select(prop: dict[str, Any], raw: Any, path: str) -> tuple[dict[str, Any], bool]:
    obj = expect_object(raw, path)
    check_keys(obj, path, ("id", "name", "color"))
    options: list[dict[str, Any]] = prop["select"]["options"]
    if "id" in obj:
        match = next((o for o in options if o["id"] == obj["id"]), None)
        if match is None:
            raise validation_error(f"Select option with id {obj['id']} does not exist.")
    else:
        name = expect_string(required(obj, "name", path), f"{path}.name", 100)
        if "," in name:
            raise validation_error(f"Select option names cannot contain commas: {name}.")
        match = next((o for o in options if o["name"] == name), None)
        if match is None:
            color = expect_enum(obj.get("color", "default"), f"{path}.color", OPTION_COLORS)
            match = _option(name, color)
            options.append(match)
            return {"id": match["id"], "name": name, "color": color}, True
    return {"id": match["id"], "name": match["name"], "color": match["color"]}, False


# -- query ------------------------------------------------------------------------------------


def plain(value: Any) -> str:
    if isinstance(value, list):
        return "".join(run.get("plain_text", "") for run in value)
    if isinstance(value, dict):
        return str(value.get("name") or value.get("start") or "")
    return "" if value is None else str(value)
