"""The GitHub workflows and the published pre-commit hooks are valid and run what exists."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from escalations.cli import app

from .conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_workflows_match_githubs_schema() -> None:
    checker = shutil.which("check-jsonschema") or str(
        Path(sys.executable).with_name("check-jsonschema")
    )
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(WORKFLOWS) == 3


def test_workflows_and_hooks_call_existing_commands() -> None:
    commands = {
        c.name or c.callback.__name__.replace("_", "-")
        for c in app.registered_commands
        if c.callback is not None
    }
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    texts = [path.read_text() for path in WORKFLOWS] + [hook["entry"] for hook in hooks]
    used = {match for text in texts for match in re.findall(r"escalations ([a-z][a-z-]*)", text)}
    assert used and used <= commands, used - commands
    assert {hook["id"] for hook in hooks} == {"escalations-validate", "escalations-test"}
