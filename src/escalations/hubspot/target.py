"""The HubSpot portal: observe our property group, properties, owners and flows; plan; apply."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hubspot import HubSpot
from hubspot.crm.properties import (
    PropertyCreate,
    PropertyGroupCreate,
    PropertyGroupUpdate,
    PropertyUpdate,
)
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException

from escalations.errors import EscalationsError
from escalations.hubspot import shapes
from escalations.hubspot.compile import Compiled, Owner
from escalations.model import Framework
from escalations.plan import Change

TICKETS = "tickets"
MARK = " [esc-hash:{}]"
"""Appended to what we write, so that a hand edit since the last deploy shows as drift."""
SERVER_KEYS = frozenset(
    {
        "id",
        "revisionId",
        "createdAt",
        "updatedAt",
        "crmObjectCreationStatus",
        "nextAvailableActionId",
        "dataSources",
        "uuid",
        "isEnabled",
    }
)
PROPERTY_KEYS = ("name", "label", "type", "fieldType", "groupName", "description", "options")
"""What is compared; the SDK's Property model does not carry externalOptions and
referencedObjectType, so an owner picker's settings are written but cannot be read back."""


@dataclass(frozen=True, slots=True)
class PortalState:
    group: dict[str, Any] | None
    properties: dict[str, dict[str, Any]]
    """Properties under our prefix, by name."""
    defined: frozenset[str]
    """Names of HubSpot-defined ticket properties (never touched)."""
    owners: dict[str, Owner]
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)
    others: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Every other ticket property, by name: the catalog's custom ones are looked up here."""
    """Trigger id -> the full flow carrying its key tag."""


def marked(text: str, body: Any) -> str:
    return text + MARK.format(fingerprint(body))


def fingerprint(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]


def unmark(text: str) -> tuple[str, str | None]:
    head, sep, tail = (text or "").rpartition(" [esc-hash:")
    return (head, tail.rstrip("]")) if sep else (text or "", None)


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


