"""Owners (CRM Owners v3) and the read-only ticket pipeline of the HubSpot emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escalations.sandbox.hubspot.contract_crm import check_owner_query
from escalations.sandbox.hubspot.shapes import not_found, pipeline
from escalations.sandbox.hubspot.store import Store


class Owners:
    """Owners (kind "owner", keyed by owner id) and the default ticket pipeline."""

    def __init__(self, store: Store, now: Callable[[], str]) -> None:
        self.store = store
        self.now = now

    def add(
        self, email: str, first_name: str, last_name: str, owner_id: str | None, user_id: int | None
    ) -> dict[str, Any]:
        number = self.store.next_id("owner", 80000001)
        owner_id = owner_id or str(number)
        if self.store.get("owner", owner_id) is not None:
            raise ValueError(f"owner {owner_id} exists")
        user = user_id if user_id is not None else 1000000 + number % 1000000
        stamp = self.now()
        doc: dict[str, Any] = {
            "id": owner_id,
            "email": email,
            "type": "PERSON",
            "firstName": first_name,
            "lastName": last_name,
            "userId": user,
            "userIdIncludingInactive": user,
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
            "teams": [],
        }
        self.store.put("owner", owner_id, doc)
        return doc

    def exists(self, owner_id: str) -> bool:
        doc = self.store.get("owner", owner_id)
        return doc is not None and not doc["archived"]

    def page(self, query: dict[str, str]) -> dict[str, Any]:
        start, limit, archived = check_owner_query(query)
        docs = [d for d in self.store.all("owner") if d["archived"] == archived]
        email = query.get("email")
        if email:
            docs = [d for d in docs if d["email"].lower() == email.lower()]
        result: dict[str, Any] = {"results": docs[start : start + limit]}
        if start + limit < len(docs):
            after = str(start + limit)
            result["paging"] = {"next": {"after": after, "link": f"/crm/v3/owners/?after={after}"}}
        return result

    def get(self, owner_id: str, query: dict[str, str]) -> dict[str, Any]:
        if query.get("idProperty", "id") == "userId":
            found = [d for d in self.store.all("owner") if str(d["userId"]) == owner_id]
            doc = found[0] if found else None
        else:
            doc = self.store.get("owner", owner_id)
        archived = query.get("archived", "false").lower() == "true"
        if doc is None or doc["archived"] != archived:
            raise not_found(f"Owner with id {owner_id} was not found")
        return doc

    # -- pipelines ------------------------------------------------------------------------

    def pipeline(self) -> dict[str, Any]:
        doc = self.store.get("pipeline", "tickets/0")
        if doc is None:
            doc = pipeline(self.now())
            self.store.put("pipeline", "tickets/0", doc)
        return doc

    def pipelines(self) -> dict[str, Any]:
        return {"results": [self.pipeline()]}

    def get_pipeline(self, pipeline_id: str) -> dict[str, Any]:
        if pipeline_id != "0":
            raise not_found(f"Unable to find pipeline {pipeline_id}")
        return self.pipeline()

    def stage_state(self, stage_id: str) -> str | None:
        """The `ticketState` of a stage of the default pipeline, None for an unknown stage."""
        for stage in self.pipeline()["stages"]:
            if stage["id"] == stage_id:
                return str(stage["metadata"]["ticketState"])
        return None
