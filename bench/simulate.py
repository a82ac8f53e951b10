"""simulate on synthetic tickets: the DuckDB path end to end against the pure-Python engine.

Usage: python bench/simulate.py [--count 1000000] [--format csv|parquet] [--keep DIR]

Writes `--count` synthetic tickets for the example framework (not timed), then times
1. the SQL path as `escalations simulate` runs it: read the export into DuckDB, type and
   check every value, evaluate the compiled criteria, summarize;
2. the pure-Python engine (what `escalations test` uses, here without building the
   explanations) on the same typed tickets, streamed from DuckDB (the reading is not
   counted, only the evaluation);
checks that both escalate the same tickets by the same triggers, and prints both times, their
ratio and the peak memory (max RSS) after each phase; then
3. the SQL path with a comparison (`simulate --compare`), the baseline being the framework
   with another owner of billing's first level and 30 minutes (not an hour) for standard's first,
   which changes the owner of every billing escalation and the deadlines of every standard one.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from escalations.criteria.evaluate import Engine
from escalations.model.framework import Framework
from escalations.model.validate import validate_framework
from escalations.tickets.exports import connect, iter_tickets, load_tickets
from escalations.tickets.simulate import simulate
from escalations.tickets.synthetic import write_tickets

ROOT = Path(__file__).resolve().parents[1]
AS_OF = datetime(2026, 11, 2, tzinfo=UTC)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def changed(framework: Framework) -> Framework:
    """The framework with billing's first level owned by someone else and standard's first
    level moving on after 30 business minutes instead of an hour."""
    paths = []
    for path in framework.paths:
        first, *rest = path.levels
        if path.id == "billing":
            first = replace(first, owner="person:tom-walsh")
        if path.id == "standard" and first.move_on is not None:
            wait = replace(first.move_on.after, text="PT30M", value=timedelta(minutes=30))
            first = replace(first, move_on=replace(first.move_on, after=wait))
        paths.append(replace(path, levels=(first, *rest)))
    return replace(framework, paths=tuple(paths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--keep", type=Path, help="write the export here and keep it")
    args = parser.parse_args()
    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        export = folder / f"tickets.{args.format}"
        started = time.perf_counter()
        write_tickets(framework, export, count=args.count, seed=1)
        size = export.stat().st_size / 2**20
        print(f"generated {args.count:,} tickets ({size:.0f} MiB {args.format}) in "
              f"{time.perf_counter() - started:.1f} s (not counted)")  # fmt: skip

        started = time.perf_counter()
        result = simulate(framework, export, as_of=AS_OF)
        sql_seconds = time.perf_counter() - started
        print(f"SQL path (DuckDB), end to end: {sql_seconds:.2f} s, "
              f"{result.escalated:,} escalated; peak memory {peak_mib():.0f} MiB")  # fmt: skip

        connection = connect()
        load_tickets(connection, export, framework)
        engine = Engine(framework)
        counts: Counter[str] = Counter()
        started = time.perf_counter()
        for ticket in iter_tickets(connection, framework):
            escalation = engine.evaluate(ticket, AS_OF, explain=False).escalation
            if escalation:
                counts[escalation.trigger] += 1
        python_seconds = time.perf_counter() - started
        print(f"pure-Python engine, evaluation only: {python_seconds:.2f} s, "
              f"{sum(counts.values()):,} escalated; peak memory {peak_mib():.0f} MiB")  # fmt: skip

        started = time.perf_counter()
        compared = simulate(
            framework, export, as_of=AS_OF, baseline=("changed", changed(framework))
        )
        compare_seconds = time.perf_counter() - started
        assert compared.comparison is not None
        kinds = ", ".join(f"{k.kind} {k.tickets:,}" for k in compared.comparison.kinds)
        print(f"SQL path with --compare, end to end: {compare_seconds:.2f} s, "
              f"{compared.comparison.changed:,} tickets change ({kinds}); "
              f"peak memory {peak_mib():.0f} MiB")  # fmt: skip

    agree = counts == Counter({t.trigger: t.escalated for t in result.triggers if t.escalated})
    print(f"same escalations per trigger: {'yes' if agree else 'NO'}")
    print(f"ratio: the SQL path is {python_seconds / sql_seconds:.1f} times faster")


if __name__ == "__main__":
    main()
