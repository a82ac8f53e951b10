"""Validate time of synthetic frameworks of 250 to 2,000 documents.

Usage: python bench/validate.py [--sizes 250,500,1000,2000] [--repeat 3]

Each synthetic framework keeps the example framework's people, teams, calendars, fields and
tiers, and adds generated triggers, paths, playbooks and test files (40/20/20/20) until it
has the requested number of documents. Prints the best of --repeat runs of the whole
pipeline (load, schema, rules, model), per-document cost and peak memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from escalations.model import schema
from escalations.model.validate import validate_framework

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "framework"
SINGLES = (
    "framework.yaml",
    "people.yaml",
    "teams.yaml",
    "calendars.yaml",
    "fields.yaml",
    "tiers.yaml",
)


def trigger(i: int, playbooks: int, paths: int) -> str:
    return f"""# yaml-language-server: $schema=../../schema/trigger.schema.json
id: synthetic-{i}
name: Synthetic trigger {i}
type: {"system_initiated" if i % 2 else "customer_initiated"}
description: A generated trigger that escalates urgent enterprise tickets (number {i}).
precedence: {1000 + i}
escalation_type: synthetic-{i % playbooks}
tier: tier-{1 + i % 3}
path: synthetic-{i % paths}
when:
  any:
    - all:
        - {{field: priority, op: in, value: [high, urgent]}}
        - {{field: account_tier, op: eq, value: enterprise}}
    - all:
        - {{field: csat_score, op: lte, value: {1 + i % 3}}}
after:
  target: tier-1.first_response
still:
  all:
    - {{field: first_agent_reply_at, op: is_unknown}}
"""


def path(i: int) -> str:
    return f"""# yaml-language-server: $schema=../../schema/path.schema.json
id: synthetic-{i}
name: Synthetic path {i}
levels:
  - id: lead
    name: Team lead
    owner: team:support-leads
    move_on:
      after: {{duration: PT2H, clock: business}}
      if: not_acknowledged
    notify:
      - {{to: owner, via: [slack, hubspot]}}
  - id: manager
    name: Support manager
    owner: team:support-leads
"""


def playbook(i: int) -> str:
    return f"""---
# yaml-language-server: $schema=../../schema/playbook.schema.json
id: synthetic-{i}
name: Synthetic playbook {i}
type: synthetic-{i}
severity: high
owner: team:support-leads
summary: How to resolve synthetic escalations of type {i}.
definition_of_done:
  - The customer confirmed the fix
---
# Synthetic playbook {i}

1. Acknowledge the customer within the tier's first-response target.
2. Reproduce the problem and **write down** what you saw.
3. Hand over to the next level when the move-on time passes.
"""


def tests(i: int, triggers: int) -> str:
    cases = "\n".join(
        f"""  - id: synthetic-{i}-{j}
    at: 2026-03-03T15:00:00+01:00
    ticket:
      priority: urgent
      account_tier: enterprise
      created_at: 2026-03-03T09:00:00+01:00
    expect:
      trigger: synthetic-{(i * 3 + j) % triggers}"""
        for j in range(3)
    )
    return f"# yaml-language-server: $schema=../../schema/tests.schema.json\ncases:\n{cases}\n"


def generate(directory: Path, documents: int) -> None:
    directory.mkdir(parents=True)
    for name in SINGLES:
        shutil.copyfile(EXAMPLE / name, directory / name)
    generated = documents - len(SINGLES)
    counts = {"triggers": generated * 2 // 5, "paths": generated // 5, "playbooks": generated // 5}
    counts["tests"] = generated - sum(counts.values())
    for folder in counts:
        (directory / folder).mkdir()
    for i in range(counts["triggers"]):
        (directory / "triggers" / f"synthetic-{i}.yaml").write_text(
            trigger(i, counts["playbooks"], counts["paths"])
        )
    for i in range(counts["paths"]):
        (directory / "paths" / f"synthetic-{i}.yaml").write_text(path(i))
    for i in range(counts["playbooks"]):
        (directory / "playbooks" / f"synthetic-{i}.md").write_text(playbook(i))
    for i in range(counts["tests"]):
        (directory / "tests" / f"synthetic-{i}.yaml").write_text(tests(i, counts["triggers"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,500,1000,2000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    schema.validators()  # compile the schemas once, as a long-lived process would
    print(f"{'documents':>9}  {'seconds':>8}  {'ms/doc':>7}  {'errors':>6}  {'warnings':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            directory = Path(tmp) / str(size)
            generate(directory, size)
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = validate_framework(directory)
                best = min(best, time.perf_counter() - start)
            assert len(result.documents) == size, (len(result.documents), size)
            print(
                f"{size:>9}  {best:>8.3f}  {best / size * 1000:>7.3f}  "
                f"{result.errors:>6}  {result.warnings:>8}"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak:.1f} MiB")


if __name__ == "__main__":
    main()
