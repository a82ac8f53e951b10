"""The criteria compiled to SQL: the same meaning as the engine, for millions of tickets.

The query reads a relation `tickets` with a `ticket_id` column and one typed column per
catalog field (named by the field id) and returns one row per ticket: the trigger that
escalated it and when, or NULLs. Business-hour waits look up the open intervals of each
calendar, emitted as VALUES so the SQL runs unchanged elsewhere, by an equality key (the UTC
day of the wait's start, then the day of open time it ends in) refined by range conditions:
a hash join that streams the tickets and costs nothing for those no business wait concerns.

SQL used: CTEs, VALUES, CASE, COALESCE, LEAST, GREATEST, FLOOR, LEFT JOIN on an equality and
range conditions, EXTRACT(EPOCH FROM timestamp or interval), number * INTERVAL '1' SECOND,
CAST(... AS TIMESTAMPTZ), LIKE ... ESCAPE, position(... IN ...) and lower(). The tests run it
on DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from escalations.criteria.calendars import open_time_of
from escalations.criteria.conditions import Condition, Leaf
from escalations.criteria.spans import (
    DAY,
    Span,
    calendar_spans,
    day_range,
    day_values,
    open_day_values,
)
from escalations.criteria.sqltext import literal, quote, timestamp
from escalations.criteria.ticket import created_field
from escalations.model.framework import Calendar, Duration, Field, Framework, Trigger


def _like(prefix: str, suffix: str, text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return literal(f"{prefix}{escaped}{suffix}")


class Compiler:
    """Compiles one framework's enabled triggers for an evaluation time."""

    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self.fields = {f.id: f for f in framework.fields}
        self.calendars = {c.id: c for c in framework.calendars}
        self.triggers = [t for t in framework.triggers if t.enabled]
        self.created = created_field(framework)
        self.lowered: set[str] = set()
        """The text fields whose lower-case form the conditions read (one column each)."""

    # -- conditions ------------------------------------------------------------------------

    def column(self, field: Field, moment: str) -> str:
        """A field's value as known at `moment`: event times after it are not yet known."""
        column = quote(field.id)
        return f"(CASE WHEN {column} <= {moment} THEN {column} END)" if field.event_time else column

    def leaf(self, leaf: Leaf, moment: str) -> str:
        field = self.fields[leaf.field]
        value = self.column(field, moment)
        if leaf.op == "is_known":
            return f"({value} IS NOT NULL)"
        if leaf.op == "is_unknown":
            return f"({value} IS NULL)"
        return f"COALESCE({self._test(field, leaf, value)}, FALSE)"

    def _test(self, field: Field, leaf: Leaf, value: str) -> str:
        op = leaf.op
        values = leaf.value if isinstance(leaf.value, tuple | list) else (leaf.value,)
        if field.type == "string":
            text = self._lower(field, value)
            lowered = [str(v).lower() for v in values]
            listed = ", ".join(literal(v) for v in lowered)
            tests = {
                "eq": f"{text} IN ({listed})",
                "in": f"{text} IN ({listed})",
                "neq": f"{text} NOT IN ({listed})",
                "not_in": f"{text} NOT IN ({listed})",
                "contains": _any(f"position({literal(v)} IN {text}) > 0" for v in lowered),
                "starts_with": _any(
                    f"{text} LIKE {_like('', '%', v)} ESCAPE '\\'" for v in lowered
                ),
                "ends_with": _any(f"{text} LIKE {_like('%', '', v)} ESCAPE '\\'" for v in lowered),
            }
            if op == "not_contains":
                return f"(NOT {tests['contains']})"
            return f"({tests[op]})"
        if field.type == "number":
            symbol = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
            return f"({value} {symbol} {literal(float(values[0]))})"
        if field.type == "datetime":
            symbol = "<" if op == "before" else ">"
            return f"({value} {symbol} CAST({literal(values[0])} AS TIMESTAMPTZ))"
        listed = ", ".join(literal(v) for v in values)
        negate = "NOT " if op in ("neq", "not_in") else ""
        return f"({value} {negate}IN ({listed}))"

    def _lower(self, field: Field, value: str) -> str:
        """The lower-case text: computed once per ticket, in the `_lower_<field>` column of the
        enrollment's input, where a text is read by many leaves (a keyword list is a dozen),
        since the engines lower it again for each of them. Field ids cannot start with `_`."""
        if value != quote(field.id):
            return f"lower({value})"
        self.lowered.add(field.id)
        return quote("_lower_" + field.id)

    def condition(self, condition: Condition, moment: str) -> str:
        groups = [
            "(" + " AND ".join(self.leaf(leaf, moment) for leaf in group) + ")"
            for group in condition.groups
        ]
        return "(" + " OR ".join(groups) + ")"

    # -- triggers --------------------------------------------------------------------------

    def enrollment(self, trigger: Trigger, as_of: str) -> str:
        """When `when` first held: at creation, or when an event time it reads became known
        (other event times cannot change its outcome)."""
        created = quote(self.created or "created_at")
        candidates = [
            f"CASE WHEN {created} <= {as_of} AND {self.condition(trigger.when, created)} "
            f"THEN {created} END"
        ]
        read = {leaf.field for leaf in trigger.when.leaves()}
        for field in self.fields.values():
            if field.event_time and field.type == "datetime" and field.id in read:
                moment = quote(field.id)
                candidates.append(
                    f"CASE WHEN {moment} >= {created} AND {moment} <= {as_of} AND "
                    f"{self.condition(trigger.when, moment)} THEN {moment} END"
                )
        return _least(candidates)

    def business_calendars(self) -> set[str]:
        return {
            t.after.duration.calendar
            for t in self.triggers
            if t.after and t.after.duration.clock == "business"
        }

    def query(
        self,
        as_of: datetime,
        spans: list[Span],
        *,
        tickets: str | None = None,
        keep: tuple[str, ...] = (),
    ) -> str:
        """The whole query: one row per ticket with its escalating trigger and time.

        `tickets`, when given, is the query that stands for the relation `tickets`; `keep`
        names columns of it that the result carries along."""
        moment = timestamp(as_of)
        days = day_range(spans)
        ctes = [] if tickets is None else [f"tickets AS ({tickets})"]
        ctes.append(
            "spans_by_day(calendar, day, span_start, next_start, cum, cum_end) AS "
            f"({day_values(spans, days)})"
        )
        ctes.append(
            "spans_by_open_day(calendar, day, span_start, cum, cum_end) AS "
            f"({open_day_values(spans)})"
        )
        selects = ", ".join(
            f"{self.enrollment(t, moment)} AS {quote('e_' + t.id)}" for t in self.triggers
        )
        fired = ", ".join(f"{self.fired(t, moment)} AS {quote('f_' + t.id)}" for t in self.triggers)
        lowered = "".join(
            f", lower({quote(name)}) AS {quote('_lower_' + name)}" for name in sorted(self.lowered)
        )
        source = f"(SELECT *{lowered} FROM tickets)" if lowered else "tickets"
        ctes.append(f"enrolled AS (SELECT t.*, {selects} FROM {source} t)")
        source = "enrolled"
        for trigger in self.triggers:
            if trigger.after is None:
                continue
            step = quote("d_" + trigger.id)
            due = self._due_step(trigger, source, days)
            ctes.append(f"{step} AS ({due})")
            source = step
        kept = "".join(f", {quote(name)}" for name in keep)
        ctes.append(f"fired AS (SELECT ticket_id{kept}, {fired} FROM {source})")
        first = _least([quote("f_" + t.id) for t in self.triggers])
        which = " ".join(
            f"WHEN {quote('f_' + t.id)} = escalated_at THEN {literal(t.id)}" for t in self.triggers
        )
        return (
            "WITH " + ",\n".join(ctes) + "\n"
            f"SELECT ticket_id, escalated_at, CASE {which} END AS trigger{kept}\n"
            f"FROM (SELECT *, {first} AS escalated_at FROM fired) AS winners"
        )

    def _due_step(self, trigger: Trigger, source: str, days: tuple[int, int]) -> str:
        assert trigger.after is not None
        duration = trigger.after.duration
        enrolled = quote("e_" + trigger.id)
        name = quote("due_" + trigger.id)
        if duration.clock == "calendar":
            seconds = int(duration.value.total_seconds())
            return f"SELECT *, {enrolled} + INTERVAL '{seconds}' SECOND AS {name} FROM {source}"
        calendar = self.calendars[duration.calendar]
        amount = open_time_of(duration, calendar).total_seconds()
        if amount == 0:
            return f"SELECT *, {enrolled} AS {name} FROM {source}"
        cal = literal(calendar.id)
        # Open seconds from the start of span a (where the wait starts) to the wait's start;
        # small numbers, so the due time keeps the timestamps' precision.
        offset = f"LEAST(EXTRACT(EPOCH FROM (x.{enrolled} - a.span_start)), a.cum_end - a.cum)"
        target = f"(a.cum + {offset} + {amount!r})"
        # A start outside the days of the spans counts as their first or last day, whose
        # rows hold the spans from the beginning and to the end of time.
        day = (
            f"LEAST(GREATEST(CAST(FLOOR(EXTRACT(EPOCH FROM x.{enrolled}) / {DAY!r}) AS BIGINT), "
            f"{days[0]}), {days[1]})"
        )
        return (
            f"SELECT x.*, b.span_start + ((a.cum - b.cum) + {offset} + {amount!r}) "
            f"* INTERVAL '1' SECOND AS {name} "
            f"FROM {source} x "
            f"LEFT JOIN spans_by_day a ON a.calendar = {cal} AND a.day = {day} "
            f"AND a.span_start <= x.{enrolled} AND x.{enrolled} < a.next_start "
            f"LEFT JOIN spans_by_open_day b ON b.calendar = {cal} "
            f"AND b.day = CAST(FLOOR({target} / {DAY!r}) AS BIGINT) "
            f"AND b.cum < {target} AND {target} <= b.cum_end"
        )

    def fired(self, trigger: Trigger, as_of: str) -> str:
        enrolled = quote("e_" + trigger.id)
        if trigger.after is None or trigger.still is None:
            return enrolled
        due = quote("due_" + trigger.id)
        still = self.condition(trigger.still, due)
        return f"CASE WHEN {due} <= {as_of} AND {still} THEN {due} END"

    def query_for(
        self,
        as_of: datetime,
        first_created: datetime,
        *,
        tickets: str | None = None,
        keep: tuple[str, ...] = (),
    ) -> str:
        """The query for tickets created from `first_created` on, evaluated at `as_of`."""
        start = min(first_created, as_of).date() - timedelta(days=1)
        spans = self.spans(start, as_of.date() + timedelta(days=1))
        return self.query(as_of, spans, tickets=tickets, keep=keep)

    def header(self, as_of: datetime) -> str:
        """SQL comments that say what the query reads and returns."""
        framework = self.framework
        lines = [
            f"-- escalations: the criteria of {framework.id} {framework.version}, "
            f"evaluated as of {as_of.isoformat()}",
            "-- Reads a relation named tickets: ticket_id, and one column per catalog field:",
        ]
        for field in framework.fields:
            sql_type = SQL_TYPES[field.type]
            options = f" (one of: {', '.join(o.value for o in field.options)})"
            lines.append(f"--   {quote(field.id)} {sql_type}{options if field.options else ''}")
        lines.append(
            "-- Returns one row per ticket: ticket_id, escalated_at (NULL when not escalated), "
            "trigger."
        )
        return "\n".join(lines) + "\n"

    def spans(self, start: date, end: date) -> list[Span]:
        """Open intervals of every calendar a business wait uses, from `start` to `end`, with
        the open seconds before each (cum) and up to its end (cum_end)."""
        rows: list[Span] = []
        for calendar_id in sorted(self.business_calendars()):
            rows.extend(calendar_spans(self.calendars[calendar_id], start, end))
        return rows


SQL_TYPES = {
    "string": "VARCHAR",
    "number": "DOUBLE",
    "bool": "BOOLEAN",
    "enumeration": "VARCHAR",
    "datetime": "TIMESTAMPTZ",
    "owner": "VARCHAR",
}
"""The column type of each field type in the `tickets` relation."""


def _any(tests: Iterator[str]) -> str:
    return "(" + " OR ".join(tests) + ")"


def _least(items: list[str]) -> str:
    if not items:
        return "CAST(NULL AS TIMESTAMPTZ)"
    return items[0] if len(items) == 1 else "LEAST(" + ", ".join(items) + ")"


def wait_seconds(duration: Duration, calendars: dict[str, Calendar]) -> float:
    """How many seconds of its clock a wait asks for (open seconds on a business clock)."""
    if duration.clock == "calendar":
        return duration.value.total_seconds()
    return open_time_of(duration, calendars[duration.calendar]).total_seconds()
