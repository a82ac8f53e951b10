"""docs/architecture.md stays true: its folders are the packages, and the paths it names exist."""

from __future__ import annotations

import re

from .conftest import ROOT

DOC = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "src" / "escalations"
PATH = re.compile(r"`([A-Za-z0-9_.<>/-]+/[A-Za-z0-9_.<>/-]*|[A-Za-z0-9_]+\.py)`")


def folders_section() -> list[str]:
    """The entries (first words) of the code block under "## Folders"."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Folders", 1)[1]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def test_the_folders_section_names_every_package_and_only_what_exists() -> None:
    entries = folders_section()
    packages = sorted(
        f"{init.parent.relative_to(PACKAGE).as_posix()}/"
        for init in PACKAGE.rglob("__init__.py")
        if init.parent != PACKAGE
    )
    assert [p for p in packages if p not in entries] == [], "packages missing from the doc"
    assert [e for e in entries if not (PACKAGE / e).exists()] == [], "named but not in src/"
    assert [e for e in entries if e.endswith("/") and e not in packages] == [], "not packages"


def test_every_path_the_doc_names_exists() -> None:
    """A backticked path resolves from the repository root or from src/escalations/;
    `<remote>`-style placeholders only need their parent folder to exist."""
    missing = []
    for match in PATH.finditer(DOC.read_text(encoding="utf-8")):
        path = match.group(1).split("<", 1)[0]
        if not any((base / path).exists() for base in (ROOT, PACKAGE)):
            missing.append(match.group(1))
    assert missing == []
