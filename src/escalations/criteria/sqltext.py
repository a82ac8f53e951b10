"""The SQL text of names and values, as every query of the project writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(float(value))
    return "'" + str(value).replace("'", "''") + "'"


def timestamp(moment: datetime) -> str:
    return f"CAST({literal(moment.isoformat())} AS TIMESTAMPTZ)"
