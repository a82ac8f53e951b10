"""The durable outbox: events recorded once, and their deliveries to each recipient."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast

from escalations.notify.events import Event, Kind
from escalations.notify.store import Store

State = Literal["pending", "sending", "sent", "failed"]
STATES: tuple[State, ...] = ("pending", "sending", "sent", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    trigger TEXT NOT NULL,
    level INTEGER NOT NULL,
    enrollment TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    event_key TEXT NOT NULL REFERENCES events(key),
    recipient TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    cause TEXT,
    channel TEXT,
    ts TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (event_key, recipient)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS cursors (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event told to one recipient (a framework reference: `person:x`, `team:y`, `#channel`)."""

    id: int
    event_key: str
    recipient: str
    state: State
    attempts: int
    next_attempt_at: datetime | None
    """For `failed`: when to try again; None once given up."""
    cause: str | None
    channel: str | None
    """Sent: the channel id Slack answered. Claimed or failed: where the post was aimed (an id,
    a user id, a `#name`), so that a restart knows where to look for it."""
    ts: str | None
    created_at: datetime
    updated_at: datetime
    """For `sending`: when it was claimed."""


@dataclass(frozen=True, slots=True)
class Figures:
    """For metrics: how much waits (`depth`) and for how long the oldest has waited (`lag`)."""

    by_state: tuple[tuple[State, int], ...]
    depth: int
    lag_seconds: float
    given_up: int


