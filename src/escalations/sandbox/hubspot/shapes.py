"""Errors, timestamps and the seeded HubSpot-defined ticket schema of the HubSpot emulator."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

OBJECT_TYPES = ("tickets", "0-5")
"""Object types the emulator serves (both name the ticket object)."""

VALID_FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "bool": ("booleancheckbox", "calculation_equation"),
    "enumeration": ("booleancheckbox", "checkbox", "radio", "select", "calculation_equation"),
    "date": ("date",),
    "datetime": ("date",),
    "string": ("file", "text", "textarea", "calculation_equation", "html", "phonenumber"),
    "number": ("number", "calculation_equation"),
    "phone_number": ("phonenumber",),
}
"""Valid `type` -> `fieldType` pairs (reference §1.3)."""

NAME_RULE = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
MAX_OPTIONS = 5000
MAX_STRING = 65536


class ApiError(Exception):
    """An error answer with HubSpot's body: status, message, category and extra fields."""

    def __init__(
        self,
        status: int,
        message: str,
        category: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.headers = headers or {}
        self.extra = extra

    def body(self, correlation_id: str) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
        }
        if self.category:
            payload["category"] = self.category
        payload.update(self.extra)
        return payload


def invalid(message: str, **extra: Any) -> ApiError:
    return ApiError(400, message, "VALIDATION_ERROR", **extra)


def not_found(message: str) -> ApiError:
    return ApiError(404, message, "OBJECT_NOT_FOUND")


def conflict(message: str) -> ApiError:
    return ApiError(409, message, "OBJECT_ALREADY_EXISTS")


def missing_fields(body: dict[str, Any], names: tuple[str, ...]) -> None:
    """400 "Some required fields were not set: [...]" for names absent (or null) in `body`."""
    missing = [name for name in names if body.get(name) is None]
    if missing:
        raise invalid(f"Some required fields were not set: [{', '.join(missing)}]")


def iso(moment: datetime) -> str:
    """HubSpot's timestamp form: `2026-01-02T03:04:05.678Z`."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return f"{text[:-3]}Z"


def millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def parse_time(value: str) -> datetime | None:
    """A record's date/datetime value (epoch milliseconds or ISO 8601) as a UTC datetime."""
    text = value.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _option(label: str, value: str, order: int) -> dict[str, Any]:
    return {"label": label, "value": value, "displayOrder": order, "hidden": False}


_PRIORITIES = [("Low", "LOW"), ("Medium", "MEDIUM"), ("High", "HIGH"), ("Urgent", "URGENT")]
_CATEGORIES = [
    ("Product issue", "PRODUCT_ISSUE"),
    ("Billing issue", "BILLING_ISSUE"),
    ("Feature request", "FEATURE_REQUEST"),
    ("General inquiry", "GENERAL_INQUIRY"),
]
_SOURCES = [("Chat", "CHAT"), ("Email", "EMAIL"), ("Form", "FORM"), ("Phone", "PHONE")]

# name, label, type, fieldType, options, read-only value
SEEDED_PROPERTIES: list[tuple[str, str, str, str, list[tuple[str, str]], bool]] = [
    ("subject", "Ticket name", "string", "text", [], False),
    ("content", "Ticket description", "string", "textarea", [], False),
    ("hs_pipeline", "Pipeline", "enumeration", "select", [("Support Pipeline", "0")], False),
    (
        "hs_pipeline_stage",
        "Ticket status",
        "enumeration",
        "select",
        [("New", "1"), ("Waiting on contact", "2"), ("Waiting on us", "3"), ("Closed", "4")],
        False,
    ),
    ("hs_ticket_priority", "Priority", "enumeration", "select", _PRIORITIES, False),
    ("hs_ticket_category", "Category", "enumeration", "checkbox", _CATEGORIES, False),
    ("hubspot_owner_id", "Ticket owner", "enumeration", "select", [], False),
    ("source_type", "Source", "enumeration", "select", _SOURCES, False),
    ("createdate", "Create date", "datetime", "date", [], True),
    ("closed_date", "Close date", "datetime", "date", [], False),
    ("first_agent_reply_date", "First agent email reply date", "datetime", "date", [], True),
    ("last_reply_date", "Last reply date", "datetime", "date", [], True),
    ("time_to_first_agent_reply", "Time to first agent email reply", "number", "number", [], True),
    ("time_to_close", "Time to close", "number", "number", [], True),
    ("hs_lastmodifieddate", "Last modified date", "datetime", "date", [], True),
    ("hs_object_id", "Record ID", "number", "number", [], True),
]
"""HubSpot-defined ticket properties seeded in the `ticketinformation` group."""

SEEDED_GROUP: dict[str, Any] = {
    "name": "ticketinformation",
    "label": "Ticket information",
    "displayOrder": -1,
}

DEFAULT_PIPELINE_STAGES = [
    ("1", "New", "OPEN"),
    ("2", "Waiting on contact", "OPEN"),
    ("3", "Waiting on us", "OPEN"),
    ("4", "Closed", "CLOSED"),
]


def seeded_property(
    spec: tuple[str, str, str, str, list[tuple[str, str]], bool], order: int, now: str
) -> dict[str, Any]:
    name, label, kind, field_type, options, read_only_value = spec
    return {
        "name": name,
        "label": label,
        "type": kind,
        "fieldType": field_type,
        "description": "",
        "groupName": SEEDED_GROUP["name"],
        "options": [_option(text, value, i) for i, (text, value) in enumerate(options)],
        "displayOrder": order,
        "calculated": name.startswith("time_to_"),
        "externalOptions": name == "hubspot_owner_id",
        "hasUniqueValue": name == "hs_object_id",
        "hidden": False,
        "hubspotDefined": True,
        "formField": name in ("subject", "content", "hs_ticket_priority"),
        "archived": False,
        "createdAt": now,
        "updatedAt": now,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": read_only_value,
            "readOnlyOptions": name != "hs_ticket_category",
        },
        **({"referencedObjectType": "OWNER"} if name == "hubspot_owner_id" else {}),
    }


def pipeline(now: str) -> dict[str, Any]:
    """The default ticket pipeline ("0")."""
    stages = [
        {
            "id": stage_id,
            "label": label,
            "displayOrder": order,
            "metadata": {"ticketState": state, "isClosed": str(state == "CLOSED").lower()},
            "createdAt": now,
            "updatedAt": now,
            "archived": False,
            "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
        }
        for order, (stage_id, label, state) in enumerate(DEFAULT_PIPELINE_STAGES)
    ]
    return {
        "id": "0",
        "label": "Support Pipeline",
        "displayOrder": 0,
        "stages": stages,
        "createdAt": now,
        "updatedAt": now,
        "archived": False,
    }
