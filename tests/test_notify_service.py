"""The notifier's service under uvicorn on loopback: HubSpot's webhook, Slack's button, health."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.tickets import SimplePublicObjectInputForCreate
from hubspot.utils.signature import Signature
from slack_sdk import WebClient

from escalations.model.framework import Framework
from escalations.notify.acks import Acknowledgements
from escalations.notify.events import Event
from escalations.notify.message import ACK_ACTION, build_message, response_due
from escalations.notify.outbox import Outbox
from escalations.notify.receive import Receiver, Settings
from escalations.notify.service import build_app, serving
from escalations.notify.verify import Secrets
from escalations.publish.hubspot.compile import Settings as CompileSettings
from escalations.publish.hubspot.compile import Webhook, compile_framework
from escalations.publish.hubspot.portal import Portal
from escalations.publish.hubspot.target import apply_portal, plan_portal
from escalations.publish.targets import _hubspot
from escalations.sandbox.hubspot import HubSpotEmulator
from escalations.sandbox.hubspot.shapes import parse_time
from escalations.sandbox.slack import SlackEmulator

from .conftest import HUBSPOT_TOKEN

CLIENT_SECRET = "client-secret-of-app-4242"
SIGNING_SECRET = "slack-signing-secret"
SECRETS = Secrets(SIGNING_SECRET, hubspot_client_secret=CLIENT_SECRET)
TRIGGER = "first-response-breach"
QUERY = {"trigger": TRIGGER, "level": "1", "event": "escalated", "ticket": "1234",
         "escalated_at": "1767970800000"}  # fmt: skip
LIMIT = 64 * 1024
OWNER = "maya.okafor@example.com"


@dataclass
class Running:
    base: str
    outbox: Outbox
    acks: Acknowledgements
    receiver: Receiver
    hubspot: HubSpotEmulator


@pytest.fixture
def service(
    tmp_path: Path, framework: Framework, hubspot_emulator: HubSpotEmulator
) -> Iterator[Running]:
    outbox = Outbox.open(tmp_path / "outbox.db")
    acks = Acknowledgements.open(tmp_path / "outbox.db")
    client = _hubspot(HUBSPOT_TOKEN, hubspot_emulator.base_url)
    settings = Settings(max_body=LIMIT, reread_attempts=2, max_delay=0.01, retry_every=3600)
    app = build_app(outbox, acks, framework, SECRETS, client, lambda: datetime.now(UTC),
                    settings=settings)  # fmt: skip
    with serving(app) as base:
        yield Running(base, outbox, acks, app.state.receiver, hubspot_emulator)
    outbox.close()
    acks.close()


def _post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=10) as client:
        return client.post(url, content=body, headers=headers)


def _signed(url: str, body: bytes, *, at: float | None = None,
            secret: str = CLIENT_SECRET) -> dict[str, str]:  # fmt: skip
    stamp = str(int((time.time() if at is None else at) * 1000))
    signature = Signature.get_signature(secret, body.decode(), "v3", url, "POST", stamp)
    return {"Content-Type": "application/json", "X-HubSpot-Signature-v3": signature,
            "X-HubSpot-Request-Timestamp": stamp}  # fmt: skip


def _webhook(service: Running, body: bytes, query: dict[str, str] = QUERY, **sign: Any
             ) -> httpx.Response:  # fmt: skip
    url = f"{service.base}/hubspot/webhook?{urlencode(query)}"
    return _post(url, body, _signed(url, body, **sign))


def test_a_signed_webhook_is_recorded_once(service: Running) -> None:
    body = b'{"id": "1234", "properties": {"subject": "Down"}}'
    first = _webhook(service, body)
    assert (first.status_code, first.json()) == (
        200, {"event": f"1234:1:escalated:{QUERY['escalated_at']}", "recorded": True},
    )  # fmt: skip
    again = _webhook(service, body)  # HubSpot retries: the same event, one record
    assert again.json()["recorded"] is False
    deliveries = service.outbox.deliveries()
    assert [d.recipient for d in deliveries] == ["team:support-leads", "#support-escalations"]
    assert service.outbox.event(deliveries[0].event_key) == Event(
        "escalated", "1234", TRIGGER, 1, QUERY["escalated_at"],
        service.outbox.event(deliveries[0].event_key).occurred_at,
    )  # fmt: skip


def test_unsigned_badly_signed_and_stale_webhooks_are_refused(service: Running) -> None:
    body = b'{"id": "1234"}'
    url = f"{service.base}/hubspot/webhook?{urlencode(QUERY)}"
    assert _post(url, body, {"Content-Type": "application/json"}).status_code == 401
    assert _webhook(service, body, secret="another-secret").status_code == 401
    assert _webhook(service, body, at=time.time() - 301).status_code == 401
    tampered = _signed(url, body)
    assert _post(url, b'{"id": "9999"}', tampered).status_code == 401
    v1 = Signature.get_signature(CLIENT_SECRET, body.decode(), "v1")
    accepted = _post(url, body, {"X-HubSpot-Signature": v1, "X-HubSpot-Signature-Version": "v1"})
    assert accepted.status_code == 200
    assert service.outbox.deliveries() != []
    assert service.receiver.requests[("/hubspot/webhook", 401)] == 4


def test_an_oversized_body_is_413_and_malformed_json_400(service: Running) -> None:
    big = b'{"id": "' + b"x" * LIMIT + b'"}'
    assert _webhook(service, big).status_code == 413
    malformed = _webhook(service, b'{"id": ')
    assert (malformed.status_code, malformed.json()) == (400, {"error": "the body is not JSON"})
    assert service.outbox.deliveries() == []


def _ticket(hubspot: HubSpotEmulator, **properties: str) -> str:
    client = HubSpot(access_token=HUBSPOT_TOKEN, host=hubspot.base_url)
    request = SimplePublicObjectInputForCreate(
        properties={"subject": "Please escalate this", **properties}
    )
    return str(
        client.crm.tickets.basic_api.create(simple_public_object_input_for_create=request).id
    )


def _deployed(framework: Framework, service: Running) -> HubSpot:
    """The framework published to the emulator, its webhook calling the service."""
    service.hubspot.webhooks.apps[4242] = CLIENT_SECRET
    client = _hubspot(HUBSPOT_TOKEN, service.hubspot.base_url)
    portal = Portal(client, "esc_")
    state = portal.observe()
    hook = Webhook(f"{service.base}/hubspot/webhook", "signature", app_id=4242)
    compiled = compile_framework(framework, state.owners, CompileSettings(webhook=hook))
    changes = plan_portal(compiled, state, allow_delete=False, force=False, enable=True)
    apply_portal(portal, compiled, state, changes, enable=True)
    return client


def test_the_emulators_workflow_call_is_recorded(framework: Framework, service: Running) -> None:
    _deployed(framework, service)
    ticket = _ticket(service.hubspot, hs_pipeline_stage="1")
    values = service.hubspot.ticket(ticket)
    [delivery] = service.hubspot.webhooks.deliveries
    assert [a.status for a in delivery.attempts] == [200]
    keys = {d.event_key for d in service.outbox.deliveries()}
    assert keys == {f"{ticket}:1:escalated:{values['esc_escalated_at']}"}


def test_the_response_due_time_in_business_time_is_written_to_the_ticket(
    framework: Framework, service: Running
) -> None:
    _deployed(framework, service)
    ticket = _ticket(service.hubspot, hs_pipeline_stage="1")
    [key] = {d.event_key for d in service.outbox.deliveries()}
    event = service.outbox.event(key)
    expected = str(int(response_due(framework, event).timestamp() * 1000))
    deadline = time.monotonic() + 10  # written once the answer is sent
    while time.monotonic() < deadline and not service.hubspot.ticket(ticket)["esc_response_due_at"]:
        time.sleep(0.02)
    assert parse_time(str(service.hubspot.ticket(ticket)["esc_response_due_at"])) == parse_time(
        expected
    )


def test_a_webhook_lacking_the_esc_fields_re_reads_the_ticket(
    framework: Framework, service: Running
) -> None:
    _deployed(framework, service)
    ticket = _ticket(service.hubspot, hs_pipeline_stage="1")
    values = service.hubspot.ticket(ticket)
    service.hubspot.reset_counts()
    answer = _webhook(service, json.dumps({"id": ticket}).encode(),
                      {"event": "escalated", "ticket": ticket})  # fmt: skip
    assert answer.status_code == 200
    level = str(int(float(values["esc_level"] or 0)))
    key = f"{ticket}:{level}:escalated:{values['esc_escalated_at']}"
    assert answer.json() == {"event": key, "recorded": False}  # the workflow's call came first
    assert service.hubspot.requests[("GET", "/crm/v3/objects/tickets/{ticketId}")] == 1


def test_hubspot_down_during_the_re_read_is_503_and_an_unknown_ticket_200(
    service: Running,
) -> None:
    service.hubspot.inject(503, times=5)
    down = _webhook(service, b'{"id": "1234"}', {"event": "escalated", "ticket": "1234"})
    assert (down.status_code, down.json()) == (
        503,
        {"error": "HubSpot did not answer; retry later"},
    )
    service.hubspot.clear_faults()
    unknown = _webhook(service, b'{"id": "404404"}', {"event": "escalated", "ticket": "404404"})
    assert (unknown.status_code, unknown.json()) == (200, {"ignored": "unknown ticket"})
    assert service.outbox.deliveries() == []


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackEmulator]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    emulator = SlackEmulator(rate_limits=False)
    emulator.start()
    emulator.add_user(OWNER, "Maya Okafor")
    yield emulator
    emulator.stop()


def _notice(framework: Framework, service: Running, slack: SlackEmulator) -> tuple[str, str]:
    """A ticket escalated through the workflow and its message posted: (ticket id, message ts)."""
    _deployed(framework, service)
    ticket = _ticket(service.hubspot, hs_pipeline_stage="1")
    [delivery, *_] = service.outbox.deliveries()
    event = service.outbox.event(delivery.event_key)
    links = {"ticket_url": "https://app.hubspot.com/t", "playbook_url": "https://n.so/p"}
    message = build_message(framework, event, {"subject": "Down"}, company=None, **links)
    channel = slack.add_channel("support-escalations")
    client = WebClient(token=slack.token, base_url=slack.base_url + "/api/")
    posted = client.chat_postMessage(
        channel=channel, text=message.text, blocks=list(message.blocks)
    )
    return ticket, str(posted["ts"])


def test_a_slack_click_acknowledges_the_ticket(
    framework: Framework, service: Running, slack: SlackEmulator
) -> None:
    ticket, ts = _notice(framework, service, slack)
    url = f"{service.base}/slack/interactivity"
    assert slack.click(ts, ACK_ACTION, OWNER, url, "wrong-secret").status == 401
    stale = slack.click(
        ts, ACK_ACTION, OWNER, url, SIGNING_SECRET, timestamp=int(time.time()) - 301
    )
    assert stale.status == 401
    clicked = slack.click(ts, ACK_ACTION, OWNER, url, SIGNING_SECRET)
    assert (clicked.status, clicked.body) == (200, b"")
    values = service.hubspot.ticket(ticket)
    assert values["esc_status"] == "acknowledged"
    key = clicked.payload["actions"][0]["value"]
    ack = service.acks.get(key)
    assert ack is not None and (ack.state, ack.user_name) == ("written", "maya.okafor")
    assert values["esc_acknowledged_at"] is not None
    acked = {d.event_key for d in service.outbox.deliveries()} - {key}
    [acked_key] = acked
    assert acked_key.split(":")[2] == "acknowledged"
    assert slack.click(ts, ACK_ACTION, OWNER, url, SIGNING_SECRET).status == 200
    assert service.acks.pending() == 0


def test_hubspot_down_at_acknowledgement_keeps_it_and_retries(
    framework: Framework, service: Running, slack: SlackEmulator
) -> None:
    ticket, ts = _notice(framework, service, slack)
    service.hubspot.inject(503, times=1, method="PATCH")
    clicked = slack.click(ts, ACK_ACTION, OWNER, f"{service.base}/slack/interactivity",
                          SIGNING_SECRET)  # fmt: skip
    assert clicked.status == 200
    assert service.hubspot.ticket(ticket)["esc_status"] == "open"
    key = clicked.payload["actions"][0]["value"]
    kept = service.acks.get(key)
    assert kept is not None and (kept.state, kept.attempts) == ("pending", 1)
    assert kept.cause is not None and "503" in kept.cause
    assert service.receiver.retry_acknowledgements() == {}  # not due yet: a minute's backoff
    service.receiver.clock = lambda: datetime.now(UTC) + Settings().first_backoff
    assert service.receiver.retry_acknowledgements() == {key: "written"}
    assert service.hubspot.ticket(ticket)["esc_status"] == "acknowledged"


def test_healthz_and_metrics_tell_the_outbox_and_the_requests(service: Running) -> None:
    with httpx.Client(trust_env=False) as client:
        assert client.get(f"{service.base}/healthz").json() == {"status": "ok", "outbox_depth": 0}
        _webhook(service, b'{"id": "1234"}')
        _webhook(service, b"{", secret="nope")
        assert client.get(f"{service.base}/healthz").json()["outbox_depth"] == 2
        metrics = client.get(f"{service.base}/metrics")
    assert metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    lines = metrics.text.splitlines()
    assert "escalations_outbox_depth 2" in lines
    assert 'escalations_outbox_deliveries{state="pending"} 2' in lines
    assert 'escalations_failures_total{cause="unauthenticated"} 1' in lines
    assert 'escalations_requests_total{route="/hubspot/webhook",status="200"} 1' in lines
    assert 'escalations_requests_total{route="/hubspot/webhook",status="401"} 1' in lines
    assert 'escalations_requests_total{route="/healthz",status="200"} 2' in lines
    assert any(line.startswith("escalations_outbox_lag_seconds ") for line in lines)


def test_serve_without_the_slack_signing_secret_is_one_clear_error(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    result = cli("notify", "serve")
    assert result.code == 1
    assert (
        result.err.strip()
        .splitlines()[-1]
        .endswith(
            "SLACK_SIGNING_SECRET is not set; export the Slack app's signing secret (Basic "
            "Information)."
        )
    )
