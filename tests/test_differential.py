"""The SQL path and the Python engine must agree: generated triggers, tickets and times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from escalations.criteria.conditions import OPS_BY_TYPE, Condition, Leaf
from escalations.criteria.evaluate import Engine
from escalations.criteria.sql import SQL_TYPES, Compiler
from escalations.criteria.sqltext import quote
from escalations.criteria.ticket import Ticket, ticket_of_case
from escalations.model.durations import parse_duration
from escalations.model.framework import After, Case, Duration, Field, Framework, Trigger
from escalations.model.validate import validate_framework

from .conftest import FRAMEWORK

EXAMPLE = validate_framework(FRAMEWORK).framework
assert EXAMPLE is not None
START = datetime(2026, 3, 23, tzinfo=UTC)  # the week before the spring DST change
WINDOW = timedelta(days=21)
WORDS = ["ab", "AB", "b", "éa", "ÉA", "x y", "a%", "_b", "z"]
DURATIONS = ["PT0S", "PT30M", "PT1H", "PT4H", "PT9H", "P1D", "P1DT2H", "P2D", "P1W"]

instants = st.integers(0, int(WINDOW.total_seconds())).map(lambda s: START + timedelta(seconds=s))


def values_for(field: Field, op: str) -> st.SearchStrategy[Any]:
    many = op in ("in", "not_in") or (
        op in ("contains", "not_contains", "starts_with", "ends_with")
    )
    if field.type == "string":
        one: st.SearchStrategy[Any] = st.sampled_from(WORDS)
    elif field.type == "number":
        one = st.integers(-2, 6) | st.sampled_from([0.5, 2.5])
    elif field.type == "bool":
        one = st.booleans()
    elif field.type == "enumeration":
        one = st.sampled_from([o.value for o in field.options])
    elif field.type == "owner":
        one = st.sampled_from([f"person:{p.id}" for p in EXAMPLE.people[:3]])
    else:
        one = instants.map(lambda moment: moment.isoformat())
    if many and field.type != "datetime":
        return st.lists(one, min_size=1, max_size=3).map(tuple) | one
    return one


@st.composite
def leaves(draw: st.DrawFn) -> Leaf:
    field = draw(st.sampled_from(EXAMPLE.fields))
    op = draw(st.sampled_from(OPS_BY_TYPE[field.type]))
    if op in ("is_known", "is_unknown"):
        return Leaf(field.id, op)
    return Leaf(field.id, op, draw(values_for(field, op)))


conditions = st.lists(st.lists(leaves(), min_size=1, max_size=3).map(tuple), min_size=1, max_size=3)


@st.composite
def triggers(draw: st.DrawFn, precedence: int) -> Trigger:
    template = EXAMPLE.triggers[0]
    after = still = None
    if draw(st.booleans()):
        text = draw(st.sampled_from(DURATIONS))
        clock = draw(st.sampled_from(["business", "calendar"]))
        calendar = draw(st.sampled_from([c.id for c in EXAMPLE.calendars]))
        after = After(Duration(text, parse_duration(text), clock, calendar), None)  # type: ignore[arg-type]
        still = Condition(tuple(draw(conditions)))
    return replace(
        template,
        id=f"t{precedence}",
        precedence=precedence,
        when=Condition(tuple(draw(conditions))),
        after=after,
        still=still,
    )


def ticket_values(field: Field) -> st.SearchStrategy[Any]:
    if field.type == "datetime":
        return st.none() | instants
    if field.type == "string":
        return st.none() | st.sampled_from(WORDS) | st.sampled_from(["xx ab yy", "Éab", "a%b"])
    if field.type == "number":
        return st.none() | st.integers(-2, 6).map(float) | st.just(2.5)
    return st.none() | values_for(field, "eq")


@st.composite
def tickets(draw: st.DrawFn, number: int) -> Ticket:
    values = {f.id: draw(ticket_values(f)) for f in EXAMPLE.fields}
    values["created_at"] = draw(instants)
    return Ticket(f"ticket-{number}", values, (), values["created_at"])


CONNECTION = duckdb.connect()
CONNECTION.execute("SET TimeZone = 'UTC'")


def sql_outcomes(framework: Framework, batch: list[Ticket], as_of: datetime) -> dict[str, Any]:
    columns = ", ".join(f"{quote(f.id)} {SQL_TYPES[f.type]}" for f in framework.fields)
    CONNECTION.execute(f"CREATE OR REPLACE TABLE tickets (ticket_id VARCHAR, {columns})")
    marks = ", ".join("?" for _ in range(len(framework.fields) + 1))
    CONNECTION.executemany(
        f"INSERT INTO tickets VALUES ({marks})",
        [[t.id, *(t.values.get(f.id) for f in framework.fields)] for t in batch],
    )
    first = min([as_of, *(t.created for t in batch if t.created)])
    sql = Compiler(framework).query_for(as_of, first)
    return {row[0]: (row[2], row[1]) for row in CONNECTION.execute(sql).fetchall()}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_sql_and_engine_escalate_the_same_tickets_at_the_same_time(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 4))
    framework = replace(EXAMPLE, triggers=tuple(data.draw(triggers(i + 1)) for i in range(count)))
    batch = [data.draw(tickets(i)) for i in range(data.draw(st.integers(1, 8)))]
    as_of = data.draw(instants) + WINDOW / 2
    engine = Engine(framework)
    expected = {}
    for ticket in batch:
        escalation = engine.evaluate(ticket, as_of).escalation
        assert engine.evaluate(ticket, as_of, explain=False).escalation == escalation
        expected[ticket.id] = (escalation.trigger, escalation.at) if escalation else (None, None)
    escalated = [t for t, _ in expected.values() if t]
    event("a ticket escalated" if escalated else "no ticket escalated")
    waits = {t.id: t.after.duration.clock for t in framework.triggers if t.after}
    event(
        f"escalated after a {waits[escalated[0]]} wait"
        if escalated and escalated[0] in waits
        else "no wait"
    )
    assert sql_outcomes(framework, batch, as_of) == expected


@pytest.mark.parametrize("case", [c for c in EXAMPLE.cases if not c.changes], ids=lambda c: c.id)
def test_sql_agrees_on_the_example_cases(case: Case) -> None:
    ticket = ticket_of_case(EXAMPLE, case)
    escalation = Engine(EXAMPLE).evaluate(ticket, case.at).escalation
    expected = (escalation.trigger, escalation.at) if escalation else (None, None)
    assert sql_outcomes(EXAMPLE, [ticket], case.at)[case.id] == expected
