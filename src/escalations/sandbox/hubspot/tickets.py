"""Ticket records and CRM search of the HubSpot emulator (CRM Objects v3, tickets)."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from typing import Any

from escalations.sandbox.hubspot.check import Schema, check, fail, may
from escalations.sandbox.hubspot.companies import Companies
from escalations.sandbox.hubspot.contract_companies import ASSOCIATION, MAX_BATCH
from escalations.sandbox.hubspot.contract_companies import CREATE as BATCH_CREATE
from escalations.sandbox.hubspot.contract_crm import MAX_RESULTS, check_search
from escalations.sandbox.hubspot.owners import Owners
from escalations.sandbox.hubspot.properties import Properties
from escalations.sandbox.hubspot.search_index import SearchIndex
from escalations.sandbox.hubspot.shapes import (
    MAX_STRING,
    ApiError,
    invalid,
    iso,
    not_found,
    parse_time,
)
from escalations.sandbox.hubspot.store import Store

DEFAULT_PROPERTIES = (
    "content",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_ticket_category",
    "hs_ticket_priority",
    "subject",
)
SEARCH_DEFAULTS = ("createdate", "hs_lastmodifieddate", "hs_object_id")
SETTABLE_READ_ONLY = ("createdate",)


class Tickets:
    """Ticket records (kind "ticket"); property values are validated against the schema."""

    def __init__(
        self,
        store: Store,
        now: Callable[[], str],
        properties: Properties,
        owners: Owners,
        max_results: int = MAX_RESULTS,
    ) -> None:
        self.store = store
        self.now = now
        self.properties = properties
        self.owners = owners
        self.max_results = max_results
        """Results a search may page through (smaller in tests of the 10,000-result cap)."""
        self.index = SearchIndex(store, _test, _number)
        self.companies = Companies(store, now)
        """The portal's companies, to which new tickets may be associated."""

    def find(self, ticket_id: str) -> dict[str, Any] | None:
        doc = self.store.get("ticket", ticket_id)
        return doc if doc is not None and not doc["archived"] else None

    def values(self, ticket_id: str) -> dict[str, str | None]:
        doc = self.find(ticket_id)
        return dict(doc["properties"]) if doc is not None else {}

    def create(self, body: Any) -> dict[str, Any]:
        """A ticket, associated with the companies its `associations` name (checked first)."""
        values = self._input(body, creating=True)
        shape = Schema("SimplePublicObjectInputForCreate", (may("associations", "array",
                                                                items=ASSOCIATION),))  # fmt: skip
        given = check({"associations": body.get("associations")}, shape).get("associations")
        links = self.companies.check_links(given or [], "associations")
        ticket_id = str(self.store.next_id("ticket", 1000001))
        stamp = self.now()
        props: dict[str, str | None] = {"hs_pipeline": "0", "hs_pipeline_stage": "1"}
        props.update(values)
        props.setdefault("createdate", stamp)
        props.update(hs_object_id=ticket_id, hs_lastmodifieddate=stamp)
        self._closed(props, stamp)
        doc = {
            "id": ticket_id,
            "properties": props,
            "createdAt": props["createdate"],
            "updatedAt": stamp,
            "archived": False,
        }
        self.store.put("ticket", ticket_id, doc)
        self.companies.link(ticket_id, links)
        return _shape(doc, list(props))

    def batch_create(
        self, body: Any, created: Callable[[str, None], None] = lambda *_: None
    ) -> dict[str, Any]:
        """BatchResponseSimplePublicObject: every input is checked before any is created, so
        one invalid input creates none; `created(id, None)` after each (the workflows)."""
        inputs = check(body, BATCH_CREATE)["inputs"]
        if not 1 <= len(inputs) <= MAX_BATCH:
            raise fail(f"inputs must hold 1 to {MAX_BATCH} objects, got {len(inputs)}", "inputs",
                       "OUT_OF_RANGE", BATCH_CREATE.name)  # fmt: skip
        for index, item in enumerate(inputs):
            self._input(item, creating=True)
            self.companies.check_links(item["associations"], f"inputs[{index}].associations")
        started = self.now()
        results = []
        for item in inputs:
            results.append(self.create(item))
            created(results[-1]["id"], None)
        return {"status": "COMPLETE", "results": results, "startedAt": started,
                "completedAt": self.now()}  # fmt: skip

    def replied(self, replies: dict[str, str]) -> None:
        """Set first_agent_reply_date (read-only to the API) as an agent's reply would."""
        for ticket_id, at in replies.items():
            self.update(ticket_id, {"properties": {"first_agent_reply_date": at}}, check=False)

    def get(self, ticket_id: str, names: list[str]) -> dict[str, Any]:
        doc = self.find(ticket_id)
        if doc is None:
            raise not_found(f"Object not found.  objectId are usually numeric: {ticket_id}")
        return _shape(doc, self._known(names) or list(DEFAULT_PROPERTIES))

    def _known(self, names: list[str]) -> list[str]:
        """The requested property names that exist (HubSpot leaves out unknown ones)."""
        return [name for name in names if self.properties.find(str(name)) is not None]

    def update(self, ticket_id: str, body: Any, *, check: bool = True) -> dict[str, Any]:
        doc = self.find(ticket_id)
        if doc is None:
            raise not_found(f"Object not found.  objectId are usually numeric: {ticket_id}")
        values = self._input(body, creating=False) if check else dict(body["properties"])
        stamp = self.now()
        doc["properties"].update(values)
        doc["properties"]["hs_lastmodifieddate"] = stamp
        self._closed(doc["properties"], stamp)
        doc["updatedAt"] = stamp
        self.store.put("ticket", ticket_id, doc)
        return _shape(doc, [*DEFAULT_PROPERTIES, *values])

    def _closed(self, props: dict[str, str | None], stamp: str) -> None:
        closed = self.owners.stage_state(str(props.get("hs_pipeline_stage"))) == "CLOSED"
        if closed and not props.get("closed_date"):
            props["closed_date"] = stamp

    # -- validation -----------------------------------------------------------------------

    def _input(self, body: Any, *, creating: bool) -> dict[str, str | None]:
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            raise invalid("Some required fields were not set: [properties]")
        errors: list[dict[str, Any]] = []
        result: dict[str, str | None] = {}
        for name, raw in body["properties"].items():
            value, problem = self._value(str(name), raw, creating)
            if problem is not None:
                errors.append(problem)
            else:
                result[str(name)] = value
        if errors:
            shown = [{"isValid": False, **e} for e in errors]
            raise ApiError(
                400,
                f"Property values were not valid: {json.dumps(shown)}",
                "VALIDATION_ERROR",
                errors=[
                    {
                        "message": e["message"],
                        "code": e["error"],
                        "context": {"propertyName": [e["name"]]},
                    }
                    for e in errors
                ],
            )
        return result

    def _value(
        self, name: str, raw: Any, creating: bool
    ) -> tuple[str | None, dict[str, Any] | None]:
        spec = self.properties.find(name)

        def problem(code: str, message: str) -> tuple[None, dict[str, Any]]:
            return None, {"message": message, "error": code, "name": name}

        if spec is None:
            return problem("PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')
        read_only = spec["modificationMetadata"].get("readOnlyValue")
        if read_only and not (creating and name in SETTABLE_READ_ONLY):
            return problem(
                "READ_ONLY_VALUE", f'"{name}" is a read only property; its value cannot be set.'
            )
        if raw is None or raw == "":
            return "", None
        text = str(raw).lower() if isinstance(raw, bool) else str(raw)
        kind = spec["type"]
        if kind == "enumeration":
            allowed = self._allowed(name, spec)
            parts = text.split(";") if spec["fieldType"] == "checkbox" else [text]
            bad = [part for part in parts if not allowed(part)]
            if bad:
                return problem("INVALID_OPTION", f"{bad[0]} was not one of the allowed options")
        elif kind == "number":
            try:
                float(text)
            except ValueError:
                return problem("INVALID_DOUBLE", f"{text} is not a valid number")
        elif kind == "bool":
            if text.lower() not in ("true", "false"):
                return problem("INVALID_BOOLEAN", f"{text} is not a valid boolean")
            text = text.lower()
        elif kind in ("date", "datetime"):
            moment = parse_time(text)
            if moment is None:
                return problem("INVALID_DATE", f"{text} is not a valid date")
            text = iso(moment)
        elif len(text) > MAX_STRING:
            return problem("INVALID_LONG_STRING", f"value is longer than {MAX_STRING} characters")
        return text, None

    def _allowed(self, name: str, spec: dict[str, Any]) -> Callable[[str], bool]:
        if name == "hubspot_owner_id" or spec.get("referencedObjectType") == "OWNER":
            return self.owners.exists
        values = {option["value"] for option in spec["options"]}
        return values.__contains__

    # -- search ---------------------------------------------------------------------------

    def search(self, body: Any) -> dict[str, Any]:
        start, limit = check_search(body, self.max_results)
        groups = body.get("filterGroups") or []
        self._check_groups(groups)
        with self.store.transaction():  # one snapshot of the tickets for the whole answer
            snap = self.index.current()
            found = self.index.match(snap, groups)
            query = str(body.get("query") or "").lower()
            if query:
                texts = [self.index.column(snap, name) for name in ("subject", "content")]
                found = [i for i in found if any(query in str(t[i] or "").lower() for t in texts)]
            for key, descending in reversed(_sorts(body.get("sorts") or [])):
                keys = self.index.sort_keys(snap, key, _sort_key)
                known = [i for i in found if keys[i] is not None]
                known.sort(key=keys.__getitem__, reverse=descending)
                found = known + [i for i in found if keys[i] is None]
            docs = [self.store.get("ticket", snap.keys[i]) for i in found[start : start + limit]]
        names = [*SEARCH_DEFAULTS, *self._known(list(body.get("properties") or []))]
        shown = [_shape(d, names) for d in docs if d is not None]
        result: dict[str, Any] = {"total": len(found), "results": shown}
        if start + limit < len(found):
            result["paging"] = {"next": {"after": str(start + limit)}}
        return result

    def _check_groups(self, groups: list[dict[str, Any]]) -> None:
        for group in groups:
            for item in group["filters"]:
                if self.properties.find(item["propertyName"]) is None:
                    raise invalid(f"Unknown property in filter: {item['propertyName']!r}")


def _shape(doc: dict[str, Any], names: list[str]) -> dict[str, Any]:
    props = doc["properties"]
    shown = {name: props.get(name) for name in dict.fromkeys(names)}
    return {
        "id": doc["id"],
        "properties": shown,
        "createdAt": doc["createdAt"],
        "updatedAt": doc["updatedAt"],
        "archived": doc["archived"],
    }


def _sorts(sorts: list[Any]) -> list[tuple[str, bool]]:
    result: list[tuple[str, bool]] = []
    for item in sorts:
        if isinstance(item, dict):
            name = str(item.get("propertyName"))
            result.append((name, str(item.get("direction", "ASCENDING")).upper() == "DESCENDING"))
        else:
            text = str(item)
            result.append((text.lstrip("-"), text.startswith("-")))
    return result


def _sort_key(value: Any) -> tuple[int, float, str]:
    number = _number(value)
    return (0, number, "") if number is not None else (1, 0.0, str(value).lower())


def _number(value: Any) -> float | None:
    text = str(value)
    try:
        return float(text)
    except ValueError:
        pass
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        moment = parse_time(text)
        return moment.timestamp() * 1000 if moment is not None else None
    return None


def _compare(have: Any, want: Any) -> int:
    left, right = _number(have), _number(want)
    if left is not None and right is not None:
        return (left > right) - (left < right)
    a, b = str(have).lower(), str(want).lower()
    return (a > b) - (a < b)


def _test(raw: Any, item: dict[str, Any]) -> bool:
    """Whether a ticket whose value of the filter's property is `raw` passes the filter."""
    operator = item["operator"]
    known = raw not in (None, "")
    if operator == "HAS_PROPERTY":
        return known
    if operator == "NOT_HAS_PROPERTY":
        return not known
    negative = operator in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN")
    if not known:
        return negative
    parts = [p for p in str(raw).split(";") if p] or [str(raw)]
    if operator in ("EQ", "NEQ"):
        hit = any(_compare(part, item.get("value")) == 0 for part in parts)
        return hit != negative
    if operator in ("IN", "NOT_IN"):
        wanted = item.get("values") or []
        hit = any(_compare(part, w) == 0 for part in parts for w in wanted)
        return hit != negative
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(item.get("value", "")).lower()
        tokens = re.findall(r"[\w@.-]+", str(raw).lower())
        hit = any(fnmatch.fnmatchcase(token, pattern) for token in tokens)
        hit = hit or ("*" not in pattern and pattern in str(raw).lower().split())
        return hit != negative
    if operator == "BETWEEN":
        return _compare(raw, item.get("value")) >= 0 and _compare(raw, item.get("highValue")) <= 0
    order = _compare(raw, item.get("value"))
    return {"LT": order < 0, "LTE": order <= 0, "GT": order > 0, "GTE": order >= 0}[operator]
