"""The delivery worker beside the service: it outlives a pass that fails, the open included."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from escalations.model.framework import Framework
from escalations.notify.deliver import Ticket
from escalations.notify.events import Event
from escalations.notify.outbox import Outbox
from escalations.notify.run import start_worker
from escalations.sandbox.slack import SlackEmulator


def test_a_worker_whose_outbox_cannot_be_opened_yet_delivers_once_it_can(
    tmp_path: Path, framework: Framework
) -> None:
    path = tmp_path / "not-yet" / "outbox.sqlite"  # its folder does not exist: open fails

    def ticket(event: Event) -> Ticket:
        return Ticket(
            {"subject": "Export stuck"}, None, "https://h.example/1", "https://n.example/p"
        )

    with SlackEmulator(rate_limits=False) as slack:
        slack.add_channel("support-leads")
        thread, stop = start_worker(path, framework, slack_token=slack.token,
                                    slack_url=slack.base_url + "/api/", ticket=ticket,
                                    poll=0.05)  # fmt: skip
        try:
            time.sleep(0.2)  # a few failed opens
            assert thread.is_alive()
            path.parent.mkdir()
            now = datetime.now(UTC)
            event = Event("escalated", "1234", "first-response-breach", 1, "1", now)
            with Outbox.open(path) as box:
                assert box.record(event, ("team:support-leads",), now)
            deadline = time.monotonic() + 30
            while not slack.messages("support-leads") and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(10)
        assert len(slack.messages("support-leads")) == 1
