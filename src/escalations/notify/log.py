"""The service's log: one JSON object a line, with the names of things, never their secrets."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

LOGGER = logging.getLogger("escalations.notify")


def log(what: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """One line `{"at", "event", ...fields}`; callers pass keys, ids and causes only."""
    line = {"at": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": what, **fields}
    LOGGER.log(level, json.dumps(line, default=str, ensure_ascii=False))
