"""Validation against real files: each case under tests/cases/invalid/ breaks the example
framework in one way, and its expected.txt holds the exact problems reported for it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from escalations.model import load, rules, schema

from .conftest import ROOT, Result

INVALID = sorted(p for p in (ROOT / "tests" / "cases" / "invalid").iterdir() if p.is_dir())
ALL_RULES = {*load.RULES, *schema.RULES, *(rule.id for rule in rules.RULES), *rules.NOTES}


def apply_case(case: Path, framework: Path) -> set[str]:
    """Overlay the case's files on a framework copy; return the paths the case touches."""
    touched = set()
    overlay = case / "framework"
    for source in sorted(overlay.rglob("*")) if overlay.is_dir() else []:
        if source.is_file():
            relative = source.relative_to(overlay)
            (framework / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, framework / relative)
            touched.add(f"framework/{relative.as_posix()}")
    deleted = case / "delete.txt"
    for name in deleted.read_text().split() if deleted.exists() else []:
        target = framework / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        touched.add(f"framework/{name}")
    created = case / "create.txt"
    # Names the repository must not hold (not UTF-8, control characters: pre-commit tools and
    # other platforms choke on them) are written as in a Python bytes literal, one a line; the
    # files stay empty, as a misnamed file is never read.
    for line in created.read_text(encoding="ascii").splitlines() if created.exists() else []:
        name = os.fsdecode(line.encode("ascii").decode("unicode_escape").encode("latin-1"))
        try:
            (framework / name).touch()
        except OSError as exc:  # macOS and Windows refuse names that are not UTF-8
            pytest.skip(f"this file system cannot hold the name {line}: {exc}")
        touched.add((Path("framework") / Path(line).parent).as_posix())
    return touched


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_invalid_case(
    case: Path,
    framework_copy: Path,
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    touched = apply_case(case, framework_copy)
    monkeypatch.chdir(framework_copy.parent)
    result = cli("validate", "--framework", "framework")
    reported = [
        line
        for line in result.out.splitlines()
        if line.split(":", 1)[0] in touched or any(line.startswith(t + "/") for t in touched)
    ]
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert reported == expected
    # One broken file is reported there, never as a cascade through the files that use it.
    assert result.out.splitlines()[:-1] == reported
    assert result.code == (1 if any(": error [" in line for line in expected) else 0)
    assert "Traceback" not in result.out + result.err


def test_every_rule_has_a_failing_case() -> None:
    covered = {
        line.split("[", 1)[1].split("]", 1)[0]
        for case in INVALID
        for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    }
    assert sorted(ALL_RULES - covered) == []


def test_every_rule_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert sorted(r for r in ALL_RULES if f"`{r}`" not in readme) == []
