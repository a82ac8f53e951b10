"""report --sql: the figures' query, run on DuckDB over a history, gives the report's own
figures; the BigQuery and Snowflake forms parse back; the CLI prints it."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from escalations.criteria.calendars import due
from escalations.model.framework import Duration, Framework
from escalations.report.history import connect
from escalations.report.metrics import build
from escalations.report.model import Report
from escalations.report.sql import compile_report
from escalations.report.timings import target_of

from .conftest import FRAMEWORK, Result
from .report_history import SINCE, UNTIL, insert, known_history
from .test_differential import EXAMPLE

Key = tuple[str, str, str | None]
Figures = dict[Key, tuple[float | None, int | None]]

EXTRA: list[tuple[Any, ...]] = [
    # T8: tier-1, escalated Sunday evening and not answered: its first-response target falls
    # due on Monday, after the period: pending; open for under a day, with no level or status.
    ("T8", None, "2026-10-18 18:00", "2026-10-18 20:00", "manager-request", "relationship",
     "tier-1", None, "team:support-leads", None, None, None, None, None),
    # T9: a tier the framework does not have: left out of every figure, the backlog too.
    ("T9", "Acme", "2026-10-13 08:00", "2026-10-13 09:00", "strong-dissatisfaction",
     "relationship", "tier-9", 1, "team:support-leads", "open", None, None, None, None),
    # T10: resolved with no time: not timed for resolution, and not open.
    ("T10", "Hooli", "2026-10-14 08:00", "2026-10-14 10:00", "repeated-reopening", "technical",
     "tier-2", 1, "person:jonas-becker", "resolved", None, "2026-10-14 11:00", None,
     "product-defect"),
    # T11: tier-2, not answered: its 2 business hours ran out on Thursday; open 3-7 days.
    ("T11", "Globex", "2026-10-15 11:00", "2026-10-15 12:00", "repeated-reopening", "technical",
     "tier-2", 2, "person:jonas-becker", "acknowledged", "2026-10-15 12:30", None, None, None),
]  # fmt: skip

TARGETS = {
    ("tier-1", "first_response"): ("business", 4.0),
    ("tier-1", "resolution"): ("business", 27.0),
    ("tier-2", "first_response"): ("business", 2.0),
    ("tier-2", "resolution"): ("business", 18.0),
    ("tier-3", "first_response"): ("calendar", 1.0),
    ("tier-3", "resolution"): ("calendar", 24.0),
}
"""The example's targets in hours of their clock (a business day of emea-business is 9 h)."""

PERIODS = [
    (date(2026, 10, 5), date(2026, 10, 25)),
    (date(2026, 10, 7), date(2026, 10, 29)),  # partial weeks at both ends
    (date(2026, 10, 19), date(2026, 11, 4)),  # both calendars change to winter time
]


def figures_of(rows: Sequence[tuple[Any, ...]]) -> Figures:
    """The query's rows by (metric, dimension, item); each figure once."""
    found: Figures = {}
    for metric, dimension, item, value, tickets in rows:
        assert (metric, dimension, item) not in found, (metric, dimension, item)
        found[(metric, dimension, item)] = (None if value is None else float(value), tickets)
    return found


def targets_of(found: Figures) -> dict[tuple[str, str], tuple[str, float | None]]:
    """The target rows, taken out of `found`: (tier, measure) -> (clock, hours)."""
    targets = {}
    for key in [k for k in found if " target " in k[0]]:
        measure, _, clock, _ = key[0].split(" ")
        assert key[2] is not None
        targets[(key[2], measure)] = (clock, found.pop(key)[0])
    return targets


