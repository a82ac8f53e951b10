"""Escalation events as workflow webhooks: the notify settings, the compiled WEBHOOK actions,
and the emulator's deliveries to a loopback server, signed as HubSpot signs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import Owner, Settings, Webhook, compile_framework
from escalations.publish.targets import NotifySettings, load_targets

from .test_hubspot_contracts import problems

ROOT = Path(__file__).resolve().parents[1]


def _targets(tmp_path: Path, notify: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text("targets:\n  t:\n    notify:\n" + notify)
    return path


def test_the_sandbox_target_notifies_a_loopback_url_signed_with_the_app_secret():
    notify = load_targets(ROOT / "sync" / "targets.yaml")["sandbox"].notify
    assert notify == NotifySettings(
        "http://127.0.0.1:8790/hubspot/events", "signature", "HUBSPOT_CLIENT_SECRET", 1, None
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
            "sandbox, for example 'https://escalations.example.com/hubspot/events'.",
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

HOOK = Webhook("https://n.example.com/hubspot/events", "signature", app_id=4242)


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
            "webhookUrl": "https://n.example.com/hubspot/events",
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
