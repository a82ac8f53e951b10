"""The CRM request contract of the HubSpot emulator: properties, groups, search and owners.

Rows cite `<Schema>.<field>` of the specs in reference §5: PropertyCreate, PropertyUpdate,
PropertyGroupCreate, PropertyGroupUpdate and OptionInput of CRM/Properties/.../v3/
properties.json; PublicObjectSearchRequest, FilterGroup and Filter of CRM/Tickets/.../v3/
tickets.json; the `limit`, `after`, `archived` parameters of CRM/Crm Owners/.../crmOwners.json.
"""

from __future__ import annotations

from typing import Any

from escalations.sandbox.hubspot.check import Field, Schema, check, fail, may, need, path

OPTION = Schema(
    "OptionInput",
    (
        may("description", "string"),
        may("displayOrder", "integer"),
        need("hidden", "boolean"),
        need("label", "string"),
        need("value", "string"),
    ),
    closed=True,
)

# `type` and `fieldType` are checked as a pair (reference §1.3), whose table holds the spec's
# enums, so the pair's message names both.
_EDITABLE = (
    may("calculationFormula", "string"),
    may("currencyPropertyName", "string"),
    may("description", "string"),
    may("displayOrder", "integer"),
    may("formField", "boolean"),
    may("hidden", "boolean"),
    may("numberDisplayHint", "string", "currency", "duration", "formatted", "percentage",
        "probability", "unformatted"),
    may("options", "array", items=OPTION),
    may("showCurrencySymbol", "boolean"),
    may("textDisplayHint", "string", "domain_name", "email", "ip_address", "multi_line",
        "phone_number", "physical_address", "postal_code", "unformatted_single_line"),
)  # fmt: skip
PROPERTY_CREATE = Schema(
    "PropertyCreate",
    (
        *_EDITABLE,
        may("dataSensitivity", "string", "highly_sensitive", "non_sensitive", "sensitive"),
        may("externalOptions", "boolean"),
        need("fieldType", "string"),
        need("groupName", "string"),
        may("hasUniqueValue", "boolean"),
        need("label", "string"),
        need("name", "string"),
        may("referencedObjectType", "string"),
        need("type", "string"),
    ),
    closed=True,
)
PROPERTY_UPDATE = Schema(
    "PropertyUpdate",
    (
        *_EDITABLE,
        may("fieldType", "string"),
        may("groupName", "string"),
        may("label", "string"),
        may("type", "string"),
    ),
    closed=True,
)
"""PropertyUpdate has no `name` (reference §1.2: internal names cannot be renamed)."""
GROUP_CREATE = Schema(
    "PropertyGroupCreate",
    (may("displayOrder", "integer"), need("label", "string"), need("name", "string")),
    closed=True,
)
GROUP_UPDATE = Schema(
    "PropertyGroupUpdate", (may("displayOrder", "integer"), may("label", "string")), closed=True
)

# -- search -------------------------------------------------------------------------------

OPERATORS = ("BETWEEN", "CONTAINS_TOKEN", "EQ", "GT", "GTE", "HAS_PROPERTY", "IN", "LT", "LTE",
             "NEQ", "NOT_CONTAINS_TOKEN", "NOT_HAS_PROPERTY", "NOT_IN")  # fmt: skip
FILTER = Schema(
    "Filter",
    (
        may("highValue", "string"),
        need("operator", "string", *OPERATORS),
        need("propertyName", "string"),
        may("value", "string"),
        may("values", "array", items="string"),
    ),
)
_ONE = ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")
OPERANDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(_ONE, ("value",)),
    "BETWEEN": ("value", "highValue"),
    "IN": ("values",),
    "NOT_IN": ("values",),
    "HAS_PROPERTY": (),
    "NOT_HAS_PROPERTY": (),
}
"""What each operator compares with (reference §4.2; Filter.highValue: "the upper boundary
value when using ranged-based filters")."""

# PublicObjectSearchRequest lists after, filterGroups, limit, properties and sorts as required,
# but HubSpot's own search examples omit them and the SDK leaves unset ones out, so they are
# optional here. `sorts` items are strings in the spec and objects in HubSpot's docs: both pass.
SEARCH = Schema(
    "PublicObjectSearchRequest",
    (
        may("after", "string"),
        may("filterGroups", "array", items=Schema("FilterGroup", (need("filters", "array"),))),
        may("limit", "integer"),
        may("properties", "array", items="string"),
        may("query", "string"),
        may("sorts", "array"),
    ),
)
MAX_LIMIT = 200
"""PublicObjectSearchRequest.limit: "up to 200 objects"."""
MAX_QUERY = 3000
"""PublicObjectSearchRequest.query: "up to 3000 characters"."""
MAX_RESULTS = 10000
"""Reference §4.2: a query pages at most 10,000 results; a page reaching past them is a 400."""
# Reference §4.2: the sources conflict (changelog 5 groups x 10 filters / 25 in total; the spec
# "Up to 6 groups"; a summary of the docs 5 x 6 / 18): the strictest of each is enforced.
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18


