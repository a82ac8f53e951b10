"""What a newcomer waits for: `escalations --help`, `escalations validate` and the quickstart's
`apply --yes` on a fresh sandbox, each as a whole process (interpreter start, imports, the
command), as the README's first command runs them.

Usage: python bench/quickstart.py [--runs N]

Each run copies framework/ and sync/ into a new temporary directory (so the sandbox is fresh),
then times `escalations --help`, `escalations validate` and `escalations apply --yes` there
with the installed console script. Prints the median and the spread of N runs (default 5) next
to the figures before issue 14 (0.67 s, 0.68 s and 27.4 s, measured on this 2-core machine; the
first on 2026-12-01, before the command list stopped importing every command) and the goals
(0.3 s for the first two, as for any command, and 4 s), and the machine's load average, since a
busy machine slows them all.

The commands run as they do on a user's machine from the second run on: with the package's
bytecode compiled (`compileall` first, and PYTHONDONTWRITEBYTECODE, which some CI images and
this sandbox set, removed from their environment). Without it every run compiles every module
of `escalations` again, about 0.1 s of `validate` (an install from a wheel compiles them
once, at install).
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import escalations

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("escalations")
BEFORE = {"--help": 0.67, "validate": 0.68, "apply --yes": 27.4}
GOALS = {"--help": 0.3, "validate": 0.3, "apply --yes": 4.0}
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=ENV)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    compileall.compile_dir(Path(escalations.__file__).parent, quiet=1)
    seconds: dict[str, list[float]] = {name: [] for name in BEFORE}
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="escalations-quickstart-") as scratch:
            work = Path(scratch)
            shutil.copytree(ROOT / "framework", work / "framework")
            shutil.copytree(ROOT / "sync", work / "sync")
            for name in BEFORE:
                seconds[name].append(timed([str(SCRIPT), *name.split()], work))
    print(f"load average: {os.getloadavg()[0]:.1f} (1 min, at the end), {runs} runs each")
    for name, found in seconds.items():
        median = statistics.median(found)
        verdict = "met" if median < GOALS[name] else "not met"
        spread = f"min {min(found):.2f}, max {max(found):.2f}"
        print(f"escalations {name}: median {median:.2f} s ({spread}); before {BEFORE[name]} s; "
              f"goal under {GOALS[name]} s: {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
