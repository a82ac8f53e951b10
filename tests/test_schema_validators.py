"""The fast validator (jsonschema-rs) and the explaining one (jsonschema) must agree."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.model.load import Document, load_framework
from escalations.model.schema import check_document, fast_validators, validators

from .conftest import FRAMEWORK

DOCUMENTS = load_framework(FRAMEWORK).documents


def mutations(data: Any, pointer: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every node of `data` with its pointer."""
    yield pointer, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from mutations(value, (*pointer, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from mutations(value, (*pointer, i))


def replaced(data: Any, pointer: tuple[Any, ...], value: Any) -> Any:
    result = copy.deepcopy(data)
    if not pointer:
        return value
    node = result
    for part in pointer[:-1]:
        node = node[part]
    node[pointer[-1]] = value
    return result


REPLACEMENTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["", "x", "PT4H", "P1M", "person:nobody", "2026-02-30", "urgent", "eq"]),
    st.just([]),
    st.just({}),
    st.just({"unexpected": 1}),
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_validators_agree_on_mutated_documents(data: st.DataObject) -> None:
    document: Document = data.draw(st.sampled_from(DOCUMENTS))
    nodes = list(mutations(document.data))
    pointer, _ = data.draw(st.sampled_from(nodes))
    mutated = replaced(document.data, pointer, data.draw(REPLACEMENTS))
    fast = fast_validators()[document.kind].is_valid(mutated)
    explained = not any(True for _ in validators()[document.kind].iter_errors(mutated))
    assert fast == explained, (document.path, pointer)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.path)
def test_example_documents_are_valid(document: Document) -> None:
    assert check_document(document) == []
