"""Escalation events, parsed from HubSpot workflow webhooks or from a ticket's properties."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast, get_args

Kind = Literal["escalated", "moved", "breached", "acknowledged", "resolved"]
KINDS: tuple[Kind, ...] = get_args(Kind)

TICKET_ID = "ticket id"
"""The name `Parsed.missing` uses for an absent object id (the others are property names)."""
QUERY_FIELDS = ("trigger", "level", "escalated_at")
"""Query parameters of the compiled webhook that stand for the ticket's `esc_` properties."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something happened to one escalation of a ticket."""

    kind: Kind
    ticket_id: str
    trigger: str
    level: int
    enrollment: str
    """What tells two escalations of one ticket apart: its escalated-at time, as written."""
    occurred_at: datetime

    @property
    def key(self) -> str:
        """The dedup key: the same happening told twice (webhook retry, poll) has the same key."""
        return f"{self.ticket_id}:{self.level}:{self.kind}:{self.enrollment}"


@dataclass(frozen=True, slots=True)
class Parsed:
    """A webhook's event, or the names of what it lacked so the service can re-read the ticket."""

    ticket_id: str | None
    event: Event | None
    missing: tuple[str, ...]


def parse_webhook(
    body: bytes | Mapping[str, Any],
    query: Mapping[str, str],
    received_at: datetime,
    *,
    prefix: str = "esc_",
) -> Parsed:
    """Read an event from a workflow webhook: the body is the ticket as an object API returns it
    (CRM v3 `{id, properties: {p: "v"}}` or legacy `{objectId, properties: {p: {value}}}`: the
    shape is not confirmed, so both are read), the query carries what the body may not: the
    compiled WEBHOOK action's `event`, `ticket`, `level`, `trigger` and `escalated_at`
    (compile.EVENT_QUERY), which win over the body's values, since the ticket may have moved on
    by the time HubSpot delivers (or retries) the call."""
    data = _json(body)
    properties = _properties(data.get("properties"))
    ticket_id = _text(query.get("ticket")) or _text(data.get("id")) or _text(data.get("objectId"))
    ticket_id = (
        ticket_id or _text(data.get("hs_object_id")) or _text(properties.get("hs_object_id"))
    )
    ticket_id = ticket_id or _text(query.get("objectId")) or _text(query.get("ticket_id"))
    merged = {**properties, **{k: v for k, v in query.items() if k.startswith(prefix)}}
    for name in QUERY_FIELDS:
        if _text(query.get(name)) is not None:
            merged[f"{prefix}{name}"] = query[name]
    kind = _text(query.get("event")) or _text(query.get("kind")) or _text(data.get("kind"))
    occurred = _instant(data.get("occurredAt")) or _instant(query.get("occurred_at"))
    return _event(ticket_id, kind, merged, occurred or received_at, prefix)


def event_from_properties(
    ticket_id: str, properties: Mapping[str, Any], now: datetime, *, prefix: str = "esc_"
) -> Event | None:
    """The latest event a ticket's escalation properties imply, for the poller; None when the
    ticket is not escalated or its properties are incomplete."""
    p = properties
    if _text(p.get(f"{prefix}escalated")) != "true":
        return None
    status = _text(p.get(f"{prefix}status"))
    level = _number(p.get(f"{prefix}level"))
    kind: Kind
    occurred: datetime | None
    if status == "resolved":
        kind, occurred = "resolved", _instant(p.get(f"{prefix}resolved_at"))
    elif status == "acknowledged":
        kind, occurred = "acknowledged", _instant(p.get(f"{prefix}acknowledged_at"))
    elif (due := _instant(p.get(f"{prefix}response_due_at"))) is not None and due <= now:
        kind, occurred = "breached", due
    elif level is not None and level > 1:
        kind, occurred = "moved", None
    else:
        kind, occurred = "escalated", _instant(p.get(f"{prefix}escalated_at"))
    return _event(ticket_id, kind, p, occurred or now, prefix).event


def _event(
    ticket_id: str | None,
    kind: str | None,
    properties: Mapping[str, Any],
    occurred_at: datetime,
    prefix: str,
) -> Parsed:
    missing = [] if ticket_id else [TICKET_ID]
    if kind not in KINDS:
        missing.append("kind")
    trigger = _text(properties.get(f"{prefix}trigger"))
    level = _number(properties.get(f"{prefix}level"))
    enrollment = _text(properties.get(f"{prefix}escalated_at"))
    for name, value in (("trigger", trigger), ("level", level), ("escalated_at", enrollment)):
        if value is None:
            missing.append(f"{prefix}{name}")
    if missing or ticket_id is None or trigger is None or level is None or enrollment is None:
        return Parsed(ticket_id, None, tuple(missing))
    event = Event(cast(Kind, kind), ticket_id, trigger, level, enrollment, occurred_at)
    return Parsed(ticket_id, event, ())


def _json(body: bytes | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(body, Mapping):
        return body
    try:
        data = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    # An app webhook sends a list of events; a workflow sends one object.
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        return cast(Mapping[str, Any], data[0])
    return cast(Mapping[str, Any], data) if isinstance(data, Mapping) else {}


def _properties(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        return {}
    # Legacy object APIs wrap each value as {"value": ..., "timestamp": ...}.
    return {str(k): v.get("value") if isinstance(v, Mapping) else v for k, v in value.items()}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, Mapping | list):
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> int | None:
    text = _text(value)
    try:
        return int(float(text)) if text is not None else None
    except ValueError:
        return None


def _instant(value: Any) -> datetime | None:
    """HubSpot writes datetimes as ISO 8601 or as epoch milliseconds, as text or number."""
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.fromtimestamp(float(text) / 1000, UTC)
    except ValueError:
        pass
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
