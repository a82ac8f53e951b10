"""A ticket export (CSV, JSON Lines, Parquet) with HubSpot's property names as columns, into
the history's tables: the escalated rows into `escalations`, every row into `ticket_weeks`.

The mapping runs in DuckDB, so a million-row export never passes through Python rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from escalations.criteria.sqltext import literal, quote
from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.report.ingest import person_team, unknown_notes
from escalations.tickets.exports import ID_COLUMNS, run_sql, scan_export

NEEDED = ("createdate", "{p}escalated_at", "{p}trigger", "{p}tier")
"""The columns a report cannot do without, besides the ticket id."""
OPTIONAL = (
    "subject", "{p}escalated", "{p}type", "{p}level", "{p}owner", "{p}status",
    "{p}acknowledged_at", "first_agent_reply_date", "{p}resolved_at", "closed_date",
    "{p}root_cause", "{p}framework_version", "hs_lastmodifieddate", "company",
)  # fmt: skip
TIMES = ("createdate", "{p}escalated_at", "{p}acknowledged_at", "first_agent_reply_date",
         "{p}resolved_at", "closed_date", "hs_lastmodifieddate")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import stored: escalated tickets, all tickets, weeks, and what was left out."""

    escalations: int
    tickets: int
    weeks: int
    notes: tuple[str, ...]


def import_export(
    con: duckdb.DuckDBPyConnection, path: Path, framework: Framework, *, prefix: str = "esc_"
) -> Imported:
    """Replace the history in `con` with the export at `path`."""
    scan = scan_export(con, path)
    present = {c.lower(): c for c in _column_names(con, path, scan)}
    id_column = next((present[c] for c in ID_COLUMNS if c in present), None)
    needed = [name.format(p=prefix) for name in NEEDED]
    missing = [name for name in needed if name not in present]
    if id_column is None or missing:
        lacking = ([] if id_column else ["a ticket id (hs_object_id or ticket_id)"]) + missing
        raise EscalationsError(
            f"{path}: the export lacks the column(s) {', '.join(lacking)}; a report needs "
            f"the ticket id, {', '.join(needed)} (HubSpot's property names; the history's "
            f"escalation properties have the prefix '{prefix}'), and reads "
            f"{', '.join(o.format(p=prefix) for o in OPTIONAL)} when present."
        )

    def text(name: str) -> str:
        column = present.get(name.format(p=prefix).lower())
        if column is None:
            return "NULL"
        return f"NULLIF(trim(CAST({quote(column)} AS VARCHAR)), '')"

    def instant(name: str) -> str:
        raw = text(name)
        # an epoch in milliseconds (HubSpot's API form) or ISO text (its export form)
        return (
            f"CASE WHEN regexp_full_match({raw}, '[0-9]{{12,}}') "
            f"THEN make_timestamptz(CAST({raw} AS BIGINT) * 1000) "
            f"ELSE TRY_CAST({raw} AS TIMESTAMPTZ) END"
        )

    con.execute(
        f"CREATE OR REPLACE TEMP TABLE export AS SELECT "
        f"CAST({quote(id_column)} AS VARCHAR) AS ticket_id, "
        + ", ".join(f"{instant(t)} AS {quote(t.format(p=''))}" for t in TIMES)
        + ", "
        + ", ".join(
            f"{text(o)} AS {quote(o.format(p=''))}"
            for o in OPTIONAL
            if o.format(p="") not in {t.format(p="") for t in TIMES}
        )
        + f", {text('{p}trigger')} AS trigger, {text('{p}tier')} AS tier, "
        f"{text(needed[1])} AS escalated_at_text, {text('createdate')} AS createdate_text "
        f"FROM {scan}"
    )
    _owners(con, framework)
    source = literal(f"export:{path.name}")
    level = "TRY_CAST(TRY_CAST(e.level AS DOUBLE) AS INTEGER)"
    escalated = (
        "(e.escalated_at IS NOT NULL OR lower(coalesce(e.escalated, '')) IN ('true', '1', 'yes'))"
    )
    with_time = "(e.escalated_at IS NOT NULL OR e.escalated_at_text IS NULL)"
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM escalations")
        con.execute("DELETE FROM ticket_weeks")
        con.execute(
            f"INSERT OR REPLACE INTO escalations SELECT e.ticket_id, e.subject, e.company, "
            f"e.createdate, e.escalated_at, e.trigger, e.type, e.tier, {level}, "
            f"coalesce(o.reference, 'hubspot-owner:' || e.owner), "
            f"o.team, e.status, e.acknowledged_at, e.first_agent_reply_date, e.resolved_at, "
            f"e.closed_date, e.root_cause, e.framework_version, "
            f"coalesce(e.hs_lastmodifieddate, e.escalated_at, e.createdate), {source} "
            f"FROM export e LEFT JOIN owners o ON o.key = lower(e.owner) "
            f"WHERE {escalated} AND {with_time} AND e.ticket_id IS NOT NULL"
        )
        con.execute(
            "INSERT INTO ticket_weeks SELECT CAST(date_trunc('week', createdate AT TIME ZONE "
            "'UTC') AS DATE), count(*) FROM export WHERE createdate IS NOT NULL GROUP BY 1"
        )
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('source', ?), ('framework_version', ?)",
            [f"export:{path.name}", framework.version],
        )
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise EscalationsError(f"{path}: cannot read the file: {str(exc).splitlines()[0]}") from exc
    return Imported(*_counts(con), tuple(_notes(con, framework, escalated)))


