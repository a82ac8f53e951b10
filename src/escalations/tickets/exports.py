"""Ticket exports (CSV, JSON Lines, Parquet) read into DuckDB as typed catalog columns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from escalations.criteria.sql import SQL_TYPES
from escalations.criteria.sqltext import literal, quote
from escalations.criteria.ticket import Ticket, created_field
from escalations.errors import EscalationsError
from escalations.model.framework import Field, Framework

ID_COLUMNS = ("ticket_id", "hs_object_id", "ticket id", "record id", "id")
"""Column names (any case) that hold the ticket id, in order of preference."""

CHECKED_TYPES = ("number", "datetime", "bool", "enumeration")
"""Field types whose values can fail to fit (any text is a string or an owner)."""

SUFFIXES = {
    ".csv": "csv",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".parquet": "parquet",
}


@dataclass(frozen=True, slots=True)
class TicketTable:
    """The `tickets` table of a connection: one typed column per catalog field."""

    path: Path
    rows: int
    columns: dict[str, str]
    """Catalog field id -> the file's column it was read from."""
    ignored: tuple[str, ...]
    missing: tuple[str, ...]
    first_created: datetime
    last_created: datetime


def connect() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    return connection


@dataclass(frozen=True, slots=True)
class TicketSource:
    """A ticket export mapped to the field catalog, and the query that types it (not run).

    `query` returns `ticket_id`, one typed column per catalog field and `_bad`, true where
    a value does not fit its field or the creation time is missing."""

    path: Path
    scan: str
    columns: dict[str, str]
    ignored: tuple[str, ...]
    missing: tuple[str, ...]
    created: str
    id_column: str | None
    query: str


def open_export(
    connection: duckdb.DuckDBPyConnection, path: Path, framework: Framework
) -> TicketSource:
    """Map the export's columns to catalog fields; a clear error for an unreadable file."""
    scan = scan_export(connection, path)
    fields = {f.id: f for f in framework.fields}
    mapping, ignored, id_column = _map_columns(path, _columns(connection, path, scan), framework)
    created = created_field(framework)
    if created is None or created not in mapping:
        names = _names(fields[created]) if created else ["createdate"]
        raise EscalationsError(
            f"{path}: no column tells when each ticket was created; add one named "
            f"{' or '.join(repr(n) for n in names)}."
        )
    id_sql = f"CAST({quote(id_column)} AS VARCHAR)" if id_column else "CAST(NULL AS VARCHAR)"
    # Each value is typed once, in the inner query; the check reads the typed value back,
    # and reads the raw text only where the typed value is unknown.
    inner = [f"{id_sql} AS ticket_id"]
    checks = []
    for name, column in mapping.items():
        inner.append(f"{_typed(fields[name], _text(column))} AS {quote(name)}")
        if name == created:
            # Unknown, whether empty or not a date-time: every ticket needs its creation time.
            checks.append(f"({quote(name)} IS NULL)")
        elif fields[name].type in CHECKED_TYPES:
            raw = quote("_text_" + name)
            inner.append(f"{_text(column)} AS {raw}")
            checks.append(
                f"(CASE WHEN {quote(name)} IS NULL THEN {_given_text(raw)} ELSE FALSE END)"
            )
    absent = [
        f"CAST(NULL AS {SQL_TYPES[f.type]}) AS {quote(f.id)}"
        for f in framework.fields
        if f.id not in mapping
    ]
    bad = " OR ".join(checks)
    typed = [quote(f.id) for f in framework.fields if f.id in mapping]
    query = (
        f"SELECT ticket_id, {', '.join(typed + absent)}, ({bad}) AS _bad "
        f"FROM (SELECT {', '.join(inner)} FROM {scan}) AS typed"
    )
    missing = tuple(f.id for f in framework.fields if f.id not in mapping)
    return TicketSource(path, scan, mapping, tuple(ignored), missing, created, id_column, query)


def load_tickets(
    connection: duckdb.DuckDBPyConnection, path: Path, framework: Framework
) -> TicketTable:
    """Read a ticket export into the table `tickets`; a clear error for anything unreadable.

    One pass types every value and flags the rows where a value does not fit its field;
    only when a row is flagged is the file read again, to say which rows and why.
    """
    source = open_export(connection, path, framework)
    run_sql(connection, path, f"CREATE OR REPLACE TABLE tickets AS {source.query}")
    if source.id_column is None:
        connection.execute("UPDATE tickets SET ticket_id = CAST(rowid + 1 AS VARCHAR)")
    created = quote(source.created)
    rows, flagged, first, last = connection.execute(
        f"SELECT count(*), bool_or(_bad), min({created}), max({created}) FROM tickets"
    ).fetchone() or (0, False, None, None)
    if not rows:
        raise EscalationsError(f"{path}: the file holds no tickets.")
    if flagged:
        explain_bad_values(connection, source, framework)
    return TicketTable(path, rows, source.columns, source.ignored, source.missing, first, last)


