"""`escalations demo`: the escalation loop runs in the sandbox and is told as a timeline."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import FRAMEWORK, Result


def test_the_demo_tells_owners_takes_an_acknowledgement_and_moves_the_other_on(
    tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("demo", "--framework", str(FRAMEWORK))
    assert result.code == 0, result.err
    events = [re.sub(r"^  \d\d:\d\d  ", "", line) for line in result.out.splitlines()
              if re.match(r"^  \d\d:\d\d  ", line)]  # fmt: skip
    assert events == [
        "ticket 1000001 opened: 'Our whole team is locked out: login returns 502'",
        "ticket 1000002 opened: 'I want to speak to a manager about this invoice'",
        "ticket 1000001 escalated by outage-reported: told Incident Response (#incident-response)",
        "ticket 1000001 escalated by outage-reported: told #support-escalations",
        "ticket 1000002 escalated by manager-request: told Support Leads (#support-leads)",
        "ticket 1000002 escalated by manager-request: told #support-escalations",
        "Nikolai Petrov pressed Acknowledge on the message about ticket 1000001",
        "ticket 1000002 moved to level 2 by manager-request: told Jonas Becker",
        "ticket 1000002 moved to level 2 by manager-request: told Support Leads (#support-leads)",
        "ticket 1000002 moved to level 2 by manager-request: told #support-escalations",
        "ticket 1000001 now: status acknowledged, level 1",
        "ticket 1000002 now: status open, level 2",
    ]
    messages = result.out.split("The Slack messages, as they read at the end:")[1]
    assert messages.count("[Incident Response (#incident-response)]") == 1  # not twice
    outage = messages.split("[#support-escalations]")[0]
    assert "Acknowledged by nikolai.petrov at" in outage  # the message was updated in place
    assert "Moved up: ticket 1000002" in messages and "owner Jonas Becker" in messages
    assert (tmp_path / ".escalations" / "demo" / "outbox.sqlite").exists()
