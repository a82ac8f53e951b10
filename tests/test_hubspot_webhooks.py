"""Escalation events as workflow webhooks: the notify settings, the compiled WEBHOOK actions,
and the emulator's deliveries to a loopback server, signed as HubSpot signs them."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hubspot.crm.tickets import SimplePublicObjectInputForCreate
from hubspot.utils.signature import Signature

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import Owner, Settings, Webhook, compile_framework
from escalations.publish.hubspot.portal import Portal
from escalations.publish.hubspot.target import apply_portal, plan_portal
from escalations.publish.targets import NotifySettings, _hubspot, load_targets
from escalations.sandbox.hubspot.emulator import HubSpotEmulator

from .conftest import HUBSPOT_TOKEN
from .test_hubspot_contracts import problems

ROOT = Path(__file__).resolve().parents[1]


def _targets(tmp_path: Path, notify: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text("targets:\n  t:\n    notify:\n" + notify)
    return path


def test_the_sandbox_target_notifies_a_loopback_url_signed_with_the_app_secret():
    notify = load_targets(ROOT / "sync" / "targets.yaml")["sandbox"].notify
    assert notify == NotifySettings(
        "http://127.0.0.1:8790/hubspot/webhook", "signature", "HUBSPOT_CLIENT_SECRET", 1, None
    )


def test_a_key_target_names_its_header_and_the_variable_of_its_key(tmp_path):
    path = _targets(tmp_path, "      webhook_url: https://n.example.com/e?x=1\n"
                    "      auth: key\n      header: X-Key\n      secret_env: MY_KEY\n")  # fmt: skip
    notify = load_targets(path)["t"].notify
    assert notify == NotifySettings("https://n.example.com/e?x=1", "key", "MY_KEY", None, "X-Key")


@pytest.mark.parametrize(
    ("notify", "problem"),
    [
        (
            "      webhook_url: http://example.com/e\n      auth: key\n      header: X-Key\n",
            "4:20: error [schema] 'targets.t.notify.webhook_url' is 'http://example.com/e', not "
            "a valid webhook url: The notifier's public HTTPS URL (HubSpot accepts only HTTPS); "
            "plain http only for a loopback address (127.0.0.1, localhost, [::1]), for the "
            "sandbox, for example 'https://escalations.example.com/hubspot/webhook'.",
        ),
        (
            "      webhook_url: https://example.com/e\n      auth: signature\n",
            "4:7: error [schema] 'targets.t.notify' is missing the required key 'app_id'; add it.",
        ),
        (
            "      webhook_url: https://example.com/e\n      auth: key\n      header: X-K\n"
            "      app_id: 3\n",
            "7:7: error [schema] 'app_id' is not allowed in 'targets.t.notify': with auth: key "
            "HubSpot sends a key, not a signature, so an app id means nothing. Remove it.",
        ),
    ],
)
def test_a_wrong_notify_setting_is_one_clear_problem(tmp_path, notify, problem):
    path = _targets(tmp_path, notify)
    with pytest.raises(EscalationsError) as raised:
        load_targets(path)
    assert str(raised.value).splitlines()[1] == f"{path}:{problem}"


def test_the_secret_comes_from_the_environment_only(monkeypatch):
    notify = NotifySettings("https://n.example.com/e", "signature", "WH_TEST_SECRET", 1)
    monkeypatch.delenv("WH_TEST_SECRET", raising=False)
    assert notify.secret(sandbox=True) == "sandbox-webhook-secret"
    with pytest.raises(EscalationsError) as raised:
        notify.secret()
    assert str(raised.value) == (
        "WH_TEST_SECRET is not set; export the HubSpot app's client secret (notify.auth: "
        "signature in sync/targets.yaml)."
    )
    monkeypatch.setenv("WH_TEST_SECRET", "s3cret")
    assert notify.secret() == "s3cret"


# -- compile ------------------------------------------------------------------------------

HOOK = Webhook("https://n.example.com/hubspot/webhook", "signature", app_id=4242)


def _owners(framework: Framework) -> dict[str, Owner]:
    return {
        p.email.lower(): Owner(str(100 + i), str(900 + i)) for i, p in enumerate(framework.people)
    }


def _webhooks(flow: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in flow["actions"] if a["type"] == "WEBHOOK"]


def _static(value: str) -> dict[str, Any]:
    return {"type": "STATIC_VALUE", "staticValue": value}


def test_each_level_start_calls_the_notifier_right_after_its_owner_is_set(framework):
    compiled = compile_framework(framework, _owners(framework), Settings(webhook=HOOK))
    flow = compiled.flows["manager-request"]
    by_id = {a["actionId"]: a for a in flow["actions"]}
    hooks = _webhooks(flow)
    levels = framework.escalation_levels(framework.path("standard").id)
    assert len(hooks) == len(levels) == 3
    for number, hook in enumerate(hooks, start=1):
        before = by_id[str(int(hook["actionId"]) - 1)]
        assert before["fields"]["property_name"] == "hubspot_owner_id"
        assert hook == {
            "actionId": hook["actionId"],
            "type": "WEBHOOK",
            "method": "POST",
            "webhookUrl": "https://n.example.com/hubspot/webhook",
            "queryParams": [
                {"name": "trigger", "value": _static("manager-request")},
                {"name": "level", "value": _static(str(number))},
                {"name": "event", "value": _static("escalated" if number == 1 else "moved")},
                {"name": "ticket", "value": {"type": "OBJECT_PROPERTY",
                                             "propertyName": "hs_object_id"}},
                {"name": "escalated_at", "value": {"type": "OBJECT_PROPERTY",
                                                   "propertyName": "esc_escalated_at"}},
            ],
            "authSettings": {"type": "SIGNATURE", "appId": 4242},
            "connection": {"edgeType": "STANDARD",
                           "nextActionId": str(int(hook["actionId"]) + 1)},
        }  # fmt: skip
    assert all(len(_webhooks(f)) >= 1 for f in compiled.flows.values())
    assert not any(_webhooks(f) for f in compile_framework(
        framework, _owners(framework), Settings()).flows.values())  # fmt: skip


def test_a_key_webhook_sends_the_portal_secret_in_its_header(framework):
    hook = Webhook("https://n.example.com/e", "key", header="X-Key", secret_name="MY_KEY")
    compiled = compile_framework(framework, _owners(framework), Settings(webhook=hook))
    auths = {json.dumps(h["authSettings"]) for f in compiled.flows.values() for h in _webhooks(f)}
    assert auths == {
        json.dumps({"type": "AUTH_KEY", "location": "HEADER", "name": "X-Key",
                    "secretName": "MY_KEY"})
    }  # fmt: skip


def test_webhook_flows_meet_the_contract_and_keep_the_slack_action(framework):
    settings = Settings(slack_action_type="1-2345678", webhook=HOOK)
    compiled = compile_framework(framework, _owners(framework), settings)
    found = [f"{k}: {p}" for k, f in compiled.flows.items() for p in problems("flow-create", f)]
    assert not found, "\n".join(found)
    slack = [a for f in compiled.flows.values() for a in f["actions"]
             if a.get("actionTypeId") == "1-2345678"]  # fmt: skip
    assert slack and all(set(a["fields"]) == {"channel", "message"} for a in slack)


def test_the_notes_say_which_notifications_go_through_the_notifier(framework):
    compiled = compile_framework(framework, _owners(framework), Settings(webhook=HOOK))
    kinds = {n.kind: n for n in compiled.notes}
    assert "slack" not in kinds
    assert kinds["webhook"].summary == (
        "66 notifications go through the notifier's webhook (HubSpot calls notify.webhook_url "
        "where each level starts; the notifier tells Slack)"
    )
    assert "#support-escalations at level team-lead of manager-request" in kinds["webhook"].details


# -- the emulator delivers them -------------------------------------------------------------

SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"


class Receiver:
    """A real loopback HTTP server (threaded) that answers with scripted statuses."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def _deploy(framework: Framework, hook: Webhook) -> tuple[HubSpotEmulator, Any]:
    emulator = HubSpotEmulator(token=HUBSPOT_TOKEN, rate_limit=None)
    emulator.start()
    for person in framework.people:
        first, _, last = person.name.partition(" ")
        emulator.add_owner(person.email, first, last)
    emulator.webhooks.apps[4242] = SECRET
    emulator.webhooks.secrets["MY_KEY"] = "k3y"
    client = _hubspot(HUBSPOT_TOKEN, emulator.base_url)
    portal = Portal(client, "esc_")
    state = portal.observe()
    compiled = compile_framework(framework, state.owners, Settings(webhook=hook))
    changes = plan_portal(compiled, state, allow_delete=False, force=False, enable=True)
    apply_portal(portal, compiled, state, changes, enable=True)
    return emulator, client


