"""The notifier's SQLite file: one connection's settings, and the open/close both tables share."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import ClassVar, Self


class Store:
    """A table (or tables) of the notifier's SQLite file, created when missing.

    Autocommit mode with explicit BEGIN IMMEDIATE: a writer takes the lock up front, so two
    processes recording the same event cannot both see it as new. WAL, so the service and the
    worker read while the other writes; FULL sync, so a write that returned survives a power
    cut (the webhook is acknowledged after it). check_same_thread off: the service calls it
    from worker threads, one at a time."""

    SCHEMA: ClassVar[str] = ""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def open(cls, path: Path) -> Self:
        db = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(cls.SCHEMA)
        return cls(db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
