"""HubSpot failures through hubspot-api-client: retried by HubSpot's rules, or one clear line."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import Settings, compile_framework
from escalations.publish.hubspot.http import Caller, RemoteValueError
from escalations.publish.hubspot.portal import Portal
from escalations.publish.hubspot.target import apply_portal, plan_portal
from escalations.publish.plan import PENDING
from escalations.publish.targets import _hubspot, sandbox_lock
from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from tests.conftest import FRAMEWORK, HUBSPOT_TOKEN, Result

TOKEN = HUBSPOT_TOKEN


@pytest.fixture
def emulator(hubspot_emulator: HubSpotEmulator) -> HubSpotEmulator:
    return hubspot_emulator


def portal_of(base_url: str, *, token: str = TOKEN, timeout: float = 30.0) -> Portal:
    caller = Caller(base_url, max_delay=0.05, timeout=(1.0, timeout))
    return Portal(_hubspot(token, base_url), "esc_", caller=caller)


def deploy(portal: Portal, framework: Framework) -> list[str]:
    state = portal.observe()
    compiled = compile_framework(framework, state.owners, Settings())
    changes = plan_portal(compiled, state, allow_delete=False, force=False)
    apply_portal(portal, compiled, state, changes)
    return [f"{c.action} {c.kind} {c.key}" for c in changes if c.action in PENDING]


def failure(action: Callable[[], object]) -> str:
    with pytest.raises(EscalationsError) as caught:
        action()
    return str(caught.value)


def test_a_wrong_token_is_one_line(emulator: HubSpotEmulator) -> None:
    message = failure(portal_of(emulator.base_url, token="wrong").observe)
    assert message == (
        "HubSpot rejected the token (401 INVALID_AUTHENTICATION); set HUBSPOT_ACCESS_TOKEN to "
        "the private app's token or a service key."
    )


def test_a_missing_scope_names_the_scopes(emulator: HubSpotEmulator) -> None:
    emulator.inject(403, times=10, route="/automation/v4/flows")
    message = failure(portal_of(emulator.base_url).observe)
    assert message.startswith("HubSpot refused listing the workflows (403 MISSING_SCOPES)")
    assert "tickets, crm.objects.owners.read and automation" in message


def test_a_closed_port_is_reported_after_three_tries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    message = failure(portal_of(base_url).observe)
    assert message.startswith(f"cannot reach HubSpot at {base_url} while reading the ticket")
    assert "after 3 attempts; check the network and hubspot.base_url" in message


def test_reads_are_retried_after_a_5xx(emulator: HubSpotEmulator, framework: Framework) -> None:
    emulator.inject(503, times=2, method="GET", route="/automation/v4/flows")
    assert "create group esc_escalation" in deploy(portal_of(emulator.base_url), framework)
    assert emulator.requests[("GET", "/automation/v4/flows")] == 3


def test_a_stalled_read_times_out_and_is_retried(
    emulator: HubSpotEmulator, framework: Framework
) -> None:
    emulator.inject(200, times=1, route="/crm/v3/owners", delay=1.5)
    state = portal_of(emulator.base_url, timeout=0.3).observe()
    assert len(state.owners) == len(framework.people)
    assert emulator.requests[("GET", "/crm/v3/owners")] == 2


def test_rate_limits_on_every_try_end_in_one_line(emulator: HubSpotEmulator) -> None:
    emulator.inject(429, times=50, route="/crm/v3/properties/{objectType}/groups")
    message = failure(portal_of(emulator.base_url).observe)
    assert message == (
        "HubSpot answered 429 to reading the ticket property groups 6 times; try again later "
        "(apply is safe to run again)."
    )


@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("POST", "/crm/v3/properties/{objectType}/groups"),
        ("POST", "/crm/v3/properties/{objectType}"),
        ("POST", "/automation/v4/flows"),
    ],
)
@pytest.mark.parametrize("commit", [False, True])
def test_a_5xx_on_a_write_converges_in_one_run(
    emulator: HubSpotEmulator, framework: Framework, method: str, route: str, commit: bool
) -> None:
    """Whether or not the write landed before the 5xx, one run ends with it made once."""
    emulator.inject(502, times=1, method=method, route=route, commit=commit)
    portal = portal_of(emulator.base_url)
    deploy(portal, framework)
    assert deploy(portal, framework) == []
    state = portal.observe()
    assert state.duplicates == {}
    assert len(state.flows) == len([t for t in framework.triggers if t.enabled]) + 1  # resolved


def test_a_5xx_on_a_flow_update_converges(emulator: HubSpotEmulator, framework: Framework) -> None:
    portal = portal_of(emulator.base_url)
    deploy(portal, framework)
    emulator.inject(500, times=1, method="PUT", route="/automation/v4/flows/{flowId}", commit=True)
    state = portal.observe()
    compiled = compile_framework(framework, state.owners, Settings())
    changes = plan_portal(compiled, state, allow_delete=False, force=False, enable=True)
    apply_portal(portal, compiled, state, changes, enable=True)
    assert all(f["isEnabled"] for f in portal.observe().flows.values())


def test_a_value_the_sdk_cannot_read_names_the_object_and_field(
    emulator: HubSpotEmulator,
) -> None:
    emulator.human_edit_property("subject", displayOrder="first")
    with pytest.raises(RemoteValueError) as caught:
        portal_of(emulator.base_url).observe()
    assert str(caught.value) == (
        "HubSpot sent a value hubspot-api-client cannot read while reading the ticket "
        "properties: results > name 'subject' displayOrder is 'first', not an integer; correct "
        "it in HubSpot, then run the command again."
    )


def test_the_cli_says_one_line_and_exits_1(
    emulator: HubSpotEmulator,
    tmp_path: Path,
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n  portal:\n    hubspot:\n      property_prefix: esc_\n"
        f"      base_url: {emulator.base_url}\n"
    )
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "not-the-token")
    result = cli("plan", "-f", str(FRAMEWORK), "-t", "portal", "--targets-file", str(targets))
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "error: HubSpot rejected the token (401 INVALID_AUTHENTICATION); set "
        "HUBSPOT_ACCESS_TOKEN to the private app's token or a service key."
    ]
    assert "Traceback" not in result.out + result.err


def test_two_local_runs_on_the_sandbox_wait_for_each_other(tmp_path: Path) -> None:
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait()
        with sandbox_lock(tmp_path):
            order.append("second")

    waiter = threading.Thread(target=second)
    waiter.start()
    with sandbox_lock(tmp_path):
        inside.set()
        waiter.join(timeout=0.5)
        assert waiter.is_alive()  # still waiting for the lock
        order.append("first")
    waiter.join(timeout=5)
    assert order == ["first", "second"]
