"""`escalations codeowners`: the owners of each level, trigger and playbook review its file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest

from escalations.model.framework import Framework
from escalations.review.codeowners import build_codeowners

from .conftest import ROOT, Result

OUT = Path(".github") / "CODEOWNERS"


@pytest.fixture
def workdir(framework_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository's top holding a copy of the example in framework/, the working directory."""
    monkeypatch.chdir(framework_copy.parent)
    return framework_copy.parent


def test_the_repositorys_own_codeowners_is_current(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = cli("codeowners", "--check")
    assert (result.code, result.out, result.err) == (
        0,
        ".github/CODEOWNERS is current (18 rules)\n",
        "",
    )


def test_each_file_is_owned_by_the_handles_of_its_owners(
    cli: Callable[..., Result], workdir: Path
) -> None:
    result = cli("codeowners")
    assert (result.code, result.out, result.err) == (0, "wrote .github/CODEOWNERS (18 rules)\n", "")
    lines = [line for line in (workdir / OUT).read_text().splitlines() if line and line[0] != "#"]
    # The folder's default comes first: GitHub applies the last matching pattern, so the
    # files listed after it are reviewed by their own owners instead.
    assert lines[:2] == ["/framework/ @acme/support-ops", "/.github/CODEOWNERS @acme/support-ops"]
    assert "/framework/paths/billing.yaml @priya-nair @jonas-becker" in lines
    assert (
        "/framework/paths/incident.yaml @acme/incident-response @nikolai-petrov @olivia-bennett"
        in lines
    )
    # a trigger by its escalation type's owner: billing's playbook is billing operations'
    assert "/framework/triggers/billing-dispute.yaml @acme/billing-ops" in lines
    assert "/framework/triggers/manager-request.yaml @maria-lopez" in lines
    assert "/framework/playbooks/technical.md @acme/engineering-liaison" in lines
    assert len(lines) == 18
    again = cli("codeowners")
    assert again.out == ".github/CODEOWNERS is already current (18 rules)\n"


def test_check_fails_when_an_owner_changed_and_shows_what_to_change(
    cli: Callable[..., Result], workdir: Path
) -> None:
    assert cli("codeowners").code == 0
    billing = workdir / "framework" / "paths" / "billing.yaml"
    billing.write_text(billing.read_text().replace("person:priya-nair", "person:tom-walsh", 1))
    result = cli("codeowners", "--check")
    assert result.code == 1
    assert result.err == (
        "error: .github/CODEOWNERS is not current with framework (the changes it needs are "
        "above); run `escalations codeowners` and commit the result.\n"
    )
    assert "-/framework/paths/billing.yaml @priya-nair @jonas-becker\n" in result.out
    assert "+/framework/paths/billing.yaml @tom-walsh @jonas-becker\n" in result.out
    assert cli("codeowners").out == "wrote .github/CODEOWNERS (18 rules)\n"
    assert cli("codeowners", "--check").code == 0


def test_check_without_the_file_says_to_generate_it(
    cli: Callable[..., Result], workdir: Path
) -> None:
    result = cli("codeowners", "--check")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: .github/CODEOWNERS does not exist; run `escalations codeowners` and commit it.\n"
    )
    assert not (workdir / OUT).exists()


def test_an_owner_without_a_handle_leaves_its_files_to_the_frameworks_owner(
    cli: Callable[..., Result], workdir: Path
) -> None:
    teams = workdir / "framework" / "teams.yaml"
    teams.write_text(teams.read_text().replace('    github: "@acme/billing-ops"\n', ""))
    result = cli("codeowners")
    assert result.code == 0
    assert result.out == "wrote .github/CODEOWNERS (16 rules)\n"
    assert result.err == (
        "note: team:billing-ops has no GitHub handle: add `github` in framework/people.yaml or "
        "framework/teams.yaml, or their files are reviewed by the framework's owner only.\n"
    )
    text = (workdir / OUT).read_text()
    assert "/framework/triggers/billing-dispute.yaml" not in text
    assert "/framework/playbooks/billing.md" not in text


def test_a_framework_outside_the_working_directory_is_refused(
    cli: Callable[..., Result],
    framework_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = cli("codeowners", "--framework", str(framework_copy))
    assert result.code == 1
    assert result.err == (
        f"error: the framework {framework_copy} is outside the working directory; run "
        "`escalations codeowners` from the top of the repository that holds it.\n"
    )


def test_patterns_escape_what_codeowners_reads_as_syntax(framework: Framework) -> None:
    rules = build_codeowners(framework, PurePosixPath("support/our framework[1]")).rules
    assert rules[0].pattern == "/support/our\\ framework\\[1]/"
    assert rules[2].pattern == "/support/our\\ framework\\[1]/paths/billing.yaml"


def test_a_handle_that_is_not_a_github_handle_is_a_problem(
    cli: Callable[..., Result], workdir: Path
) -> None:
    people = workdir / "framework" / "people.yaml"
    people.write_text(people.read_text().replace('"@priya-nair"', "priya.nair@github", 1))
    result = cli("validate")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        "framework/people.yaml:79:13: error [schema] 'people[9].github' is 'priya.nair@github', "
        'not a valid github handle: The person\'s GitHub username with its "@" (optional): '
        "`escalations codeowners` makes them a code owner of the path files whose levels they "
        "own, for example '@priya-nair'."
    )