class Outbox(Store):
    """One SQLite file in WAL mode; every write is one transaction, committed before returning."""

    SCHEMA = _SCHEMA

    def record(self, event: Event, recipients: Sequence[str], now: datetime) -> bool:
        """Store the event and a pending delivery per recipient; False (and nothing written) when
        an event with its key was recorded before."""
        stamp = _stamp(now)
        with self._transaction():
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (event.key, event.kind, event.ticket_id, event.trigger, event.level,
                 event.enrollment, _stamp(event.occurred_at), stamp),
            )  # fmt: skip
            if cursor.rowcount == 0:
                return False
            self._db.executemany(
                "INSERT OR IGNORE INTO deliveries (event_key, recipient, state, created_at,"
                " updated_at) VALUES (?, ?, 'pending', ?, ?)",
                [(event.key, recipient, stamp, stamp) for recipient in dict.fromkeys(recipients)],
            )
        return True

    def event(self, key: str) -> Event:
        row = self._db.execute(
            "SELECT kind, ticket_id, trigger, level, enrollment, occurred_at FROM events"
            " WHERE key = ?",
            (key,),
        ).fetchone()
        if row is None:
            raise KeyError(key)
        kind, ticket_id, trigger, level, enrollment, occurred_at = row
        return Event(cast(Kind, kind), ticket_id, trigger, level, enrollment, _instant(occurred_at))

    def deliveries(self, event_key: str | None = None) -> list[Delivery]:
        if event_key is None:
            return self._select("1 = 1", ())
        return self._select("event_key = ?", (event_key,))

    def delivery(self, delivery_id: int) -> Delivery:
        found = self._select("id = ?", (delivery_id,))
        if not found:
            raise KeyError(delivery_id)
        return found[0]

    def due(self, now: datetime) -> list[Delivery]:
        """What to send now, oldest first: pending, and failed ones whose retry time has come."""
        return self._select(
            "state = 'pending' OR (state = 'failed' AND next_attempt_at <= ?)", (_stamp(now),)
        )

    def uncertain(self) -> list[Delivery]:
        """Deliveries marked `sending` by a worker that stopped before it knew the outcome."""
        return self._select("state = 'sending'", ())

    def mark_sending(self, delivery_id: int, now: datetime, channel: str | None = None) -> bool:
        """Claim a delivery just before its post to `channel` (kept, so that a restart knows
        where to look for it); False when it is not due (another worker has it, or it is sent),
        in which case the caller must not post."""
        return self._update(
            "state = 'sending', attempts = attempts + 1, channel = ?, updated_at = ?",
            "state IN ('pending', 'failed')",
            (channel, _stamp(now)),
            delivery_id,
        )

    def aim(self, delivery_id: int, channel: str) -> bool:
        """Record that a claimed delivery now goes to `channel` (a fallback) before it is posted."""
        return self._update("channel = ?", "state = 'sending'", (channel,), delivery_id)

    def mark_sent(self, delivery_id: int, channel: str, ts: str, now: datetime) -> bool:
        return self._update(
            "state = 'sent', channel = ?, ts = ?, cause = NULL, next_attempt_at = NULL,"
            " updated_at = ?",
            "state = 'sending'",
            (channel, ts, _stamp(now)),
            delivery_id,
        )

    def mark_failed(
        self, delivery_id: int, cause: str, next_attempt_at: datetime | None, now: datetime
    ) -> bool:
        """Record a failed attempt; `next_attempt_at` None means given up."""
        retry = _stamp(next_attempt_at) if next_attempt_at is not None else None
        return self._update(
            "state = 'failed', cause = ?, next_attempt_at = ?, updated_at = ?",
            "state = 'sending'",
            (cause, retry, _stamp(now)),
            delivery_id,
        )

    def release(self, delivery_id: int, now: datetime) -> bool:
        """Put an uncertain delivery back to pending, once the worker knows it was not posted
        (or chose to post it again: see `delivery.resolve_uncertain`)."""
        return self._update(
            "state = 'pending', updated_at = ?", "state = 'sending'", (_stamp(now),), delivery_id
        )

    def figures(self, now: datetime) -> Figures:
        counts = dict.fromkeys(STATES, 0)
        for state, count in self._db.execute(
            "SELECT state, COUNT(*) FROM deliveries GROUP BY state"
        ):
            counts[cast(State, state)] = count
        given_up = self._db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE state = 'failed' AND next_attempt_at IS NULL"
        ).fetchone()[0]
        oldest = self._db.execute(
            "SELECT MIN(created_at) FROM deliveries WHERE state IN ('pending', 'sending')"
            " OR (state = 'failed' AND next_attempt_at IS NOT NULL)"
        ).fetchone()[0]
        lag = max((now - _instant(oldest)).total_seconds(), 0.0) if oldest else 0.0
        depth = counts["pending"] + counts["sending"] + counts["failed"] - given_up
        return Figures(tuple(counts.items()), depth, lag, given_up)

    def cursor(self, name: str) -> int | None:
        """Where the poller `name` stopped (epoch milliseconds), None before its first page."""
        row = self._db.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return None if row is None else int(row[0])

    def move_cursor(self, name: str, value: int, now: datetime) -> None:
        """Store a poller's position; it only moves forward (a page read late cannot rewind it)."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO cursors VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                " value = MAX(value, excluded.value), updated_at = excluded.updated_at",
                (name, value, _stamp(now)),
            )

    def _select(self, where: str, parameters: tuple[object, ...]) -> list[Delivery]:
        rows = self._db.execute(
            "SELECT id, event_key, recipient, state, attempts, next_attempt_at, cause, channel,"
            f" ts, created_at, updated_at FROM deliveries WHERE {where} ORDER BY created_at, id",
            parameters,
        ).fetchall()
        return [
            Delivery(id_, key, recipient, cast(State, state), attempts,
                     _instant(retry) if retry else None, cause, channel, ts, _instant(created),
                     _instant(updated))
            for id_, key, recipient, state, attempts, retry, cause, channel, ts, created, updated
            in rows
        ]  # fmt: skip

    def _update(
        self, assignments: str, guard: str, values: tuple[object, ...], delivery_id: int
    ) -> bool:
        with self._transaction():
            cursor = self._db.execute(
                f"UPDATE deliveries SET {assignments} WHERE id = ? AND ({guard})",
                (*values, delivery_id),
            )
        return cursor.rowcount == 1

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *_: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


def _stamp(instant: datetime) -> str:
    # Fixed-width UTC text sorts as time does, so SQL compares stamps as text.
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
