"""The validate command: output formats, exit codes, and the example framework itself."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from escalations.model.validate import validate_framework

from .conftest import FRAMEWORK, Result


@pytest.fixture
def warned(framework_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A framework copy whose tiers.yaml lost its $schema comment: one warning, no error."""
    tiers = framework_copy / "tiers.yaml"
    tiers.write_text(tiers.read_text().split("\n", 1)[1])
    monkeypatch.chdir(framework_copy.parent)
    return framework_copy


def test_example_framework_is_clean(cli: Callable[..., Result]) -> None:
    result = cli("validate", "--framework", str(FRAMEWORK), "--strict")
    assert result.out.strip().endswith("documents valid"), result.out
    assert result.code == 0


def test_example_framework_builds_the_model() -> None:
    framework = validate_framework(FRAMEWORK).framework
    assert framework is not None
    assert len(framework.people) >= 6 and len(framework.teams) >= 3
    assert len(framework.calendars) >= 2 and len(framework.tiers) == 3
    kinds = {trigger.type for trigger in framework.triggers}
    assert kinds == {"customer_initiated", "system_initiated"}
    assert [t.precedence for t in framework.triggers] == sorted(
        t.precedence for t in framework.triggers
    )
    assert {p.type for p in framework.playbooks} >= {
        "technical",
        "billing",
        "outage",
        "relationship",
    }
    assert framework.reviews and framework.pages and framework.cases
    first_response = framework.tier("tier-1").targets.first_response
    assert first_response.clock == "business"
    with pytest.raises(AttributeError):
        framework.version = "9.9.9"  # type: ignore[misc]


def test_warnings_pass_unless_strict(warned: Path, cli: Callable[..., Result]) -> None:
    result = cli("validate")
    assert result.code == 0
    assert result.out.splitlines() == [
        "framework/tiers.yaml:1:1: warning [schema-comment] editors cannot validate this file as "
        "you type; make the first line of the file "
        "'# yaml-language-server: $schema=../schema/tiers.schema.json'.",
        "0 errors, 1 warning in " + result.out.rsplit(" in ", 1)[1].strip(),
    ]
    assert cli("validate", "--strict").code == 1


def test_json_format(warned: Path, cli: Callable[..., Result]) -> None:
    result = cli("validate", "--format", "json")
    payload = json.loads(result.out)
    assert payload["errors"] == 0 and payload["warnings"] == 1
    assert payload["problems"] == [
        {
            "path": "framework/tiers.yaml",
            "line": 1,
            "col": 1,
            "severity": "warning",
            "rule": "schema-comment",
            "message": payload["problems"][0]["message"],
        }
    ]


def test_github_format_escapes_properties(warned: Path, cli: Callable[..., Result]) -> None:
    result = cli("validate", "--format", "github")
    first = result.out.splitlines()[0]
    assert first.startswith(
        "::warning file=framework/tiers.yaml,line=1,col=1,title=schema-comment::editors cannot"
    )


def test_missing_framework_directory(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli("validate", "--framework", str(tmp_path / "nope"))
    assert result.code == 1
    assert result.err.startswith(f"error: framework directory '{tmp_path / 'nope'}' not found")
    assert "Traceback" not in result.err


def test_usage_error_exits_2(cli: Callable[..., Result]) -> None:
    assert cli("validate", "--format", "xml").code == 2
    assert cli("no-such-command").code == 2


def test_empty_directory_lists_every_missing_file(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    result = cli("validate", "--framework", str(tmp_path))
    assert result.code == 1
    missing = [line for line in result.out.splitlines() if "[missing-file]" in line]
    assert len(missing) == 6
