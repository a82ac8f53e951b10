"""The next review record: front matter per schema/review.schema.json, and its Markdown body."""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from escalations.errors import EscalationsError
from escalations.model.framework import ActionItem, Framework, Review

CLOSED = ("done", "wont_do")
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/%-]*$")
"""Text that YAML reads back as the same string when written bare (no ':', '#', quotes)."""
_UNITS = {"percent": "%", "hours": "h"}


@dataclass(frozen=True, slots=True)
class Figure:
    metric: str
    value: float
    target: float | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Figures:
    """What the report measured for the period, for the review to start from."""

    metrics: tuple[Figure, ...] = ()
    root_causes: tuple[tuple[str, int], ...] = ()
    """(root cause id, escalations), most frequent first."""
    note: str | None = None
    """Why figures are missing, if they are; written in the record for its readers."""


def parse_period(text: str) -> tuple[date, date]:
    """`2026-11` -> (2026-11-01, 2026-11-30)."""
    match = _PERIOD.match(text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise EscalationsError(f"--period '{text}' is not a month; write it as YYYY-MM (2026-11).")
    year, month = int(match[1]), int(match[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def carried_items(framework: Framework, start: date) -> list[tuple[Review, ActionItem]]:
    """The action items of the reviews before `start` that are neither done nor dropped,
    oldest review first."""
    earlier = sorted(_earlier(framework, start), key=lambda r: r.period_end)
    return [(r, a) for r in earlier for a in r.action_items if a.status not in CLOSED]


def _earlier(framework: Framework, start: date) -> list[Review]:
    return [r for r in framework.reviews if r.period_end < start]


def write_review(framework: Framework, period: str, figures: Figures) -> str:
    """The text of reviews/<period>.md: a draft to complete in the review meeting.

    Carried items are listed by id under `carried_over`, not copied: the schema makes action
    item ids unique across reviews, and one definition keeps one status to update."""
    start, end = parse_period(period)
    previous = max(_earlier(framework, start), key=lambda r: r.period_end, default=None)
    facilitator = previous.facilitator if previous else _first_person(framework)
    participants = previous.participants if previous else (facilitator,)
    known = {c.id for c in framework.root_causes}
    causes = [(c, n) for c, n in figures.root_causes if c in known]
    unknown = [(c, n) for c, n in figures.root_causes if c not in known]
    carried = carried_items(framework, start)
    title = f"{calendar.month_name[start.month]} {start.year} escalation review"
    held = end + timedelta(days=1)
    lines = [
        "---",
        "# yaml-language-server: $schema=../../schema/review.schema.json",
        f"id: {period}",
        f"title: {_yaml(title)}",
        f"period: {{start: {start}, end: {end}}}",
        f"held_on: {held}  # the earliest day; set the day the meeting is held",
        f"facilitator: {facilitator}",
        "participants:",
        *(f"  - {p}" for p in participants),
        f"framework_version: {_version_at(framework, end)}",
        "status: draft",
    ]
    if figures.metrics:
        lines += ["metrics:", *(f"  - {_metric(m)}" for m in figures.metrics)]
    if causes:
        lines += ["root_causes:", *(f"  - {{cause: {c}, escalations: {n}}}" for c, n in causes)]
    if carried:
        lines += ["carried_over:", *(f"  - {a.id}" for _, a in carried)]
    lines += ["---", *_body(framework, title, start, end, figures, causes, unknown, carried)]
    return "\n".join(lines) + "\n"


def _body(
    framework: Framework,
    title: str,
    start: date,
    end: date,
    figures: Figures,
    causes: list[tuple[str, int]],
    unknown: list[tuple[str, int]],
    carried: list[tuple[Review, ActionItem]],
) -> list[str]:
    names = {c.id: c.name for c in framework.root_causes}
    lines = [
        f"# {title}",
        "",
        f"Covers the escalations of {start} to {end}. The review is blameless: it is about how "
        "our triggers, paths and playbooks worked, not about individual agents.",
        "",
        "## Summary",
        "",
        "> Write two or three sentences: the volume, the rate against its target, and what "
        "stood out.",
        "",
    ]
    if figures.metrics:
        lines += ["| Metric | Value | Target |", "|---|---|---|"]
        lines += [
            f"| {_label(m.metric)} | {_amount(m.value, m.unit)} | "
            f"{'' if m.target is None else _amount(m.target, m.unit)} |"
            for m in figures.metrics
        ]
        if figures.note:
            lines += ["", f"{figures.note[0].upper()}{figures.note[1:]}."]
    else:
        lines.append(f"No figures were filled in: {figures.note or 'none were given'}.")
    lines.append("")
    if causes:
        lines += ["| Root cause | Escalations |", "|---|---|"]
        lines += [f"| {names[c]} | {n} |" for c, n in causes]
        lines.append("")
    if unknown:
        left = ", ".join(f"{c} ({n})" for c, n in unknown)
        lines += [
            f"Left out of root_causes, as framework.yaml no longer has them: {left}.",
            "",
        ]
    for heading, prompt in _SECTIONS:
        lines += [f"## {heading}", "", f"> {prompt}", ""]
    lines += ["## Action items", ""]
    if carried:
        lines += [
            "Carried over from earlier reviews (update their status where they are defined):",
            "",
            "| Id | Action | Owner | Due | Status | From |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {a.id} | {_cell(a.title)} | {_owner(framework, a.owner)} | {a.due} | "
            f"{a.status} | {r.id} |"
            for r, a in carried
        ]
        lines.append("")
    lines.append(
        "> Add this review's new action items to the front matter's action_items, each with "
        f"an id such as ai-{start:%Y-%m}-1, an owner, a due date and the root cause it "
        "addresses."
    )
    return lines


_SECTIONS = (
    ("What went well", "What worked as designed? Which triggers, paths or playbooks helped?"),
    ("What went wrong", "Which escalations were late, missed or bounced, and why?"),
    ("Where we got lucky", "What could have gone worse, and what would have caught it?"),
    ("Decisions", "Changes to the framework agreed in the meeting, and its version."),
)


def _metric(figure: Figure) -> str:
    parts = [f"metric: {figure.metric}", f"value: {_number(figure.value)}"]
    if figure.target is not None:
        parts.append(f"target: {_number(figure.target)}")
    if figure.unit is not None:
        parts.append(f"unit: {_yaml(figure.unit)}")
    return "{" + ", ".join(parts) + "}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(value)


def _amount(value: float, unit: str | None) -> str:
    if unit in _UNITS:
        return f"{_number(value)} {_UNITS[unit]}"
    return _number(value) if unit in (None, "count", "score") else f"{_number(value)} {unit}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _label(metric: str) -> str:
    return metric.replace("_", " ").replace("-", " ").capitalize()


def _yaml(text: str) -> str:
    """A YAML scalar for `text`: bare when that reads back the same, else double-quoted (a
    JSON string is a valid YAML double-quoted scalar)."""
    return text if _PLAIN.match(text) else json.dumps(text, ensure_ascii=False)


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


def _version_at(framework: Framework, day: date) -> str:
    """The framework version released last on or before `day` (the current one without a
    changelog entry that early)."""
    released = [r for r in framework.changelog if r.date <= day]
    return max(released, key=lambda r: r.date).version if released else framework.version


def _first_person(framework: Framework) -> str:
    owner = framework.owner
    if owner.startswith("team:"):
        lead = next((t.lead for t in framework.teams if f"team:{t.id}" == owner), None)
        if lead and lead.startswith("person:"):
            return lead
    if owner.startswith("person:"):
        return owner
    if not framework.people:
        raise EscalationsError("people.yaml has no one to facilitate the review; add a person.")
    return f"person:{framework.people[0].id}"


def _owner(framework: Framework, reference: str) -> str:
    kind, _, key = reference.partition(":")
    found: Iterable[Any] = framework.people if kind == "person" else framework.teams
    return next((item.name for item in found if item.id == key), reference)
