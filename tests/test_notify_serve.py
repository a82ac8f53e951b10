"""`escalations notify serve` as a process: HubSpot's workflow call in, the owner told in Slack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from hubspot import HubSpot
from hubspot.crm.tickets import SimplePublicObjectInputForCreate

from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import Settings, Webhook, compile_framework
from escalations.publish.hubspot.portal import Portal
from escalations.publish.hubspot.target import apply_portal, plan_portal
from escalations.publish.targets import _hubspot
from escalations.sandbox.hubspot import HubSpotEmulator
from escalations.sandbox.slack import SlackEmulator

from .conftest import FRAMEWORK, HUBSPOT_TOKEN

SECRET = "serve-test-client-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_service_records_the_workflow_call_and_its_worker_tells_the_owner(
    tmp_path: Path, framework: Framework, hubspot_emulator: HubSpotEmulator
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hubspot/webhook"
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n  portal:\n    hubspot:\n      property_prefix: esc_\n"
        f"      base_url: {hubspot_emulator.base_url}\n"
        f"    notify:\n      webhook_url: {url}\n      auth: signature\n      app_id: 7\n"
    )
    with SlackEmulator(rate_limits=False) as slack:
        for person in framework.people:
            slack.add_user(person.email, person.name)
        for team in framework.teams:
            slack.add_channel(team.slack_channel)
        slack.add_channel("support-escalations")
        env = {**os.environ, "HUBSPOT_ACCESS_TOKEN": HUBSPOT_TOKEN, "HUBSPOT_CLIENT_SECRET": SECRET,
               "SLACK_SIGNING_SECRET": "signing", "SLACK_BOT_TOKEN": slack.token,
               "SLACK_API_URL": slack.base_url + "/api/"}  # fmt: skip
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(proxy, None)
        command = [sys.executable, "-m", "escalations", "notify", "serve", "-f", str(FRAMEWORK),
                   "-t", "portal", "--targets-file", str(targets), "--port", str(port),
                   "--outbox", str(tmp_path / "outbox.sqlite")]  # fmt: skip
        service = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            _wait_healthy(f"http://127.0.0.1:{port}/healthz", service)
            hubspot_emulator.webhooks.apps[7] = SECRET
            _deploy(framework, hubspot_emulator, Webhook(url, "signature", app_id=7))
            client = HubSpot(access_token=HUBSPOT_TOKEN, host=hubspot_emulator.base_url)
            subject = "I want to speak to a manager about this invoice"
            request = SimplePublicObjectInputForCreate(
                properties={"subject": subject, "hs_pipeline_stage": "1"}
            )
            ticket = client.crm.tickets.basic_api.create(
                simple_public_object_input_for_create=request
            )
            [delivery] = hubspot_emulator.webhooks.deliveries
            assert [a.status for a in delivery.attempts] == [200]
            told = _wait_for_messages(slack, "support-leads")
        finally:
            service.terminate()
            log = service.communicate(timeout=10)[1]
    assert len(told) == 1, f"the owner was not told; the service's log:\n{log[-5000:]}"
    assert f"ticket {ticket.id}" in told[0].text and "Customer asks for a manager" in told[0].text


def _deploy(framework: Framework, hub: HubSpotEmulator, hook: Webhook) -> None:
    portal = Portal(_hubspot(HUBSPOT_TOKEN, hub.base_url), "esc_")
    state = portal.observe()
    compiled = compile_framework(framework, state.owners, Settings(webhook=hook))
    changes = plan_portal(compiled, state, allow_delete=False, force=False, enable=True)
    apply_portal(portal, compiled, state, changes, enable=True)


def _wait_healthy(url: str, service: subprocess.Popen[str]) -> None:
    """Until the service answers; its log if it exited first (a port taken meanwhile, say)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if service.poll() is not None:
            raise AssertionError(f"the service exited: {service.communicate()[1][-3000:]}")
        try:
            if httpx.get(url, timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the service did not start")


def _wait_for_messages(slack: SlackEmulator, channel: str) -> list[object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = slack.messages(channel)
        if found:
            return list(found)
        time.sleep(0.1)
    return []
