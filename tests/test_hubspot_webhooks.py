"""Escalation events as workflow webhooks: the notify settings, the compiled WEBHOOK actions,
and the emulator's deliveries to a loopback server, signed as HubSpot signs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalations.errors import EscalationsError
from escalations.publish.targets import NotifySettings, load_targets

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
