"""Ticket properties and property groups of the HubSpot emulator (CRM Properties v3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escalations.sandbox.hubspot.check import check
from escalations.sandbox.hubspot.contract_crm import (
    GROUP_CREATE,
    GROUP_UPDATE,
    PROPERTY_CREATE,
    PROPERTY_UPDATE,
)
from escalations.sandbox.hubspot.shapes import (
    MAX_OPTIONS,
    NAME_RULE,
    OBJECT_TYPES,
    SEEDED_GROUP,
    SEEDED_PROPERTIES,
    VALID_FIELD_TYPES,
    ApiError,
    conflict,
    invalid,
    not_found,
    seeded_property,
)
from escalations.sandbox.hubspot.store import Store

_UPDATABLE = (
    "label",
    "type",
    "fieldType",
    "groupName",
    "description",
    "options",
    "displayOrder",
    "hidden",
    "formField",
    "calculationFormula",
)
_OPTIONAL = (
    "description",
    "displayOrder",
    "hidden",
    "formField",
    "hasUniqueValue",
    "externalOptions",
    "referencedObjectType",
)


def object_type(value: str) -> str:
    """The stored object type ("tickets") of a path's `objectType`, else 400."""
    if value.lower() not in OBJECT_TYPES:
        raise invalid(f"Unable to infer object type from: {value}")
    return "tickets"


def _key(name: str) -> str:
    return f"tickets/{name}"


