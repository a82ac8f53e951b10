"""The HubSpot portal through hubspot-api-client: observe what is ours, and write it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hubspot import HubSpot
from hubspot.crm.owners import models as owner_models
from hubspot.crm.properties import (
    PropertyCreate,
    PropertyGroupCreate,
    PropertyGroupUpdate,
    PropertyUpdate,
)
from hubspot.crm.properties import models as property_models

from escalations.errors import EscalationsError
from escalations.publish.hubspot import shapes
from escalations.publish.hubspot.compile import Owner
from escalations.publish.hubspot.http import API_ERRORS, Caller, raw
from escalations.publish.hubspot.marks import flow_key, marked, normal_flow, normal_property

TICKETS = "tickets"
FLOWS = "/automation/v4/flows"
BATCH = 100
"""Flows per batch read: the spec gives no maximum; 100 is HubSpot's usual batch size."""


@dataclass(frozen=True, slots=True)
class PortalState:
    group: dict[str, Any] | None
    properties: dict[str, dict[str, Any]]
    """Properties under our prefix, by name."""
    defined: frozenset[str]
    """Names of HubSpot-defined ticket properties (never touched)."""
    owners: dict[str, Owner]
    flows: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Trigger id -> the full flow carrying its key (the oldest, when there are several)."""
    others: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Every other ticket property, by name: the catalog's custom ones are looked up here."""
    duplicates: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    """Trigger id -> the younger flows carrying the same key (left by overlapping deploys)."""


