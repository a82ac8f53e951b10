"""Notes on what HubSpot can only approximate: one per kind, with what the user can do."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Note:
    """One kind of approximation: a sentence for all its items, and the items themselves."""

    kind: str
    summary: str
    """What happens and what to do about it, for all the items at once."""
    details: tuple[str, ...] = ()
    """The items (levels, triggers) it concerns, listed on request (`--verbose`)."""


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


_SUMMARIES: dict[str, Callable[[int], str]] = {
    "business-time-delay": lambda n: (
        f"{_plural(n, 'business-time delay is', 'business-time delays are')} compiled as "
        "calendar time (HubSpot delays count nights and weekends too, so they can end early)"
    ),
    "slack": lambda n: (
        f"{_plural(n, 'Slack notification is', 'Slack notifications are')} not compiled; set "
        "hubspot.slack_action_type in sync/targets.yaml to the portal's Slack action type id"
    ),
    "webhook": lambda n: (
        f"{_plural(n, 'notification goes', 'notifications go')} through the notifier's webhook "
        "(HubSpot calls notify.webhook_url where each level starts; the notifier tells Slack)"
    ),
    "channel": lambda n: (
        f"{_plural(n, 'channel notification', 'channel notifications')} via hubspot "
        f"{'is' if n == 1 else 'are'} not compiled (HubSpot notifies users, not channels); "
        "set notify.webhook_url in sync/targets.yaml or notify the channel via slack"
    ),
    "target-breached": lambda n: (
        f"{_plural(n, 'level moves', 'levels move')} on at 'target_breached' when not resolved "
        "(HubSpot cannot compare a business-time due date); write 'not_resolved' to say so"
    ),
}
KINDS = tuple(_SUMMARIES)
"""The kinds of note, in the order they are shown."""


def group_notes(items: Iterable[tuple[str, str]]) -> tuple[Note, ...]:
    """One note per kind of the (kind, item) pairs, items sorted and counted once each."""
    by_kind: dict[str, set[str]] = {}
    for kind, detail in items:
        by_kind.setdefault(kind, set()).add(detail)
    return tuple(
        Note(kind, _SUMMARIES[kind](len(by_kind[kind])), tuple(sorted(by_kind[kind])))
        for kind in KINDS
        if kind in by_kind
    )
