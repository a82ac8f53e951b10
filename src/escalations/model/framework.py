"""The typed, immutable Framework, built only from a valid document set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

from escalations.criteria.conditions import Condition

Clock = Literal["business", "calendar"]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Source:
    """Where an entity was written, for messages of later stages."""

    path: str
    line: int
    name: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    email: str
    slack: str
    title: str | None
    calendar: str | None
    source: Source
    github: str | None = None
    """The GitHub username with its "@", for CODEOWNERS."""


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    lead: str
    members: tuple[str, ...]
    slack_channel: str
    email: str | None
    calendar: str | None
    description: str | None
    source: Source
    github: str | None = None
    """The GitHub team as "@org/slug", for CODEOWNERS."""


@dataclass(frozen=True, slots=True)
class Holiday:
    date: date
    name: str


@dataclass(frozen=True, slots=True)
class Calendar:
    id: str
    name: str
    timezone: str
    hours: tuple[tuple[tuple[int, int], ...], ...]
    """Per weekday (Monday first) the open intervals in minutes since midnight."""
    holidays: tuple[Holiday, ...]
    source: Source

    def __hash__(self) -> int:
        # Calendars key the business-time caches, looked up for every day of every ticket;
        # hashing every hour and holiday each time took half of a report's time. Equal
        # calendars still hash alike, and the rest tells different ones apart on a collision.
        return hash((self.id, self.timezone))


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    hubspot: str


@dataclass(frozen=True, slots=True)
class Field:
    id: str
    label: str
    hubspot_property: str
    type: str
    custom: bool
    event_time: bool
    description: str | None
    options: tuple[Option, ...]
    source: Source


@dataclass(frozen=True, slots=True)
class Duration:
    """A duration on a clock: business hours of a calendar, or plain elapsed time."""

    text: str
    value: timedelta
    clock: Clock
    calendar: str


@dataclass(frozen=True, slots=True)
class Targets:
    first_response: Duration
    update_cadence: Duration
    resolution: Duration


@dataclass(frozen=True, slots=True)
class Tier:
    id: str
    name: str
    rank: int
    description: str | None
    targets: Targets
    source: Source


@dataclass(frozen=True, slots=True)
class After:
    """How long after enrollment a trigger checks `still`; `target` when it is a tier target."""

    duration: Duration
    target: str | None


@dataclass(frozen=True, slots=True)
class Trigger:
    id: str
    name: str
    type: str
    description: str
    precedence: int
    escalation_type: str
    tier: str
    path: str
    enabled: bool
    when: Condition
    after: After | None
    still: Condition | None
    source: Source


@dataclass(frozen=True, slots=True)
class Notify:
    to: str
    via: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MoveOn:
    after: Duration
    condition: str


@dataclass(frozen=True, slots=True)
class Level:
    id: str
    name: str
    owner: str
    assignees: tuple[str, ...]
    move_on: MoveOn | None
    notify: tuple[Notify, ...]


@dataclass(frozen=True, slots=True)
class Path:
    id: str
    name: str
    description: str | None
    handoff: str | None
    levels: tuple[Level, ...]
    source: Source


@dataclass(frozen=True, slots=True)
class Playbook:
    id: str
    name: str
    type: str
    severity: str
    owner: str
    summary: str
    definition_of_done: tuple[str, ...]
    body: str
    source: Source


@dataclass(frozen=True, slots=True)
class ActionItem:
    id: str
    title: str
    owner: str
    due: date
    status: str
    addresses: str
    type: str | None
    done_on: date | None = None


@dataclass(frozen=True, slots=True)
class Metric:
    metric: str
    value: float
    target: float | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class CauseCount:
    cause: str
    escalations: int
    note: str | None


@dataclass(frozen=True, slots=True)
class Review:
    id: str
    title: str
    period_start: date
    period_end: date
    held_on: date
    facilitator: str
    participants: tuple[str, ...]
    framework_version: str
    status: str
    metrics: tuple[Metric, ...]
    root_causes: tuple[CauseCount, ...]
    action_items: tuple[ActionItem, ...]
    body: str
    source: Source
    carried_over: tuple[str, ...] = ()
    """Ids of open action items of earlier reviews (defined there, referenced here)."""


@dataclass(frozen=True, slots=True)
class Page:
    """A free handbook page (docs/)."""

    id: str
    title: str
    order: int | None
    body: str
    source: Source


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime
    values: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Expectation:
    escalated: bool
    trigger: str | None = None
    tier: str | None = None
    owner: str | None = None
    type: str | None = None
    level: str | None = None


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    description: str | None
    at: datetime
    ticket: tuple[tuple[str, Any], ...]
    changes: tuple[Change, ...]
    expect: Expectation
    source: Source


@dataclass(frozen=True, slots=True)
class RootCause:
    id: str
    name: str
    description: str | None


@dataclass(frozen=True, slots=True)
class Release:
    version: str
    date: date
    summary: str


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    name: str
    version: str
    description: str | None
    owner: str
    review_cadence: timedelta
    default_calendar: str
    root_causes: tuple[RootCause, ...]
    changelog: tuple[Release, ...]
    people: tuple[Person, ...]
    teams: tuple[Team, ...]
    calendars: tuple[Calendar, ...]
    fields: tuple[Field, ...]
    tiers: tuple[Tier, ...]
    triggers: tuple[Trigger, ...]
    paths: tuple[Path, ...]
    playbooks: tuple[Playbook, ...]
    reviews: tuple[Review, ...]
    pages: tuple[Page, ...]
    cases: tuple[Case, ...]

    def person(self, key: str) -> Person:
        return _find(self.people, key)

    def team(self, key: str) -> Team:
        return _find(self.teams, key)

    def calendar(self, key: str) -> Calendar:
        return _find(self.calendars, key)

    def field(self, key: str) -> Field:
        return _find(self.fields, key)

    def tier(self, key: str) -> Tier:
        return _find(self.tiers, key)

    def trigger(self, key: str) -> Trigger:
        return _find(self.triggers, key)

    def path(self, key: str) -> Path:
        return _find(self.paths, key)

    def escalation_levels(self, path_id: str) -> list[Level]:
        """The levels an escalation on a path goes through, following handoffs."""
        levels: list[Level] = []
        current: str | None = path_id
        while current is not None:
            path = self.path(current)
            levels.extend(path.levels)
            current = path.handoff
        return levels

    def playbook_for(self, escalation_type: str) -> Playbook:
        return next(p for p in self.playbooks if p.type == escalation_type)


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


_T = TypeVar("_T", bound=_Identified)


def _find(items: tuple[_T, ...], key: str) -> _T:
    for item in items:
        if item.id == key:
            return item
    raise KeyError(key)
