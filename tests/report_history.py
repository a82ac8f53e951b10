"""A small known escalation history, every figure of which the report tests compute by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from escalations.report.history import connect

# October 2026 in Berlin is CEST (UTC+2): emea-business is open 07:00-16:00 UTC, Monday to
# Friday. Monday 2026-10-05 and Monday 2026-10-12 start the two weeks of the period.
SINCE = date(2026, 10, 5)
UNTIL = date(2026, 10, 18)

COLUMNS = (
    "ticket_id", "company", "created_at", "escalated_at", "trigger", "type", "tier", "level",
    "team", "status", "acknowledged_at", "first_response_at", "resolved_at", "root_cause",
)  # fmt: skip

ROWS: list[tuple[Any, ...]] = [
    # T1: tier-1, answered 2 h after escalation, resolved after 18 business (48 elapsed) hours.
    ("T1", "Acme", "2026-10-05 07:00", "2026-10-05 08:00", "manager-request", "relationship",
     "tier-1", 1, "team:support-leads", "resolved", "2026-10-05 08:30", "2026-10-05 10:00",
     "2026-10-07 08:00", "product-defect"),
    # T2: escalated Friday 17:00 Berlin, answered Monday 10:00 Berlin (2 business hours, 65
    # elapsed); never resolved, so its 27 business-hour resolution target passed on Wednesday.
    ("T2", "Initech", "2026-10-09 12:00", "2026-10-09 15:00", "strong-dissatisfaction",
     "relationship", "tier-1", 1, "team:support-leads", "acknowledged", "2026-10-09 15:30",
     "2026-10-12 08:00", None, None),
    # T5: a trigger the framework no longer has: left out of every figure.
    ("T5", "Acme", "2026-10-06 08:00", "2026-10-06 09:00", "retired-trigger", "technical",
     "tier-1", 1, "team:support-leads", "resolved", None, None, "2026-10-06 12:00", None),
    # T3: tier-2, answered after 3 business hours (target 2: a breach), resolved in 8.
    ("T3", "Globex", "2026-10-13 06:00", "2026-10-13 07:00", "repeated-reopening", "technical",
     "tier-2", 2, "person:jonas-becker", "resolved", "2026-10-13 07:15", "2026-10-13 10:00",
     "2026-10-13 15:00", "product-defect"),
    # T7: the first agent reply came before the escalation: no first-response time.
    ("T7", "Initech", "2026-10-14 07:00", "2026-10-14 09:00", "strong-dissatisfaction",
     "relationship", "tier-1", 1, "team:support-leads", "resolved", "2026-10-14 09:30",
     "2026-10-14 08:00", "2026-10-15 09:00", "old-cause"),
    # T4: tier-3 on the calendar clock, on a Saturday: answered in 30 minutes, resolved in 26 h
    # (target 24 h: a breach); no acknowledgement recorded, with 0 business hours elapsed.
    ("T4", "Globex", "2026-10-17 09:50", "2026-10-17 10:00", "outage-reported", "outage",
     "tier-3", 1, "team:incident-response", "resolved", None, "2026-10-17 10:30",
     "2026-10-18 12:00", "third-party-outage"),
    # T6: escalated before the period and still open: only in the open escalations.
    ("T6", "Umbrella", "2026-09-28 08:00", "2026-09-28 09:00", "manager-request",
     "relationship", "tier-1", 2, "person:jonas-becker", "acknowledged", "2026-09-28 09:10",
     "2026-09-28 10:00", None, None),
]  # fmt: skip

WEEKS = [(date(2026, 10, 5), 100), (date(2026, 10, 12), 50)]


def insert(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" for _ in COLUMNS)
    for row in rows:
        values = [f"{v}+00" if isinstance(v, str) and v[:2] == "20" else v for v in row]
        con.execute(f"INSERT INTO escalations ({', '.join(COLUMNS)}) VALUES ({marks})", values)


def known_history() -> duckdb.DuckDBPyConnection:
    con = connect(None)
    insert(con, ROWS)
    con.executemany("INSERT INTO ticket_weeks VALUES (?, ?)", WEEKS)
    return con
