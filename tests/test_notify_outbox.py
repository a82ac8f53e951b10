"""The outbox records each event once, keeps its states across reopening, and knows what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from escalations.notify.events import Event, Parsed, event_from_properties, parse_webhook
from escalations.notify.outbox import Figures, Outbox

NOW = datetime(2026, 1, 9, 16, 0, tzinfo=UTC)
EVENT = Event("escalated", "1234", "first-response-breach", 1, "1767970800000", NOW)
RECIPIENTS = ["team:support-leads", "#support-escalations"]


def test_the_same_event_twice_is_recorded_once(tmp_path: Path) -> None:
    with Outbox.open(tmp_path / "outbox.db") as outbox:
        assert outbox.record(EVENT, RECIPIENTS, NOW) is True
        later = Event("escalated", "1234", "first-response-breach", 1, "1767970800000",
                      NOW + timedelta(minutes=5))  # fmt: skip
        assert outbox.record(later, [*RECIPIENTS, "person:jonas-becker"], NOW) is False
        assert [d.recipient for d in outbox.deliveries()] == RECIPIENTS
        assert outbox.event(EVENT.key) == EVENT


def test_a_second_escalation_of_the_ticket_is_a_new_event(tmp_path: Path) -> None:
    with Outbox.open(tmp_path / "outbox.db") as outbox:
        outbox.record(EVENT, RECIPIENTS, NOW)
        again = Event("escalated", "1234", "first-response-breach", 1, "1768575600000", NOW)
        assert again.key == "1234:1:escalated:1768575600000"
        assert outbox.record(again, RECIPIENTS, NOW) is True
        assert len(outbox.deliveries()) == 4


def test_states_survive_closing_and_a_sending_delivery_is_uncertain(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    outbox = Outbox.open(path)
    outbox.record(EVENT, RECIPIENTS, NOW)
    first, second = outbox.due(NOW)
    assert outbox.mark_sending(first.id, NOW) is True
    assert outbox.mark_sent(first.id, "C0LEADS", "1767974400.000100", NOW) is True
    assert outbox.mark_sending(second.id, NOW) is True
    # The worker dies here, between its post and the answer: no mark_sent, no close.
    del outbox

    reopened = Outbox.open(path)
    sent = reopened.delivery(first.id)
    assert (sent.state, sent.channel, sent.ts, sent.attempts) == (
        "sent", "C0LEADS", "1767974400.000100", 1,
    )  # fmt: skip
    assert [d.id for d in reopened.uncertain()] == [second.id]
    assert reopened.due(NOW) == []
    assert reopened.mark_sending(second.id, NOW) is False, "a second worker must not claim it"
    assert reopened.release(second.id, NOW) is True
    assert [d.id for d in reopened.due(NOW)] == [second.id]
    reopened.close()


def test_a_failed_delivery_is_due_again_at_its_retry_time_unless_given_up(tmp_path: Path) -> None:
    with Outbox.open(tmp_path / "outbox.db") as outbox:
        outbox.record(EVENT, RECIPIENTS, NOW)
        first, second = outbox.due(NOW)
        outbox.mark_sending(first.id, NOW)
        outbox.mark_failed(first.id, "ratelimited", NOW + timedelta(seconds=30), NOW)
        outbox.mark_sending(second.id, NOW)
        outbox.mark_failed(second.id, "channel_not_found", None, NOW)
        assert outbox.due(NOW + timedelta(seconds=29)) == []
        retry = outbox.due(NOW + timedelta(seconds=30))
        assert [(d.id, d.cause, d.attempts) for d in retry] == [(first.id, "ratelimited", 1)]
        assert outbox.mark_sent(first.id, "C1", "1.2", NOW) is False, "not sending: no claim"


def test_figures_count_depth_and_lag(tmp_path: Path) -> None:
    with Outbox.open(tmp_path / "outbox.db") as outbox:
        assert outbox.figures(NOW) == Figures(
            (("pending", 0), ("sending", 0), ("sent", 0), ("failed", 0)), 0, 0.0, 0
        )
        outbox.record(EVENT, RECIPIENTS, NOW)
        first, _ = outbox.due(NOW)
        outbox.mark_sending(first.id, NOW)
        outbox.mark_failed(first.id, "invalid_blocks", None, NOW)
        assert outbox.figures(NOW + timedelta(seconds=90)) == Figures(
            (("pending", 1), ("sending", 0), ("sent", 0), ("failed", 1)), 1, 90.0, 1
        )


TICKET = {
    "esc_escalated": "true",
    "esc_trigger": "first-response-breach",
    "esc_level": "2",
    "esc_status": "open",
    "esc_escalated_at": "2026-01-09T15:00:00Z",
    "subject": "Export stuck",
}


def test_a_webhook_in_the_crm_v3_shape_gives_its_event() -> None:
    body = b'{"id": "1234", "properties": ' + str(TICKET).replace("'", '"').encode() + b"}"
    parsed = parse_webhook(body, {"kind": "moved"}, NOW)
    assert parsed.missing == ()
    assert parsed.event == Event(
        "moved", "1234", "first-response-breach", 2, "2026-01-09T15:00:00Z", NOW
    )


def test_a_legacy_webhook_with_the_id_in_the_query_gives_its_event() -> None:
    body = {"properties": {k: {"value": v, "timestamp": 1} for k, v in TICKET.items()}}
    parsed = parse_webhook(body, {"objectId": "77", "kind": "escalated"}, NOW)
    assert parsed.event is not None
    assert (parsed.event.ticket_id, parsed.event.level, parsed.event.kind) == ("77", 2, "escalated")


def test_a_webhook_lacking_fields_says_which_so_the_ticket_can_be_re_read() -> None:
    parsed = parse_webhook(b'{"objectId": 55, "properties": {"esc_level": "1"}}', {}, NOW)
    assert parsed == Parsed("55", None, ("kind", "esc_trigger", "esc_escalated_at"))
    assert parse_webhook(b"not json", {}, NOW).missing == (
        "ticket id", "kind", "esc_trigger", "esc_level", "esc_escalated_at",
    )  # fmt: skip


def test_the_poller_reads_the_latest_event_from_the_properties() -> None:
    moved = event_from_properties("1234", TICKET, NOW)
    assert moved == Event("moved", "1234", "first-response-breach", 2, "2026-01-09T15:00:00Z", NOW)
    breached = {**TICKET, "esc_response_due_at": "1767970800000"}  # 2026-01-09 15:00 UTC
    event = event_from_properties("1234", breached, NOW)
    assert event is not None and event.kind == "breached"
    assert event.occurred_at == datetime(2026, 1, 9, 15, 0, tzinfo=UTC)
    acked = {
        **breached,
        "esc_status": "acknowledged",
        "esc_acknowledged_at": "2026-01-09T15:10:00Z",
    }
    event = event_from_properties("1234", acked, NOW)
    assert event is not None
    assert (event.kind, event.occurred_at) == (
        "acknowledged",
        datetime(2026, 1, 9, 15, 10, tzinfo=UTC),
    )
    assert event_from_properties("1234", {"esc_escalated": "false"}, NOW) is None


def test_a_compiled_webhook_is_read_from_its_query_parameters() -> None:
    # The ticket has moved on to level 2 since; the call is about level 1 (compile.EVENT_QUERY).
    query = {"trigger": "first-response-breach", "level": "1", "event": "escalated",
             "ticket": "1234", "escalated_at": "1767970800000"}  # fmt: skip
    parsed = parse_webhook(b'{"id": "1234", "properties": {"esc_level": "2"}}', query, NOW)
    assert parsed == Parsed(
        "1234", Event("escalated", "1234", "first-response-breach", 1, "1767970800000", NOW), ()
    )
    empty = parse_webhook(b"{}", {**query, "escalated_at": ""}, NOW)
    assert empty == Parsed("1234", None, ("esc_escalated_at",))
