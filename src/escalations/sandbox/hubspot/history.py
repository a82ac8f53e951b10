"""A seeded, deterministic year of tickets for the sandbox portal, written by batch create."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hubspot.crm.companies import BatchInputSimplePublicObjectBatchInputForCreate as CompanyBatch
from hubspot.crm.companies import SimplePublicObjectBatchInputForCreate as CompanyInput
from hubspot.crm.tickets import (
    BatchInputSimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputForCreate,
)

from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import Settings, compile_framework
from escalations.publish.hubspot.portal import Portal

BATCH = 100
ESCALATED_SHARE = 0.05
COMPANIES = (
    "Northwind Traders",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Wayne Analytics",
    "Hooli",
    "Vandelay Imports",
    "Soylent Foods",
    "Tyrell Systems",
)
"""Few enough that some customers escalate again: each is a HubSpot company, associated with
its tickets (and named in their subjects, as customers' tickets would)."""
PRIMARY = 339
"""The ticket-to-company association type "Primary" (HUBSPOT_DEFINED; 26 is unlabeled)."""


@dataclass(frozen=True, slots=True)
class Seeded:
    created: int
    kept: int
    """Tickets of this seed already in the portal (left as they are)."""
    escalated: int
    requests: int
    """Requests that wrote tickets or companies."""


def marker(seed: int) -> str:
    """The token in each seeded ticket's description: a rerun counts them and goes on after."""
    return f"esc-seed-{seed}"


def generate(
    framework: Framework,
    owners: Mapping[str, str],
    *,
    tickets: int,
    seed: int,
    end: datetime,
    prefix: str = "esc_",
) -> list[tuple[dict[str, str], datetime | None]]:
    """(properties, first agent reply) of `tickets` tickets created in the year before `end`;
    `owners` maps lower-case emails to HubSpot owner ids."""
    rng = random.Random(seed)
    start = end - timedelta(days=365)
    made = []
    for number in range(tickets):
        created = start + timedelta(seconds=rng.uniform(0, 365 * 86400))
        company = COMPANIES[min(int(rng.paretovariate(1.2)) - 1, len(COMPANIES) - 1)]
        props = {
            "subject": f"{company}: {rng.choice(_TOPICS)}",
            "content": f"Sandbox history ticket {number} ({marker(seed)}).",
            "createdate": _iso(created),
        }
        reply: datetime | None = created + timedelta(minutes=rng.uniform(5, 600))
        escalated = created + timedelta(hours=rng.uniform(0.2, 30))
        if rng.random() < ESCALATED_SHARE and escalated < end:
            reply = _escalate(framework, owners, rng, props, escalated, end, prefix)
        else:
            closed = created + timedelta(hours=rng.uniform(1, 96))
            if closed < end:
                props |= {"hs_pipeline_stage": "4", "closed_date": _iso(closed)}
        made.append((props, reply if reply is None or reply < end else None))
    made.sort(key=lambda item: item[0]["createdate"])
    return made


_TOPICS = (
    "cannot log in",
    "invoice looks wrong",
    "API returns 500",
    "export is stuck",
    "please call me",
    "service is down",
    "data missing after import",
    "refund request",
    "slow dashboard",
    "SSO setup fails",
)


def _escalate(
    framework: Framework,
    owners: Mapping[str, str],
    rng: random.Random,
    props: dict[str, str],
    escalated: datetime,
    end: datetime,
    p: str,
) -> datetime | None:
    triggers = [t for t in framework.triggers if t.enabled]
    trigger = rng.choice(triggers)
    tier = framework.tier(trigger.tier)
    levels = framework.path(trigger.path).levels
    level = 1 + sum(rng.random() < 0.25 for _ in levels[1:])
    first = tier.targets.first_response.value
    resolution = tier.targets.resolution.value
    # Around the targets, about one in six late: the review metrics need some breaches.
    acknowledged = escalated + first * rng.lognormvariate(-0.6, 0.6)
    resolved = escalated + resolution * rng.lognormvariate(-0.7, 0.5)
    props |= {
        f"{p}escalated": "true",
        f"{p}trigger": trigger.id,
        f"{p}type": trigger.escalation_type,
        f"{p}tier": tier.id,
        f"{p}level": str(level),
        f"{p}owner": _owner_id(framework, owners, levels[level - 1].owner),
        f"{p}escalated_at": _iso(escalated),
        f"{p}response_due_at": _iso(escalated + first),
        f"{p}framework_version": framework.version,
        f"{p}status": "open",
    }
    if acknowledged < end:
        props |= {f"{p}status": "acknowledged", f"{p}acknowledged_at": _iso(acknowledged)}
    if resolved < end and rng.random() < 0.97:
        cause = rng.choice(framework.root_causes).id if framework.root_causes else ""
        closed = resolved + timedelta(hours=rng.uniform(0.5, 24))
        props |= {
            f"{p}status": "resolved",
            f"{p}resolved_at": _iso(resolved),
            f"{p}root_cause": cause,
        }
        if closed < end:
            props |= {"hs_pipeline_stage": "4", "closed_date": _iso(closed)}
    return escalated + first * rng.lognormvariate(-1.0, 0.7)


def _owner_id(framework: Framework, owners: Mapping[str, str], reference: str) -> str:
    kind, _, key = reference.partition(":")
    person = framework.team(key).lead.partition(":")[2] if kind == "team" else key
    return owners.get(framework.person(person).email.lower(), "")


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def ensure_properties(portal: Portal, framework: Framework) -> int:
    """Create the escalation group and properties the portal lacks (as apply would);
    the number created."""
    owners = portal.owners()
    compiled = compile_framework(framework, owners, Settings(prefix=portal.prefix))
    present = {p["name"] for p in portal.properties()}
    if compiled.group["name"] not in {g.get("name") for g in portal.groups()}:
        portal.create_group(compiled.group)
    missing = [p for p in (*compiled.properties, *compiled.catalog) if p["name"] not in present]
    for prop in missing:
        portal.create_property(prop)
    return len(missing)


def seed_history(
    portal: Portal,
    framework: Framework,
    *,
    tickets: int,
    seed: int,
    end: datetime,
    replies: Callable[[dict[str, datetime]], None],
    progress: Callable[[int], None] = lambda _: None,
) -> Seeded:
    """Write the generated year to the portal, 100 tickets a request, after the tickets of
    this seed it already has. `replies` records the agents' first replies (HubSpot sets
    first_agent_reply_date itself: the sandbox passes its emulator's `record_replies`)."""
    ensure_properties(portal, framework)
    owners = {email: owner.owner_id for email, owner in portal.owners().items()}
    made = generate(framework, owners, tickets=tickets, seed=seed, end=end, prefix=portal.prefix)
    kept = _count(portal, seed)
    if kept >= len(made):
        return Seeded(0, kept, _escalated(made, portal.prefix), 0)
    companies, requests = ensure_companies(portal)
    api = portal.client.crm.tickets.batch_api
    for start in range(kept, len(made), BATCH):
        chunk = made[start : start + BATCH]
        body = BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                SimplePublicObjectBatchInputForCreate(
                    properties=props, associations=_company(companies, props)
                )
                for props, _ in chunk
            ]
        )
        answer: Any = portal.caller.write(
            "creating the sandbox's tickets",
            _create(api, body, portal),
            landed=_landed(portal, seed, start),
        )
        requests += 1
        if answer is not None:
            ids = [str(r.id) for r in sorted(answer.results, key=lambda r: int(r.id))]
            replies({i: at for i, (_, at) in zip(ids, chunk, strict=True) if at is not None})
        progress(min(len(made), start + BATCH) - kept)
    return Seeded(len(made) - kept, kept, _escalated(made, portal.prefix), requests)


