"""SQLite storage of the Slack emulator: users, channels and messages with their revisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escalations.sandbox.sqlite import SqliteStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    deleted INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS channels (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    is_private INTEGER NOT NULL,
    is_member INTEGER NOT NULL,
    is_archived INTEGER NOT NULL,
    user TEXT
);
CREATE TABLE IF NOT EXISTS messages (
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    author TEXT NOT NULL,
    thread_ts TEXT,
    PRIMARY KEY (channel, ts)
);
CREATE TABLE IF NOT EXISTS revisions (
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    blocks TEXT,
    PRIMARY KEY (channel, ts, seq)
);
CREATE TABLE IF NOT EXISTS metadata (
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (channel, ts)
);
"""


@dataclass(frozen=True, slots=True)
class User:
    """A member of the workspace; `deleted` ones are deactivated."""

    id: str
    email: str
    name: str
    deleted: bool


@dataclass(frozen=True, slots=True)
class Channel:
    """A conversation: a channel (`C…`, private or public) or a direct message (`D…`, `user`)."""

    id: str
    name: str
    is_private: bool
    is_member: bool
    is_archived: bool
    user: str | None = None


@dataclass(frozen=True, slots=True)
class Revision:
    """One version of a message: as posted, or as a `chat.update` left it."""

    text: str
    blocks: list[dict[str, Any]] | None


@dataclass(frozen=True, slots=True)
class Message:
    """A posted message: its current text and blocks, and every version in order."""

    channel: str
    ts: str
    author: str
    thread_ts: str | None
    revisions: tuple[Revision, ...]
    metadata: dict[str, Any] | None = None
    """chat.postMessage's `metadata` ({event_type, event_payload}), when it was given."""

    @property
    def text(self) -> str:
        return self.revisions[-1].text

    @property
    def blocks(self) -> list[dict[str, Any]] | None:
        return self.revisions[-1].blocks

    @property
    def updates(self) -> tuple[Revision, ...]:
        """The versions that `chat.update` made, oldest first."""
        return self.revisions[1:]


class Store(SqliteStore):
    """The workspace in SQLite: in memory, or in a file that a later emulator reopens."""

    def __init__(self, path: Path | None) -> None:
        super().__init__(path, _SCHEMA)

    def _count(self, table: str) -> int:
        with self._lock:
            row = self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0])

    def add_user(self, email: str, name: str, deleted: bool) -> User:
        with self._lock:
            found = self.user_by_email(email)
            user_id = found.id if found else f"U{self._count('users') + 1:08d}"
            self._conn.execute(
                "INSERT INTO users (id, email, name, deleted) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET name = excluded.name, deleted = excluded.deleted",
                (user_id, email, name, int(deleted)),
            )
        return User(user_id, email, name, deleted)

    def user_by_email(self, email: str) -> User | None:
        # Slack's docs do not say whether the match ignores case; addresses do (RFC 5321
        # leaves the local part to the host, and every mail host we know folds it)
        with self._lock:
            row = self._conn.execute(
                "SELECT id, email, name, deleted FROM users WHERE lower(email) = lower(?)",
                (email,),
            ).fetchone()
        return User(row[0], row[1], row[2], bool(row[3])) if row else None

    def user(self, user_id: str) -> User | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, email, name, deleted FROM users WHERE id = ?", (user_id,)
            ).fetchone()
        return User(row[0], row[1], row[2], bool(row[3])) if row else None

    def active_users(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT count(*) FROM users WHERE deleted = 0").fetchone()
        return int(row[0])

    def add_channel(self, name: str, is_private: bool, is_member: bool, user: str | None) -> str:
        with self._lock:
            found = self.channel(name)
            prefix = "D" if user else ("G" if is_private else "C")
            channel_id = found.id if found else f"{prefix}{self._count('channels') + 1:08d}"
            self._conn.execute(
                "INSERT INTO channels (id, name, is_private, is_member, is_archived, user) "
                "VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (id) DO UPDATE SET "
                "is_private = excluded.is_private, is_member = excluded.is_member",
                (channel_id, name, int(is_private), int(is_member), user),
            )
        return channel_id

    def archive(self, channel_id: str, archived: bool) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE channels SET is_archived = ? WHERE id = ?", (int(archived), channel_id)
            )

    def channel(self, key: str) -> Channel | None:
        """The channel with this id, or this name (with or without `#`)."""
        name = key.removeprefix("#")
        with self._lock:
            row = self._conn.execute(
                "SELECT id, name, is_private, is_member, is_archived, user FROM channels "
                "WHERE id = ? OR name = ? ORDER BY id = ? DESC",
                (key, name, key),
            ).fetchone()
        if row is None:
            return None
        return Channel(row[0], row[1], bool(row[2]), bool(row[3]), bool(row[4]), row[5])

    def dm_for(self, user_id: str) -> Channel | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id FROM channels WHERE user = ?", (user_id,)
            ).fetchone()
        return self.channel(row[0]) if row else None

    def last_ts(self) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT max(ts) FROM messages").fetchone()
        return str(row[0]) if row[0] is not None else None

    def post(
        self,
        channel: str,
        ts: str,
        author: str,
        thread_ts: str | None,
        revision: Revision,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO messages (channel, ts, author, thread_ts) VALUES (?, ?, ?, ?)",
                (channel, ts, author, thread_ts),
            )
            self._revise(channel, ts, 0, revision)
            if metadata is not None:
                self._conn.execute(
                    "INSERT INTO metadata (channel, ts, body) VALUES (?, ?, ?)",
                    (channel, ts, json.dumps(metadata, ensure_ascii=False)),
                )

    def channels(self) -> list[Channel]:
        """Every channel but direct messages, by id."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, name, is_private, is_member, is_archived, user FROM channels "
                "WHERE user IS NULL ORDER BY id"
            ).fetchall()
        return [Channel(r[0], r[1], bool(r[2]), bool(r[3]), bool(r[4]), r[5]) for r in rows]

    def update(self, message: Message, revision: Revision) -> None:
        with self._lock:
            self._revise(message.channel, message.ts, len(message.revisions), revision)

    def _revise(self, channel: str, ts: str, seq: int, revision: Revision) -> None:
        blocks = json.dumps(revision.blocks, ensure_ascii=False) if revision.blocks else None
        self._conn.execute(
            "INSERT INTO revisions (channel, ts, seq, text, blocks) VALUES (?, ?, ?, ?, ?)",
            (channel, ts, seq, revision.text, blocks),
        )

    def messages(self, channel: str | None = None, ts: str | None = None) -> list[Message]:
        """Messages of `channel` (every channel when None), with `ts` when given, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT m.channel, m.ts, m.author, m.thread_ts, r.text, r.blocks, d.body "
                "FROM messages m JOIN revisions r ON r.channel = m.channel AND r.ts = m.ts "
                "LEFT JOIN metadata d ON d.channel = m.channel AND d.ts = m.ts "
                "WHERE (? IS NULL OR m.channel = ?) AND (? IS NULL OR m.ts = ?) "
                "ORDER BY m.ts, m.channel, r.seq",
                (channel, channel, ts, ts),
            ).fetchall()
        found: dict[tuple[str, str], tuple[str, str | None, list[Revision], str | None]] = {}
        for row in rows:
            entry = found.setdefault((row[0], row[1]), (row[2], row[3], [], row[6]))
            entry[2].append(Revision(row[4], json.loads(row[5]) if row[5] else None))
        return [
            Message(key[0], key[1], author, thread, tuple(revs), json.loads(meta) if meta else None)
            for key, (author, thread, revs, meta) in found.items()
        ]
