"""The emulator's companies and ticket-to-company associations: shapes and limits of the spec."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationError
from hubspot.crm.companies import BatchInputSimplePublicObjectBatchInputForCreate as CompanyBatch
from hubspot.crm.companies import BatchReadInputSimplePublicObjectId, SimplePublicObjectId
from hubspot.crm.companies import SimplePublicObjectBatchInputForCreate as CompanyInput
from hubspot.crm.companies.exceptions import ApiException as CompanyError
from hubspot.crm.tickets import SimplePublicObjectInputForCreate
from hubspot.crm.tickets.exceptions import ApiException as TicketError

from escalations.publish.targets import _hubspot
from escalations.sandbox.hubspot.emulator import HubSpotEmulator

from .conftest import HUBSPOT_TOKEN


@pytest.fixture
def client(hubspot_emulator: HubSpotEmulator) -> HubSpot:
    return _hubspot(HUBSPOT_TOKEN, hubspot_emulator.base_url)


def company(client: HubSpot, name: str) -> str:
    body = CompanyBatch(inputs=[CompanyInput(properties={"name": name}, associations=[])])
    return str(client.crm.companies.batch_api.create(body).results[0].id)


def ticket(client: HubSpot, *associations: dict[str, Any]) -> str:
    body = SimplePublicObjectInputForCreate(properties={"subject": "s"},
                                            associations=list(associations))  # fmt: skip
    return str(client.crm.tickets.basic_api.create(body).id)


def link(to: str, type_id: int = 339, category: str = "HUBSPOT_DEFINED") -> dict[str, Any]:
    return {"to": {"id": to}, "types": [{"associationCategory": category,
                                         "associationTypeId": type_id}]}  # fmt: skip


def read(client: HubSpot, ids: list[str], source: str = "tickets") -> Any:
    inputs = [PublicFetchAssociationsBatchRequest(id=i) for i in ids]
    return client.crm.associations.v4.batch_api.get_page(
        source, "companies", BatchInputPublicFetchAssociationsBatchRequest(inputs=inputs)
    )


def test_a_primary_company_moves_and_tickets_without_one_are_207_errors(client: HubSpot) -> None:
    first, second = company(client, "Globex"), company(client, "Initech")
    both = ticket(client, link(first), link(second))  # the later primary takes the label
    alone = ticket(client)
    answer = read(client, [both, alone])
    assert type(answer).__name__ == "BatchResponsePublicAssociationMultiWithLabelWithErrors"
    [result] = answer.results
    assert str(result._from.id) == both
    types = {t.to_object_id: sorted(k.type_id for k in t.association_types) for t in result.to}
    assert types == {first: [26], second: [26, 339]}
    [error] = answer.errors
    assert (error.category, error.sub_category, error.message) == (
        "OBJECT_NOT_FOUND", "crm.associations.NO_ASSOCIATIONS_FOUND",
        f"No company is associated with ticket {alone}.",
    )  # fmt: skip
    assert answer.num_errors == 1


def test_associations_to_no_company_or_of_another_type_are_refused(client: HubSpot) -> None:
    with pytest.raises(TicketError) as caught:
        ticket(client, link("2999999"))
    assert caught.value.status == 400
    assert "associations[0]: there is no company 2999999 to associate" in caught.value.body
    globex = company(client, "Globex")
    with pytest.raises(TicketError) as caught:
        ticket(client, link(globex, 16))
    assert "association type 16 (HUBSPOT_DEFINED) is not ticket to company" in caught.value.body
    with pytest.raises(TicketError) as caught:
        ticket(client, link(globex, 339, "SOMEONE_DEFINED"))
    assert "must be one of HUBSPOT_DEFINED, INTEGRATOR_DEFINED, USER_DEFINED, WORK" in str(
        caught.value.body
    )


def test_the_batch_limits_are_1000_associations_and_100_companies(client: HubSpot) -> None:
    assert read(client, [str(n) for n in range(1000)]).num_errors == 1000
    with pytest.raises(AssociationError) as caught:
        read(client, [str(n) for n in range(1001)])
    assert caught.value.status == 400
    assert "inputs must hold 1 to 1000 objects, got 1001" in caught.value.body
    with pytest.raises(AssociationError) as caught:
        read(client, ["1"], source="contacts")
    assert "ticket-to-company associations only, not contacts to companies" in caught.value.body
    body = BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=str(n)) for n in range(101)],
        properties=["name"], properties_with_history=[],
    )  # fmt: skip
    with pytest.raises(CompanyError) as caught:
        client.crm.companies.batch_api.read(body)
    assert "inputs must hold 1 to 100 objects, got 101" in caught.value.body


def test_companies_read_by_id_and_listed_in_pages(client: HubSpot) -> None:
    ids = [company(client, f"Customer {n}") for n in range(3)]
    body = BatchReadInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=i) for i in (ids[2], "2999999")],
        properties=["name"], properties_with_history=[],
    )  # fmt: skip
    answer = client.crm.companies.batch_api.read(body)
    assert [(c.id, c.properties) for c in answer.results] == [(ids[2], {"name": "Customer 2"})]
    assert answer.errors[0].context == {"ids": ["2999999"]}
    page = client.crm.companies.basic_api.get_page(limit=2, properties=["name"])
    assert [c.properties["name"] for c in page.results] == ["Customer 0", "Customer 1"]
    rest = client.crm.companies.basic_api.get_page(limit=2, after=page.paging.next.after)
    assert [c.id for c in rest.results] == [ids[2]] and rest.paging is None
    with pytest.raises(CompanyError) as caught:
        client.crm.companies.basic_api.get_page(limit=101)
    assert "limit must be between 1 and 100, got 101" in caught.value.body
