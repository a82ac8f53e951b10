"""The Slack message for an escalation event: Block Kit blocks, a text fallback, metadata."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from escalations.criteria import describe
from escalations.criteria.calendars import due
from escalations.model.framework import Framework
from escalations.notify.events import Event
from escalations.notify.recipients import level_of

ACK_ACTION = "acknowledge"
ROOT_CAUSE_ACTION = "root_cause"
ROOT_CAUSE_BLOCK = "rc:"
"""The prefix of the question's block id; the event key follows it."""
METADATA_EVENT_TYPE = "escalation_notice"
# Block Kit limits (reference §1.4).
HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
BUTTON_TEXT_MAX = 75
VALUE_MAX = 2000
URL_MAX = 3000
BLOCK_ID_MAX = 255
BLOCKS_MAX = 50
# static_select (python-slack-sdk block_elements.py / basic_components.py).
OPTIONS_MAX = 100
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
PLACEHOLDER_MAX = 150


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    """The notification and screen-reader fallback of the blocks."""
    blocks: tuple[dict[str, Any], ...]
    metadata: dict[str, Any]
    """chat.postMessage `metadata`: carries the event key, to find the message again."""


HEADLINES = {
    "escalated": "Escalated",
    "moved": "Moved up",
    "breached": "Response target breached",
    "acknowledged": "Acknowledged",
    "resolved": "Resolved",
}


def response_due(framework: Framework, event: Event) -> datetime:
    """When the level must respond: the tier's first-response target counted from the event,
    on the target's clock (business hours of its calendar, holidays excluded)."""
    target = framework.tier(framework.trigger(event.trigger).tier).targets.first_response
    return due(target, event.occurred_at, {c.id: c for c in framework.calendars})


def build_message(
    framework: Framework,
    event: Event,
    properties: Mapping[str, Any],
    *,
    company: str | None,
    ticket_url: str,
    playbook_url: str,
) -> Message:
    """The message telling a level's owner and watchers about an event of a ticket."""
    trigger = framework.trigger(event.trigger)
    tier = framework.tier(trigger.tier)
    level = level_of(framework, event.trigger, event.level)
    owner = describe.owner(level.owner, framework)
    zone = ZoneInfo(framework.calendar(tier.targets.first_response.calendar).timezone)
    respond_by = _when(response_due(framework, event), zone)
    subject = str(properties.get("subject") or "(no subject)")
    playbook = framework.playbook_for(trigger.escalation_type)
    where = f" from {company}" if company else ""
    headline = HEADLINES[event.kind]
    text = (
        f"{headline}: ticket {event.ticket_id} “{subject}”{where}. Trigger: {trigger.name}. "
        f"{tier.name}, level {event.level} ({level.name}), owner {owner}. "
        f"Respond by {respond_by}."
    )
    title = f"*<{_url(ticket_url)}|#{_escape(event.ticket_id)} {_escape(subject)}>*"
    fields = [
        ("Company", company or "unknown"),
        ("Trigger", trigger.name),
        ("Tier", tier.name),
        ("Level", f"{event.level}: {level.name}"),
        ("Owner", owner),
        ("Respond by", respond_by),
    ]
    why = f"*Why it fired*\n{_escape(describe.trigger(trigger, framework))}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(f"{headline}: {trigger.name}", HEADER_MAX)},
        {
            "type": "section",
            "text": _mrkdwn(title, SECTION_MAX),
            "fields": [
                _mrkdwn(f"*{name}*\n{_escape(value)}", FIELD_MAX)
                for name, value in fields[:FIELDS_MAX]
            ],
        },
        {"type": "section", "text": _mrkdwn(why, SECTION_MAX)},
        {
            "type": "actions",
            "block_id": f"esc:{event.key}"[:BLOCK_ID_MAX],
            "elements": [
                {
                    "type": "button",
                    "action_id": ACK_ACTION,
                    "text": _plain("Acknowledge", BUTTON_TEXT_MAX),
                    "value": event.key[:VALUE_MAX],
                    "style": "primary",
                },
                _link("ticket", "Open in HubSpot", ticket_url),
                _link("playbook", f"Playbook: {playbook.name}", playbook_url),
            ],
        },
    ]
    metadata = {"event_type": METADATA_EVENT_TYPE, "event_payload": {"event_key": event.key}}
    return Message(text, tuple(blocks[:BLOCKS_MAX]), metadata)


