"""Company records and ticket-to-company associations of the HubSpot emulator (CRM v3, v4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escalations.sandbox.hubspot.contract_companies import (
    ASSOCIATIONS,
    PRIMARY,
    UNLABELED,
    check_association_read,
    check_company_create,
    check_company_query,
    check_company_read,
)
from escalations.sandbox.hubspot.shapes import invalid
from escalations.sandbox.hubspot.store import Store

COMPANIES = "/crm/v3/objects/companies"
ASSOCIATION_READ = "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read"
DEFAULTS = ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name")
"""What a company read returns when no `properties` are asked for (emulator choice)."""
_LABELS = {PRIMARY: "Primary", UNLABELED: None}


class Companies:
    """Kind "company" (key: its id) and kind "association" (key `ticket/<id>/<company id>`,
    doc: the association types), both in the emulator's store."""

    ROUTES = (f"{COMPANIES}/batch/create", f"{COMPANIES}/batch/read", COMPANIES, ASSOCIATION_READ)
    """The routes answered here (listed in `routes.ROUTES`)."""
    UNTHROTTLED = (ASSOCIATION_READ,)
    """Outside the rolling window: associations.json (v4, rollout 130902) marks the batch read
    `x-hubspot-rate-limit-exemptions: [ten-secondly]`, and gives it no other limit."""

    def __init__(self, store: Store, now: Callable[[], str]) -> None:
        self.store = store
        self.now = now

    def dispatch(
        self, method: str, template: str, params: dict[str, str], query: dict[str, str], data: Any
    ) -> tuple[int, Any]:
        if template == f"{COMPANIES}/batch/create":
            return 201, self.batch_create(data)
        if template == f"{COMPANIES}/batch/read":
            return self.batch_read(data, query)
        if template == COMPANIES:
            return 200, self.page(query)
        return self.associations(params["fromObjectType"], params["toObjectType"], data)

    # -- companies ------------------------------------------------------------------------

    def batch_create(self, body: Any) -> dict[str, Any]:
        inputs = check_company_create(body)
        started = self.now()
        results = []
        for item in inputs:
            company_id = str(self.store.next_id("company", 2000001))
            stamp = self.now()
            props = {**{k: str(v) for k, v in item["properties"].items()}}
            props.setdefault("createdate", stamp)
            props.update(hs_object_id=company_id, hs_lastmodifieddate=stamp)
            doc = {"id": company_id, "properties": props, "createdAt": props["createdate"],
                   "updatedAt": stamp, "archived": False}  # fmt: skip
            self.store.put("company", company_id, doc)
            results.append(_shape(doc, list(props)))
        return {"status": "COMPLETE", "results": results, "startedAt": started,
                "completedAt": self.now()}  # fmt: skip

    def batch_read(self, body: Any, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """BatchResponseSimplePublicObject; ids that are no company make it a 207 with one
        OBJECT_NOT_FOUND error listing them (HubSpot's batch reads answer 207 for those)."""
        ids, names = check_company_read(body, query)
        found, missing = [], []
        for company_id in dict.fromkeys(ids):
            doc = self.store.get("company", company_id)
            if doc is None or doc["archived"]:
                missing.append(company_id)
            else:
                found.append(_shape(doc, names or list(DEFAULTS)))
        answer: dict[str, Any] = {"status": "COMPLETE", "results": found,
                                  "startedAt": self.now(), "completedAt": self.now()}  # fmt: skip
        if not missing:
            return 200, answer
        error = _error("OBJECT_NOT_FOUND", "Could not get some COMPANY objects, they may be "
                       "deleted or not exist. Check that ids are valid.", ids=missing)  # fmt: skip
        return 207, {**answer, "numErrors": 1, "errors": [error]}

    def page(self, query: dict[str, str]) -> dict[str, Any]:
        """CollectionResponseSimplePublicObjectWithAssociationsForwardPaging; `after` is an
        offset into the companies in creation order."""
        after, limit, names = check_company_query(query)
        docs = [d for d in self.store.all("company") if not d["archived"]]
        shown = [_shape(d, names or list(DEFAULTS)) for d in docs[after : after + limit]]
        result: dict[str, Any] = {"results": shown}
        if after + limit < len(docs):
            result["paging"] = {"next": {"after": str(after + limit)}}
        return result

    # -- associations ---------------------------------------------------------------------

    def check_links(self, associations: list[dict[str, Any]], where: str) -> list[tuple[str, int]]:
        """(company id, type id) of a new ticket's `associations`, else 400: the emulator
        has companies only, so every item must be a ticket-to-company type to one of them."""
        links = []
        for index, item in enumerate(associations):
            target = str(item["to"]["id"])
            for kind in item["types"]:
                code = (kind["associationCategory"], kind["associationTypeId"])
                if code not in ASSOCIATIONS:
                    raise invalid(
                        f"{where}[{index}]: association type {code[1]} ({code[0]}) is not "
                        "ticket to company; the emulator has companies only "
                        f"({', '.join(f'{t} {c}' for c, t in ASSOCIATIONS)})"
                    )
                if self.store.get("company", target) is None:
                    raise invalid(f"{where}[{index}]: there is no company {target} to associate")
                links.append((target, int(code[1])))
        return links

    def link(self, ticket_id: str, links: list[tuple[str, int]]) -> None:
        """Store a ticket's associations; a primary one carries the unlabeled type too, and a
        ticket has one primary company (a new one takes the label from the old)."""
        for company_id, type_id in links:
            if type_id == PRIMARY:
                for key, doc in self._of(ticket_id):
                    if PRIMARY in doc["types"] and not key.endswith(f"/{company_id}"):
                        doc["types"] = [t for t in doc["types"] if t != PRIMARY]
                        self.store.put("association", key, doc)
            key = f"ticket/{ticket_id}/{company_id}"
            doc = self.store.get("association", key) or {"company": company_id, "types": []}
            wanted = {type_id, UNLABELED}
            doc["types"] = sorted(set(doc["types"]) | wanted)
            self.store.put("association", key, doc)

    def associations(self, source: str, target: str, body: Any) -> tuple[int, dict[str, Any]]:
        """BatchResponsePublicAssociationMultiWithLabel: tickets with no company make it a
        207 with one NO_ASSOCIATIONS_FOUND error each (HubSpot's answer, reference notes)."""
        ids = check_association_read(source, target, body)
        results, errors = [], []
        for ticket_id in dict.fromkeys(ids):
            found = self._of(ticket_id)
            if not found:
                errors.append(_error(
                    "OBJECT_NOT_FOUND", f"No company is associated with ticket {ticket_id}.",
                    sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
                    fromObjectId=[ticket_id], fromObjectType=["ticket"],
                    toObjectType=["company"],
                ))  # fmt: skip
                continue
            to = [
                {"toObjectId": doc["company"], "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": t, "label": _LABELS[t]}
                    for t in doc["types"]]}
                for _, doc in found
            ]  # fmt: skip
            results.append({"from": {"id": ticket_id}, "to": to})
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results,
                                  "startedAt": self.now(), "completedAt": self.now()}  # fmt: skip
        if not errors:
            return 200, answer
        return 207, {**answer, "numErrors": len(errors), "errors": errors}

    def _of(self, ticket_id: str) -> list[tuple[str, dict[str, Any]]]:
        prefix = f"ticket/{ticket_id}/"
        docs = self.store.all("association", prefix)
        return [(prefix + str(doc["company"]), doc) for doc in docs]


def _shape(doc: dict[str, Any], names: list[str]) -> dict[str, Any]:
    props = doc["properties"]
    return {
        "id": doc["id"],
        "properties": {name: props.get(name) for name in dict.fromkeys(names)},
        "createdAt": doc["createdAt"],
        "updatedAt": doc["updatedAt"],
        "archived": doc["archived"],
    }


def _error(
    category: str, message: str, *, sub_category: str | None = None, **context: list[str]
) -> dict[str, Any]:
    """A StandardError of a 207 answer (every field the spec requires, so the SDK reads it)."""
    error: dict[str, Any] = {"status": "error", "category": category, "message": message,
                             "context": context, "errors": [], "links": {}}  # fmt: skip
    if sub_category:
        error["subCategory"] = sub_category
    return error
