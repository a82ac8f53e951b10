"""The HubSpot emulator's route table (templates and their methods) and how paths match it."""

from __future__ import annotations

__all__ = ["ROUTES", "SEARCH", "P", "match_route", "normalize_route"]

P = "/crm/v3/properties/{objectType}"
ROUTES: dict[str, tuple[str, ...]] = {
    f"{P}/groups": ("GET", "POST"),
    f"{P}/groups/{{groupName}}": ("GET", "PATCH", "DELETE"),
    P: ("GET", "POST"),
    f"{P}/{{propertyName}}": ("GET", "PATCH", "DELETE"),
    "/crm/v3/owners": ("GET",),
    "/crm/v3/owners/{ownerId}": ("GET",),
    "/crm/v3/pipelines/{objectType}": ("GET",),
    "/crm/v3/pipelines/{objectType}/{pipelineId}": ("GET",),
    "/automation/v4/flows/batch/read": ("POST",),
    "/automation/v4/flows": ("GET", "POST"),
    "/automation/v4/flows/{flowId}": ("GET", "PUT", "DELETE"),
    "/crm/v3/objects/tickets/search": ("POST",),
    "/crm/v3/objects/tickets/batch/create": ("POST",),
    "/crm/v3/objects/tickets": ("POST",),
    "/crm/v3/objects/tickets/{ticketId}": ("GET", "PATCH"),
    "/crm/v3/objects/companies/batch/create": ("POST",),
    "/crm/v3/objects/companies/batch/read": ("POST",),
    "/crm/v3/objects/companies": ("GET",),
    "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read": ("POST",),
}
"""Route templates (as counted in `HubSpotEmulator.requests`) and their methods, matched in
order (literal segments before parameters)."""

SEARCH = "/crm/v3/objects/tickets/search"


def match_route(path: str) -> tuple[str, dict[str, str]] | None:
    """The route template of a request path and its parameters."""
    segments = path.rstrip("/").split("/")
    for template in ROUTES:
        pattern = template.split("/")
        if len(pattern) != len(segments):
            continue
        params: dict[str, str] = {}
        for want, got in zip(pattern, segments, strict=True):
            if want.startswith("{") and got:
                params[want[1:-1]] = got
            elif want != got:
                break
        else:
            return template, params
    return None


def normalize_route(route: str) -> tuple[str | None, str]:
    """`"PUT /automation/v4/flows/{flowId}"` or a path template -> (method or None, template)."""
    method: str | None = None
    text = route.strip()
    if " " in text:
        head, text = text.split(None, 1)
        method = head.upper()
    found = match_route(text) if text not in ROUTES else (text, {})
    if found is None:
        raise ValueError(f"unknown route {route!r}; routes: {', '.join(ROUTES)}")
    return method, found[0]
