"""Each escalated ticket's company from HubSpot: the v4 associations, then the companies' names."""

from __future__ import annotations

from typing import Any

from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.associations.v4 import models as association_models
from hubspot.crm.companies import BatchReadInputSimplePublicObjectId, SimplePublicObjectId
from hubspot.crm.companies import models as company_models

from escalations.publish.hubspot.portal import Portal

TICKETS_PER_READ = 1000
"""Ids per associations batch read: "may not exceed 1000 IDs per request body" (HubSpot's
changelog, Batch Read Limit for HubSpot Associations API, 2025-02-10); a page holds 200."""
COMPANIES_PER_READ = 100
"""Companies per batch read (HubSpot's CRM batch size; a page of 200 tickets names at most
200, so at most two reads, and fewer as the pull meets companies it has read already)."""
PRIMARY = 339
"""The ticket-to-company association type "Primary" (26 is the unlabeled one)."""


class Companies:
    """Company names of tickets, each company read once per pull; `requests` counts the
    associations and companies batch reads sent (retries included)."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.requests = 0
        self.names: dict[str, str] = {}
        """Company id -> its name, for every company read so far."""

    def of(self, ticket_ids: list[str]) -> dict[str, str]:
        """Ticket id -> the name of its company (the primary one, else the lowest id; tickets
        with none are left out): one associations batch read per 1,000 tickets (search
        returns no associations, reference §3), then the names not read before, 100 a read.
        The associations batch read is outside HubSpot's ten-second window (its spec's
        rate-limit exemptions); the names count in it, at most two a page of 200 tickets
        against the four pages a second the searches allow: far from 100 in 10 s."""
        chosen: dict[str, str] = {}
        for start in range(0, len(ticket_ids), TICKETS_PER_READ):
            chosen |= self.linked(ticket_ids[start : start + TICKETS_PER_READ])
        unread = sorted({c for c in chosen.values() if c not in self.names}, key=int)
        for start in range(0, len(unread), COMPANIES_PER_READ):
            self.read_names(unread[start : start + COMPANIES_PER_READ])
        return {ticket: self.names[c] for ticket, c in chosen.items() if c in self.names}

    def linked(self, ticket_ids: list[str]) -> dict[str, str]:
        """Ticket id -> company id; a 207 lists the tickets with no company as errors."""
        api = self.portal.client.crm.associations.v4.batch_api
        request = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=i) for i in ticket_ids]
        )

        def call() -> Any:
            self.requests += 1
            return api.get_page(
                "tickets", "companies", request, _request_timeout=self.portal.caller.timeout
            )

        answer = self.portal.caller.read(
            "reading the tickets' companies",
            call,
            api=api.api_client,
            models=association_models,
            model="BatchResponsePublicAssociationMultiWithLabel",
        )
        chosen: dict[str, str] = {}
        for result in answer.results or []:
            linked = sorted(result.to or [], key=lambda t: int(t.to_object_id))
            primary = [t for t in linked if any(k.type_id == PRIMARY for k in t.association_types)]
            if linked:
                chosen[str(result._from.id)] = str((primary or linked)[0].to_object_id)
        return chosen

    def read_names(self, company_ids: list[str]) -> None:
        api = self.portal.client.crm.companies.batch_api
        request = BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in company_ids],
            properties=["name"],
            properties_with_history=[],
        )

        def call() -> Any:
            self.requests += 1
            return api.read(request, _request_timeout=self.portal.caller.timeout)

        answer = self.portal.caller.read(
            "reading the companies' names",
            call,
            api=api.api_client,
            models=company_models,
            model="BatchResponseSimplePublicObject",
        )
        for company in answer.results or []:
            name = (company.properties or {}).get("name")
            # A company without a name is still one customer for the repeats.
            self.names[str(company.id)] = name or f"HubSpot company {company.id}"
