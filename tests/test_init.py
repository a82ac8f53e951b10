"""`escalations init`: a new repository where validate, test and a sandbox apply pass at once."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from escalations import __version__
from escalations.model.schema import schema_dir
from escalations.scaffold.create import installed_schemas

from .conftest import ROOT, Result

FILES = [
    ".github/CODEOWNERS",
    ".github/workflows/drift.yml",
    ".github/workflows/publish.yml",
    ".github/workflows/pull-request.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "README.md",
    "framework/calendars.yaml",
    "framework/docs/overview.md",
    "framework/fields.yaml",
    "framework/framework.yaml",
    "framework/paths/standard.yaml",
    "framework/people.yaml",
    "framework/playbooks/relationship.md",
    "framework/teams.yaml",
    "framework/tests/manager-request.yaml",
    "framework/tiers.yaml",
    "framework/triggers/manager-request.yaml",
    "requirements.txt",
    "sync/targets.yaml",
]
SCHEMA_REF = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.M)


@pytest.fixture
def scaffold(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Path]:
    """`escalations init` run in tmp_path; the working directory is then the new repository."""

    def create(*options: str) -> Path:
        monkeypatch.chdir(tmp_path)
        result = cli("init", "support", *options)
        assert result.code == 0, result.err
        monkeypatch.chdir(tmp_path / "support")
        return tmp_path / "support"

    return create


def test_a_minimal_repository_validates_tests_and_applies_to_the_sandbox_at_once(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    created = cli("init", "support")
    assert (created.code, created.err) == (0, "")
    assert created.out == (
        "created support with a minimal framework (20 files)\n"
        "next: cd support && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt "
        "&& . .venv/bin/activate && escalations validate && escalations test\n"
    )
    repository = tmp_path / "support"
    assert sorted(p.relative_to(repository).as_posix() for p in repository.rglob("*")
                  if p.is_file()) == FILES  # fmt: skip
    monkeypatch.chdir(repository)
    validated = cli("validate", "--strict")
    assert (validated.code, validated.out) == (0, "11 documents valid\n")
    tested = cli("test")
    assert (tested.code, tested.out) == (0, "3 passed, 0 failed\n")
    applied = cli("apply", "--target", "sandbox", "--yes")
    assert applied.code == 0, applied.err
    assert applied.out.splitlines()[-1].startswith("applied 25 changes to sandbox (Notion: ")
    assert "note: changelog posted to #support (first publication)" in applied.err
    again = cli("plan", "--target", "sandbox", "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    owners = cli("codeowners", "--check")
    assert (owners.code, owners.out) == (0, ".github/CODEOWNERS is current (0 rules)\n")
    assert owners.err == (
        "note: team:support, person:alex-morgan, person:sam-taylor have no GitHub handle: add "
        "`github` in framework/people.yaml or framework/teams.yaml, or their files are reviewed "
        "by the framework's owner only.\n"
    )


def test_the_example_repository_passes_too_and_its_owners_review(
    cli: Callable[..., Result], scaffold: Callable[..., Path]
) -> None:
    repository = scaffold("--example")
    assert cli("validate").code == 0
    tested = cli("test")
    assert tested.code == 0 and tested.out.endswith(" passed, 0 failed\n")
    assert cli("codeowners", "--check").out == ".github/CODEOWNERS is current (18 rules)\n"
    codeowners = (repository / ".github" / "CODEOWNERS").read_text()
    assert codeowners == (ROOT / ".github" / "CODEOWNERS").read_text()
    applied = cli("apply", "--yes")
    assert applied.code == 0, applied.err


def test_the_tool_is_a_pinned_dependency_and_ci_installs_it_from_there(
    scaffold: Callable[..., Path],
) -> None:
    repository = scaffold()
    requirements = (repository / "requirements.txt").read_text().splitlines()
    assert [line for line in requirements if not line.startswith("#")] == [
        f"escalations=={__version__}"
    ]
    for workflow in sorted((repository / ".github" / "workflows").glob("*.yml")):
        own = (ROOT / ".github" / "workflows" / workflow.name).read_text()
        text = workflow.read_text()
        assert "pip install -e ." not in text and "pip install -r requirements.txt" in text
        assert text == own.replace("pip install -e .", "pip install -r requirements.txt")
    hooks = yaml.safe_load((repository / ".pre-commit-config.yaml").read_text())
    [local] = hooks["repos"]
    assert local["repo"] == "local"
    assert [hook["entry"] for hook in local["hooks"]] == [
        "escalations validate",
        "escalations test",
        "escalations codeowners --check",
    ]


def test_editor_schema_comments_name_the_schemas_the_package_installs(
    scaffold: Callable[..., Path],
) -> None:
    repository = scaffold()
    venv_schemas = installed_schemas(repository)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert venv_schemas == (
        repository / ".venv" / "lib" / version / "site-packages" / "escalations" / "_schema"
    )
    # what pip installs there: the wheel ships schema/ as the package's _schema/
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    assert wheel["targets"]["wheel"]["force-include"]["schema"] == "escalations/_schema"
    shipped = {path.name for path in schema_dir().glob("*.schema.json")}
    files = [*repository.glob("framework/**/*.*"), repository / "sync" / "targets.yaml"]
    for path in files:
        [reference] = SCHEMA_REF.findall(path.read_text())
        resolved = (path.parent / reference).resolve()
        assert resolved.parent == venv_schemas.resolve(), path
        assert resolved.name in shipped, path


def test_a_directory_that_is_not_empty_is_refused(
    cli: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "support").mkdir()
    (tmp_path / "support" / "notes.txt").write_text("mine")
    result = cli("init", "support")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "error: support is not empty; give `escalations init` a new or empty directory.\n"
    )
    assert [p.name for p in (tmp_path / "support").iterdir()] == ["notes.txt"]
    (tmp_path / "support" / "notes.txt").unlink()
    assert cli("init", "support").code == 0
