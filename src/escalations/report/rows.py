"""Escalations read from the history, and the ones the framework can no longer place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from escalations.model.framework import Framework
from escalations.report.model import SetApart

_COLUMNS = (
    "ticket_id, company, created_at, escalated_at, trigger, type, tier, level, team, status, "
    "acknowledged_at, first_response_at, resolved_at, root_cause"
)


@dataclass(frozen=True, slots=True)
class Row:
    ticket_id: str
    company: str | None
    created_at: datetime | None
    escalated_at: datetime
    trigger: str | None
    type: str | None
    tier: str | None
    level: int | None
    team: str | None
    status: str | None
    acknowledged_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    root_cause: str | None

    def resolved_by(self, at: datetime) -> bool:
        """Resolved at `at`; a resolved status with no time counts as resolved before it."""
        if self.resolved_at is not None:
            return self.resolved_at <= at
        return self.status == "resolved"


def read_escalated(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> list[Row]:
    """Escalations with start <= escalated_at < end, in ticket order."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM escalations WHERE escalated_at >= ? AND escalated_at < ? "
        "ORDER BY escalated_at, ticket_id",
        [start, end],
    ).fetchall()
    return [Row(*row) for row in rows]


def count_untimed(con: duckdb.DuckDBPyConnection) -> int:
    """Escalated tickets with no escalation time, which no period can hold."""
    found = con.execute("SELECT count(*) FROM escalations WHERE escalated_at IS NULL").fetchone()
    return int(found[0]) if found else 0


def ticket_counts(con: duckdb.DuckDBPyConnection) -> dict[object, int]:
    """Tickets created per week (Monday), the escalation rate's denominator."""
    found = con.execute("SELECT week, tickets FROM ticket_weeks").fetchall()
    return {week: int(tickets) for week, tickets in found}


def set_apart(framework: Framework, rows: list[Row]) -> tuple[list[Row], list[SetApart]]:
    """The rows the framework can place, and the others with the reason they are left out:
    a trigger or tier it no longer has (or none recorded) has no path and no targets."""
    triggers = {t.id for t in framework.triggers}
    tiers = {t.id for t in framework.tiers}
    version = f"{framework.id} {framework.version}"
    kept: list[Row] = []
    apart: list[SetApart] = []
    for row in rows:
        if row.trigger is None:
            apart.append(SetApart(row.ticket_id, "no trigger recorded"))
        elif row.trigger not in triggers:
            apart.append(SetApart(row.ticket_id, f"trigger '{row.trigger}' is not in {version}"))
        elif row.tier is None:
            apart.append(SetApart(row.ticket_id, "no tier recorded"))
        elif row.tier not in tiers:
            apart.append(SetApart(row.ticket_id, f"tier '{row.tier}' is not in {version}"))
        else:
            kept.append(row)
    return kept, apart