class Properties:
    """Property and group definitions of the ticket object."""

    def __init__(self, store: Store, now: Callable[[], str]) -> None:
        self.store = store
        self.now = now

    def seed(self) -> None:
        if self.store.get("seeded", "properties") is not None:
            return
        stamp = self.now()
        self.store.put("group", _key(SEEDED_GROUP["name"]), {**SEEDED_GROUP, "archived": False})
        for order, spec in enumerate(SEEDED_PROPERTIES):
            self.store.put("property", _key(spec[0]), seeded_property(spec, order, stamp))
        self.store.put("seeded", "properties", {"at": stamp})

    # -- properties -----------------------------------------------------------------------

    def find(self, name: str) -> dict[str, Any] | None:
        """The active property `name`, or None."""
        doc = self.store.get("property", _key(name))
        return doc if doc is not None and not doc.get("archived") else None

    def list_all(self, archived: bool, names: list[str]) -> dict[str, Any]:
        docs = [d for d in self.store.all("property") if bool(d.get("archived")) == archived]
        if names:
            docs = [d for d in docs if d["name"] in names]
        return {"results": docs}

    def get(self, name: str, archived: bool) -> dict[str, Any]:
        doc = self.store.get("property", _key(name))
        if doc is None or bool(doc.get("archived")) != archived:
            raise not_found(f"Property {name} does not exist")
        return doc

    def create(self, body: Any) -> dict[str, Any]:
        body = check(body, PROPERTY_CREATE)
        name = str(body["name"])
        if not NAME_RULE.match(name):
            raise invalid(
                f"Property name '{name}' is invalid: internal names must start with a "
                "lowercase letter and contain only lowercase letters, digits and "
                "underscores (at most 100 characters)",
                subCategory="PropertyValidationError.INVALID_PROPERTY_NAME",
            )
        existing = self.store.get("property", _key(name))
        if existing is not None and not existing.get("archived"):
            raise conflict(f"A property named '{name}' already exists.")
        doc: dict[str, Any] = {
            "name": name,
            "label": "",
            "type": "",
            "fieldType": "",
            "description": "",
            "groupName": "",
            "options": [],
            "displayOrder": -1,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": False,
            "hidden": False,
            "hubspotDefined": False,
            "formField": False,
            "archived": False,
            "createdAt": self.now(),
            "updatedAt": self.now(),
            "modificationMetadata": {
                "archivable": True,
                "readOnlyDefinition": False,
                "readOnlyValue": False,
            },
        }
        for field in (*_UPDATABLE, *_OPTIONAL):
            if body.get(field) is not None:
                doc[field] = body[field]
        self._check(doc)
        self.store.put("property", _key(name), doc)
        return doc

    def update(self, name: str, body: Any, *, human: bool = False) -> dict[str, Any]:
        body = _object(body) if human else check(body, PROPERTY_UPDATE)
        doc = self.get(name, False)
        locked = doc["hubspotDefined"] or doc["modificationMetadata"]["readOnlyDefinition"]
        if locked and not human:
            raise invalid(
                f"Property {name} is a HubSpot-defined property with a read-only definition "
                "and cannot be modified",
                subCategory="PropertyValidationError.READ_ONLY_DEFINITION",
            )
        if "name" in body and body["name"] != name:
            raise invalid(f"Property names cannot be changed (from {name} to {body['name']})")
        if "hasUniqueValue" in body and body["hasUniqueValue"] != doc["hasUniqueValue"]:
            raise invalid("hasUniqueValue cannot be changed once the property is created")
        for field in _UPDATABLE:
            if field in body and body[field] is not None:
                doc[field] = body[field]
        self._check(doc)
        doc["updatedAt"] = self.now()
        if human:
            doc["updatedUserId"] = "1"
        self.store.put("property", _key(name), doc)
        return doc

    def archive(self, name: str) -> None:
        doc = self.get(name, False)
        if doc["hubspotDefined"] or not doc["modificationMetadata"].get("archivable", True):
            raise invalid(f"Property {name} is a HubSpot-defined property and cannot be archived")
        doc["archived"] = True
        doc["archivedAt"] = self.now()
        doc["updatedAt"] = doc["archivedAt"]
        self.store.put("property", _key(name), doc)

    def _check(self, doc: dict[str, Any]) -> None:
        kind, field_type = doc["type"], doc["fieldType"]
        if kind not in VALID_FIELD_TYPES:
            raise invalid(
                f"Invalid property type '{kind}'; one of {', '.join(VALID_FIELD_TYPES)}",
                subCategory="PropertyValidationError.INVALID_TYPE",
            )
        if field_type not in VALID_FIELD_TYPES[kind]:
            raise invalid(
                f"Property type {kind} does not support fieldType {field_type}; valid "
                f"fieldTypes: {', '.join(VALID_FIELD_TYPES[kind])}",
                subCategory="PropertyValidationError.INVALID_FIELD_TYPE",
            )
        if not str(doc["label"]).strip():
            raise invalid("Property label must not be empty")
        if self.find_group(str(doc["groupName"])) is None:
            raise invalid(
                f"Property group {doc['groupName']} does not exist",
                subCategory="PropertyValidationError.INVALID_GROUP_NAME",
            )
        doc["options"] = _options(doc.get("options"), kind)

    # -- groups ---------------------------------------------------------------------------

    def find_group(self, name: str) -> dict[str, Any] | None:
        doc = self.store.get("group", _key(name))
        return doc if doc is not None and not doc.get("archived") else None

    def list_groups(self) -> dict[str, Any]:
        return {"results": [g for g in self.store.all("group") if not g.get("archived")]}

    def get_group(self, name: str) -> dict[str, Any]:
        doc = self.find_group(name)
        if doc is None:
            raise not_found(f"Property group {name} does not exist")
        return doc

    def create_group(self, body: Any) -> dict[str, Any]:
        body = check(body, GROUP_CREATE)
        name = str(body["name"])
        if not NAME_RULE.match(name):
            raise invalid(f"Property group name '{name}' is invalid")
        if self.find_group(name) is not None:
            raise conflict(f"A property group named '{name}' already exists.")
        doc = {
            "name": name,
            "label": body["label"],
            "displayOrder": body.get("displayOrder", -1),
            "archived": False,
        }
        self.store.put("group", _key(name), doc)
        return doc

    def update_group(self, name: str, body: Any) -> dict[str, Any]:
        body = check(body, GROUP_UPDATE)
        doc = self.get_group(name)
        if name == SEEDED_GROUP["name"]:
            raise invalid(f"Property group {name} is HubSpot-defined and cannot be modified")
        if body.get("label") is not None:
            doc["label"] = body["label"]
        if body.get("displayOrder") is not None:
            doc["displayOrder"] = body["displayOrder"]
        self.store.put("group", _key(name), doc)
        return doc

    def archive_group(self, name: str) -> None:
        doc = self.get_group(name)
        if name == SEEDED_GROUP["name"]:
            raise invalid(f"Property group {name} is HubSpot-defined and cannot be archived")
        active = [p["name"] for p in self.store.all("property") if p["groupName"] == name]
        active = [n for n in active if self.find(n) is not None]
        if active:
            raise invalid(
                f"Property group {name} cannot be archived while it contains active "
                f"properties: {', '.join(active)}"
            )
        doc["archived"] = True
        self.store.put("group", _key(name), doc)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("Invalid input JSON: expected an object")
    return body


def _options(value: Any, kind: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid("options must be a list")
    if len(value) > MAX_OPTIONS:
        raise invalid(f"A property may have at most {MAX_OPTIONS} options, got {len(value)}")
    if value and kind not in ("enumeration", "bool"):
        raise invalid(f"Options are only allowed on enumeration properties, not {kind}")
    seen: set[str] = set()
    result: list[dict[str, Any]] = []
    for index, option in enumerate(value):
        if not isinstance(option, dict):
            raise invalid(f"options[{index}] must be an object")
        label, text = option.get("label"), option.get("value")
        if not isinstance(label, str) or not label or not isinstance(text, str) or not text:
            raise invalid(f"options[{index}] needs a non-empty label and value")
        if text in seen:
            raise invalid(f"Duplicate option value '{text}'")
        if len(label) + len(text) + len(str(option.get("description") or "")) > 3000:
            raise invalid(f"options[{index}] is longer than 3000 characters")
        seen.add(text)
        result.append(
            {
                "label": label,
                "value": text,
                "description": option.get("description") or "",
                "displayOrder": option.get("displayOrder", index),
                "hidden": option.get("hidden", False),
            }
        )
    return result


__all__ = ["ApiError", "Properties", "object_type"]
