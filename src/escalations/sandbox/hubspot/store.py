"""SQLite storage of the HubSpot emulator: JSON documents keyed by (kind, key), and counters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from escalations.sandbox.sqlite import SqliteStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Store(SqliteStore):
    """A thread-safe document store; `transaction()` groups writes atomically.

    Kinds: "group" and "property" (key `objectType/name`), "owner", "flow", "ticket", "run"
    (workflow runs), "seeded". With no path the database lives in memory."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(path, _SCHEMA)

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT doc FROM documents WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        return dict(json.loads(row[0])) if row is not None else None

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO documents (kind, key, doc) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc",
                (kind, key, json.dumps(doc, ensure_ascii=False)),
            )

    def delete(self, kind: str, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM documents WHERE kind = ? AND key = ?", (kind, key))

    def all(self, kind: str, prefix: str = "") -> list[dict[str, Any]]:
        """Documents of `kind` whose key starts with `prefix`, in insertion order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT doc FROM documents WHERE kind = ? AND substr(key, 1, ?) = ? ORDER BY rowid",
                (kind, len(prefix), prefix),
            ).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def next_id(self, name: str, start: int) -> int:
        """The next value of counter `name` (the first is `start`)."""
        with self.transaction():
            row = self._conn.execute(
                "SELECT value FROM counters WHERE name = ?", (name,)
            ).fetchone()
            value = int(row[0]) + 1 if row is not None else start
            self._conn.execute(
                "INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (name, value)
            )
            return value
