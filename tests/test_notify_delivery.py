"""The delivery worker's decisions after each Slack answer, its pacing and the crash rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from escalations.notify.delivery import (
    Outcome,
    Policy,
    PostResult,
    Resolution,
    after_post,
    backoff,
    next_slot,
    resolve_uncertain,
)

NOW = datetime(2026, 4, 2, 14, 0, tzinfo=UTC)
POLICY = Policy()


def test_a_posted_message_is_sent() -> None:
    ok = PostResult(200, channel="C0LEADS", ts="1775138400.000100")
    assert after_post(ok, 1, NOW, POLICY, has_fallback=False) == Outcome("sent", None)


def test_a_rate_limit_waits_for_retry_after_when_longer_than_the_backoff() -> None:
    limited = PostResult(429, "ratelimited", retry_after="30")
    assert after_post(limited, 1, NOW, POLICY, has_fallback=False) == Outcome(
        "retry", "ratelimited", NOW + timedelta(seconds=30)
    )
    short = PostResult(429, "ratelimited", retry_after="1")
    assert after_post(short, 3, NOW, POLICY, has_fallback=False).at == NOW + timedelta(seconds=8)


def test_backoff_doubles_up_to_its_cap_and_attempts_run_out() -> None:
    assert [backoff(n, POLICY).total_seconds() for n in (1, 2, 3, 10, 20)] == [2, 4, 8, 900, 900]
    server = PostResult(503, None)
    assert after_post(server, 2, NOW, POLICY, has_fallback=False) == Outcome(
        "retry", "http_503", NOW + timedelta(seconds=4)
    )
    assert after_post(server, 8, NOW, POLICY, has_fallback=False) == Outcome(
        "give_up", "http_503 after 8 attempts"
    )


def test_errors_that_repeat_give_up_and_broken_tokens_halt() -> None:
    for error in ("invalid_blocks", "msg_too_long", "no_text", "message_limit_exceeded"):
        assert after_post(PostResult(200, error), 1, NOW, POLICY, has_fallback=True) == Outcome(
            "give_up", error
        )
    for error in ("invalid_auth", "token_revoked", "missing_scope"):
        assert (
            after_post(PostResult(200, error), 1, NOW, POLICY, has_fallback=True).action == "halt"
        )


def test_a_channel_that_cannot_be_posted_to_falls_back_to_the_team_channel() -> None:
    gone = PostResult(200, "channel_not_found")
    assert after_post(gone, 1, NOW, POLICY, has_fallback=True) == Outcome(
        "fallback", "channel_not_found"
    )
    archived = PostResult(200, "is_archived")
    assert after_post(archived, 1, NOW, POLICY, has_fallback=False) == Outcome(
        "give_up", "is_archived"
    )


def test_one_message_per_second_per_channel() -> None:
    assert next_slot(None, NOW, POLICY) == NOW
    just_posted = NOW - timedelta(milliseconds=400)
    assert next_slot(just_posted, NOW, POLICY) == NOW + timedelta(milliseconds=600)
    assert next_slot(NOW - timedelta(seconds=5), NOW, POLICY) == NOW


def test_an_uncertain_post_is_found_by_its_metadata_or_posted_again() -> None:
    key = "1234:1:escalated:1775138400000"

    def posted(ts: str, event_key: str, recipient: str) -> dict[str, object]:
        payload = {"event_key": event_key, "recipient": recipient}
        return {"ts": ts, "metadata": {"event_type": "escalation_notice", "event_payload": payload}}

    history = [
        posted("1.000001", "other", "team:support-leads"),
        posted("1.000002", key, "person:jonas-becker"),
        posted("1.000003", key, "team:support-leads"),
        {"ts": "1.000004"},
    ]
    found = Resolution("sent", "1.000003", "posted before the stop: recorded")
    assert resolve_uncertain(key, "team:support-leads", history) == found
    assert resolve_uncertain(key, "team:support-leads", history[:2]) == Resolution(
        "repost", None, None
    )
    assert resolve_uncertain(key, "team:support-leads", None) == Resolution(
        "repost", None, "an earlier attempt may have posted: sent again"
    )
