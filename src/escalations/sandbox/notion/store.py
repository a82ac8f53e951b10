"""SQLite storage of the Notion emulator: one table of JSON documents keyed by id.

Every object (kind "page", "block", "database" or "data_source") is a row
`(id, kind, parent_id, position, doc)`: `parent_id` + `position` give the order of a block's or
page's children; `doc` is the object's own state as JSON. With no path the database lives in
memory.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escalations.sandbox.sqlite import SqliteStore

CHILD_KINDS = ("page", "block", "database")
"""Kinds that appear among a page's or block's children (as blocks)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    parent_id TEXT,
    position INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS objects_by_parent ON objects (parent_id, position);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class Record:
    """One stored object; `doc` is mutable and written back with `Store.put`."""

    id: str
    kind: str
    parent_id: str | None
    position: int
    doc: dict[str, Any]


def normalize_id(value: str) -> str | None:
    """The canonical (dashed, lower-case) form of a Notion id given with or without dashes."""
    text = value.strip().lower().replace("-", "")
    if len(text) != 32 or any(c not in "0123456789abcdef" for c in text):
        return None
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def new_id() -> str:
    return str(uuid.uuid4())


class Store(SqliteStore):
    """A thread-safe document store; `transaction()` groups writes atomically."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(path, _SCHEMA)

    # -- metadata -------------------------------------------------------------------------

    def meta(self, key: str, default: str) -> str:
        """The value stored under `key`, storing `default` first if there is none."""
        with self.transaction():
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return str(row[0])
            self._conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, default))
            return default

    # -- objects --------------------------------------------------------------------------

    def get(self, object_id: str) -> Record | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, kind, parent_id, position, doc FROM objects WHERE id = ?", (object_id,)
            ).fetchone()
        return _record(row) if row is not None else None

    def put(self, record: Record) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO objects (id, kind, parent_id, position, doc) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.kind,
                    record.parent_id,
                    record.position,
                    json.dumps(record.doc, ensure_ascii=False),
                ),
            )

    def children(self, parent_id: str, kinds: tuple[str, ...] = CHILD_KINDS) -> list[Record]:
        """Objects under `parent_id` of the given kinds, in order."""
        marks = ", ".join("?" for _ in kinds)
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, kind, parent_id, position, doc FROM objects "
                f"WHERE parent_id = ? AND kind IN ({marks}) ORDER BY position, rowid",
                (parent_id, *kinds),
            ).fetchall()
        return [_record(row) for row in rows]

    def all(self, kind: str) -> list[Record]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, kind, parent_id, position, doc FROM objects WHERE kind = ? "
                "ORDER BY rowid",
                (kind,),
            ).fetchall()
        return [_record(row) for row in rows]

    def make_room(self, parent_id: str, after: int | None, count: int) -> int:
        """Free `count` positions among `parent_id`'s children right after position `after`
        (None: at the start); return the first free position."""
        with self.transaction():
            if after is None:
                row = self._conn.execute(
                    "SELECT MIN(position) FROM objects WHERE parent_id = ?", (parent_id,)
                ).fetchone()
                after = (int(row[0]) if row[0] is not None else 0) - 1
            self._conn.execute(
                "UPDATE objects SET position = position + ? WHERE parent_id = ? AND position > ?",
                (count, parent_id, after),
            )
            return after + 1

    def end_position(self, parent_id: str) -> int:
        """The position after the last child of `parent_id`."""
        with self._lock:
            row = self._conn.execute(
                "SELECT MAX(position) FROM objects WHERE parent_id = ?", (parent_id,)
            ).fetchone()
        return int(row[0]) + 1 if row[0] is not None else 0


def _record(row: tuple[Any, ...]) -> Record:
    doc = json.loads(row[4])
    return Record(id=row[0], kind=row[1], parent_id=row[2], position=int(row[3]), doc=doc)
