"""The delivery worker's decisions, as pure functions of what Slack answered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from escalations.notify.message import METADATA_EVENT_TYPE


@dataclass(frozen=True, slots=True)
class Policy:
    """Retry and pacing settings; tests shorten them."""

    first_backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=15)
    max_attempts: int = 8
    channel_interval: timedelta = timedelta(seconds=1)
    """chat.postMessage allows about one message per second per channel (reference §1.9)."""


@dataclass(frozen=True, slots=True)
class PostResult:
    """What one chat.postMessage returned: HTTP status, `error` when not ok, the Retry-After
    header as written, and on success the channel and ts."""

    status: int
    error: str | None = None
    retry_after: str | None = None
    channel: str | None = None
    ts: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """sent; retry at `at`; fallback (post to the team channel instead); give_up; or halt (the
    token or app is broken: stop the worker rather than fail every delivery)."""

    action: Literal["sent", "retry", "fallback", "give_up", "halt"]
    cause: str | None
    at: datetime | None = None


RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
TRANSIENT = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "connection_error"}
)
HALTING = frozenset(
    {"not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired",
     "missing_scope", "not_allowed_token_type"}
)  # fmt: skip
WRONG_CHANNEL = frozenset({"channel_not_found", "not_in_channel", "is_archived"})


def backoff(attempts: int, policy: Policy) -> timedelta:
    """Exponential: the first retry after `first_backoff`, doubling, capped."""
    delay = policy.first_backoff * (1 << min(max(attempts - 1, 0), 32))
    return min(delay, policy.max_backoff)


def after_post(
    result: PostResult, attempts: int, now: datetime, policy: Policy, *, has_fallback: bool
) -> Outcome:
    """What to do after an attempt (`attempts` counts it)."""
    if result.status == 200 and result.error is None and result.channel and result.ts:
        return Outcome("sent", None)
    error = result.error or f"http_{result.status}"
    if error in HALTING:
        return Outcome("halt", error)
    if error in WRONG_CHANNEL:
        # A person's DM or a renamed channel: their team's channel still reaches someone.
        return Outcome("fallback", error) if has_fallback else Outcome("give_up", error)
    retried = error in RATE_LIMITED | TRANSIENT or result.status == 429 or result.status >= 500
    if not retried:
        # invalid_blocks, msg_too_long, no_text and the like fail the same way every time.
        return Outcome("give_up", error)
    if attempts >= policy.max_attempts:
        return Outcome("give_up", f"{error} after {attempts} attempts")
    wait = backoff(attempts, policy)
    if result.retry_after is not None:
        wait = max(wait, _seconds(result.retry_after))
    return Outcome("retry", error, now + wait)


def _seconds(header: str) -> timedelta:
    try:
        return timedelta(seconds=max(float(header), 0.0))
    except ValueError:
        return timedelta()


def next_slot(last_post: datetime | None, now: datetime, policy: Policy) -> datetime:
    """The earliest time to post to a channel that last had a post at `last_post`."""
    if last_post is None:
        return now
    return max(now, last_post + policy.channel_interval)


@dataclass(frozen=True, slots=True)
class Resolution:
    """For a delivery left `sending`: it was posted (with its ts), or post it again."""

    action: Literal["sent", "repost"]
    ts: str | None
    note: str | None


def resolve_uncertain(
    event_key: str, recipient: str, history: Sequence[Mapping[str, Any]] | None
) -> Resolution:
    """Whether a post interrupted by a crash reached Slack.

    `history` is the channel's messages since the delivery was claimed (conversations.history
    with `include_all_metadata`): the one whose metadata carries the event key and the
    recipient proves it was posted. None means the history could not be read (a missing scope,
    a channel the bot left): then post again, since a duplicate notice costs a glance and a lost
    escalation costs the response target.
    """
    if history is None:
        return Resolution("repost", None, "an earlier attempt may have posted: sent again")
    for message in history:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if (
            metadata.get("event_type") == METADATA_EVENT_TYPE
            and payload.get("event_key") == event_key
            and payload.get("recipient") == recipient
        ):
            return Resolution("sent", str(message.get("ts")), "posted before the stop: recorded")
    return Resolution("repost", None, None)
