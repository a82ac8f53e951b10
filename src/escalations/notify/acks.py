"""Acknowledgements from Slack, kept until HubSpot has them and for the message's update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast

from escalations.notify.store import Store

AckState = Literal["pending", "written"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS acknowledgements (
    event_key TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    cause TEXT,
    updated_at TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A press of Acknowledge on the message of `event_key` (the event it acknowledges): who
    (Slack user id and name, for the message's "Acknowledged by"), when, and whether HubSpot's
    ticket has it yet (`pending` until esc_status and esc_acknowledged_at are written)."""

    event_key: str
    ticket_id: str
    user_id: str
    user_name: str
    acknowledged_at: datetime
    state: AckState
    attempts: int
    next_attempt_at: datetime | None
    cause: str | None


class Acknowledgements(Store):
    """A table beside the outbox's, in the same SQLite file; each write commits before returning."""

    SCHEMA = _SCHEMA

    def record(
        self, event_key: str, ticket_id: str, user_id: str, user_name: str, at: datetime
    ) -> bool:
        """Keep a click as pending; False when the event was acknowledged before (the first
        press counts: a second one by anyone changes nothing)."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO acknowledgements (event_key, ticket_id, user_id, user_name,"
            " acknowledged_at, state, next_attempt_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
            (event_key, ticket_id, user_id, user_name, _stamp(at), _stamp(at), _stamp(at)),
        )
        return cursor.rowcount == 1

    def get(self, event_key: str) -> Acknowledgement | None:
        found = self._select("event_key = ?", (event_key,))
        return found[0] if found else None

    def due(self, now: datetime) -> list[Acknowledgement]:
        """Pending ones whose next attempt has come, oldest first."""
        return self._select("state = 'pending' AND next_attempt_at <= ?", (_stamp(now),))

    def pending(self) -> int:
        return int(
            self._db.execute(
                "SELECT COUNT(*) FROM acknowledgements WHERE state = 'pending'"
            ).fetchone()[0]
        )

    def mark_written(self, event_key: str, now: datetime) -> None:
        self._db.execute(
            "UPDATE acknowledgements SET state = 'written', attempts = attempts + 1,"
            " next_attempt_at = NULL, cause = NULL, updated_at = ? WHERE event_key = ?",
            (_stamp(now), event_key),
        )

    def mark_failed(self, event_key: str, cause: str, retry_at: datetime, now: datetime) -> None:
        self._db.execute(
            "UPDATE acknowledgements SET attempts = attempts + 1, cause = ?, next_attempt_at = ?,"
            " updated_at = ? WHERE event_key = ? AND state = 'pending'",
            (cause, _stamp(retry_at), _stamp(now), event_key),
        )

    def _select(self, where: str, parameters: tuple[object, ...]) -> list[Acknowledgement]:
        rows = self._db.execute(
            "SELECT event_key, ticket_id, user_id, user_name, acknowledged_at, state, attempts,"
            f" next_attempt_at, cause FROM acknowledgements WHERE {where}"
            " ORDER BY acknowledged_at, event_key",
            parameters,
        ).fetchall()
        return [
            Acknowledgement(key, ticket, user, name, _instant(at), cast(AckState, state), tries,
                            _instant(retry) if retry else None, cause)
            for key, ticket, user, name, at, state, tries, retry, cause in rows
        ]  # fmt: skip


def _stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