def report_figures(report: Report) -> Figures:
    """The same figures, read off the report that metrics.build computes."""
    period = f"{report.since} to {report.until}"
    expected: Figures = {
        ("escalations", "period", period): (report.escalations, None),
        ("escalation rate %", "period", period): (report.rate.value, report.tickets),
    }
    for week in report.weeks:
        expected[("escalations", "week", str(week.start))] = (week.escalations, None)
        if week.complete:
            expected[("escalation rate %", "week", str(week.start))] = (
                week.rate.value, week.tickets,
            )  # fmt: skip
    for split in report.splits:
        for share in split.shares:
            expected[("escalations", split.dimension, share.value)] = (share.escalations, None)
    for timing in report.timings:
        if timing.tier is None or timing.measure == "acknowledge":
            continue
        put = {
            "met": (timing.met, None),
            "breached": (len(timing.breaches), None),
            "pending": (timing.pending, None),
            "attainment %": (timing.attainment.value, timing.attainment.tickets),
        }
        for clock in ("calendar", "business"):
            for statistic in ("median", "p90"):
                found = getattr(timing, f"{clock}_{statistic}")
                put[f"{clock} {statistic} hours"] = (found.value, found.tickets)
        for name, figure in put.items():
            expected[(f"{timing.measure} {name}", "tier", timing.tier)] = figure
    for cell in report.backlog:
        level = None if cell.level is None else str(cell.level)
        expected[(f"open {cell.age}", "level", level)] = (cell.escalations, None)
    return expected


def differences(found: Figures, expected: Figures) -> list[str]:
    """Every figure that is missing, extra, or off by more than 1e-6 (hours, percent)."""
    wrong = [f"missing {key}" for key in expected.keys() - found.keys()]
    wrong += [f"extra {key}" for key in found.keys() - expected.keys()]
    for key in expected.keys() & found.keys():
        (value, tickets), (got, got_tickets) = expected[key], found[key]
        close = got is None if value is None else got is not None and abs(got - value) <= 1e-6
        if not close or got_tickets != tickets:
            wrong.append(f"{key}: {(got, got_tickets)} instead of {(value, tickets)}")
    return sorted(wrong)


def with_other_calendars(framework: Framework) -> Framework:
    """Tier 2 timed on New York's hours, its resolution falling due on Berlin's."""
    tier = framework.tiers[1]
    targets = replace(
        tier.targets,
        first_response=Duration("PT3H", timedelta(hours=3), "business", "amer-business"),
        resolution=Duration("P1DT2H", timedelta(days=1, hours=2), "business", "emea-business"),
    )
    tiers = (framework.tiers[0], replace(tier, targets=targets), *framework.tiers[2:])
    return replace(framework, tiers=tiers)


def generated_rows(framework: Framework, seed: int, count: int = 400) -> list[tuple[Any, ...]]:
    """Escalations over seven weeks from 2026-09-21: every tier, replies before the escalation,
    replies and resolutions exactly at their due time, unknown triggers and tiers."""
    rng = random.Random(seed)
    calendars = {c.id: c for c in framework.calendars}
    triggers = [t.id for t in framework.triggers] + ["retired-trigger", None]
    tiers = [t.id for t in framework.tiers] + ["tier-9", None]
    teams = ["team:support-leads", "person:jonas-becker", "team:incident-response", None]
    causes = [*(c.id for c in framework.root_causes[:3]), "old-cause", None]
    rows = []
    for i in range(count):
        escalated = datetime(2026, 9, 21, tzinfo=UTC) + timedelta(
            minutes=rng.randrange(7 * 7 * 24 * 60)
        )
        tier = rng.choices(tiers, weights=[30, 30, 30, 2, 2])[0]
        ends = []
        for measure in ("first_response", "resolution"):
            target = target_of(framework.tier(tier), measure) if tier in tiers[:3] else None
            draw = rng.random()
            if draw < 0.2:
                ends.append(None)
            elif draw < 0.25:
                ends.append(escalated - timedelta(minutes=rng.randrange(1, 600)))
            elif draw < 0.35 and target is not None:
                ends.append(
                    due(target, escalated, calendars) + rng.choice([0, 1]) * timedelta(0, 1)
                )
            else:
                hours = rng.choice([rng.uniform(0, 8), rng.uniform(0, 240)])
                ends.append(escalated + timedelta(seconds=round(hours * 3600)))
        status = rng.choice(["open", "acknowledged", "resolved", None])
        rows.append(
            (f"G{i}", rng.choice(["Acme", "Globex", None]), escalated - timedelta(hours=1),
             escalated, rng.choices(triggers, weights=[10] * (len(triggers) - 2) + [1, 1])[0],
             rng.choice(["relationship", "technical", "outage", None]), tier,
             rng.choice([1, 2, 3, None]), rng.choice(teams), status, None, ends[0], ends[1],
             rng.choice(causes))
        )  # fmt: skip
    return rows


