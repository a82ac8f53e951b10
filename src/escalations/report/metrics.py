"""The report of a period: volume, rates, splits, times against targets, repeats, backlog."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import duckdb

from escalations.model.framework import Framework
from escalations.report.model import (
    AGES,
    DIMENSIONS,
    Backlog,
    Figure,
    Reached,
    Repeat,
    Report,
    SetApart,
    Share,
    Split,
    Week,
    figure,
)
from escalations.report.rows import Row, count_untimed, read_escalated, set_apart, ticket_counts
from escalations.report.timings import Outcome, outcomes, timings, week_of, weekly_attainment


def build(
    con: duckdb.DuckDBPyConnection,
    framework: Framework,
    since: date,
    until: date,
    *,
    as_of: datetime | None = None,
) -> Report:
    """The report of the escalations escalated from `since` to `until` (both days included,
    UTC). Open escalations and targets not yet met are judged at `as_of`, by default the end
    of the period; the CLI passes the current time when the period is not over."""
    if until < since:
        raise ValueError(f"the period ends ({until}) before it starts ({since})")
    start = _midnight(since)
    end = _midnight(until + timedelta(days=1))
    judged = as_of if as_of is not None else end
    read, apart = set_apart(framework, read_escalated(con, start, end))
    rows = [row for row in read if row.escalated_at < judged]
    still_open = [r for r in read_escalated(con, _EPOCH, start) if not r.resolved_by(judged)]
    earlier, earlier_apart = set_apart(framework, still_open)
    open_rows = earlier + [row for row in rows if not row.resolved_by(judged)]
    weeks = _weeks(since, until, rows, ticket_counts(con))
    counted = [w for w in weeks if w.complete and w.tickets is not None]
    tickets = sum(w.tickets or 0 for w in counted) if counted else None
    in_counted = sum(w.escalations for w in counted)
    found = outcomes(framework, rows, judged)
    notes = _notes(weeks, apart, _unmeasured(found), count_untimed(con))
    if not rows:
        notes.insert(0, f"No escalations in the period {since} to {until}.")
    return Report(
        framework=framework.id,
        framework_version=framework.version,
        since=since,
        until=until,
        as_of=judged,
        escalations=len(rows),
        tickets=tickets,
        rate=figure(in_counted, tickets or 0, 100.0),
        weeks=tuple(weeks),
        splits=tuple(_split(framework, d, rows, weeks) for d in DIMENSIONS),
        timings=timings(framework, found),
        weekly_attainment=weekly_attainment(framework, found, [w.start for w in weeks]),
        repeats=_repeats(rows),
        open=len(open_rows),
        backlog=_backlog(open_rows, judged),
        reached=_reached(framework, rows),
        set_apart=tuple(apart),
        notes=tuple(notes + _open_notes(earlier_apart) + _company_notes(rows)),
        with_company=sum(1 for row in rows if row.company),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _weeks(since: date, until: date, rows: list[Row], counts: dict[object, int]) -> list[Week]:
    per_week = Counter(week_of(row.escalated_at) for row in rows)
    monday = since - timedelta(days=since.weekday())
    weeks = []
    while monday <= until:
        complete = monday >= since and monday + timedelta(days=6) <= until
        tickets = counts.get(monday)
        escalations = per_week[monday]
        rate = figure(escalations, tickets or 0, 100.0) if complete else Figure(None, 0)
        weeks.append(Week(monday, complete, escalations, tickets, rate))
        monday += timedelta(days=7)
    return weeks


def _value_of(dimension: str) -> Callable[[Row], str | None]:
    return lambda row: getattr(row, dimension)


def _known(framework: Framework, dimension: str) -> set[str]:
    if dimension == "trigger":
        return {t.id for t in framework.triggers}
    if dimension == "tier":
        return {t.id for t in framework.tiers}
    if dimension == "type":
        return {p.type for p in framework.playbooks}
    if dimension == "team":
        return {t.id for t in framework.teams} | {f"team:{t.id}" for t in framework.teams}
    return {c.id for c in framework.root_causes}


def _split(framework: Framework, dimension: str, rows: list[Row], weeks: list[Week]) -> Split:
    """Escalations per value of a dimension, most frequent first, unrecorded last."""
    value_of = _value_of(dimension)
    known = _known(framework, dimension)
    counted = [w for w in weeks if w.complete and w.tickets is not None]
    tickets = sum(w.tickets or 0 for w in counted)
    counted_starts = {w.start for w in counted}
    by_value: dict[str | None, list[Row]] = defaultdict(list)
    for row in rows:
        by_value[value_of(row)].append(row)
    shares = []
    for value, group in by_value.items():
        per_week = Counter(week_of(row.escalated_at) for row in group)
        in_counted = sum(n for week, n in per_week.items() if week in counted_starts)
        shares.append(
            Share(
                value=value,
                known=value in known,
                escalations=len(group),
                weekly=tuple(per_week[w.start] for w in weeks),
                rate=figure(in_counted, tickets, 100.0),
            )
        )
    shares.sort(key=lambda s: (s.value is None, -s.escalations, s.value or ""))
    return Split(dimension, tuple(shares))


def _repeats(rows: list[Row]) -> tuple[Repeat, ...]:
    by_company: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row.company:
            by_company[row.company].append(row.ticket_id)
    repeats = [Repeat(c, len(ids), tuple(sorted(ids))) for c, ids in by_company.items()]
    return tuple(sorted((r for r in repeats if r.escalations > 1), key=_repeat_order))


def _company_notes(rows: list[Row]) -> list[str]:
    unknown = sum(1 for row in rows if not row.company)
    if not unknown:
        return []
    return [
        f"{_escalations(unknown)} of {len(rows)} have no company (none is associated with "
        "the ticket in HubSpot, or the export has none): repeats are counted over the rest"
    ]


def _repeat_order(repeat: Repeat) -> tuple[int, str]:
    return -repeat.escalations, repeat.company


def age_band(age: timedelta) -> str:
    """The band of AGES an open escalation's age falls in."""
    if age < timedelta(days=1):
        return AGES[0]
    if age < timedelta(days=3):
        return AGES[1]
    if age < timedelta(days=7):
        return AGES[2]
    return AGES[3]


