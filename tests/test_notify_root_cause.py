"""A resolved escalation asks its owner for the root cause; the choice is written to the ticket."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hubspot.crm.tickets import SimplePublicObjectInput

from escalations.model.framework import Framework
from escalations.notify.deliver import Ticket, Worker
from escalations.notify.events import Event
from escalations.notify.message import ROOT_CAUSE_ACTION, root_cause_question
from escalations.notify.slackapi import slack_client
from escalations.sandbox.slack import SlackEmulator
from escalations.sandbox.slack.blocks import check_blocks
from escalations.sandbox.slack.click import block_actions, sign

from .test_notify_service import SIGNING_SECRET, Running, _deployed, _ticket, service

__all__ = ["service"]  # the notifier's service fixture

PRIYA = "priya.nair@acmecloud.example"
LINKS = "https://app.hubspot.com/contacts/42/ticket/"
AT = datetime(2026, 1, 9, 15, 0, tzinfo=UTC)


def test_the_question_offers_the_framework_root_causes_in_a_static_select(
    framework: Framework,
) -> None:
    event = Event("resolved", "1234", "manager-request", 1, "1767970800000", AT)
    message = root_cause_question(framework, event, {"subject": "Down"}, ticket_url=LINKS)
    assert check_blocks(list(message.blocks)) == []
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    assert actions["block_id"] == "rc:1234:1:resolved:1767970800000"
    select = actions["elements"][0]
    assert (select["type"], select["action_id"]) == ("static_select", ROOT_CAUSE_ACTION)
    assert [(o["text"]["text"], o["value"]) for o in select["options"]] == [
        (c.name, c.id) for c in framework.root_causes
    ]
    assert message.text == (
        "Resolved: ticket 1234 “Down”. Trigger: Customer asks for a manager. "
        "What was the root cause?"
    )


def _select(**changes: Any) -> list[dict[str, Any]]:
    option = {"text": {"type": "plain_text", "text": "Product defect"}, "value": "product-defect"}
    select = {"type": "static_select", "action_id": "root_cause", "options": [option]} | changes
    return [{"type": "actions", "elements": [select]}]


def test_the_slack_emulator_holds_a_static_select_to_slacks_limits() -> None:
    assert check_blocks(_select()) == []
    option = {"text": {"type": "plain_text", "text": "x"}, "value": "v"}
    assert check_blocks(_select(options=[option] * 101)) == [
        "no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]"
    ]
    long_text = {"text": {"type": "plain_text", "text": "x" * 76}, "value": "v"}
    long_value = {"text": {"type": "plain_text", "text": "x"}, "value": "v" * 151}
    assert check_blocks(_select(options=[long_text, long_value])) == [
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]",
        "must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/1/value]",
    ]
    assert check_blocks(_select(options=[])) == [
        "must be a non-empty array [json-pointer:/blocks/0/elements/0/options]"
    ]


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackEmulator]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    emulator = SlackEmulator(rate_limits=False)
    emulator.start()
    emulator.add_user(PRIYA, "Priya Nair")
    emulator.add_channel("support-leads")
    yield emulator
    emulator.stop()


def _resolved(framework: Framework, service: Running, slack: SlackEmulator) -> tuple[str, str]:
    """A ticket escalated and closed through the workflows, and the question the worker
    posted to the owner: (ticket id, the question's ts)."""
    client = _deployed(framework, service)
    ticket = _ticket(service.hubspot, hs_pipeline_stage="1")
    update = SimplePublicObjectInput(properties={"hs_pipeline_stage": "4"})
    client.crm.tickets.basic_api.update(ticket, simple_public_object_input=update)
    resolved = [d for d in service.outbox.deliveries() if ":resolved:" in d.event_key]
    assert [d.recipient for d in resolved] == ["team:support-leads"]  # the owner only
    for delivery in service.outbox.deliveries():
        if delivery.event_key not in {d.event_key for d in resolved}:
            # Told already, as far as this test goes: only the question is posted.
            service.outbox.mark_sending(delivery.id, AT)
            service.outbox.mark_sent(delivery.id, "C-elsewhere", "1.0", AT)
    slack_web = slack_client(slack.token, slack.base_url + "/api/")
    service.receiver.slack = slack_web  # build_app does not take a Slack client yet

    def read(event: Event) -> Ticket:
        return Ticket({"subject": "Please escalate this"}, None, LINKS + event.ticket_id, "")

    worker = Worker(service.outbox, slack_web, framework, ticket=read, clock=lambda: AT)
    assert worker.run_once().sent == 1
    [question] = slack.messages("#support-leads")
    return ticket, question.ts


def test_a_chosen_root_cause_is_written_to_the_ticket_and_said_in_the_message(
    framework: Framework, service: Running, slack: SlackEmulator
) -> None:
    ticket, ts = _resolved(framework, service, slack)
    url = f"{service.base}/slack/interactivity"
    with pytest.raises(KeyError, match="has no option 'no-such-cause'"):
        slack.click(ts, ROOT_CAUSE_ACTION, PRIYA, url, SIGNING_SECRET, option="no-such-cause")
    chosen = slack.click(ts, ROOT_CAUSE_ACTION, PRIYA, url, SIGNING_SECRET, option="product-defect")
    assert (chosen.status, chosen.body) == (200, b"")
    assert service.hubspot.ticket(ticket)["esc_root_cause"] == "product-defect"
    deadline = time.monotonic() + 10  # the message is updated once the answer is sent
    while time.monotonic() < deadline and len(slack.message(ts).blocks or []) < 4:
        time.sleep(0.02)
    blocks = slack.message(ts).blocks or []
    assert (
        blocks[-1]["elements"][0]["text"] == "✅ Root cause: Product defect, recorded by Priya Nair"
    )
    assert all(
        e.get("action_id") != ROOT_CAUSE_ACTION for b in blocks for e in b.get("elements", [])
    )


def test_an_unknown_root_cause_is_refused_with_a_log_and_nothing_written(
    framework: Framework, service: Running, slack: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    ticket, ts = _resolved(framework, service, slack)
    message = slack.message(ts)
    user = slack._store.user_by_email(PRIYA)  # the emulator's user, to forge a choice
    assert user is not None
    channel = slack.channel(message.channel)
    now = int(time.time())
    payload = block_actions(message, channel, user, ROOT_CAUSE_ACTION, now, "product-defect")
    payload["actions"][0]["selected_option"]["value"] = "aliens"
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = int(time.time())
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Slack-Request-Timestamp": str(stamp),
               "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body)}  # fmt: skip
    level = caplog.at_level(logging.INFO, logger="escalations.notify")
    with level, httpx.Client(trust_env=False, timeout=10) as client:
        answer = client.post(f"{service.base}/slack/interactivity", content=body, headers=headers)
    assert answer.status_code == 200
    assert service.hubspot.ticket(ticket).get("esc_root_cause") in (None, "")
    [line] = [json.loads(r.getMessage()) for r in caplog.records
              if '"unknown_root_cause"' in r.getMessage()]  # fmt: skip
    assert (line["value"], line["user"], line["known"]) == (
        "aliens", payload["user"]["id"], [c.id for c in framework.root_causes],
    )  # fmt: skip