class Portal:
    """A HubSpot portal reached through hubspot-api-client."""

    def __init__(self, client: HubSpot, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    # -- observe ---------------------------------------------------------------------------

    def observe(self) -> PortalState:
        """One call for the groups, one for all ticket properties, one per 500 owners, one
        list of flows and one read per flow of ours: reads do not grow with properties."""
        groups = self.client.crm.properties.groups_api.get_all(object_type=TICKETS).results
        group = next((g.to_dict() for g in groups if g.name == f"{self.prefix}escalation"), None)
        everything = self.client.crm.properties.core_api.get_all(object_type=TICKETS).results
        ours = {p.name: _camel(p.to_dict()) for p in everything if p.name.startswith(self.prefix)}
        defined = frozenset(p.name for p in everything if p.hubspot_defined)
        others = {p.name: _camel(p.to_dict()) for p in everything if p.name not in ours}
        return PortalState(group, ours, defined, self.owners(), self._flows(), others)

    def owners(self) -> dict[str, Owner]:
        """Every owner of the portal by lowercase email."""
        owners: dict[str, Owner] = {}
        after = None
        while True:
            page = self.client.crm.owners.owners_api.get_page(limit=500, after=after)
            for owner in page.results:
                if owner.email:
                    owners[owner.email.lower()] = Owner(str(owner.id), str(owner.user_id))
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return owners

    def _flows(self) -> dict[str, dict[str, Any]]:
        flows: dict[str, dict[str, Any]] = {}
        after = None
        while True:
            listing = self._request(
                "GET",
                "/automation/v4/flows",
                qs={"limit": 100, **({"after": after} if after else {})},
            )
            for item in listing.get("results", []):
                name = str(item.get("name", ""))
                if "[esc:" in name and name.endswith("]"):
                    trigger = name.rsplit("[esc:", 1)[1][:-1]
                    flows[trigger] = self._request("GET", f"/automation/v4/flows/{item['id']}")
            after = (listing.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return flows

    def _request(
        self, method: str, path: str, body: Any = None, qs: dict[str, Any] | None = None
    ) -> Any:
        """api_request has no retries (ref §0.1): back off on 429 ourselves."""
        options: dict[str, Any] = {"method": method, "path": path}
        if body is not None:
            options["body"] = body
        if qs:
            options["qs"] = qs
        for attempt in range(6):
            response = self.client.api_request(options)
            if response.status_code != 429:
                break
            time.sleep(min(10.0, 0.5 * 2**attempt))
        if response.status_code >= 400:
            raise EscalationsError(
                f"HubSpot answered {response.status_code} to {method} {path}: {response.text[:300]}"
            )
        return response.json() if response.content else {}

    # -- apply -----------------------------------------------------------------------------

    def create_group(self, group: dict[str, Any]) -> None:
        self.client.crm.properties.groups_api.create(
            object_type=TICKETS, property_group_create=PropertyGroupCreate(**_snake(group))
        )

    def update_group(self, group: dict[str, Any]) -> None:
        body = {k: v for k, v in group.items() if k != "name"}
        self.client.crm.properties.groups_api.update(
            object_type=TICKETS,
            group_name=group["name"],
            property_group_update=PropertyGroupUpdate(**_snake(body)),
        )

    def create_property(self, prop: dict[str, Any]) -> None:
        body = {**prop, "description": marked(prop["description"], normal_property(prop))}
        try:
            self.client.crm.properties.core_api.create(
                object_type=TICKETS, property_create=PropertyCreate(**_snake(body))
            )
        except PropertiesApiException as exc:
            if exc.status != 409:  # saved by an earlier attempt: update it instead
                raise
            self.update_property(prop)

    def update_property(self, prop: dict[str, Any]) -> None:
        body = shapes.property_update_request(prop)
        body.pop("type", None)  # a property's type is settled when it is created
        body["description"] = marked(prop["description"], normal_property(prop))
        self.client.crm.properties.core_api.update(
            object_type=TICKETS,
            property_name=prop["name"],
            property_update=PropertyUpdate(**_snake(body)),
        )

    def archive_property(self, name: str) -> None:
        self.client.crm.properties.core_api.archive(object_type=TICKETS, property_name=name)

    def create_flow(self, flow: dict[str, Any], *, enable: bool) -> None:
        described = {**flow, "description": marked(flow["description"], normal_flow(flow))}
        body = shapes.flow_create_request(described, enabled=enable)
        created = self._request("POST", "/automation/v4/flows", body)
        self._wait_complete(str(created["id"]))

    def update_flow(self, current: dict[str, Any], flow: dict[str, Any], *, enable: bool) -> None:
        """GET, merge, PUT the full body with the current revisionId (ref §3.5)."""
        latest = self._request("GET", f"/automation/v4/flows/{current['id']}")
        described = {**flow, "description": marked(flow["description"], normal_flow(flow))}
        enabled = True if enable else bool(latest.get("isEnabled", False))
        body = shapes.flow_put_request(
            described, revision_id=str(latest["revisionId"]), enabled=enabled
        )
        self._request("PUT", f"/automation/v4/flows/{current['id']}", body)

    def delete_flow(self, flow: dict[str, Any]) -> None:
        self._request("DELETE", f"/automation/v4/flows/{flow['id']}")

    def _wait_complete(self, flow_id: str) -> None:
        for _ in range(20):
            flow = self._request("GET", f"/automation/v4/flows/{flow_id}")
            if flow.get("crmObjectCreationStatus", "COMPLETE") == "COMPLETE":
                return
            time.sleep(0.2)
        raise EscalationsError(f"HubSpot did not finish creating flow {flow_id}; run apply again.")


def option_problems(framework: Framework, state: PortalState) -> list[Change]:
    """Catalog options the portal's enumeration properties do not have: flows filtering on
    them would never match (HubSpot stores and filters by internal value)."""
    problems = []
    for item in framework.fields:
        existing = state.others.get(item.hubspot_property) or state.properties.get(
            item.hubspot_property
        )
        if item.type != "enumeration" or existing is None or not existing.get("options"):
            continue
        values = {str(o.get("value")) for o in existing["options"]}
        missing = [o.hubspot for o in item.options if o.hubspot not in values]
        if missing:
            problems.append(Change(
                "hubspot", "error", "property", item.hubspot_property,
                f"the portal's {item.hubspot_property} has no option {', '.join(missing)} that "
                f"fields.yaml maps '{item.id}' to ({item.source}); fix the catalog's hubspot "
                "values or add the options in HubSpot",
            ))  # fmt: skip
    return problems


def plan_portal(
    compiled: Compiled,
    state: PortalState,
    *,
    allow_delete: bool,
    force: bool,
    enable: bool = False,
) -> list[Change]:
    changes: list[Change] = [
        Change("hubspot", "error", "owner", problem.split(" ", 1)[0], problem)
        for problem in compiled.missing_owners
    ]
    group = compiled.group
    if state.group is None:
        changes.append(Change("hubspot", "create", "group", group["name"], group["label"]))
    elif state.group.get("label") != group["label"]:
        changes.append(Change("hubspot", "update", "group", group["name"], group["label"]))
    for prop in compiled.properties:
        name = prop["name"]
        if name in state.defined:
            changes.append(
                Change(
                    "hubspot",
                    "error",
                    "property",
                    name,
                    "the name is taken by a HubSpot-defined property; change the prefix",
                )
            )
            continue
        current = state.properties.get(name)
        if current is None:
            changes.append(Change("hubspot", "create", "property", name, prop["label"]))
        elif normal_property(current) != normal_property(prop):
            changes.append(
                _change(
                    "property",
                    name,
                    prop["label"],
                    current["description"],
                    normal_property(current),
                    force,
                )
            )
    for prop in compiled.catalog:
        name = prop["name"]
        existing = state.properties.get(name) or state.others.get(name)
        if existing is None:
            changes.append(Change("hubspot", "create", "property", name, prop["label"],
                                  "a custom property of the field catalog"))  # fmt: skip
        elif existing.get("type") != prop["type"]:
            changes.append(Change("hubspot", "error", "property", name,
                                  f"the portal's {name} is a {existing.get('type')} property; "
                                  f"the field catalog says {prop['type']}"))  # fmt: skip
    wanted = {p["name"] for p in (*compiled.properties, *compiled.catalog)}
    for name in sorted(set(state.properties) - wanted):
        changes.append(_gone("property", name, allow_delete))
    for trigger, flow in compiled.flows.items():
        current = state.flows.get(trigger)
        if current is None:
            changes.append(Change("hubspot", "create", "flow", trigger, flow["name"]))
        elif normal_flow(current) != normal_flow(flow) or (enable and not current.get("isEnabled")):
            changes.append(
                _change(
                    "flow",
                    trigger,
                    flow["name"],
                    current.get("description", ""),
                    normal_flow(current),
                    force,
                )
            )
    for trigger in sorted(set(state.flows) - set(compiled.flows)):
        changes.append(_gone("flow", trigger, allow_delete))
    return changes


def _change(
    kind: str, key: str, title: str, description: str, observed: Any, force: bool
) -> Change:
    _, mark = unmark(description)
    if mark is not None and mark != fingerprint(observed) and not force:
        return Change(
            "hubspot",
            "drift",
            kind,
            key,
            title,
            "changed in HubSpot since the last deploy; apply --force to overwrite",
        )
    return Change("hubspot", "update", kind, key, title)


def _gone(kind: str, key: str, allow_delete: bool) -> Change:
    if allow_delete:
        return Change("hubspot", "delete", kind, key, key, "archived")
    return Change(
        "hubspot",
        "orphan",
        kind,
        key,
        key,
        "no longer in the framework; kept (apply --allow-delete to archive it)",
    )


def apply_portal(
    portal: Portal,
    compiled: Compiled,
    state: PortalState,
    changes: list[Change],
    *,
    enable: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> None:
    if any(c.action == "error" for c in changes):
        raise EscalationsError("the HubSpot plan has errors; fix them first.")
    properties = {p["name"]: p for p in (*compiled.properties, *compiled.catalog)}
    for change in changes:
        if change.kind == "group" and change.action == "create":
            portal.create_group(compiled.group)
        elif change.kind == "group" and change.action == "update":
            portal.update_group(compiled.group)
        elif change.kind == "property" and change.action == "create":
            portal.create_property(properties[change.key])
        elif change.kind == "property" and change.action == "update":
            portal.update_property(properties[change.key])
        elif change.kind == "property" and change.action == "delete":
            portal.archive_property(change.key)
        elif change.kind == "flow" and change.action == "create":
            portal.create_flow(compiled.flows[change.key], enable=enable)
        elif change.kind == "flow" and change.action == "update":
            portal.update_flow(state.flows[change.key], compiled.flows[change.key], enable=enable)
        elif change.kind == "flow" and change.action == "delete":
            portal.delete_flow(state.flows[change.key])
        else:
            continue
        progress(f"{change.action} {change.kind} {change.key}")


def _camel(data: dict[str, Any]) -> dict[str, Any]:
    """SDK models' to_dict uses snake_case; HubSpot's JSON (and our bodies) use camelCase."""

    def convert(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(part.title() for part in rest)

    result: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, list):
            value = [_camel(v) if isinstance(v, dict) else v for v in value]
        result[convert(key)] = _camel(value) if isinstance(value, dict) else value
    return result


def _snake(data: dict[str, Any]) -> dict[str, Any]:
    import re

    def convert(key: str) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()

    return {convert(k): v for k, v in data.items()}
