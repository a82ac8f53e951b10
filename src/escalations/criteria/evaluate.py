"""Triggers over a ticket's history: which one escalates it, when, to whom, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from escalations.criteria.calendars import due
from escalations.criteria.conditions import Trace, evaluate, satisfied
from escalations.criteria.ticket import Ticket, event_fields
from escalations.model.framework import Framework, Trigger

Status = Literal["fired", "not enrolled", "still failed", "waiting", "disabled"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one trigger did with a ticket by the evaluation time.

    `when` is traced at enrollment (or, never enrolled, at the evaluation time); `still` at
    the due time, once the wait has passed.
    """

    trigger: Trigger
    status: Status
    when: Trace | None = None
    enrolled_at: datetime | None = None
    due_at: datetime | None = None
    still: Trace | None = None

    @property
    def trace(self) -> Trace | None:
        """The condition that decided the outcome."""
        return self.still or self.when

    @property
    def fired_at(self) -> datetime | None:
        if self.status != "fired":
            return None
        return self.due_at or self.enrolled_at


@dataclass(frozen=True, slots=True)
class Escalation:
    trigger: str
    tier: str
    path: str
    level: str
    owner: str
    type: str
    playbook: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Evaluation:
    ticket: str
    at: datetime
    escalation: Escalation | None
    outcomes: tuple[Outcome, ...]


class Engine:
    """Evaluates a framework's triggers on tickets; the reference meaning of every criterion.

    A trigger enrolls a ticket the first time its `when` holds (at creation or after a
    change). Without `after` it fires then; with `after` it checks `still` once the wait
    has passed, on the wait's clock, and fires then if `still` holds. The ticket escalates
    through the trigger that fired first; on a tie, the lower precedence wins.
    """

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self.types = {f.id: f.type for f in framework.fields}
        self.events = event_fields(framework)
        self.calendars = {c.id: c for c in framework.calendars}

    def evaluate(self, ticket: Ticket, at: datetime, *, explain: bool = True) -> Evaluation:
        """What every trigger did with the ticket by `at`; with `explain`, the traces of the
        conditions that decided (without, the same outcomes, faster)."""
        history = [(m, ticket.state(m, self.events)) for m in ticket.moments(at, self.events)]
        outcomes = tuple(
            self._outcome(t, ticket, history, at, explain) for t in self.framework.triggers
        )
        fired = [o for o in outcomes if o.fired_at is not None]
        winner = min(fired, key=lambda o: (o.fired_at, o.trigger.precedence), default=None)
        return Evaluation(ticket.id, at, self._escalation(winner), outcomes)

    def _outcome(
        self,
        trigger: Trigger,
        ticket: Ticket,
        history: list[tuple[datetime, dict[str, Any]]],
        at: datetime,
        explain: bool,
    ) -> Outcome:
        if not trigger.enabled:
            return Outcome(trigger, "disabled")
        trace, enrolled_at = None, None
        for moment, state in history:
            if explain:
                trace = evaluate(trigger.when, self.types, state)
            if trace.result if trace else satisfied(trigger.when, self.types, state):
                enrolled_at = moment
                break
        if enrolled_at is None:
            return Outcome(trigger, "not enrolled", trace)
        if trigger.after is None or trigger.still is None:
            return Outcome(trigger, "fired", trace, enrolled_at)
        due_at = due(trigger.after.duration, enrolled_at, self.calendars)
        if due_at > at:
            return Outcome(trigger, "waiting", trace, enrolled_at, due_at)
        state = ticket.state(due_at, self.events)
        still = evaluate(trigger.still, self.types, state) if explain else None
        held = still.result if still else satisfied(trigger.still, self.types, state)
        status: Status = "fired" if held else "still failed"
        return Outcome(trigger, status, trace, enrolled_at, due_at, still)

    def _escalation(self, outcome: Outcome | None) -> Escalation | None:
        if outcome is None or outcome.fired_at is None:
            return None
        trigger = outcome.trigger
        level = self.framework.path(trigger.path).levels[0]
        return Escalation(
            trigger=trigger.id,
            tier=trigger.tier,
            path=trigger.path,
            level=level.id,
            owner=level.owner,
            type=trigger.escalation_type,
            playbook=self.framework.playbook_for(trigger.escalation_type).id,
            at=outcome.fired_at,
        )


def level_at(
    framework: Framework,
    escalation: Escalation,
    at: datetime,
    *,
    acknowledged_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> tuple[int, str]:
    """The level number and its owner that an escalation has reached at `at`: each level
    moves on once its wait has passed if, by then, it is still not acknowledged (or not
    resolved); handoffs continue on the next path."""
    calendars = {c.id: c for c in framework.calendars}
    levels = framework.escalation_levels(escalation.path)
    number, started = 1, escalation.at
    for level in levels[:-1]:
        if level.move_on is None:
            break
        due_at = due(level.move_on.after, started, calendars)
        done = acknowledged_at if level.move_on.condition == "not_acknowledged" else resolved_at
        if due_at > at or (done is not None and done <= due_at):
            break
        number, started = number + 1, due_at
    return number, levels[number - 1].owner
