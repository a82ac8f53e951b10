"""The Slack message of an event: its exact fallback, Block Kit limits, the business-time due."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from escalations.model.framework import Framework
from escalations.notify.events import Event
from escalations.notify.message import acknowledged_message, build_message, response_due

# Thursday 2 April 2026, 16:00 in Berlin (CEST, UTC+2). Good Friday (3 April) and Easter Monday
# (6 April) are holidays of emea-business, with the weekend between them.
THURSDAY = datetime(2026, 4, 2, 14, 0, tzinfo=UTC)
EVENT = Event("escalated", "1234", "first-response-breach", 1, "1775138400000", THURSDAY)
TICKET_URL = "https://app.hubspot.com/contacts/42/ticket/1234"
PLAYBOOK_URL = "https://www.notion.so/acme/technical-0123"


def message(framework: Framework, event: Event = EVENT, subject: str = "Export stuck") -> Any:
    return build_message(
        framework, event, {"subject": subject}, company="Globex GmbH",
        ticket_url=TICKET_URL, playbook_url=PLAYBOOK_URL,
    )  # fmt: skip


def test_the_response_is_due_after_four_business_hours_across_holidays_and_a_weekend(
    framework: Framework,
) -> None:
    # 2 hours on Thursday (16:00-18:00), nothing Friday to Monday, 2 hours on Tuesday from 09:00.
    assert response_due(framework, EVENT) == datetime(2026, 4, 7, 9, 0, tzinfo=UTC)


def test_the_text_fallback_says_everything_in_one_line(framework: Framework) -> None:
    assert message(framework).text == (
        "Escalated: ticket 1234 “Export stuck” from Globex GmbH. Trigger: First response target"
        " breached. Tier 1 - Team lead, level 1 (Frontline team lead), owner Support Leads."
        " Respond by Tue 7 Apr 2026, 11:00 CEST."
    )


def test_the_blocks_carry_the_links_the_reason_and_an_acknowledge_button(
    framework: Framework,
) -> None:
    header, summary, why, actions = message(framework).blocks
    assert header["text"] == {
        "type": "plain_text",
        "text": "Escalated: First response target breached",
    }
    assert summary["text"]["text"] == f"*<{TICKET_URL}|#1234 Export stuck>*"
    assert [f["text"] for f in summary["fields"]] == [
        "*Company*\nGlobex GmbH",
        "*Trigger*\nFirst response target breached",
        "*Tier*\nTier 1 - Team lead",
        "*Level*\n1: Frontline team lead",
        "*Owner*\nSupport Leads",
        "*Respond by*\nTue 7 Apr 2026, 11:00 CEST",
    ]
    assert why["text"]["text"] == (
        "*Why it fired*\nPriority is High or Urgent, and Ticket status is not Closed; then, after"
        " the Tier 1 - Team lead first response target (4 business hours (EMEA business hours"
        " (Berlin))), still: First agent reply date is empty, and Ticket status is not Closed"
    )
    ack, ticket, playbook = actions["elements"]
    assert (ack["action_id"], ack["value"]) == ("acknowledge", "1234:1:escalated:1775138400000")
    assert (ticket["url"], playbook["url"]) == (TICKET_URL, PLAYBOOK_URL)
    assert playbook["text"]["text"].startswith("Playbook: ")
    assert message(framework).metadata == {
        "event_type": "escalation_notice",
        "event_payload": {"event_key": "1234:1:escalated:1775138400000"},
    }


def test_user_text_is_escaped_and_cut_to_the_block_kit_limits(framework: Framework) -> None:
    built = message(framework, subject="<!channel> & " + "x" * 5000)
    assert len(built.blocks) <= 50
    header, summary, why, actions = built.blocks
    assert len(why["text"]["text"]) <= 3000
    assert len(header["text"]["text"]) <= 150
    assert len(summary["text"]["text"]) == 3000
    assert summary["text"]["text"].startswith(f"*<{TICKET_URL}|#1234 &lt;!channel&gt; &amp; xxx")
    assert summary["text"]["text"].endswith("x…")
    assert len(summary["fields"]) <= 10 and all(len(f["text"]) <= 2000 for f in summary["fields"])
    assert all(len(e["text"]["text"]) <= 75 for e in actions["elements"])
    assert len(actions["block_id"]) <= 255


def test_a_moved_event_names_the_level_it_reached(framework: Framework) -> None:
    moved = Event("moved", "1234", "first-response-breach", 2, "1775138400000", THURSDAY)
    assert "level 2 (Support manager), owner Jonas Becker" in message(framework, moved).text


def test_the_acknowledged_update_drops_the_button_and_says_who_and_when(
    framework: Framework,
) -> None:
    at = datetime(2026, 4, 7, 8, 42, tzinfo=UTC)
    update = acknowledged_message(message(framework), "Priya Nair", at, "Europe/Berlin")
    assert update.text.endswith(
        "Respond by Tue 7 Apr 2026, 11:00 CEST. Acknowledged by Priya Nair at 10:42."
    )
    actions, context = update.blocks[3], update.blocks[4]
    assert [e["action_id"] for e in actions["elements"]] == ["ticket", "playbook"]
    assert context == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "✅ Acknowledged by Priya Nair at 10:42"}],
    }
