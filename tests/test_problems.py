"""YAML syntax problems at the offending character with a fix, and notes that never fail a run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from escalations.model.load import load_document
from escalations.model.problems import Problem, Severity, render_github, render_json, summary
from escalations.model.validate import validate_framework

from .conftest import ROOT


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        (
            "people:\n  - id: a\n  \tname: B\n",
            (3, 3),
            "a tab character here breaks the indentation; indent with spaces, not tabs.",
        ),
        (
            "people:\n\t- id: a\n",
            (2, 1),
            "a tab character here breaks the indentation; indent with spaces, not tabs.",
        ),
        (
            "id: x\nname: Billing: escalation path\n",
            (2, 14),
            "this ': ' starts a second mapping on the line (YAML reads it as a key); quote the "
            'value: name: "Billing: escalation path"',
        ),
        (
            'levels:\n  - name: Lead: "Ops"  # the lead\n',
            (2, 15),
            "this ': ' starts a second mapping on the line (YAML reads it as a key); quote the "
            'value: - name: "Lead: \\"Ops\\""',
        ),
        (
            "id: x\ntier: [tier-2\npath: billing\n",
            (2, 7),
            "the '[' opened here is never closed; end the list with ']' on this line, or write "
            "it as a block list.",
        ),
        (
            "when:\n  - {field: a, op: in, value: [b, c}\n",
            (2, 36),
            "'}' does not close the list opened with '[' at column 31; close it with ']', or "
            "separate its items with ','.",
        ),
        (
            "id: x\nname: 'Billing\nx: 1\n",
            (2, 7),
            "the quote ' opened here is never closed; end the value with ' on the same line.",
        ),
        (
            "id: x\nslack: @jonas\n",
            (2, 8),
            "a plain value cannot start with '@'; quote the value: slack: \"@jonas\"",
        ),
    ],
    ids=[
        "tab",
        "tab-first",
        "colon",
        "colon-list-item",
        "bracket",
        "mismatch",
        "quote",
        "at-sign",
    ],
)
def test_yaml_syntax_points_at_the_character_with_a_fix(
    tmp_path: Path, text: str, position: tuple[int, int], message: str
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = load_document(path, "trigger", "f.yaml")
    assert [(p.rule, (p.line, p.col), p.message) for p in problems] == [
        ("yaml-syntax", position, message)
    ]


def test_front_matter_syntax_errors_count_lines_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "d.md"
    path.write_text('---\n# comment\nid: x\ntitle: "Open\n---\nbody\n', encoding="utf-8")
    _, problems = load_document(path, "doc", "d.md")
    assert [(p.line, p.col) for p in problems] == [(4, 8)]


def test_nested_duplicate_key_is_reported_at_the_second_key(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("after:\n  duration: PT1H\n  clock: business\n  duration: PT2H\n")
    _, problems = load_document(path, "trigger", "f.yaml")
    assert [(p.rule, p.line, p.col) for p in problems] == [("duplicate-key", 4, 3)]


def test_a_note_is_neither_an_error_nor_a_warning(tmp_path: Path) -> None:
    framework = tmp_path / "framework"
    shutil.copytree(ROOT / "framework", framework)
    (framework / "teams.yaml").write_text("teams: [\n", encoding="utf-8")
    result = validate_framework(framework, display_root="framework")
    notes = [p for p in result.problems if p.severity is Severity.NOTE]
    assert [(p.path, p.rule) for p in notes] == [("framework/teams.yaml", "skipped")]
    assert notes[0].message.endswith(
        "references to teams were not checked because this file could not be read; fix it, "
        "then validate again."
    )
    assert (result.errors, result.warnings) == (1, 0)
    assert summary(result.problems, len(result.documents)) == "1 error, 0 warnings in 28 documents"


def test_notes_render_as_github_notices_and_json_notes() -> None:
    problem = Problem("f.yaml", 1, 1, Severity.NOTE, "skipped", "2 references to tiers were not")
    assert render_github([problem], 1).splitlines()[0] == (
        "::notice file=f.yaml,line=1,col=1,title=skipped::2 references to tiers were not"
    )
    payload = json.loads(render_json([problem], 1))
    assert (payload["errors"], payload["warnings"]) == (0, 0)
    assert payload["problems"][0]["severity"] == "note"