def generated_history(framework: Framework, seed: int) -> duckdb.DuckDBPyConnection:
    con = connect(None)
    insert(con, generated_rows(framework, seed))
    mondays = [date(2026, 9, 21) + timedelta(weeks=n) for n in range(8)]
    # One week without a count, one with none created: both have no rate.
    counts = [(m, 0 if n == 3 else 500 + 37 * n) for n, m in enumerate(mondays) if n != 2]
    con.executemany("INSERT INTO ticket_weeks VALUES (?, ?)", counts)
    return con


def in_duckdb(
    con: duckdb.DuckDBPyConnection, framework: Framework, since: date, until: date, **tables: str
) -> Figures:
    return figures_of(con.execute(compile_report(framework, since, until, **tables)).fetchall())


def test_the_known_history_gives_the_report_figures(framework: Framework) -> None:
    con = known_history()
    insert(con, EXTRA)
    found = in_duckdb(con, framework, SINCE, UNTIL)
    assert targets_of(found) == TARGETS
    assert differences(found, report_figures(build(con, framework, SINCE, UNTIL))) == []
    # as computed by hand in test_report_metrics.py, and the rows above
    assert found[("resolution attainment %", "tier", "tier-1")] == (200 / 3, 3)
    assert found[("first_response business median hours", "tier", "tier-1")] == (2.0, 2)
    assert found[("first_response calendar p90 hours", "tier", "tier-1")] == (65.0, 2)
    assert found[("first_response pending", "tier", "tier-1")] == (1.0, None)
    assert found[("first_response breached", "tier", "tier-2")] == (2.0, None)
    assert found[("escalation rate %", "week", "2026-10-12")] == (6 / 50 * 100, 50)
    assert found[("open under 1 day", "level", None)] == (1.0, None)
    assert found[("open 3-7 days", "level", "2")] == (1.0, None)
    assert ("escalations", "tier", "tier-9") not in found


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_generated_histories_give_the_report_figures(
    framework: Framework, seed: int, since: date, until: date
) -> None:
    model = with_other_calendars(framework) if seed % 2 else framework
    con = generated_history(model, seed)
    found = in_duckdb(con, model, since, until)
    report = build(con, model, since, until)
    targets = targets_of(found)
    assert differences(found, report_figures(report)) == []
    assert targets[("tier-2", "first_response")] == (
        ("business", 3.0) if seed % 2 else ("business", 2.0)
    )
    # the history exercises what the figures distinguish
    tier1 = report.timing("first_response", "tier-1")
    assert tier1.met > 5 and tier1.breaches and tier1.unmeasured
    assert report.set_apart and report.backlog and sum(t.pending for t in report.timings)


def test_the_tables_are_the_users_own(framework: Framework) -> None:
    con = generated_history(framework, 4)
    con.execute('CREATE SCHEMA support; CREATE TABLE support."escalation-history" AS '
                'SELECT * FROM escalations; CREATE TABLE weekly AS SELECT * FROM ticket_weeks; '
                "DROP TABLE escalations; DROP TABLE ticket_weeks")  # fmt: skip
    since, until = PERIODS[0]
    found = in_duckdb(
        con, framework, since, until, table="support.escalation-history", weeks_table="weekly"
    )
    expected = report_figures(build(generated_history(framework, 4), framework, since, until))
    targets_of(found)
    assert differences(found, expected) == []


def test_a_table_name_with_an_empty_part_is_refused(framework: Framework) -> None:
    with pytest.raises(ValueError, match=r"^'support\.\.escalations' is not a table name: "):
        compile_report(framework, SINCE, UNTIL, table="support..escalations")


