"""simulate on synthetic tickets: the DuckDB path end to end against the pure-Python engine.

Usage: python bench/simulate.py [--count 1000000] [--large 5000000] [--format csv|parquet]
                                [--keep DIR] [--runs 3] [--skip-engine]

Writes `--count` synthetic tickets for the example framework (`escalations sample-tickets`,
not timed; reused from `--keep DIR` when already there) and a `--large` export made of copies
of it with other ticket ids (in DuckDB, not timed), then
1. times `escalations simulate --format json` end to end as a whole process (start and
   imports, reading the framework, reading the export, typing and checking every value,
   evaluating the compiled criteria, summarizing, printing), each run its own process with
   its own peak memory (max RSS): the median of `--runs` runs on `--count` tickets, one run
   on `--large`, each next to today's figure and the goal;
2. the pure-Python engine (what `escalations test` uses, here without building the
   explanations) on the same typed tickets, streamed from DuckDB (the reading is not
   counted, only the evaluation), and checks that both escalate the same tickets by the same
   triggers (skipped with --skip-engine);
3. the SQL path with a comparison (`simulate --compare`), the baseline being the framework
   with another owner of billing's first level and 30 minutes (not an hour) for standard's first,
   which changes the owner of every billing escalation and the deadlines of every standard one.
The machine's load average is printed first and last: the times are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import duckdb

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


TODAY = {"csv": 3.8, "parquet": 3.1}
"""Seconds for 1,000,000 tickets before issue 14 (medians of 3 runs on this machine)."""
TODAY_PEAK_LARGE_GB = 1.67
"""Peak memory (GB) for 5,000,000 tickets from CSV before issue 14."""
GOAL_SECONDS = 2.0
GOAL_GROWTH = 1.20


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


class Run(NamedTuple):
    seconds: float
    cpu: float
    peak: float
    counts: Counter[str]


def run_child(export: Path) -> Run:
    """`escalations simulate --format json` as a whole process (start, imports, reading the
    framework, the simulation, the output): its wall-clock and CPU seconds, its peak memory."""
    command = [sys.executable, "-m", "escalations", "simulate", str(export), "--framework",
               str(ROOT / "framework"), "--at", AS_OF.isoformat(), "--format", "json"]  # fmt: skip
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{err.read()}")
        out.seek(0)
        report = json.load(out)
    counts = Counter({t["trigger"]: t["escalated"] for t in report["triggers"] if t["escalated"]})
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, counts)


def copies(source: Path, target: Path, count: int, total: int) -> None:
    """`total` tickets from copies of the `count` in `source`, each copy's ids shifted."""
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    times = -(-total // count)
    if source.suffix == ".csv":
        scan, options = f"read_csv('{source}', header = true, all_varchar = true)", "HEADER"
    else:
        scan, options = f"read_parquet('{source}')", "FORMAT parquet"
    connection.execute(
        "COPY (SELECT * EXCLUDE (k) REPLACE (CAST(CAST(hs_object_id AS BIGINT) + k * "
        f"{count} AS VARCHAR) AS hs_object_id) FROM range({times}) AS r(k), {scan} "
        f"LIMIT {total}) TO '{target}' ({options})"
    )


def export_of(framework: Framework, folder: Path, kind: str, count: int) -> Path:
    export = folder / f"tickets-{count}.{kind}"
    if not export.exists():
        started = time.perf_counter()
        write_tickets(framework, export, count=count, seed=1)
        size = export.stat().st_size / 2**20
        print(f"generated {count:,} tickets ({size:.0f} MiB {kind}) in "
              f"{time.perf_counter() - started:.1f} s (not counted)")  # fmt: skip
    return export


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--large", type=int, default=5_000_000)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--keep", type=Path, help="write the exports here and keep them")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    if args.prepare:
        export = export_of(framework, args.prepare, args.format, args.count)
        large = args.prepare / f"tickets-{args.large}.{args.format}"
        if not large.exists():
            copies(export, large, args.count, args.large)
        return
    print(load())
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        # Written by another process: a child's peak memory starts at the memory of the
        # process that starts it (Linux keeps the high-water mark across exec).
        prepare = [sys.executable, __file__, "--prepare", str(folder), "--count", str(args.count),
                   "--large", str(args.large), "--format", args.format]  # fmt: skip
        subprocess.run(prepare, check=True)
        export = folder / f"tickets-{args.count}.{args.format}"
        large = folder / f"tickets-{args.large}.{args.format}"

        runs = [run_child(export) for _ in range(args.runs)]
        seconds = statistics.median(r.seconds for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        peak = max(r.peak for r in runs)
        counts_sql = runs[0].counts
        today = TODAY[args.format]
        print(f"SQL path (DuckDB), {args.count:,} tickets from {args.format}, end to end: "
              f"{seconds:.2f} s (median of {args.runs}; {cpu:.2f} s of CPU), "
              f"{sum(counts_sql.values()):,} escalated; peak memory {peak:.0f} MiB "
              f"[today {today} s; goal under {GOAL_SECONDS} s]")  # fmt: skip
        big = run_child(large)
        scaled = Counter({k: v * (args.large // args.count) for k, v in counts_sql.items()})
        same = big.counts == scaled
        print(f"SQL path, {args.large:,} tickets: {big.seconds:.2f} s "
              f"({big.cpu:.2f} s of CPU); peak memory {big.peak:.0f} MiB, "
              f"{big.peak / peak:.2f} times the peak at {args.count:,} "
              f"[today {TODAY_PEAK_LARGE_GB} GB; goal at most {GOAL_GROWTH:.2f} times]; "
              f"the copies escalate alike: {'yes' if same else 'NO'}")  # fmt: skip

        if not args.skip_engine:
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
            connection.close()
            agree = counts == counts_sql
            print(f"pure-Python engine, evaluation only: {python_seconds:.2f} s, "
                  f"{sum(counts.values()):,} escalated; same escalations per trigger: "
                  f"{'yes' if agree else 'NO'}; the SQL path is "
                  f"{python_seconds / seconds:.1f} times faster")  # fmt: skip

        started = time.perf_counter()
        compared = simulate(
            framework, export, as_of=AS_OF, baseline=("changed", changed(framework))
        )
        compare_seconds = time.perf_counter() - started
        assert compared.comparison is not None
        kinds = ", ".join(f"{k.kind} {k.tickets:,}" for k in compared.comparison.kinds)
        print(f"SQL path with --compare, end to end: {compare_seconds:.2f} s, "
              f"{compared.comparison.changed:,} tickets change ({kinds}); "
              f"peak memory of this process {peak_mib():.0f} MiB")  # fmt: skip
    print(load())


if __name__ == "__main__":
    main()
