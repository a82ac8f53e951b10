"""The escalation history: one DuckDB file per target, the table every report reads.

HubSpot's `esc_` properties (or an export with HubSpot's property names as columns) are
written here by the pull; the metrics only ever read these tables, so a report is the same
whichever source filled them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS escalations (
    ticket_id VARCHAR PRIMARY KEY,
    subject VARCHAR,
    company VARCHAR,
    created_at TIMESTAMPTZ,          -- the ticket's createdate
    escalated_at TIMESTAMPTZ,        -- esc_escalated_at
    trigger VARCHAR,                 -- esc_trigger: a framework trigger id
    type VARCHAR,                    -- esc_type: a playbook's escalation type
    tier VARCHAR,                    -- esc_tier
    level INTEGER,                   -- esc_level: the highest level reached (levels only go up)
    owner VARCHAR,                   -- esc_owner as a framework reference (person:x, team:y)
    team VARCHAR,                    -- the accountable team: the owner's team, or the owner
    status VARCHAR,                  -- esc_status: open, acknowledged, resolved
    acknowledged_at TIMESTAMPTZ,     -- esc_acknowledged_at
    first_response_at TIMESTAMPTZ,   -- first_agent_reply_date
    resolved_at TIMESTAMPTZ,         -- esc_resolved_at
    closed_at TIMESTAMPTZ,           -- closed_date
    root_cause VARCHAR,              -- esc_root_cause: a framework root cause id
    framework_version VARCHAR,       -- esc_framework_version
    last_modified TIMESTAMPTZ,       -- hs_lastmodifieddate
    source VARCHAR                   -- hubspot:<target> or export:<file name>
);
CREATE TABLE IF NOT EXISTS ticket_weeks (
    week DATE PRIMARY KEY,           -- Monday (UTC) of the week the tickets were created
    tickets BIGINT NOT NULL          -- all tickets created that week: the rate's denominator
);
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,         -- schema_version, framework_version, source, cursor
    value VARCHAR
);
"""


def connect(path: Path | None) -> duckdb.DuckDBPyConnection:
    """The history at `path` (created with its tables), or a new one in memory for None."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path) if path is not None else ":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(SCHEMA)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [SCHEMA_VERSION]
    )
    return con
