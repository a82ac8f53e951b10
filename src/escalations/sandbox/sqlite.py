"""The SQLite connection both emulators keep their state in: in memory, or in a file."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SqliteStore:
    """A thread-safe SQLite connection; `transaction()` groups reads and writes atomically."""

    def __init__(self, path: Path | None, schema: str) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        target = str(path) if path is not None else ":memory:"
        self._conn = sqlite3.connect(
            target, check_same_thread=False, isolation_level=None, timeout=30.0
        )
        with self._lock:
            self._conn.executescript(schema)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Serialize a group of reads and writes; nested uses join the outer transaction."""
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")
