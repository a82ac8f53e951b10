"""SQLite storage of the HubSpot emulator: JSON documents keyed by (kind, key), and counters."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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


_LIVE = "kind = ? AND NOT json_extract(doc, '$.archived')"


class Store(SqliteStore):
    """A thread-safe document store; `transaction()` groups writes atomically.

    Kinds: "group" and "property" (key `objectType/name`), "owner", "flow", "ticket", "run"
    (workflow runs), "seeded". With no path the database lives in memory."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(path, _SCHEMA)
        self._writes = 0
        """Writes through this store (and rollbacks): with the database's data_version, which
        counts other connections' commits, a cache of documents knows when it is stale."""

    def version(self) -> tuple[int, int]:
        with self._lock:
            (changes,) = self._conn.execute("PRAGMA data_version").fetchone()
            return self._writes, int(changes)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            with super().transaction():
                yield
        except BaseException:
            self._writes += 1
            raise

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
            self._writes += 1

    def put_many(self, kind: str, docs: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """`put` of each (key, doc), in one transaction (bulk loads)."""
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO documents (kind, key, doc) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc",
                ((kind, key, json.dumps(doc, ensure_ascii=False)) for key, doc in docs),
            )
            self._writes += 1

    def delete(self, kind: str, key: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM documents WHERE kind = ? AND key = ?", (kind, key))
            self._writes += 1

    def all(self, kind: str, prefix: str = "") -> list[dict[str, Any]]:
        """Documents of `kind` whose key starts with `prefix`, in insertion order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT doc FROM documents WHERE kind = ? AND substr(key, 1, ?) = ? ORDER BY rowid",
                (kind, len(prefix), prefix),
            ).fetchall()
        return [dict(json.loads(row[0])) for row in rows]

    def keys(self, kind: str) -> list[str]:
        """The keys of the live (not archived) documents of `kind`, in insertion order."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT key FROM documents WHERE {_LIVE} ORDER BY rowid", (kind,)
            ).fetchall()
        return [str(row[0]) for row in rows]

    def column(self, kind: str, name: str) -> list[Any]:
        """properties[name] of the documents `keys(kind)` lists, in its order (None: absent);
        read by SQLite's JSON functions, so the documents are not parsed in Python."""
        if '"' in name or "\\" in name:
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT doc FROM documents WHERE {_LIVE} ORDER BY rowid", (kind,)
                ).fetchall()
            return [json.loads(row[0])["properties"].get(name) for row in rows]
        path = f'$.properties."{name}"'
        with self._lock:
            rows = self._conn.execute(
                "SELECT json_type(doc, ?1), CASE WHEN json_type(doc, ?1) IS NULL OR json_type"
                "(doc, ?1) = 'null' THEN NULL WHEN json_type(doc, ?1) = 'text' THEN "
                "json_extract(doc, ?1) ELSE doc END FROM documents "
                f"WHERE {_LIVE.replace('?', '?2')} ORDER BY rowid",
                (path, kind),
            ).fetchall()
        return [
            None if value is None else value if kind_of == "text" else
            json.loads(value)["properties"].get(name)
            for kind_of, value in rows
        ]  # fmt: skip

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
