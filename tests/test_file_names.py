"""File names that are not UTF-8 or hold control characters: a validate problem, never a crash."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from escalations.model.filenames import escape_name, name_defect
from escalations.model.framework import Framework
from escalations.model.load import load_framework
from escalations.tickets.synthetic import write_tickets

from .conftest import FRAMEWORK, Result

DOCUMENTS = len(load_framework(FRAMEWORK).documents)
RENAME = "rename it (letters, digits, '-', '_' and '.')."
CAFE = (
    "framework/docs:1:1: error [file-name] the file name 'caf\\xe9.md' is not valid UTF-8; "
    + RENAME
)
NOT_VALID = "error: the framework is not valid; fix the problems above."


def create(framework: Path, name: bytes, content: bytes = b"") -> Path:
    """Write `content` to the file `name` (bytes, as the OS sees it) under `framework`."""
    path = framework / os.fsdecode(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except OSError as exc:  # macOS and Windows refuse names that are not UTF-8
        pytest.skip(f"this file system cannot hold the name {name!r}: {exc}")
    return path


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def workdir(framework_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The framework copy's parent as the working directory, with the sandbox target file."""
    root = framework_copy.parent
    (root / "sync").mkdir()
    shutil.copyfile(FRAMEWORK.parent / "sync" / "targets.yaml", root / "sync" / "targets.yaml")
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (b"docs/caf\xe9.md", CAFE),
        (
            b"triggers/new\nline.yaml",
            "framework/triggers:1:1: error [file-name] the file name 'new\\nline.yaml' holds a "
            f"control character; {RENAME}",
        ),
        (
            b"playbooks/tab\there.md",
            "framework/playbooks:1:1: error [file-name] the file name 'tab\\there.md' holds a "
            f"control character; {RENAME}",
        ),
        (
            b"notes\x7f.txt",
            "framework:1:1: error [file-name] the file name 'notes\\x7f.txt' holds a control "
            f"character; {RENAME}",
        ),
        (
            "reviews/2026-10\u202edm.md".encode(),
            "framework/reviews:1:1: error [file-name] the file name '2026-10\\u202edm.md' holds "
            f"an invisible formatting character; {RENAME}",
        ),
        (
            b"docs/back\\slash\xe9.md",
            "framework/docs:1:1: error [file-name] the file name 'back\\\\slash\\xe9.md' is not "
            f"valid UTF-8; {RENAME}",
        ),
        (
            b"paths/draft\xff/broken.yaml",
            "framework/paths:1:1: error [file-name] the folder name 'draft\\xff' is not valid "
            f"UTF-8; {RENAME}",
        ),
    ],
)
def test_validate_reports_the_name_escaped_at_its_folder(
    workdir: Path, cli: Callable[..., Result], name: bytes, problem: str
) -> None:
    # Content that would fail every other check: a misnamed file or folder is never read.
    create(workdir / "framework", name, b"\x00{{ not read")
    result = cli("validate")
    assert result.out.splitlines() == [problem, f"1 error, 0 warnings in {DOCUMENTS} documents"]
    assert result.code == 1
    json_out = cli("validate", "--format", "json")
    assert json_out.code == 1 and '"rule": "file-name"' in json_out.out


@pytest.mark.parametrize(
    "command",
    [
        ("plan", "--target", "sandbox"),
        ("apply", "--target", "sandbox", "--yes"),
        ("render", "--out", "out"),
        ("render", "--out", "out", "--format", "html"),
        ("test",),
    ],
    ids=" ".join,
)
def test_commands_stop_with_the_problem(
    workdir: Path, cli: Callable[..., Result], command: tuple[str, ...]
) -> None:
    create(
        workdir / "framework", b"docs/caf\xe9.md", (FRAMEWORK / "docs" / "glossary.md").read_bytes()
    )
    result = cli(*command)
    assert result.err.splitlines() == [
        CAFE,
        f"1 error, 0 warnings in {DOCUMENTS} documents",
        NOT_VALID,
    ]
    assert (result.code, result.out) == (1, "")
    assert not (workdir / ".escalations").exists() and not (workdir / "out").exists()