def printed_in(dialect: str) -> str:
    """The query for `dialect`, parsed back by sqlglot in that dialect (or a failure), whose
    result has the same five columns in every dialect."""
    sql = compile_report(EXAMPLE, SINCE, UNTIL, dialect, table="my-project.support.escalations")
    tree = sqlglot.parse_one(sql, read=dialect)
    assert isinstance(tree, exp.Select)
    assert tree.named_selects == ["metric", "dimension", "item", "value", "tickets"]
    assert sql.startswith(
        "-- escalations: the report's figures of acme-support 1.4.0 for 2026-10-05 to "
        f"2026-10-18 (UTC), in {dialect} SQL\n"
    )
    return sql


def test_bigquery_form_parses_and_avoids_what_bigquery_lacks() -> None:
    sql = printed_in("bigquery")
    assert (
        "-- Reads my-project.support.escalations: `ticket_id` STRING, `escalated_at` TIMESTAMP,"
        in sql
    )
    assert "FROM `my-project`.support.escalations\n" in sql
    assert "TIMESTAMP_DIFF(x.end_at, e.span_start, MICROSECOND) / 1000000.0" in sql
    assert "THEN TIMESTAMP_ADD(p.start_at, INTERVAL (CAST(ROUND((" in sql
    assert "STRUCT(\n      'tier-1' AS tier," in sql
    for absent in ("EPOCH", "INTERVAL '1' SECOND", "(VALUES", '"'):
        assert absent not in sql.split("\n", 7)[-1]


def test_snowflake_form_parses_and_avoids_what_snowflake_lacks() -> None:
    sql = printed_in("snowflake")
    assert 'FROM "my-project".support.escalations\n' in sql
    assert 'AND "trigger" IN (' in sql
    assert "TIMESTAMPDIFF(MICROSECOND, e.span_start, x.end_at) / 1000000.0" in sql
    assert "TIMESTAMPADD(\n" in sql
    for absent in ("EPOCH", "INTERVAL '1 SECOND'", "INTERVAL '1' SECOND"):
        assert absent not in sql


def test_postgres_and_duckdb_forms_parse_back() -> None:
    assert 'FROM "my-project".support.escalations\n' in printed_in("postgres")
    assert 'FROM "my-project".support.escalations ' in printed_in("duckdb")


def test_report_sql_from_the_cli(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no sync/targets.yaml: --sql reads no target
    args = ("report", "-f", str(FRAMEWORK), "--sql")
    period = ("--since", "2026-10-05", "--until", "2026-10-18")
    printed = cli(*args, "--dialect", "postgres", *period)
    assert (printed.code, printed.err) == (0, "")
    assert printed.out == compile_report(EXAMPLE, SINCE, UNTIL, "postgres") + "\n"
    named = cli(*args, *period, "--table", "support.escalations", "--weeks-table", "weeks")
    assert (
        named.out
        == compile_report(EXAMPLE, SINCE, UNTIL, table="support.escalations", weeks_table="weeks")
        + "\n"
    )
    unknown = cli(*args, "--dialect", "oracle", *period)
    assert unknown.code == 2
    assert (
        "Invalid value for '--dialect': 'oracle' is not one of 'duckdb', "
        "'postgres', 'bigquery', 'snowflake'." in unknown.err
    )
    # without --since, the four weeks up to --until, as the report itself
    default = cli(*args, "--until", "2026-10-18")
    assert default.code == 0
    assert default.out.startswith(
        "-- escalations: the report's figures of acme-support 1.4.0 for 2026-09-21 to "
        "2026-10-18 (UTC), in duckdb SQL\n"
    )
    backwards = cli(*args, "--since", "2026-10-18", "--until", "2026-10-05")
    assert backwards.code == 2
    assert "the period ends (2026-10-05) before it starts (2026-10-18)." in backwards.err
    empty = cli(*args, *period, "--table", "support..escalations")
    assert empty.code == 2
    assert "Invalid value for '--table': 'support..escalations' is not a table name" in empty.err
    published = cli(*args, *period, "--publish")
    assert published.code == 2
    assert (
        "Invalid value for '--from' / '--out' / '--publish' / '--format': does not go with --sql."
        in published.err
    )
    alone = cli("report", "-f", str(FRAMEWORK), *period, "--dialect", "postgres")
    assert alone.code == 2
    assert (
        "Invalid value for '--dialect' / '--table' / '--weeks-table': only goes with --sql."
        in alone.err
    )
