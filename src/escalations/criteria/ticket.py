"""Tickets as the criteria engine sees them: catalog values over time, read "as of" an instant."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from escalations.model.framework import Case, Field, Framework

CREATED_PROPERTY = "createdate"
"""The HubSpot property whose catalog field tells when a ticket was created."""


@dataclass(frozen=True, slots=True)
class Ticket:
    """A ticket's catalog values when it was created and the changes made to it since."""

    id: str
    values: Mapping[str, Any]
    changes: tuple[tuple[datetime, Mapping[str, Any]], ...] = ()
    created: datetime | None = None

    def state(self, at: datetime, event_fields: frozenset[str]) -> dict[str, Any]:
        """Values as they were known at `at`: later changes not yet made, event times after `at`
        (a first reply that happened later) not yet known."""
        state = dict(self.values)
        for when, values in self.changes:
            if when <= at:
                state.update(values)
        for name in event_fields:
            value = state.get(name)
            if isinstance(value, datetime) and value > at:
                state[name] = None
        return state

    def moments(self, until: datetime, event_fields: frozenset[str]) -> list[datetime]:
        """The instants up to `until` at which the ticket's known state can change; none when
        it was created after `until`."""
        if self.created is not None and self.created > until:
            return []
        moments = {self.created} if self.created else set()
        moments.update(when for when, _ in self.changes)
        for values in (self.values, *(values for _, values in self.changes)):
            moments.update(
                value
                for name, value in values.items()
                if name in event_fields and isinstance(value, datetime)
            )
        start = self.created or min(moments, default=until)
        return sorted(m for m in moments if m is not None and start <= m <= until) or [until]


def normalize(field: Field, raw: Any) -> Any:
    """A raw value (from YAML, CSV, JSON) as the engine compares it; None when unknown.

    Empty text is no value, as in HubSpot. Enumeration values may be given as the catalog
    value, the HubSpot internal value or the label, in any case.
    """
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if field.type == "datetime":
        return _datetime(raw)
    if field.type == "number":
        if isinstance(raw, bool):
            raise ValueError(f"expected a number, got {raw!r}")
        return float(raw)
    if field.type == "bool":
        return _bool(raw)
    if field.type == "enumeration":
        return _option(field, str(raw))
    return str(raw)


def _datetime(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return datetime.fromtimestamp(raw / 1000, tz=UTC)  # HubSpot epoch milliseconds
    text = str(raw).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    value = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"expected true or false, got {raw!r}")


def _option(field: Field, raw: str) -> str:
    wanted = raw.strip().lower()
    for option in field.options:
        if wanted in (option.value.lower(), option.hubspot.lower(), option.label.lower()):
            return option.value
    raise ValueError(f"{raw!r} is not an option of {field.id}")


def event_fields(framework: Framework) -> frozenset[str]:
    return frozenset(f.id for f in framework.fields if f.event_time)


def created_field(framework: Framework) -> str | None:
    return next((f.id for f in framework.fields if f.hubspot_property == CREATED_PROPERTY), None)


def make_ticket(
    framework: Framework,
    ticket_id: str,
    values: Iterable[tuple[str, Any]],
    changes: Iterable[tuple[datetime, Iterable[tuple[str, Any]]]] = (),
) -> Ticket:
    """A Ticket from raw catalog values; raises ValueError naming the field on a bad value."""
    fields = {f.id: f for f in framework.fields}

    def typed(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
        result = {}
        for name, raw in pairs:
            try:
                result[name] = normalize(fields[name], raw)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"field '{name}': {exc}") from exc
        return result

    initial = typed(values)
    created_name = created_field(framework)
    created = initial.get(created_name) if created_name else None
    return Ticket(
        ticket_id,
        initial,
        tuple(sorted(((when, typed(pairs)) for when, pairs in changes), key=lambda c: c[0])),
        created if isinstance(created, datetime) else None,
    )


def ticket_of_case(framework: Framework, case: Case) -> Ticket:
    return make_ticket(
        framework,
        case.id,
        case.ticket,
        ((change.at, change.values) for change in case.changes),
    )