def check_search(body: Any, max_results: int = MAX_RESULTS) -> tuple[int, int]:
    """`(after, limit)` of a search body that meets the contract (paging within the first
    `max_results`), else 400."""
    body = check(body, SEARCH)
    limit = body.get("limit")
    limit = 10 if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise fail(f"limit must be between 1 and {MAX_LIMIT}, got {limit}", "limit",
                   "OUT_OF_RANGE", "PublicObjectSearchRequest")  # fmt: skip
    after = body.get("after") or "0"
    if not after.isdigit():
        raise fail(f"after must be numeric, got {after!r}", "after", "INVALID_TYPE",
                   "PublicObjectSearchRequest")  # fmt: skip
    start = int(after)
    if start + limit > max_results:
        message = (
            f"after {start} with limit {limit} pages past the {max_results}-result limit of "
            "the search API; narrow the filters instead of paging further"
        )
        raise fail(message, "after", "OUT_OF_RANGE", "PublicObjectSearchRequest")
    if len(body.get("query") or "") > MAX_QUERY:
        raise fail(f"query must be at most {MAX_QUERY} characters", "query", "OUT_OF_RANGE",
                   "PublicObjectSearchRequest")  # fmt: skip
    check_filter_groups(body.get("filterGroups") or [])
    return start, limit


def check_filter_groups(groups: list[dict[str, Any]]) -> None:
    if len(groups) > MAX_GROUPS:
        raise fail(f"Too many filter groups: {len(groups)} (at most {MAX_GROUPS})",
                   "filterGroups", "TOO_MANY", "PublicObjectSearchRequest")  # fmt: skip
    total = 0
    for number, group in enumerate(groups):
        where = path(path("filterGroups", number), "filters")
        filters = group["filters"]
        if len(filters) > MAX_FILTERS_PER_GROUP:
            message = (
                f"Too many filters in a filter group: {len(filters)} "
                f"(at most {MAX_FILTERS_PER_GROUP})"
            )
            raise fail(message, where, "TOO_MANY", "FilterGroup")
        total += len(filters)
        for index, item in enumerate(filters):
            spot = path(where, index)
            operator = check(item, FILTER, spot)["operator"]
            wanted = OPERANDS[operator]
            absent = [name for name in wanted if item.get(name) is None]
            extra = [n for n in ("value", "values", "highValue") if n in item and n not in wanted]
            if absent or extra:
                needs = " and ".join(wanted) or "no value"
                message = f"{spot}: operator {operator} takes {needs}"
                raise fail(message, spot, "INVALID_OPERANDS", "Filter")
    if total > MAX_FILTERS:
        raise fail(f"Too many filters: {total} (at most {MAX_FILTERS} in total)",
                   "filterGroups", "TOO_MANY", "PublicObjectSearchRequest")  # fmt: skip


# -- owners -------------------------------------------------------------------------------

OWNER_PARAMETERS = Schema(
    "GET /crm/v3/owners parameters",
    (
        may("after", "integer"),
        may("archived", "boolean"),
        may("email", "string"),
        may("limit", "integer"),
    ),
    closed=True,
)
"""crmOwners.json: `limit` int32 (default 100), `archived` boolean, `email`, `after`; `after`
is a string cursor there, and this emulator's cursors are offsets."""
MAX_OWNERS_PAGE = 500
"""The spec gives `limit` no maximum; 500 (HubSpot's documented owners page size, UNVERIFIED
here) is the cap the emulator already had; beyond it is a 400 rather than a silent clamp."""


def check_owner_query(query: dict[str, str]) -> tuple[int, int, bool]:
    """`(after, limit, archived)` of GET /crm/v3/owners query parameters, else 400."""
    typed: dict[str, Any] = {}
    for name, text in query.items():
        if name == "after" and not text:
            continue
        row = OWNER_PARAMETERS.field(name)
        typed[name] = _parameter(text, row)
    check(typed, OWNER_PARAMETERS)
    limit = typed.get("limit", 100)
    if not 1 <= limit <= MAX_OWNERS_PAGE:
        raise fail(f"limit must be between 1 and {MAX_OWNERS_PAGE}, got {limit}", "limit",
                   "OUT_OF_RANGE", OWNER_PARAMETERS.name)  # fmt: skip
    return typed.get("after", 0), limit, typed.get("archived", False)


def _parameter(text: str, row: Field | None) -> Any:
    """A query string value as the JSON kind of its row (left as text when it is not one)."""
    if row is not None and row.kind == "integer" and text.lstrip("-").isdigit():
        return int(text)
    if row is not None and row.kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text