def _escalate(client: Any) -> str:
    request = SimplePublicObjectInputForCreate(
        properties={"subject": "Please escalate this", "hs_pipeline_stage": "1"}
    )
    return str(
        client.crm.tickets.basic_api.create(simple_public_object_input_for_create=request).id
    )


def _query(path: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(path).query))


def test_the_emulator_posts_the_ticket_signed_as_hubspot_signs_it(framework, receiver):
    emulator, client = _deploy(framework, Webhook(f"{receiver.base}/events", "signature",
                                                  app_id=4242))  # fmt: skip
    try:
        ticket = _escalate(client)
        values = emulator.ticket(ticket)
        [sent] = receiver.requests
        assert urlsplit(sent["path"]).path == "/events"
        assert _query(sent["path"]) == {
            "trigger": values["esc_trigger"],
            "level": "1",
            "event": "escalated",
            "ticket": ticket,
            "escalated_at": values["esc_escalated_at"],
        }
        body = json.loads(sent["body"])
        assert body["id"] == ticket and body["archived"] is False
        assert body["properties"]["subject"] == "Please escalate this"
        assert body["properties"]["hubspot_owner_id"] == values["hubspot_owner_id"]
        headers = sent["headers"]
        assert Signature.is_valid(
            signature=headers["X-HubSpot-Signature-v3"],
            client_secret=SECRET,
            request_body=sent["body"].decode(),
            http_uri=receiver.base + sent["path"],
            http_method="POST",
            signature_version="v3",
            timestamp=headers["X-HubSpot-Request-Timestamp"],
        )
        assert not Signature.is_valid(
            signature=headers["X-HubSpot-Signature-v3"],
            client_secret="another-secret",
            request_body=sent["body"].decode(),
            http_uri=receiver.base + sent["path"],
            http_method="POST",
            signature_version="v3",
            timestamp=headers["X-HubSpot-Request-Timestamp"],
        )
        [delivery] = emulator.webhooks.deliveries
        assert (delivery.state, [a.status for a in delivery.attempts]) == ("DELIVERED", [200])

        emulator.advance(timedelta(hours=2))  # level 1 was not acknowledged: it moves on
        moved = receiver.requests[1]
        assert {k: _query(moved["path"])[k] for k in ("level", "event", "ticket")} == {
            "level": "2",
            "event": "moved",
            "ticket": ticket,
        }
    finally:
        emulator.stop()


