"""How our HubSpot objects are recognised (key tags, hash marks) and compared (normal bodies)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

MARK = " [esc-hash:{fingerprint}{key}]"
"""Appended to descriptions we write, so that a hand edit since the last deploy shows as drift;
a flow's mark carries its key too."""
SERVER_KEYS = frozenset({"id", "revisionId", "createdAt", "updatedAt", "crmObjectCreationStatus",
                         "nextAvailableActionId", "dataSources", "uuid", "isEnabled"})  # fmt: skip
"""What the server adds: never compared (nor fingerprinted: a change here would make every
deployed flow look edited by hand)."""
PROPERTY_KEYS = ("name", "label", "type", "fieldType", "groupName", "description", "options")
"""What is compared; the SDK's Property model does not carry externalOptions and
referencedObjectType, so an owner picker's settings are written but cannot be read back."""
# Flows are found again by the key tag in their name (compile.KEY_TAG), or by the key in their
# hash mark when a person renamed them.
_TAG = re.compile(r"\[esc:([A-Za-z0-9_.-]+)\]$")


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]


def marked(text: str, body: Any, key: str | None = None) -> str:
    return text + MARK.format(fingerprint=fingerprint(body), key=f" key:{key}" if key else "")


def unmark(text: str | None) -> tuple[str, str | None, str | None]:
    """The text without its mark, the mark's fingerprint and the key it names."""
    head, sep, tail = (text or "").rpartition(" [esc-hash:")
    if not sep:
        return text or "", None, None
    fingerprint_, _, key = tail.rstrip("]").partition(" key:")
    return head, fingerprint_, key or None


def flow_key(flow: dict[str, Any]) -> str | None:
    """The trigger a flow was compiled from: its name's tag, else its description's mark."""
    found = _TAG.search(str(flow.get("name") or ""))
    return found.group(1) if found else unmark(flow.get("description"))[2]


def normal_property(prop: dict[str, Any]) -> dict[str, Any]:
    """The parts of a property we own, ordered for comparison."""
    body: dict[str, Any] = {
        k: prop.get(k) for k in PROPERTY_KEYS if prop.get(k) not in (None, [], False)
    }
    body["description"] = unmark(str(body.get("description", "")))[0]
    options: list[dict[str, Any]] = body.get("options") or []
    if options:
        keys = ("label", "value", "hidden", "displayOrder")
        body["options"] = sorted(
            ({k: o.get(k) for k in keys} for o in options), key=lambda o: str(o["value"])
        )
    return body


def normal_flow(flow: dict[str, Any]) -> dict[str, Any]:
    """A flow without what the server adds, filters and options in a stable order."""
    body = {k: v for k, v in flow.items() if k not in SERVER_KEYS and v not in ([], {}, None)}
    body["description"] = unmark(str(body.get("description", "")))[0]
    return json.loads(json.dumps(body, sort_keys=True), object_hook=_sorted_filters)  # type: ignore[no-any-return]


def _sorted_filters(node: dict[str, Any]) -> dict[str, Any]:
    if "filters" in node and isinstance(node["filters"], list):
        node["filters"] = sorted(node["filters"], key=lambda f: json.dumps(f, sort_keys=True))
    if "values" in node and isinstance(node["values"], list):
        node["values"] = sorted(node["values"], key=str)
    return node
