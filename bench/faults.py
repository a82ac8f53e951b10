"""Publishing under every fault kind, on every kind of write: does it converge, and at what cost.

Usage: python bench/faults.py

For each write kind x fault kind (tests/fault_matrix.py), against fresh emulators: whether the
publish converged, the publishes it took (goal: 1 for every fault the tool can retry safely,
2 at most otherwise), the requests it cost beyond the same publish without the fault, and the
duplicates left behind (goal: 0).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fault_matrix import cases, run_case, summary  # noqa: E402

from escalations.model.validate import validate_framework  # noqa: E402


def main() -> None:
    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    started = time.monotonic()
    outcomes = []
    print(f"{'remote':8} {'write':16} {'fault':22} {'converged':>9} {'runs':>4} {'extra':>5} "
          f"{'duplicates':>10}")  # fmt: skip
    for write, fault in cases():
        outcome = run_case(framework, write, fault)
        outcomes.append(outcome)
        print(f"{write.remote:8} {write.name:16} {fault.label:22} "
              f"{'yes' if outcome.converged else 'NO':>9} {outcome.runs:>4} "
              f"{outcome.extra_requests:>5} {outcome.duplicates:>10}", flush=True)  # fmt: skip
    counts = summary(outcomes)
    left = sum(o.duplicates for o in outcomes)
    print(f"\n{len(outcomes)} cases in {time.monotonic() - started:.1f} s: "
          + ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
          + f"; duplicates left: {left}")  # fmt: skip


if __name__ == "__main__":
    main()