def test_a_5xx_is_retried_on_the_emulator_clock_and_a_4xx_is_not(framework, receiver):
    hook = Webhook(f"{receiver.base}/e?src=hs", "key", header="X-Key", secret_name="MY_KEY")
    emulator, client = _deploy(framework, hook)
    try:
        receiver.statuses = [503]
        _escalate(client)
        [delivery] = emulator.webhooks.deliveries
        assert (delivery.state, [a.status for a in delivery.attempts]) == ("PENDING", [503])
        assert len(receiver.requests) == 1
        emulator.advance(timedelta(seconds=59))
        assert len(receiver.requests) == 1
        emulator.advance(timedelta(seconds=1))
        assert (delivery.state, [a.status for a in delivery.attempts]) == ("DELIVERED", [503, 200])
        first, again = receiver.requests
        assert first["body"] == again["body"] and first["path"] == again["path"]
        assert again["headers"]["X-Key"] == "k3y"
        assert "X-HubSpot-Signature-v3" not in again["headers"]
        assert _query(again["path"])["src"] == "hs"

        receiver.statuses = [404]
        _escalate(client)
        refused = emulator.webhooks.deliveries[-1]
        emulator.advance(timedelta(minutes=5))
        assert (refused.state, [a.status for a in refused.attempts]) == ("FAILED", [404])
    finally:
        emulator.stop()


def test_an_unreachable_notifier_is_retried_with_growing_gaps_then_given_up(framework):
    emulator, client = _deploy(framework, Webhook("http://127.0.0.1:9/e", "signature",
                                                  app_id=4242))  # fmt: skip
    try:
        _escalate(client)
        delivery = emulator.webhooks.deliveries[0]
        assert [a.status for a in delivery.attempts] == [None]
        emulator.advance(timedelta(days=4))
        gaps = [
            datetime.fromisoformat(b.at) - datetime.fromisoformat(a.at)
            for a, b in itertools.pairwise(delivery.attempts)
        ]
        assert gaps[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
        assert max(gaps) == timedelta(hours=8)
        assert delivery.state == "FAILED"
    finally:
        emulator.stop()