def run_sql(connection: duckdb.DuckDBPyConnection, path: Path, sql: str) -> list[tuple[str, ...]]:
    try:
        return connection.execute(sql).fetchall()
    except duckdb.Error as exc:
        detail = str(exc).strip().splitlines()[0]
        raise EscalationsError(f"{path}: cannot read the file: {detail}") from exc


def scan_export(connection: duckdb.DuckDBPyConnection, path: Path) -> str:
    """The table function that reads the export, every column as text (Parquet as stored)."""
    if not path.is_file():
        raise EscalationsError(f"{path}: no such file.")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise EscalationsError(
            f"{path}: unknown file type '{path.suffix}'; use .csv, .jsonl (JSON Lines) or .parquet."
        )
    if path.stat().st_size == 0:
        raise EscalationsError(f"{path}: the file is empty.")
    source = literal(str(path))
    if kind == "csv":
        return f"read_csv({source}, header = true, all_varchar = true)"
    if kind == "parquet":
        return f"read_parquet({source})"
    described = f"DESCRIBE SELECT * FROM read_json_auto({source}, format = 'newline_delimited')"
    columns = ", ".join(
        f"{literal(key[0])}: 'VARCHAR'" for key in run_sql(connection, path, described)
    )
    return f"read_json({source}, format = 'newline_delimited', columns = {{{columns}}})"


def _columns(connection: duckdb.DuckDBPyConnection, path: Path, scan: str) -> list[str]:
    return [row[0] for row in run_sql(connection, path, f"DESCRIBE SELECT * FROM {scan}")]


def _names(field: Field) -> list[str]:
    return [field.id, field.hubspot_property, field.label]


def _map_columns(
    path: Path, columns: list[str], framework: Framework
) -> tuple[dict[str, str], list[str], str | None]:
    """Field id -> column, by field id, HubSpot property name or label (any case)."""
    lookup = {name.lower(): f.id for f in framework.fields for name in _names(f)}
    mapping: dict[str, str] = {}
    ignored = []
    lowered = {c.lower(): c for c in columns}
    id_column = next((lowered[n] for n in ID_COLUMNS if n in lowered), None)
    for column in columns:
        field_id = lookup.get(column.lower())
        if field_id is None:
            if column != id_column:
                ignored.append(column)
            continue
        if field_id in mapping:
            raise EscalationsError(
                f"{path}: columns '{mapping[field_id]}' and '{column}' both hold the field "
                f"'{field_id}'; keep one."
            )
        mapping[field_id] = column
    return mapping, ignored, id_column


def _text(column: str) -> str:
    return f"CAST({quote(column)} AS VARCHAR)"


def _typed(field: Field, text: str) -> str:
    """The SQL that types a raw text value as the engine does (tickets.normalize).

    Trimming costs more than the typing itself, so the values exactly as written (nearly
    all of them) are typed first without it; the rest take the careful form. Both agree:
    `trim` removes only Unicode space separators at the ends, which the casts either skip
    (an ASCII space) or fail on, and a clean value is its own trimmed self."""
    careful = _typed_carefully(field, text)
    if field.type in ("number", "datetime"):
        cast = f"TRY_CAST({text} AS {SQL_TYPES[field.type]})"
        return f"COALESCE({cast}, CASE WHEN {text} IS NOT NULL THEN {careful} END)"
    if field.type in ("bool", "enumeration"):
        exact = " ".join(
            f"WHEN {literal(written)} THEN {value}" for written, value in _spellings(field).items()
        )
        return f"CASE {text} {exact} ELSE {careful} END"
    # A first byte that is printable ASCII and not a space: trimming leaves the value whole.
    return f"CASE WHEN {text} >= '!' AND {text} < chr(127) THEN {text} ELSE {careful} END"


def _spellings(field: Field) -> dict[str, str]:
    """Exact spellings of bool or option values -> their SQL value, as the careful form
    maps them (its first match by lowercase); ASCII alone, whose case both sides agree on."""
    if field.type == "bool":
        words = {"true": "TRUE", "yes": "TRUE", "1": "TRUE"}
        words |= {"false": "FALSE", "no": "FALSE", "0": "FALSE"}
        named = [(spelling, value) for word, value in words.items() for spelling in (
            word, word.upper(), word.capitalize())]  # fmt: skip
        return dict(named)
    mapped: dict[str, str] = {}
    names = [(n, o.value) for o in field.options for n in (o.label, o.hubspot, o.value)]
    for written, _ in names:
        if not written.isascii() or written.strip() != written or not written:
            continue
        value = next(v for n, v in names if n.lower() == written.lower())
        mapped.setdefault(written, literal(value))
    return mapped


