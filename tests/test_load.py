"""Reading files: positions of every node, and bad files that must fail fast and clearly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from escalations.model.load import MAX_BYTES, load_document

from .conftest import Result


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_positions_of_values_and_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "t.yaml", "id: a\nwhen:\n  all:\n    - {field: priority, op: eq}\n")
    document, problems = load_document(path, "trigger", "t.yaml")
    assert problems == []
    assert document is not None
    assert document.at(("when", "all", 0, "op")) == (4, 29)
    assert document.at(("when",), key=True) == (2, 1)
    assert document.at(("when", "all", 0, "missing")) == (4, 7)


def test_dates_stay_text_and_scalars_keep_their_types(tmp_path: Path) -> None:
    text = "a: 2026-12-25\nb: 2026-03-01T09:00:00+01:00\nc: 3\nd: true\ne: ~\nf: '3'\n"
    document, _ = load_document(write(tmp_path, "x.yaml", text), "tiers", "x.yaml")
    assert document is not None
    assert document.data == {
        "a": "2026-12-25",
        "b": "2026-03-01T09:00:00+01:00",
        "c": 3,
        "d": True,
        "e": None,
        "f": "3",
    }


def test_front_matter_lines_are_offset(tmp_path: Path) -> None:
    text = "---\n# comment\nid: x\ntitle: [unclosed\n---\nbody\n"
    _, problems = load_document(write(tmp_path, "d.md", text), "doc", "d.md")
    assert [(p.rule, p.line) for p in problems] == [("yaml-syntax", 4)]


def test_markdown_body_and_its_first_line(tmp_path: Path) -> None:
    text = "---\nid: x\ntitle: X\n---\n# Heading\n\nText.\n"
    document, problems = load_document(write(tmp_path, "d.md", text), "doc", "d.md")
    assert problems == []
    assert document is not None
    assert document.body == "# Heading\n\nText.\n"
    assert document.body_line == 5


@pytest.mark.parametrize(
    ("content", "rule", "position"),
    [
        (b"id: x\n\x00\x01\x02", "binary-file", (2, 1)),
        ("id: caf\u00e9\n".encode("latin-1"), "encoding", (1, 8)),
        (b"id: [unclosed\n", "yaml-syntax", (1, 5)),
        (b"id: a\nid: b\n", "duplicate-key", (2, 1)),
        (b"", "empty-document", (1, 1)),
        (b"id: !!python/object:os.system x\n", "yaml-tag", (1, 5)),
        (b"a: 1\n---\nb: 2\n", "yaml-syntax", (2, 1)),
        ("x: " + "[" * 70 + "]" * 70 + "\n", "too-deep", (1, 68)),
    ],
)
def test_bad_files_are_problems_not_exceptions(
    tmp_path: Path, content: str | bytes, rule: str, position: tuple[int, int]
) -> None:
    path = write(tmp_path, "f.yaml", content)
    _, problems = load_document(path, "trigger", "f.yaml")
    assert [(p.rule, (p.line, p.col)) for p in problems] == [(rule, position)]


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    document, problems = load_document(write(tmp_path, "b.yaml", "\n".join(lines)), "tiers", "b")
    assert document is None
    assert [p.rule for p in problems] == ["too-many-nodes"]


def test_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB, sparse: never read
    document, problems = load_document(path, "tiers", "big.yaml")
    assert document is None
    assert [p.rule for p in problems] == ["file-too-large"]
    assert f"over the limit of {MAX_BYTES:,}" in problems[0].message


def test_cli_reports_bad_files_with_exit_1(
    framework_copy: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    (framework_copy / "triggers" / "binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    big = framework_copy / "paths" / "huge.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    monkeypatch.chdir(framework_copy.parent)
    result = cli("validate")
    assert result.code == 1
    assert "framework/triggers/binary.yaml:3:1: error [binary-file]" in result.out
    assert "framework/paths/huge.yaml:1:1: error [file-too-large]" in result.out
    assert "Traceback" not in result.out + result.err
