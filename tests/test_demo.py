"""`escalations demo`: the escalation loop runs in the sandbox and is told as a timeline."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .conftest import FRAMEWORK, ROOT, Result


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


def test_the_demo_leaves_its_tickets_in_the_sandbox_for_the_report(
    tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "sync", tmp_path / "sync")
    monkeypatch.chdir(tmp_path)
    first = cli("demo", "--framework", str(FRAMEWORK))
    assert first.code == 0, first.err
    assert first.out.endswith(
        "The tickets are kept in the sandbox's HubSpot as tickets 1000001 and 1000002: "
        "`escalations report` counts them.\n"
    )
    again = cli("demo", "--framework", str(FRAMEWORK))  # each run adds its own two
    assert "as tickets 1000003 and 1000004: " in again.out
    today = datetime.now(UTC).date()
    report = cli("report", "--framework", str(FRAMEWORK), "--since", str(today - timedelta(1)),
                 "--until", str(today + timedelta(1)), "--format", "json")  # fmt: skip
    assert report.code == 0, report.err
    assert "history of sandbox: 4 escalated tickets read" in report.err
    data = json.loads(report.out)
    assert data["escalations"] == 4
    by_trigger = {s["value"]: s["escalations"] for s in _split(data, "trigger")}
    assert by_trigger == {"outage-reported": 2, "manager-request": 2}


def _split(data: dict[str, Any], dimension: str) -> list[dict[str, Any]]:
    return next(s["shares"] for s in data["splits"] if s["dimension"] == dimension)