def _escalated(made: list[tuple[dict[str, str], datetime | None]], prefix: str) -> int:
    return sum(1 for props, _ in made if f"{prefix}escalated" in props)


def ensure_companies(portal: Portal) -> tuple[dict[str, str], int]:
    """(name -> company id of every seeded customer, write requests): the portal's companies
    are listed, and those missing created in one batch."""
    found = _companies(portal)
    missing = [name for name in COMPANIES if name not in found]
    if not missing:
        return found, 0
    body = CompanyBatch(inputs=[CompanyInput(properties={"name": n}, associations=[])
                                for n in missing])  # fmt: skip
    api = portal.client.crm.companies.batch_api
    answer: Any = portal.caller.write(
        "creating the sandbox's companies",
        lambda: api.create(body, _request_timeout=portal.caller.timeout),
        landed=lambda: set(missing) <= set(_companies(portal)),
    )
    if answer is None:  # it landed although no answer came
        return _companies(portal), 1
    return found | {str(c.properties["name"]): str(c.id) for c in answer.results}, 1


def _companies(portal: Portal) -> dict[str, str]:
    """Name -> id of the portal's companies (the first of a name)."""
    api = portal.client.crm.companies.basic_api
    found: dict[str, str] = {}
    after: str | None = None
    while True:
        page: Any = portal.caller.read("listing the sandbox's companies", _page(api, after, portal))
        for company in page.results:
            found.setdefault(str(company.properties.get("name")), str(company.id))
        after = page.paging.next.after if page.paging and page.paging.next else None
        if not after:
            return found


def _company(companies: Mapping[str, str], props: Mapping[str, str]) -> list[dict[str, Any]]:
    """The ticket's association with the company its subject names, as its primary one."""
    name = props["subject"].partition(": ")[0]
    if name not in companies:
        return []
    kind = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": PRIMARY}
    return [{"to": {"id": companies[name]}, "types": [kind]}]


def _page(api: Any, after: str | None, portal: Portal) -> Callable[[], Any]:
    return lambda: api.get_page(
        limit=100, after=after, properties=["name"], _request_timeout=portal.caller.timeout
    )


def _count(portal: Portal, seed: int) -> int:
    from hubspot.crm.tickets import Filter, FilterGroup, PublicObjectSearchRequest

    token = Filter(property_name="content", operator="CONTAINS_TOKEN", value=marker(seed))
    request = PublicObjectSearchRequest(filter_groups=[FilterGroup(filters=[token])], limit=1)
    api = portal.client.crm.tickets.search_api
    found: Any = portal.caller.read(
        "counting the seeded tickets",
        lambda: api.do_search(public_object_search_request=request),
    )
    return int(found.total)


def _create(api: Any, body: Any, portal: Portal) -> Callable[[], Any]:
    return lambda: api.create(body, _request_timeout=portal.caller.timeout)


def _landed(portal: Portal, seed: int, start: int) -> Callable[[], bool]:
    """Whether a batch that failed without an answer was created (batches land whole)."""
    return lambda: _count(portal, seed) > start