def _backlog(rows: list[Row], at: datetime) -> tuple[Backlog, ...]:
    cells: dict[tuple[int | None, str], list[str]] = defaultdict(list)
    for row in rows:
        cells[(row.level, age_band(at - row.escalated_at))].append(row.ticket_id)
    order = {band: i for i, band in enumerate(AGES)}
    keys = sorted(cells, key=lambda k: (k[0] is None, k[0] or 0, order[k[1]]))
    return tuple(Backlog(k[0], k[1], len(cells[k]), tuple(sorted(cells[k]))) for k in keys)


def _reached(framework: Framework, rows: list[Row]) -> tuple[Reached, ...]:
    """How far up its path each escalation went, per path (after handoffs)."""
    by_path: dict[str, Counter[int | None]] = defaultdict(Counter)
    for row in rows:
        by_path[framework.trigger(row.trigger or "").path][row.level] += 1
    result = []
    for path in sorted(by_path):
        levels = framework.escalation_levels(path)
        total = sum(by_path[path].values())
        for level in sorted(by_path[path], key=lambda n: (n is None, n or 0)):
            named = level is not None and 1 <= level <= len(levels)
            name = levels[level - 1].name if named and level is not None else None
            count = by_path[path][level]
            result.append(Reached(path, level, name, count, figure(count, total, 100.0)))
    return tuple(result)


def _unmeasured(found: list[Outcome]) -> Counter[str]:
    """How many tickets each measure could not time."""
    return Counter(o.measure for o in found if not o.measurable)


def _escalations(count: int) -> str:
    return f"{count} escalation" + ("" if count == 1 else "s")


def _tickets(ids: list[str]) -> str:
    shown = ", ".join(sorted(ids)[:10])
    return shown + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def _notes(
    weeks: list[Week],
    apart: list[SetApart],
    unmeasured: Counter[str],
    untimed: int,
) -> list[str]:
    notes = []
    by_reason: dict[str, list[str]] = defaultdict(list)
    for item in apart:
        by_reason[item.reason].append(item.ticket_id)
    for reason, ids in sorted(by_reason.items()):
        notes.append(
            f"{_escalations(len(ids))} left out of every figure, {reason}: tickets {_tickets(ids)}."
        )
    partial = [str(w.start) for w in weeks if not w.complete]
    if partial:
        notes.append(
            f"The weeks of {', '.join(partial)} are only partly in the period: their "
            "escalations are counted, but they have no rate, because tickets are counted "
            "per whole week."
        )
    missing = [str(w.start) for w in weeks if w.complete and w.tickets is None]
    if missing:
        notes.append(
            f"The history has no ticket count for the weeks of {', '.join(missing)}: they are "
            "left out of the escalation rates."
        )
    if unmeasured["first_response"]:
        notes.append(
            f"{_escalations(unmeasured['first_response'])} left out of first-response times: "
            "the first agent reply came before the escalation, and the tiers time the first "
            "response after it, which the history does not record."
        )
    for measure in ("acknowledge", "resolution"):
        if unmeasured[measure]:
            what = measure.replace("_", " ")
            notes.append(
                f"{_escalations(unmeasured[measure])} left out of {what} times: a {what} time "
                "before the escalation time, or a resolved status without a time."
            )
    if untimed:
        notes.append(f"{_escalations(untimed)} in the history without an escalation time.")
    return notes


def _open_notes(apart: list[SetApart]) -> list[str]:
    ids = [item.ticket_id for item in apart]
    if not ids:
        return []
    return [
        f"{_escalations(len(ids))} still open from before the period are left out of the open "
        "escalations, as the framework cannot place their trigger or tier: "
        f"tickets {_tickets(ids)}."
    ]
