"""sample-tickets: a million synthetic tickets, the whole command timed against issue 14's goal.

Usage: python bench/synthetic.py [--count 1000000] [--format csv|jsonl|parquet] [--runs 3]
                                 [--before]

Runs `escalations sample-tickets OUT --count N` as a process (--runs times, the median
printed) and prints its wall time, its CPU time, its peak memory and the machine's load
average (2 cores shared with other work make wall time noisy; CPU time is not), next to
the figure before the bulk generator (43 s per million tickets, issue 14) and the goal
(under 5 s). With --before, also times the row-by-row generator it replaced
(tests/synthetic_reference.py, in this process, writing CSV as it did) on the same count.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE_SECONDS = 43.0  # per million tickets, one core (issue 14)
GOAL_SECONDS = 5.0


def command_seconds(out: Path, count: int) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of one `escalations sample-tickets` process, and the peak MiB
    of the processes so far."""
    command = [sys.executable, "-m", "escalations", "sample-tickets", str(out),
               "--framework", str(ROOT / "framework"), "--count", str(count)]  # fmt: skip
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime
    return wall, cpu, after.ru_maxrss / 1024


def before_seconds(out: Path, count: int) -> float:
    """The row-by-row generator this replaced, writing CSV as it did."""
    spec = importlib.util.spec_from_file_location(
        "reference", ROOT / "tests/synthetic_reference.py"
    )
    assert spec is not None and spec.loader is not None
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    from escalations.model.validate import validate_framework

    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    started = time.perf_counter()
    generator = reference.Generator(
        framework, seed=7, end=datetime(2026, 11, 2, tzinfo=UTC), weeks=26
    )
    columns = ["hs_object_id", *(f.hubspot_property for f in framework.fields)]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(generator.rows(count))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["csv", "jsonl", "parquet"], default="csv")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", action="store_true", help="also time the old generator")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / f"tickets.{args.format}"
        load = os.getloadavg()[0]
        runs = [command_seconds(out, args.count) for _ in range(args.runs)]
        wall, cpu = (statistics.median(r[i] for r in runs) for i in range(2))
        peak = max(r[2] for r in runs)
        size = out.stat().st_size / 2**20
        before = BEFORE_SECONDS * args.count / 1_000_000
        print(f"sample-tickets --count {args.count:,} ({args.format}, {size:.0f} MiB), "
              f"median of {args.runs}: {wall:.2f} s wall, {cpu:.2f} s CPU, "
              f"peak memory {peak:.0f} MiB; load average {load:.1f} on "
              f"{os.cpu_count()} cores")  # fmt: skip
        print(f"before (issue 14): {before:.1f} s for this count ({BEFORE_SECONDS:.0f} s per "
              f"million), {before / wall:.1f} times slower; goal: under {GOAL_SECONDS:.0f} s "
              f"per million")  # fmt: skip
        if args.before:
            seconds = before_seconds(Path(scratch) / "before.csv", args.count)
            print(f"row-by-row generator it replaced, here and now: {seconds:.1f} s "
                  f"({seconds / wall:.0f} times the bulk one)")  # fmt: skip


if __name__ == "__main__":
    main()
