"""HubSpot property values as rows of the `escalations` table, checked against the framework."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass

import duckdb

from escalations.model.framework import Framework


@dataclass(frozen=True, slots=True)
class Row:
    """One row of `escalations` (report/history.py), timestamps as HubSpot's ISO text."""

    ticket_id: str
    subject: str | None
    company: str | None
    created_at: str | None
    escalated_at: str | None
    trigger: str | None
    type: str | None
    tier: str | None
    level: int | None
    owner: str | None
    team: str | None
    status: str | None
    acknowledged_at: str | None
    first_response_at: str | None
    resolved_at: str | None
    closed_at: str | None
    root_cause: str | None
    framework_version: str | None
    last_modified: str
    source: str


def person_team(framework: Framework, person: str) -> str | None:
    """The team a person answers for: the one they lead, else the first that lists them."""
    reference = f"person:{person}"
    for team in framework.teams:
        if team.lead == reference:
            return team.id
    return next((team.id for team in framework.teams if reference in team.members), None)


class Resolver:
    """Turns property values into rows; values the framework no longer has are kept as they
    are and counted for the refresh's notes."""

    def __init__(self, framework: Framework, owner_emails: Mapping[str, str]) -> None:
        self.framework = framework
        self.people = {p.email.lower(): p.id for p in framework.people}
        self.owner_emails = {key: email.lower() for key, email in owner_emails.items()}
        self.known = {
            "trigger": {t.id for t in framework.triggers},
            "type": {b.type for b in framework.playbooks},
            "tier": {t.id for t in framework.tiers},
            "root cause": {c.id for c in framework.root_causes},
        }
        self.unknown: Counter[tuple[str, str]] = Counter()

    def check(self, kind: str, value: str | None) -> str | None:
        if value and value not in self.known[kind]:
            self.unknown[(kind, value)] += 1
        return value or None

    def owner(
        self, owner_id: str | None, trigger: str | None, level: int | None
    ) -> tuple[str | None, str | None]:
        """(framework reference, team) of a HubSpot owner id; the path level's own reference
        when the level is a team's (HubSpot holds the team lead's owner id)."""
        if not owner_id:
            return None, None
        person = self.people.get(self.owner_emails.get(owner_id, ""))
        if person is None:
            self.unknown[("owner", owner_id)] += 1
            return f"hubspot-owner:{owner_id}", None
        reference = self.level_owner(trigger, level)
        if reference and reference.startswith("team:"):
            team = self.framework.team(reference[5:])
            if team.lead == f"person:{person}":
                return reference, team.id
        return f"person:{person}", person_team(self.framework, person)

    def level_owner(self, trigger: str | None, level: int | None) -> str | None:
        if trigger not in self.known["trigger"] or not level:
            return None
        levels = self.framework.path(self.framework.trigger(str(trigger)).path).levels
        return levels[level - 1].owner if 0 < level <= len(levels) else None

    def row(self, ticket_id: str, props: Mapping[str, str | None], prefix: str, source: str) -> Row:
        def get(name: str) -> str | None:
            value = props.get(name)
            return str(value) if value not in (None, "") else None

        p = prefix
        trigger = self.check("trigger", get(f"{p}trigger"))
        level_text = get(f"{p}level")
        level = int(float(level_text)) if level_text else None
        owner, team = self.owner(get(f"{p}owner"), trigger, level)
        return Row(
            str(ticket_id),
            get("subject"),
            None,
            get("createdate"),
            get(f"{p}escalated_at"),
            trigger,
            self.check("type", get(f"{p}type")),
            self.check("tier", get(f"{p}tier")),
            level,
            owner,
            team,
            get(f"{p}status"),
            get(f"{p}acknowledged_at"),
            get("first_agent_reply_date"),
            get(f"{p}resolved_at"),
            get("closed_date"),
            self.check("root cause", get(f"{p}root_cause")),
            get(f"{p}framework_version"),
            str(get("hs_lastmodifieddate")),
            source,
        )

    def notes(self) -> tuple[str, ...]:
        return tuple(unknown_notes(self.unknown))


def unknown_notes(unknown: Mapping[tuple[str, str], int]) -> list[str]:
    """One sentence per value the framework does not have."""
    notes = []
    for (kind, value), count in sorted(unknown.items()):
        tickets = "1 ticket has" if count == 1 else f"{count} tickets have"
        if kind == "owner":
            notes.append(
                f"{tickets} HubSpot owner {value}, who is nobody in people.yaml "
                f"(stored as hubspot-owner:{value}, with no team)"
            )
        else:
            notes.append(
                f"{tickets} the {kind} '{value}', which the framework no longer has "
                "(stored as it is)"
            )
    return notes


COLUMNS = len(Row.__slots__)


def store_rows(con: duckdb.DuckDBPyConnection, rows: Sequence[Row]) -> None:
    """Upsert by ticket id in one statement (a page at a time: executemany is row by row)."""
    if not rows:
        return
    marks = ", ".join(["(" + ", ".join(["?"] * COLUMNS) + ")"] * len(rows))
    values = [value for row in rows for value in astuple(row)]
    con.execute(f"INSERT OR REPLACE INTO escalations VALUES {marks}", values)