def _column_names(con: duckdb.DuckDBPyConnection, path: Path, scan: str) -> list[str]:
    return [str(row[0]) for row in run_sql(con, path, f"DESCRIBE SELECT * FROM {scan}")]


def _owners(con: duckdb.DuckDBPyConnection, framework: Framework) -> None:
    """An export names an owner by email, by name or by framework reference."""
    rows = []
    for person in framework.people:
        reference, team = f"person:{person.id}", person_team(framework, person.id)
        rows += [(key.lower(), reference, team)
                 for key in (person.email, person.name, reference)]  # fmt: skip
    rows += [(f"team:{t.id}", f"team:{t.id}", t.id) for t in framework.teams]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE owners (key VARCHAR, reference VARCHAR, team VARCHAR)"
    )
    con.executemany("INSERT INTO owners VALUES (?, ?, ?)", rows)


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    [(escalations,)] = con.execute("SELECT count(*) FROM escalations").fetchall()
    [(tickets, weeks)] = con.execute(
        "SELECT coalesce(sum(tickets), 0), count(*) FROM ticket_weeks"
    ).fetchall()
    return int(escalations), int(tickets), int(weeks)


def _notes(con: duckdb.DuckDBPyConnection, framework: Framework, escalated: str) -> list[str]:
    notes = []
    flagged = escalated.replace("e.escalated_at IS NOT NULL OR ", "")
    [(no_time,)] = con.execute(
        f"SELECT count(*) FROM export e WHERE {flagged} AND e.escalated_at IS NULL"
    ).fetchall()
    [(bad_time,)] = con.execute(
        "SELECT count(*) FROM export WHERE escalated_at IS NULL AND escalated_at_text IS NOT NULL"
    ).fetchall()
    [(no_created,)] = con.execute("SELECT count(*) FROM export WHERE createdate IS NULL").fetchall()
    if bad_time:
        notes.append(f"{bad_time} rows have an escalation time that is not a date-time: left out")
    elif no_time:
        notes.append(f"{no_time} escalated rows have no escalation time: left out")
    if no_created:
        notes.append(f"{no_created} rows have no createdate: not counted in the weekly totals")
    known = {
        "trigger": {t.id for t in framework.triggers},
        "type": {b.type for b in framework.playbooks},
        "tier": {t.id for t in framework.tiers},
        "root cause": {c.id for c in framework.root_causes},
    }
    unknown: dict[tuple[str, str], int] = {}
    for kind, column in (("trigger", "trigger"), ("type", "type"), ("tier", "tier"),
                         ("root cause", "root_cause")):  # fmt: skip
        for value, count in con.execute(
            f"SELECT {column}, count(*) FROM escalations WHERE {column} IS NOT NULL GROUP BY 1"
        ).fetchall():
            if value not in known[kind]:
                unknown[(kind, str(value))] = int(count)
    for value, count in con.execute(
        "SELECT owner, count(*) FROM escalations WHERE owner LIKE 'hubspot-owner:%' GROUP BY 1"
    ).fetchall():
        unknown[("owner", str(value).removeprefix("hubspot-owner:"))] = int(count)
    return notes + unknown_notes(unknown)
