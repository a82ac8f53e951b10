"""escalations diff on a real git repository with two commits of the framework."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import FRAMEWORK, Result


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FRAMEWORK, root / "framework")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "framework 1.4.0")
    framework = root / "framework"

    tiers = framework / "tiers.yaml"
    text = tiers.read_text()
    start = text.index("id: tier-2")
    text = text[:start] + text[start:].replace("duration: PT2H", "duration: PT1H", 1)
    tiers.write_text(text)

    standard = framework / "paths" / "standard.yaml"
    standard.write_text(
        standard.read_text().replace("owner: person:jonas-becker", "owner: person:maria-lopez", 1)
    )

    old = framework / "triggers" / "repeated-reopening.yaml"
    renamed = framework / "triggers" / "reopened-repeatedly.yaml"
    renamed.write_text(old.read_text().replace("id: repeated-reopening", "id: reopened-repeatedly"))
    old.unlink()
    for case_file in (framework / "tests").glob("*.yaml"):
        case_file.write_text(
            case_file.read_text().replace(
                "trigger: repeated-reopening", "trigger: reopened-repeatedly"
            )
        )

    overview = framework / "docs" / "overview.md"
    overview.write_text(
        overview.read_text().replace("trigger:repeated-reopening", "trigger:reopened-repeatedly")
    )

    manager = (framework / "triggers" / "manager-request.yaml").read_text()
    (framework / "triggers" / "executive-complaint.yaml").write_text(
        manager.replace("id: manager-request", "id: executive-complaint")
        .replace("name: Customer asks for a manager", "name: Executive complaint")
        .replace("precedence: 20", "precedence: 15")
        .replace("formal complaint", "letter to our CEO")
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "framework 1.5.0")
    return root


def test_diff_states_what_changed(repo: Path, cli: Callable[..., Result]) -> None:
    result = cli("diff", "HEAD~1", "HEAD", "--framework", str(repo / "framework"))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert (
        "tier tier-2: first response: 2 business hours -> 1 business hour "
        "(EMEA business hours (Berlin))" in lines
    )
    assert "trigger repeated-reopening is now reopened-repeatedly" in lines
    assert "new trigger executive-complaint 'Executive complaint':" in lines
    assert "path standard: level support-manager owner: Jonas Becker -> María López" in lines
    assert not any("removed" in line for line in lines)  # the rename is not a delete + add


def test_diff_formats_and_the_working_tree(repo: Path, cli: Callable[..., Result]) -> None:
    as_json = json.loads(
        cli("diff", "HEAD~1", "HEAD", "-f", str(repo / "framework"), "--format", "json").out
    )
    changes = as_json["changes"]
    assert any(s["key"] == "executive-complaint" and s["change"] == "added" for s in changes)
    markdown = cli("diff", "HEAD~1", "HEAD", "-f", str(repo / "framework"), "--format", "markdown")
    assert markdown.out.startswith(
        "- **trigger repeated-reopening** is now reopened-repeatedly\n"
        "- **new trigger executive-complaint** 'Executive complaint'\n"
        "  - criteria: (Subject contains"
    )
    clean = cli("diff", "-f", str(repo / "framework"))  # base: merge base with main = HEAD
    assert clean.code == 0 and clean.out.strip() == "no changes to the framework"


def test_diff_bad_revisions_and_invalid_sides(repo: Path, cli: Callable[..., Result]) -> None:
    missing = cli("diff", "nope", "HEAD", "-f", str(repo / "framework"))
    assert missing.code == 1 and "git cannot find revision 'nope'" in missing.err
    (repo / "framework" / "tiers.yaml").write_text("tiers: [\n")
    broken = cli("diff", "HEAD", "-f", str(repo / "framework"))
    assert broken.code == 1
    assert "the framework in the working tree is not valid" in broken.err
    assert "Traceback" not in broken.err


def test_diff_in_a_shallow_clone_says_to_fetch_history(
    repo: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow)], check=True)
    result = cli("diff", "HEAD~1", "HEAD", "-f", str(shallow / "framework"))
    assert result.code == 1
    assert "git cannot find revision 'HEAD~1'" in result.err and "fetch more history" in result.err
