"""Rules on follow-up: action items done on a date, overdue items, the next review's due date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from escalations.model.durations import parse_date, parse_duration
from escalations.model.load import Document, Pointer
from escalations.model.problems import Problem, Severity, warning
from escalations.model.rules.index import Index, _expand, rule

CLOSED = ("done", "wont_do")
"""Statuses after which an action item can no longer be overdue."""


@rule(
    "done-on",
    Severity.WARNING,
    "An action item with `status: done` says when with `done_on`, and only a done item has one.",
)
def done_on(index: Index) -> Iterator[Problem]:
    for document in index.of_kind("review"):
        for pointer, item in _expand(document, ("action_items", "*")):
            if not isinstance(item, dict):
                continue  # an item that failed its schema (reported there)
            status, key = item.get("status"), item.get("id")
            if status == "done" and "done_on" not in item:
                yield warning(
                    document.path,
                    document.at((*pointer, "status")),
                    "done-on",
                    f"action item '{key}' is done but has no done_on, so `escalations review "
                    "check` cannot measure whether it reduced escalations; add the date it was "
                    "finished as done_on: YYYY-MM-DD.",
                )
            elif status != "done" and "done_on" in item:
                yield warning(
                    document.path,
                    document.at((*pointer, "done_on")),
                    "done-on",
                    f"action item '{key}' has done_on but its status is {status}; set status: "
                    "done, or remove done_on.",
                )


@rule(
    "action-item-overdue",
    Severity.WARNING,
    "No action item is past its due date and not done (relative to today or --today).",
)
def overdue_items(index: Index) -> Iterator[Problem]:
    if index.today is None:
        return
    for document in index.of_kind("review"):
        for pointer, item in _expand(document, ("action_items", "*")):
            if not isinstance(item, dict) or item.get("status") in CLOSED:
                continue
            due = _date(document, (*pointer, "due"))
            if due is None or due >= index.today:
                continue
            days = (index.today - due).days
            yield warning(
                document.path,
                document.at((*pointer, "due")),
                "action-item-overdue",
                f"action item '{item.get('id')}' (owner {item.get('owner')}) was due {due} and "
                f"is still {item.get('status')}, {days} day{'s' if days != 1 else ''} overdue; "
                "finish it (status: done, done_on: the date), or agree a new due date.",
            )


@rule(
    "review-due",
    Severity.WARNING,
    (
        "The next review is not due yet: the latest review's period ended less than "
        "`review_cadence` ago (relative to today or --today)."
    ),
)
def review_due(index: Index) -> Iterator[Problem]:
    cadence = _cadence(index)
    if index.today is None or cadence is None:
        return
    ends = [
        (end, document)
        for document in index.of_kind("review")
        if (end := _date(document, ("period", "end"))) is not None
    ]
    if not ends:
        return
    # The cadence paces the periods: the next one is complete, so reviewable, `cadence` after
    # the latest period ended (held_on only says when that period was discussed).
    end, latest = max(ends, key=lambda pair: pair[0])
    due = end + cadence[0]
    if index.today < due:
        return
    late = (index.today - due).days
    when = "today" if late == 0 else f"{late} day{'s' if late != 1 else ''} ago"
    following = end + timedelta(days=1)
    yield warning(
        latest.path,
        latest.at(("period", "end")),
        "review-due",
        f"the next review was due on {due} ({when}): review_cadence is {cadence[1]} and the "
        f"latest review's period ended on {end}; hold it and record it with `escalations review "
        f"new --period {following:%Y-%m}`.",
    )


def _cadence(index: Index) -> tuple[timedelta, str] | None:
    """framework.yaml's review_cadence, parsed and as written."""
    for document in index.of_kind("framework"):
        text = str(document.get(("review_cadence",)))
        try:
            return parse_duration(text), text
        except ValueError:
            return None
    return None


def _date(document: Document, pointer: Pointer) -> date | None:
    try:
        return parse_date(str(document.get(pointer)))
    except ValueError:
        return None