def test_simulate_and_diff_stop_with_the_problem(
    workdir: Path, cli: Callable[..., Result], framework: Framework
) -> None:
    tickets = workdir / "tickets.csv"
    write_tickets(framework, tickets, count=20, seed=3)
    git(workdir, "init", "-q")
    git(workdir, "add", "framework")
    git(workdir, "commit", "-qm", "clean")
    create(workdir / "framework", b"docs/caf\xe9.md")
    git(workdir, "add", "framework")
    git(workdir, "commit", "-qm", "a name that is not UTF-8")

    summary = [f"1 error, 0 warnings in {DOCUMENTS} documents"]
    simulated = cli("simulate", str(tickets))
    assert (simulated.code, simulated.err.splitlines()) == (1, [CAFE, *summary, NOT_VALID])
    working = cli("diff", "HEAD~1")
    in_tree = "error: the framework in the working tree is not valid; fix the problems above."
    assert (working.code, working.err.splitlines()) == (1, [CAFE, *summary, in_tree])

    # From git: the revision's copy is extracted to a scratch folder, named in the problem.
    (workdir / "framework" / os.fsdecode(b"docs/caf\xe9.md")).unlink()
    for args in (("diff", "HEAD~1", "HEAD"), ("simulate", str(tickets), "--compare", "HEAD")):
        result = cli(*args)
        lines = result.err.splitlines()
        assert result.code == 1, args
        assert lines[0].endswith(CAFE) and lines[0] != CAFE, args
        at_head = "error: the framework at HEAD is not valid; fix the problems above."
        assert lines[1:] == [*summary, at_head], args


def test_hidden_names_are_not_checked(workdir: Path, cli: Callable[..., Result]) -> None:
    create(workdir / "framework", b".caf\xe9/notes.md")
    create(workdir / "framework", b"docs/.caf\xe9.md.swp")
    result = cli("validate", "--strict")
    assert (result.code, result.out) == (0, f"{DOCUMENTS} documents valid\n")


def test_non_ascii_utf8_names_are_fine(workdir: Path, cli: Callable[..., Result]) -> None:
    glossary = (FRAMEWORK / "docs" / "glossary.md").read_text(encoding="utf-8")
    create(
        workdir / "framework",
        "docs/café-glossaire.md".encode(),
        glossary.replace("id: glossary", "id: glossaire", 1).encode(),
    )
    result = cli("validate", "--strict")
    assert (result.code, result.out) == (0, f"{DOCUMENTS + 1} documents valid\n")
    rendered = cli("render", "--out", "out")
    assert rendered.code == 0, rendered.err
    assert "docs/café-glossaire.md" in (
        workdir / "out" / "notion" / "doc-glossaire.json"
    ).read_text(encoding="utf-8")


def test_name_defect_and_escape() -> None:
    assert name_defect("café-ünïcode_1.md") is None
    assert name_defect(os.fsdecode(b"caf\xe9.md")) == "is not valid UTF-8"
    assert name_defect("a\x85b.md") == "holds a control character"
    assert name_defect("soft\u00adhyphen.md") == "holds an invisible formatting character"
    assert name_defect("line\u2028break.md") == "holds an invisible formatting character"
    assert escape_name(os.fsdecode(b"\xc3\xa9\xe9\\'\x1b.md")) == "'é\\xe9\\\\'\\x1b.md'"


def test_a_framework_folder_given_with_such_a_name_is_shown_escaped(
    tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = create(tmp_path, b"fw\xe9/notes.txt").parent
    shutil.copytree(FRAMEWORK, folder, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    result = cli("validate", "--framework", folder.name)
    assert result.out.splitlines()[0].startswith("fw\\xe9/notes.txt:1:1: warning [unknown-file] ")
    assert result.out.splitlines()[1:] == [f"0 errors, 1 warning in {DOCUMENTS} documents"]
    assert result.code == 0