def _typed_carefully(field: Field, text: str) -> str:
    """The typing of any raw text, trimmed first."""
    value = f"NULLIF(trim({text}), '')"
    if field.type == "number":
        return f"TRY_CAST({value} AS DOUBLE)"
    if field.type == "datetime":
        # Digits alone never read as a timestamp, so the epoch-milliseconds test runs only
        # for the (rare) values that do not.
        return (
            f"COALESCE(TRY_CAST({value} AS TIMESTAMPTZ), "
            f"CASE WHEN regexp_full_match({value}, '[0-9]+') "
            f"THEN to_timestamp(TRY_CAST({value} AS BIGINT) / 1000.0) END)"
        )
    if field.type == "bool":
        return (
            f"CASE lower({value}) WHEN 'true' THEN TRUE WHEN 'yes' THEN TRUE WHEN '1' THEN TRUE "
            "WHEN 'false' THEN FALSE WHEN 'no' THEN FALSE WHEN '0' THEN FALSE END"
        )
    if field.type == "enumeration":
        cases = " ".join(
            f"WHEN {literal(name.lower())} THEN {literal(option.value)}"
            for option in field.options
            for name in (option.label, option.hubspot, option.value)
        )
        return f"CASE lower({value}) {cases} END"
    return f"CASE WHEN trim({text}) = '' THEN NULL ELSE {text} END"


def _given(column: str) -> str:
    """True where the column holds a value (not empty, not only spaces)."""
    return _given_text(_text(column))


def _given_text(text: str) -> str:
    return f"NULLIF(trim({text}), '') IS NOT NULL"


def _bad(field: Field, column: str) -> str:
    """True where the column has a value that does not fit the field."""
    return f"({_given(column)} AND ({_typed(field, _text(column))}) IS NULL)"


def _empty(column: str) -> str:
    return f"(NOT ({_given(column)}))"


def explain_bad_values(
    connection: duckdb.DuckDBPyConnection, source: TicketSource, framework: Framework
) -> None:
    """Raise with the first row of each column whose value does not fit its field."""
    path, mapping, created = source.path, source.columns, source.created
    fields = {f.id: f for f in framework.fields}
    connection.execute(f"CREATE OR REPLACE TABLE raw AS SELECT * FROM {source.scan}")
    checks = [f"min(CASE WHEN {_bad(fields[n], c)} THEN rowid + 1 END)" for n, c in mapping.items()]
    checks.append(f"min(CASE WHEN {_empty(mapping[created])} THEN rowid + 1 END)")
    first_bad = connection.execute(f"SELECT {', '.join(checks)} FROM raw").fetchone() or ()
    problems = []
    for (name, column), row in zip(mapping.items(), first_bad, strict=False):
        if row is not None:
            (value,) = connection.execute(
                f"SELECT {_text(column)} FROM raw WHERE rowid = {row - 1}"
            ).fetchone() or ("",)
            problems.append(f"{path}: row {row}: column '{column}': {_why(fields[name], value)}")
    if first_bad and first_bad[-1] is not None:
        problems.append(
            f"{path}: row {first_bad[-1]}: column '{mapping[created]}' is empty; every ticket "
            "needs its creation time."
        )
    raise EscalationsError(
        "\n".join(problems) + "\n(fix these values; only the first bad row of each column is shown)"
    )


def _why(field: Field, value: str) -> str:
    if field.type == "enumeration":
        options = ", ".join(o.value for o in field.options)
        return f"{value!r} is not an option of '{field.id}' (options: {options})"
    expected = {
        "number": "a number",
        "datetime": "a date-time such as 2026-03-01T09:00:00Z or epoch milliseconds",
        "bool": "true or false",
    }.get(field.type, "text")
    return f"{value!r} is not {expected} (field '{field.id}')"


def iter_tickets(
    connection: duckdb.DuckDBPyConnection, framework: Framework, batch: int = 10_000
) -> Iterator[Ticket]:
    """The rows of table `tickets` as engine Tickets, streamed in batches."""
    names = [f.id for f in framework.fields]
    created = created_field(framework)
    cursor = connection.execute(
        f"SELECT ticket_id, {', '.join(quote(n) for n in names)} FROM tickets"
    )
    while rows := cursor.fetchmany(batch):
        for row in rows:
            values = dict(zip(names, row[1:], strict=True))
            yield Ticket(row[0], values, (), values.get(created) if created else None)
