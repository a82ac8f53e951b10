"""The companies and associations request contract of the HubSpot emulator.

Rows cite `<Schema>.<field>` of CRM/Companies/Rollouts/424/v3/companies.json
(BatchInputSimplePublicObjectBatchInputForCreate, SimplePublicObjectBatchInputForCreate,
PublicAssociationsForObject, AssociationSpec, PublicObjectId, BatchReadInputSimplePublicObjectId,
SimplePublicObjectId, the GET parameters) and CRM/Associations/Rollouts/130902/v4/
associations.json (BatchInputPublicFetchAssociationsBatchRequest,
PublicFetchAssociationsBatchRequest) of HubSpot's public spec collection (reference §5).
"""

from __future__ import annotations

from typing import Any

from escalations.sandbox.hubspot.check import Schema, check, fail, may, need

UNLABELED = 26
PRIMARY = 339
ASSOCIATIONS = (("HUBSPOT_DEFINED", UNLABELED), ("HUBSPOT_DEFINED", PRIMARY))
"""HubSpot's ticket-to-company association type ids: 26 "Ticket to company" and 339 "Ticket to
company (Primary)" (HubSpot's association type id table, as quoted by third parties)."""
MAX_BATCH = 100
"""Inputs per CRM object batch (HubSpot's batch limit; the spec gives no maximum)."""
MAX_ASSOCIATION_READ = 1000
"""Inputs per associations batch read: "may not exceed 1000 IDs per request body" (HubSpot
developer changelog, "Batch Read Limit for HubSpot Associations API", 2025-02-10)."""
MAX_PAGE = 100
"""GET /crm/v3/objects/companies `limit` (default 10; the spec gives no maximum, 100 is
HubSpot's documented page size for object lists)."""
TICKETS = ("tickets", "ticket", "0-5")
COMPANY_TYPES = ("companies", "company", "0-2")

ASSOCIATION_SPEC = Schema(
    "AssociationSpec",
    (
        need("associationCategory", "string", "HUBSPOT_DEFINED", "INTEGRATOR_DEFINED",
             "USER_DEFINED", "WORK"),
        need("associationTypeId", "integer"),
    ),
)  # fmt: skip
ASSOCIATION = Schema(
    "PublicAssociationsForObject",
    (
        need("to", "object", shape=Schema("PublicObjectId", (need("id", "string"),))),
        need("types", "array", items=ASSOCIATION_SPEC),
    ),
)
CREATE = Schema(  # any CRM object's batch create: the tickets' is checked against it too
    "BatchInputSimplePublicObjectBatchInputForCreate",
    (
        need(
            "inputs",
            "array",
            items=Schema(
                "SimplePublicObjectBatchInputForCreate",
                (
                    need("associations", "array", items=ASSOCIATION),
                    may("objectWriteTraceId", "string"),
                    need("properties", "object"),
                ),
            ),
        ),
    ),
)
READ = Schema(
    "BatchReadInputSimplePublicObjectId",
    (
        may("idProperty", "string"),
        need("inputs", "array", items=Schema("SimplePublicObjectId", (need("id", "string"),))),
        need("properties", "array", items="string"),
        need("propertiesWithHistory", "array", items="string"),
    ),
    closed=True,
)
ASSOCIATION_READ = Schema(
    "BatchInputPublicFetchAssociationsBatchRequest",
    (
        need(
            "inputs",
            "array",
            items=Schema(
                "PublicFetchAssociationsBatchRequest",
                (may("after", "string"), need("id", "string")),
                closed=True,
            ),
        ),
    ),
    closed=True,
)


def check_company_create(body: Any) -> list[dict[str, Any]]:
    """The inputs of a companies batch create, else 400. Companies are created with no
    associations: the emulator associates them from the ticket side only."""
    inputs: list[dict[str, Any]] = check(body, CREATE)["inputs"]
    _count(len(inputs), MAX_BATCH, CREATE.name)
    for index, item in enumerate(inputs):
        if item["associations"]:
            where = f"inputs[{index}].associations"
            raise fail(f"{where}: the emulator associates companies from their tickets only",
                       where, "UNSUPPORTED", "SimplePublicObjectBatchInputForCreate")  # fmt: skip
        for name, value in item["properties"].items():
            if not isinstance(value, str):
                where = f"inputs[{index}].properties.{name}"
                raise fail(f"{where} must be a string (SimplePublicObjectBatchInputForCreate."
                           "properties)", where, "INVALID_TYPE", CREATE.name)  # fmt: skip
    return inputs


def check_company_read(body: Any, query: dict[str, str]) -> tuple[list[str], list[str]]:
    """(ids, property names) of a companies batch read by record id, else 400."""
    body = check(body, READ)
    if body.get("idProperty"):
        raise fail("idProperty: the emulator reads companies by record id only", "idProperty",
                   "UNSUPPORTED", READ.name)  # fmt: skip
    if query.get("archived", "false").lower() != "false":
        raise fail("archived=true: the emulator has no archived companies", "archived",
                   "UNSUPPORTED", READ.name)  # fmt: skip
    _count(len(body["inputs"]), MAX_BATCH, READ.name)
    return [str(i["id"]) for i in body["inputs"]], [str(n) for n in body["properties"]]


def check_company_query(query: dict[str, str]) -> tuple[int, int, list[str]]:
    """(offset, limit, property names) of GET /crm/v3/objects/companies, else 400."""
    where = "GET /crm/v3/objects/companies parameters"
    unknown = sorted(set(query) - {"after", "archived", "limit", "properties"})
    if unknown:
        raise fail(f"unknown query parameter {unknown[0]!r} ({where})", unknown[0],
                   "UNRECOGNIZED_FIELD", where)  # fmt: skip
    limit_text = query.get("limit", "10")
    after_text = query.get("after") or "0"
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_PAGE:
        raise fail(f"limit must be between 1 and {MAX_PAGE}, got {limit_text}", "limit",
                   "OUT_OF_RANGE", where)  # fmt: skip
    if not after_text.isdigit():
        raise fail(f"after must be a cursor from paging.next.after, got {after_text!r}",
                   "after", "INVALID_TYPE", where)  # fmt: skip
    names = [n for n in query.get("properties", "").split(",") if n]
    return int(after_text), int(limit_text), names


def check_association_read(source: str, target: str, body: Any) -> list[str]:
    """The ticket ids of a v4 associations batch read, else 400."""
    if source.lower() not in TICKETS or target.lower() not in COMPANY_TYPES:
        raise fail(f"the emulator holds ticket-to-company associations only, not {source} to "
                   f"{target}", "toObjectType", "UNSUPPORTED", ASSOCIATION_READ.name)  # fmt: skip
    inputs = check(body, ASSOCIATION_READ)["inputs"]
    _count(len(inputs), MAX_ASSOCIATION_READ, ASSOCIATION_READ.name)
    for index, item in enumerate(inputs):
        if item.get("after"):
            where = f"inputs[{index}].after"
            raise fail(f"{where}: the emulator never pages a ticket's companies, so no cursor "
                       "of its is valid", where, "INVALID_CURSOR",
                       "PublicFetchAssociationsBatchRequest")  # fmt: skip
    return [str(item["id"]) for item in inputs]


def _count(count: int, most: int, schema: str) -> None:
    if not 1 <= count <= most:
        raise fail(f"inputs must hold 1 to {most} objects, got {count}", "inputs",
                   "OUT_OF_RANGE", schema)  # fmt: skip
