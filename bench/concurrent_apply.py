"""Two `escalations apply` runs at the same time on a fresh target, then `plan`.

Usage: python bench/concurrent_apply.py

1. The sandbox target: two processes run `apply --yes` together in a fresh directory. The
   sandbox's local lock makes the second wait for the first, so nothing is made twice (goal:
   `plan --detailed-exitcode` exits 0 straight away).
2. A shared remote (both emulators served from this process, reached as a real target would
   be, with no lock): the two runs overlap and both create. `plan --detailed-exitcode` must see
   the duplicates (exit 2); one more apply removes them (goal: then exit 0, none left).
Prints exit codes, wall time and what was left on the remotes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalations.sandbox.hubspot.emulator import HubSpotEmulator  # noqa: E402
from escalations.sandbox.notion.emulator import NotionEmulator  # noqa: E402

TOKEN = "bench-token"


def escalations(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "escalations", *args, "--framework", str(ROOT / "framework")]
    return subprocess.Popen(command, cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def together(cwd: Path, env: dict[str, str], *extra: str) -> tuple[list[int], float]:
    started = time.monotonic()
    runs = [escalations("apply", "--yes", *extra, cwd=cwd, env=env) for _ in range(2)]
    codes = [run.wait() for run in runs]
    for run in runs:
        assert run.stderr is not None
        errors = [line for line in run.stderr.read().splitlines() if line.startswith("error")]
        if errors:
            print(f"  a run said: {errors[-1]}")
    return codes, time.monotonic() - started


def plan_code(cwd: Path, env: dict[str, str], *extra: str) -> int:
    return escalations("plan", "--detailed-exitcode", *extra, cwd=cwd, env=env).wait()


def duplicates(cwd: Path, env: dict[str, str], *extra: str) -> Counter[str]:
    """What the plan says was made twice, by remote and kind."""
    run = escalations("plan", "--format", "json", *extra, cwd=cwd, env=env)
    out, _ = run.communicate()
    changes = json.loads(out)["changes"]
    return Counter(f"{c['target']} {c['kind']}" for c in changes
                   if "duplicate" in c["detail"])  # fmt: skip


def sandbox() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        (cwd / "sync").mkdir()
        (cwd / "sync" / "targets.yaml").write_text((ROOT / "sync" / "targets.yaml").read_text())
        codes, seconds = together(cwd, dict(os.environ))
        after = plan_code(cwd, dict(os.environ))
        print(f"sandbox: two applies at once exited {codes} in {seconds:.1f} s; "
              f"plan --detailed-exitcode then exited {after} (goal 0)")  # fmt: skip


def shared_remote() -> None:
    notion = NotionEmulator(token=TOKEN, write_latency=0.005)
    hubspot = HubSpotEmulator(token=TOKEN, rate_limit=None)
    notion.start()
    hubspot.start()
    try:
        parent = notion.add_root_page("Support handbook")
        for person in _people():
            first, _, last = person[1].partition(" ")
            hubspot.add_owner(person[0], first, last)
        with tempfile.TemporaryDirectory() as scratch:
            cwd = Path(scratch)
            targets = cwd / "targets.yaml"
            targets.write_text(
                "targets:\n  shared:\n"
                f"    notion:\n      parent_page: {parent}\n      database: Escalation handbook\n"
                f"      base_url: {notion.base_url}\n      requests_per_second: 1000\n"
                f"    hubspot:\n      property_prefix: esc_\n      base_url: {hubspot.base_url}\n"
            )
            env = {**os.environ, "NOTION_TOKEN": TOKEN, "HUBSPOT_ACCESS_TOKEN": TOKEN}
            flags = ("--target", "shared", "--targets-file", str(targets))
            codes, seconds = together(cwd, env, *flags)
            seen = plan_code(cwd, env, *flags)
            made_twice = duplicates(cwd, env, *flags)
            repair = escalations("apply", "--yes", *flags, cwd=cwd, env=env).wait()
            after = plan_code(cwd, env, "--verify", *flags)
            print(f"shared remote, no lock: two applies at once exited {codes} in "
                  f"{seconds:.1f} s; plan --detailed-exitcode then exited {seen}, seeing "
                  f"{dict(made_twice)} made twice; one more apply exited {repair}; "
                  f"plan --verify then exited {after} (goal 0)")  # fmt: skip
    finally:
        notion.stop()
        hubspot.stop()


def _people() -> list[tuple[str, str]]:
    from escalations.model.validate import validate_framework

    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    return [(p.email, p.name) for p in framework.people]


def main() -> None:
    if "--shared-only" not in sys.argv:
        sandbox()
    shared_remote()


if __name__ == "__main__":
    main()