def acknowledged_message(message: Message, who: str, at: datetime, timezone: str) -> Message:
    """The update after an acknowledgement: the button gone, who and when said instead."""
    said = f"Acknowledged by {who} at {at.astimezone(ZoneInfo(timezone)):%H:%M}"
    blocks: list[dict[str, Any]] = []
    for block in message.blocks:
        if block["type"] == "actions":
            links = [e for e in block["elements"] if e.get("action_id") != ACK_ACTION]
            block = {**block, "elements": links}
        blocks.append(block)
    blocks.append({"type": "context", "elements": [_mrkdwn(f"✅ {_escape(said)}", SECTION_MAX)]})
    return Message(f"{message.text} {said}.", tuple(blocks), message.metadata)


def root_cause_question(
    framework: Framework, event: Event, properties: Mapping[str, Any], *, ticket_url: str
) -> Message:
    """The question to a resolved escalation's owner: which of the framework's root causes it
    was, picked from a static_select whose choice the service writes to the ticket."""
    trigger = framework.trigger(event.trigger)
    subject = str(properties.get("subject") or "(no subject)")
    text = (
        f"Resolved: ticket {event.ticket_id} “{subject}”. Trigger: {trigger.name}. "
        "What was the root cause?"
    )
    title = f"*<{_url(ticket_url)}|#{_escape(event.ticket_id)} {_escape(subject)}>*"
    options = [
        {"text": _plain(c.name, OPTION_TEXT_MAX), "value": c.id[:OPTION_VALUE_MAX]}
        for c in framework.root_causes[:OPTIONS_MAX]
    ]
    select = {
        "type": "static_select",
        "action_id": ROOT_CAUSE_ACTION,
        "placeholder": _plain("Choose the root cause", PLACEHOLDER_MAX),
        "options": options,
    }
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(f"Resolved: {trigger.name}", HEADER_MAX)},
        {"type": "section", "text": _mrkdwn(f"{title}\nWhat was the root cause?", SECTION_MAX)},
        {"type": "actions", "block_id": f"{ROOT_CAUSE_BLOCK}{event.key}"[:BLOCK_ID_MAX],
         "elements": [select, _link("ticket", "Open in HubSpot", ticket_url)]},
    ]  # fmt: skip
    metadata = {"event_type": METADATA_EVENT_TYPE, "event_payload": {"event_key": event.key}}
    return Message(text, tuple(blocks), metadata)


def root_cause_recorded(
    text: str, blocks: Sequence[Mapping[str, Any]], cause: str, who: str
) -> Message:
    """The question once answered: the select gone, the cause and who recorded it said."""
    said = f"Root cause: {cause}, recorded by {who}"
    kept: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") == "actions":
            elements = [e for e in block.get("elements") or []
                        if e.get("action_id") != ROOT_CAUSE_ACTION]  # fmt: skip
            if not elements:
                continue
            block = {**block, "elements": elements}
        kept.append(dict(block))
    kept.append({"type": "context", "elements": [_mrkdwn(f"✅ {_escape(said)}", SECTION_MAX)]})
    return Message(f"{text} {said}.", tuple(kept[:BLOCKS_MAX]), {})


def _when(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M %Z}"


def _link(action_id: str, label: str, url: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": _plain(label, BUTTON_TEXT_MAX),
        "url": url[:URL_MAX],
    }


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit)}


def _mrkdwn(text: str, limit: int) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _cut(text, limit)}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    # Slack's mrkdwn reserves these three; user text must not open links or mentions.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _url(url: str) -> str:
    return url.replace("|", "%7C").replace(">", "%3E")
