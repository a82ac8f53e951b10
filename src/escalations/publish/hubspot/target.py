"""HubSpot deploy: the plan that makes the observed portal match the framework, and applying it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.edits import Edit, summarize
from escalations.publish.hubspot.compile import Compiled
from escalations.publish.hubspot.detail import Words, flow_edits, property_edits
from escalations.publish.hubspot.marks import fingerprint, normal_flow, normal_property, unmark
from escalations.publish.hubspot.portal import Portal, PortalState
from escalations.publish.plan import Change


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
    words: Words | None = None,
) -> list[Change]:
    """The changes that make the portal match; with `words`, an update or a drift says what
    changes inside the property or flow."""
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
            edits = property_edits(current, prop, words) if words else ()
            description = current["description"]
            observed = normal_property(current)
            changes.append(_change("property", name, prop["label"], description, observed,
                                   force, edits))  # fmt: skip
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
            edits = flow_edits(current, flow, words) if words else ()
            if words and enable and not current.get("isEnabled"):
                edits += (Edit("change", "workflow", "off", "on"),)
            description = current.get("description", "")
            changes.append(_change("flow", trigger, flow["name"], description,
                                   normal_flow(current), force, edits))  # fmt: skip
    for trigger in sorted(set(state.flows) - set(compiled.flows)):
        changes.append(_gone("flow", trigger, allow_delete))
    for trigger, younger in sorted(state.duplicates.items()):
        # Ours, made by an overlapping deploy: removed without --allow-delete.
        ids = ", ".join(str(f["id"]) for f in younger)
        changes.append(Change("hubspot", "delete", "flow", trigger, younger[0].get("name", ""),
                              f"{DUPLICATE} {state.flows[trigger]['id']} made by an overlapping "
                              f"deploy: {ids}; the oldest is kept"))  # fmt: skip
    return changes


DUPLICATE = "duplicates of flow"


def _change(
    kind: str,
    key: str,
    title: str,
    description: str,
    observed: Any,
    force: bool,
    edits: tuple[Edit, ...] = (),
) -> Change:
    _, mark, _ = unmark(description)
    if mark is not None and mark != fingerprint(observed) and not force:
        drift = "changed in HubSpot since the last deploy; apply --force to overwrite"
        return Change("hubspot", "drift", kind, key, title, drift, edits)
    return Change("hubspot", "update", kind, key, title, summarize(edits, "parts"), edits)


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
    created: list[str] = []
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
            created.append(portal.create_flow(change.key, compiled.flows[change.key],
                                              enable=enable))  # fmt: skip
        elif change.kind == "flow" and change.action == "update":
            portal.update_flow(change.key, state.flows[change.key], compiled.flows[change.key],
                               enable=enable)  # fmt: skip
        elif change.kind == "flow" and change.detail.startswith(DUPLICATE):
            for flow in state.duplicates[change.key]:
                portal.delete_flow(flow)
        elif change.kind == "flow" and change.action == "delete":
            portal.delete_flow(state.flows[change.key])
        else:
            continue
        progress(f"{change.action} {change.kind} {change.key}")
    portal.wait_complete(created)
