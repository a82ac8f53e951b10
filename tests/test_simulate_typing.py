"""The fast typing of export values (no trim for clean values) agrees with the careful one."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.criteria.sqltext import literal
from escalations.model.framework import Field, Framework
from escalations.tickets.exports import _typed, _typed_carefully, connect

SPACES = [" ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\ufeff", "\x85"]
"""ASCII whitespace (which the casts skip, trim keeps) and Unicode space separators (which
trim removes, the casts refuse), and two that neither removes."""

TRICKY = [
    "", "5", "-0", "1e3", "0x10", "nan", "inf", "Infinity", "1_000", "12.5", "+3",
    "2026-03-01T09:00:00Z", "2026-03-01 09:00:00", "2026-03-01", "2026-03-01T09:00:00+02:00",
    "1772355600000", "20260301", "yesterday",
    "true", "TRUE", "True", "tRuE", "yes", "YES", "no", "No", "0", "1", "false", "FALSE",
    "low", "LOW", "Low", "HIGH", "Billing issue", "BILLING_ISSUE", "billing issue", "1", "4",
    "waiting_on_us", "Waiting on us", "Critical", "person:ana", "!", "~x", "\x7f", "é",
]  # fmt: skip


def padded(value: str) -> list[str]:
    return [value, *(f"{s}{value}" for s in SPACES), *(f"{value}{s}" for s in SPACES)]


def agree(connection: duckdb.DuckDBPyConnection, field: Field, values: list[str]) -> list[str]:
    """The values that the two typings read differently."""
    rows = ", ".join(f"({literal(v)})" for v in values)
    fast, careful = _typed(field, "CAST(raw AS VARCHAR)"), _typed_carefully(field, "raw")
    differing = connection.execute(
        f"SELECT raw FROM (VALUES {rows}, (NULL)) AS t(raw) "
        f"WHERE ({fast}) IS DISTINCT FROM ({careful})"
    ).fetchall()
    return [row[0] for row in differing]


@pytest.fixture(scope="module")
def connection() -> duckdb.DuckDBPyConnection:
    return connect()


def test_every_field_type_reads_tricky_values_as_the_careful_typing(
    framework: Framework, connection: duckdb.DuckDBPyConnection
) -> None:
    types = {f.type for f in framework.fields}
    assert types == {"string", "owner", "number", "datetime", "bool", "enumeration"}
    values = [p for value in TRICKY for p in padded(value)]
    for field in framework.fields:
        assert agree(connection, field, values) == [], field.id


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from([*SPACES, "1", "0", "e", "T", ":", "-", "Z", "a", "H"])),
        min_size=1,
        max_size=30,
    )
)
def test_generated_text_reads_alike(framework: Framework, values: list[str]) -> None:
    connection = connect()
    for field in framework.fields:
        assert agree(connection, field, values) == [], field.id