class Portal:
    """A HubSpot portal reached through hubspot-api-client."""

    def __init__(self, client: HubSpot, prefix: str, *, caller: Caller | None = None) -> None:
        self.client = client
        self.prefix = prefix
        host = str(client.config.get("base_url") or "https://api.hubapi.com")
        self.caller = caller or Caller(host)

    # -- observe ---------------------------------------------------------------------------

    def observe(self) -> PortalState:
        """Two reads for the groups and properties, one per 500 owners, and one listing plus one
        batch read per 100 ticket flows: reads do not grow with properties or triggers."""
        group_name = f"{self.prefix}escalation"
        group = next((g for g in self.groups() if g.get("name") == group_name), None)
        everything = self.properties()
        ours = {p["name"]: p for p in everything if p["name"].startswith(self.prefix)}
        defined = frozenset(p["name"] for p in everything if p.get("hubspotDefined"))
        others = {p["name"]: p for p in everything if p["name"] not in ours}
        by_key: dict[str, list[dict[str, Any]]] = {}
        for flow in self.flows():
            by_key.setdefault(str(flow_key(flow)), []).append(flow)
        flows, duplicates = {}, {}
        for key, found in by_key.items():
            oldest, *younger = sorted(found, key=_age)
            flows[key] = oldest
            if younger:
                duplicates[key] = tuple(younger)
        return PortalState(group, ours, defined, self.owners(), flows, others, duplicates)

    def groups(self) -> list[dict[str, Any]]:
        api = self.client.crm.properties.groups_api
        return self._all(
            "the ticket property groups", api, "CollectionResponsePropertyGroupNoPaging"
        )

    def properties(self) -> list[dict[str, Any]]:
        api = self.client.crm.properties.core_api
        return self._all("the ticket properties", api, "CollectionResponsePropertyNoPaging")

    def _all(self, what: str, api: Any, model: str) -> list[dict[str, Any]]:
        page = self.caller.read(
            f"reading {what}",
            lambda: api.get_all(object_type=TICKETS, _request_timeout=self.caller.timeout),
            api=api.api_client,
            models=property_models,
            model=model,
        )
        return [_camel(item.to_dict()) for item in page.results]

    def owners(self) -> dict[str, Owner]:
        """Every owner of the portal by lowercase email."""
        api = self.client.crm.owners.owners_api
        owners: dict[str, Owner] = {}
        after: str | None = None

        def page_after(cursor: str | None) -> Callable[[], Any]:
            return lambda: api.get_page(
                limit=500, after=cursor, _request_timeout=self.caller.timeout
            )

        while True:
            page = self.caller.read(
                "reading the owners",
                page_after(after),
                api=api.api_client,
                models=owner_models,
                model="CollectionResponsePublicOwnerForwardPaging",
            )
            for owner in page.results:
                if owner.email:
                    owners[owner.email.lower()] = Owner(str(owner.id), str(owner.user_id))
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                return owners

    def flows(self) -> list[dict[str, Any]]:
        """Every ticket flow that carries one of our keys, in full: the listing, then batch
        reads, so that reads do not grow with the number of triggers (ref §3.1)."""
        ids: list[str] = []
        after = None
        while True:
            query = {"limit": 100, **({"after": after} if after else {})}
            listing = self._read("listing the workflows", "GET", FLOWS, query=query)
            results = listing.get("results", [])
            ids += [str(f["id"]) for f in results if f.get("objectTypeId") in (None, shapes.TICKET)]
            after = ((listing.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
        flows = []
        for start in range(0, len(ids), BATCH):
            inputs = [{"type": "FLOW_ID", "flowId": i} for i in ids[start : start + BATCH]]
            batch = self._read(
                "reading the workflows", "POST", f"{FLOWS}/batch/read", body={"inputs": inputs}
            )
            flows += [f for f in batch.get("results", []) if flow_key(f)]
        return flows

    def flow(self, flow_id: str) -> dict[str, Any]:
        return self._read(f"reading workflow {flow_id}", "GET", f"{FLOWS}/{flow_id}")  # type: ignore[no-any-return]

    def _read(self, what: str, method: str, path: str, **options: Any) -> Any:
        return self.caller.read(what, lambda: self._raw(method, path, **options) or {})

    def _raw(self, method: str, path: str, **options: Any) -> Any:
        return raw(self.client, method, path, timeout=self.caller.timeout, **options)

    # -- apply -----------------------------------------------------------------------------

    def create_group(self, group: dict[str, Any]) -> None:
        api = self.client.crm.properties.groups_api
        request = PropertyGroupCreate(**_snake(group))
        try:
            # Sent again after a lost answer: then, or after an overlapping run, a 409.
            self.caller.write(
                f"creating the property group {group['name']}",
                lambda: api.create(TICKETS, request, _request_timeout=self.caller.timeout),
                conflict=True,
            )
        except API_ERRORS:
            self.update_group(group)

    def update_group(self, group: dict[str, Any]) -> None:
        api = self.client.crm.properties.groups_api
        request = PropertyGroupUpdate(**_snake({k: v for k, v in group.items() if k != "name"}))
        self.caller.write(
            f"updating the property group {group['name']}",
            lambda: api.update(
                TICKETS, group["name"], request, _request_timeout=self.caller.timeout
            ),
        )

    def create_property(self, prop: dict[str, Any]) -> None:
        body = {**prop, "description": marked(prop["description"], normal_property(prop))}
        api = self.client.crm.properties.core_api
        request = PropertyCreate(**_snake(body))
        try:
            self.caller.write(
                f"creating the property {prop['name']}",
                lambda: api.create(TICKETS, request, _request_timeout=self.caller.timeout),
                conflict=True,
            )
        except API_ERRORS:  # 409: saved by an earlier attempt or an overlapping run
            self.update_property(prop)

    def update_property(self, prop: dict[str, Any]) -> None:
        body = shapes.property_update_request(prop)
        body.pop("type", None)  # a property's type is settled when it is created
        body["description"] = marked(prop["description"], normal_property(prop))
        api = self.client.crm.properties.core_api
        request = PropertyUpdate(**_snake(body))
        self.caller.write(
            f"updating the property {prop['name']}",
            lambda: api.update(
                TICKETS, prop["name"], request, _request_timeout=self.caller.timeout
            ),
        )

    def archive_property(self, name: str) -> None:
        api = self.client.crm.properties.core_api
        self.caller.write(
            f"archiving the property {name}",
            lambda: api.archive(TICKETS, name, _request_timeout=self.caller.timeout),
            landed=lambda: all(p["name"] != name for p in self.properties()),
        )

    def create_flow(self, key: str, flow: dict[str, Any], *, enable: bool) -> str:
        """Create a flow and return its id (`wait_complete` before changing it). After a
        failure without a clear answer, the flow carrying the key is looked for before
        anything is sent again: never a second one."""
        described = {**flow, "description": marked(flow["description"], normal_flow(flow), key)}
        body = shapes.flow_create_request(described, enabled=enable)
        found: list[str] = []

        def landed() -> bool:
            found[:] = [str(f["id"]) for f in self.flows() if flow_key(f) == key]
            return bool(found)

        created = self.caller.write(
            f"creating workflow {key}",
            lambda: self._raw("POST", FLOWS, body=body),
            landed=landed,
        )
        return str(created["id"]) if created else found[0]

    def update_flow(
        self, key: str, current: dict[str, Any], flow: dict[str, Any], *, enable: bool
    ) -> None:
        """GET, merge, PUT the full body with the current revisionId (ref §3.5)."""
        flow_id = str(current["id"])
        described = {**flow, "description": marked(flow["description"], normal_flow(flow), key)}
        wanted = normal_flow(described)

        def put() -> Any:
            latest = self.flow(flow_id)
            enabled = True if enable else bool(latest.get("isEnabled", False))
            revision = str(latest["revisionId"])
            body = shapes.flow_put_request(described, revision_id=revision, enabled=enabled)
            return self._raw("PUT", f"{FLOWS}/{flow_id}", body=body)

        def landed() -> bool:
            latest = self.flow(flow_id)
            return normal_flow(latest) == wanted and (latest.get("isEnabled") or not enable)

        self.caller.write(f"updating workflow {key}", put, landed=landed)

    def delete_flow(self, flow: dict[str, Any]) -> None:
        flow_id = str(flow["id"])
        self.caller.write(
            f"deleting workflow {flow_id}",
            lambda: self._raw("DELETE", f"{FLOWS}/{flow_id}"),
            landed=lambda: all(str(f["id"]) != flow_id for f in self.flows()),
        )

    def wait_complete(self, flow_ids: list[str]) -> None:
        """Wait until HubSpot has finished creating these flows (ref §3.5), all together:
        one batch read per round, not one wait per flow."""
        pending = list(flow_ids)
        for _ in range(20):
            if not pending:
                return
            inputs = [{"type": "FLOW_ID", "flowId": i} for i in pending]
            batch = self._read(
                "reading the new workflows", "POST", f"{FLOWS}/batch/read", body={"inputs": inputs}
            )
            done = {str(f["id"]) for f in batch.get("results", [])
                    if f.get("crmObjectCreationStatus", "COMPLETE") == "COMPLETE"}  # fmt: skip
            pending = [i for i in pending if i not in done]
            if pending:
                time.sleep(0.2)
        raise EscalationsError(
            f"HubSpot did not finish creating flows {', '.join(pending)}; run apply again."
        )


def _age(flow: dict[str, Any]) -> tuple[str, int]:
    return str(flow.get("createdAt", "")), int(flow["id"])


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
    def convert(key: str) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()

    return {convert(k): v for k, v in data.items()}
