"""A report as titled sections of paragraphs, tables and lists, for every text format."""

from __future__ import annotations

from dataclasses import dataclass

from escalations.report.model import Figure, Report, Timing

DIMENSION_TITLES = {
    "trigger": "By trigger",
    "type": "By escalation type",
    "tier": "By tier",
    "team": "By team",
    "root_cause": "By root cause",
}
MEASURE_NAMES = {
    "acknowledge": "acknowledge",
    "first_response": "first response",
    "resolution": "resolution",
}
LISTED = 10
"""Ticket ids listed in one cell before the rest are only counted."""


@dataclass(frozen=True, slots=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A place for a chart (by its name in charts.CHARTS), with its alternative text."""

    name: str
    alt: str


Block = str | Table | Bullets | Chart


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


def title(report: Report) -> str:
    return f"Escalation report {report.since} to {report.until}"


def share(value: Figure) -> str:
    """A percentage with the tickets it was computed from."""
    if value.value is None:
        return "n/a (0 tickets)"
    return f"{value.value:.1f} % of {value.tickets}"


def hours(value: Figure) -> str:
    return "n/a" if value.value is None else f"{value.value:.1f} h"


def tickets(ids: tuple[str, ...]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more" if len(ids) > LISTED else "")


def sections(report: Report, *, charts: tuple[Chart, ...] = ()) -> list[Section]:
    """The report's sections, in reading order; `charts` go right after the summary."""
    found = [Section("Summary", (_summary(report), *charts))]
    found.append(Section("Weekly volume", (_weeks(report),)))
    found.append(Section("Targets", (_targets(report),)))
    for split in report.splits:
        rows = tuple(
            (
                (s.value or "not recorded") + ("" if s.known or s.value is None else " (unknown)"),
                str(s.escalations),
                share(s.rate),
            )
            for s in split.shares
        )
        if rows:
            table = Table(("Value", "Escalations", "Per 100 tickets"), rows)
            found.append(Section(DIMENSION_TITLES[split.dimension], (table,)))
    found.append(Section("Repeat escalations", (_repeats(report),)))
    found.append(Section("Open escalations", _open(report)))
    found.append(Section("Levels reached", (_reached(report),)))
    if report.notes:
        found.append(Section("Notes", (Bullets(report.notes),)))
    return found


def _summary(report: Report) -> str:
    counted = (
        f" out of {report.tickets} tickets in the complete weeks ({share(report.rate)})"
        if report.tickets is not None
        else ""
    )
    return (
        f"{report.escalations} escalations{counted}; {report.open} open at "
        f"{report.as_of:%Y-%m-%d %H:%M} UTC, counting those escalated before the period. "
        f"Framework {report.framework} "
        f"{report.framework_version}."
    )


def _weeks(report: Report) -> Table | str:
    rows = tuple(
        (
            f"{w.start}" + ("" if w.complete else " (part)"),
            str(w.escalations),
            "n/a" if w.tickets is None else str(w.tickets),
            share(w.rate),
        )
        for w in report.weeks
    )
    return Table(("Week of", "Escalations", "Tickets", "Per 100 tickets"), rows)


def _target(timing: Timing) -> str:
    if timing.target is None:
        return "each tier's" if timing.tier is None and timing.measure != "acknowledge" else "none"
    return f"{timing.target} {timing.clock}"


def _targets(report: Report) -> Table:
    rows = tuple(
        (
            t.tier or "all tiers",
            MEASURE_NAMES[t.measure],
            _target(t),
            "no target" if t.measure == "acknowledge" else share(t.attainment),
            hours(t.business_median),
            hours(t.calendar_median),
            hours(t.calendar_p90),
            tickets(t.breaches) or "none",
        )
        for t in report.timings
    )
    headers = (
        "Tier", "Measure", "Target", "Attainment", "Median business", "Median elapsed",
        "90th pct elapsed", "Breaches",
    )  # fmt: skip
    return Table(headers, rows)


def _repeats(report: Report) -> Table | str:
    if report.escalations and not report.with_company:
        return "No escalation of the period has a company, so repeats cannot be counted."
    if not report.repeats:
        return "No company was escalated more than once."
    rows = tuple((r.company, str(r.escalations), tickets(r.tickets)) for r in report.repeats)
    return Table(("Company", "Escalations", "Tickets"), rows)


def _open(report: Report) -> tuple[Block, ...]:
    lead = f"{report.open} escalations open at {report.as_of:%Y-%m-%d %H:%M} UTC."
    if not report.backlog:
        return (lead,)
    rows = tuple(
        ("n/a" if b.level is None else str(b.level), b.age, str(b.escalations), tickets(b.tickets))
        for b in report.backlog
    )
    return lead, Table(("Level", "Age", "Escalations", "Tickets"), rows)


def _reached(report: Report) -> Table | str:
    if not report.reached:
        return "No escalations in the period."
    rows = tuple(
        (
            r.path,
            "n/a" if r.level is None else f"{r.level}" + (f" {r.name}" if r.name else ""),
            str(r.escalations),
            share(r.share),
        )
        for r in report.reached
    )
    return Table(("Path", "Highest level", "Escalations", "Share of the path"), rows)
