"""Who is told about an event on Slack, and where, given what the Slack lookups found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from escalations.model.framework import Framework, Level


@dataclass(frozen=True, slots=True)
class Address:
    """Where a recipient is reached: a person by email (users.lookupByEmail), or a channel.
    `fallback` is the team channel used when the person's Slack account is not found."""

    recipient: str
    email: str | None
    channel: str | None
    fallback: str | None


@dataclass(frozen=True, slots=True)
class Lookup:
    """The outcome of users.lookupByEmail: a user id, or the error code (`users_not_found`)."""

    user_id: str | None = None
    deleted: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Destination:
    """Post to `channel` (a user id posts a direct message), or retry the lookup, or give up."""

    action: Literal["post", "retry", "fail"]
    channel: str | None
    note: str | None
    """Why the message went elsewhere than to the person, or why it failed."""


def level_of(framework: Framework, trigger_id: str, number: int) -> Level:
    """The level `number` (1 is the first) of a trigger's path, handoffs followed."""
    levels = framework.escalation_levels(framework.trigger(trigger_id).path)
    if not 1 <= number <= len(levels):
        raise KeyError(f"{trigger_id} has no level {number}")
    return levels[number - 1]


def recipients(framework: Framework, trigger_id: str, number: int) -> tuple[str, ...]:
    """Everyone a level tells on Slack, owner first, each once, as framework references."""
    level = level_of(framework, trigger_id, number)
    told = [level.owner]
    for notify in level.notify:
        if "slack" in notify.via:
            told.append(level.owner if notify.to == "owner" else notify.to)
    # A team and its own channel named again ("#incident-response") are one place to post.
    channels = {_channel_of(framework, r) for r in told if r.startswith("team:")}
    told = [r for r in told if not (r.startswith("#") and r in channels)]
    return tuple(dict.fromkeys(told))


def _channel_of(framework: Framework, reference: str) -> str:
    return framework.team(reference.partition(":")[2]).slack_channel


def address(framework: Framework, level: Level, recipient: str) -> Address:
    """A reference as a Slack address; a person's fallback is a team of theirs the level names
    (its owner, assignees or notify list), else the first team they belong to."""
    if recipient.startswith("#"):
        return Address(recipient, None, recipient, None)
    kind, _, key = recipient.partition(":")
    if kind == "team":
        return Address(recipient, None, framework.team(key).slack_channel, None)
    person = framework.person(key)
    named = [level.owner, *level.assignees, *(n.to for n in level.notify)]
    teams = [t for t in framework.teams if recipient in t.members]
    preferred = [t for t in teams if f"team:{t.id}" in named] or teams
    fallback = preferred[0].slack_channel if preferred else None
    return Address(recipient, person.email, None, fallback)


RETRIED_LOOKUP_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def destination(target: Address, lookup: Lookup | None) -> Destination:
    """Where to post, given the lookup of a person (None for a channel, which needs none)."""
    if target.channel is not None:
        return Destination("post", target.channel, None)
    if lookup is not None and lookup.error in RETRIED_LOOKUP_ERRORS:
        return Destination("retry", None, f"users.lookupByEmail failed: {lookup.error}")
    if lookup is not None and lookup.user_id and not lookup.deleted:
        return Destination("post", lookup.user_id, None)
    # Deactivated accounts come back as users_not_found; a `deleted` user object is the same.
    why = "is deactivated" if lookup is not None and lookup.deleted else "was not found"
    if lookup is not None and lookup.error not in (None, "users_not_found"):
        why = f"could not be looked up ({lookup.error})"
    if target.fallback is None:
        return Destination("fail", None, f"the Slack account of {target.email} {why}")
    note = f"the Slack account of {target.email} {why}: told {target.fallback} instead"
    return Destination("post", target.fallback, note)
