"""The report's renderings: JSON against its schema, Markdown for Notion, HTML, text, charts."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from escalations.model.framework import Framework
from escalations.publish.notion.markdown import to_blocks
from escalations.report.charts import VOLUME, render_chart
from escalations.report.formats import parse_format, render, write
from escalations.report.history import connect
from escalations.report.metrics import build
from escalations.report.model import Report
from tests.report_history import ROWS, SINCE, UNTIL, insert, known_history

SCHEMA = json.loads((Path(__file__).parents[1] / "schema/report.schema.json").read_text())


@pytest.fixture
def report(framework: Framework) -> Report:
    return build(known_history(), framework, SINCE, UNTIL)


def _valid(document: object) -> None:
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_json_follows_the_schema(report: Report, framework: Framework) -> None:
    document = json.loads(render(report, "json"))
    _valid(document)
    assert document["rate"] == {"value": 5 / 150 * 100, "tickets": 150}
    assert document["open"]["backlog"][1] == {
        "level": 2, "age": "over 7 days", "escalations": 1, "tickets": ["T6"],
    }  # fmt: skip
    first = next(t for t in document["timings"] if t["measure"] == "first_response")
    assert first["tier"] == "tier-1"
    assert first["calendar_hours"]["median"] == {"value": 33.5, "tickets": 2}
    empty = json.loads(render(build(connect(None), framework, SINCE, UNTIL), "json"))
    _valid(empty)
    assert (empty["escalations"], empty["rate"]) == (0, {"value": None, "tickets": 0})


def test_the_schema_rejects_a_figure_without_its_tickets(report: Report) -> None:
    document = json.loads(render(report, "json"))
    document["rate"] = {"value": 3.3}
    errors = list(Draft202012Validator(SCHEMA).iter_errors(document))
    assert [e.message for e in errors] == ["'tickets' is a required property"]


def test_markdown_becomes_notion_blocks(report: Report) -> None:
    markdown = render(report, "markdown", images={"volume": "https://files.example/v.png"})
    blocks = to_blocks(markdown)
    kinds = [b["type"] for b in blocks]
    assert kinds[:6] == ["heading_1", "heading_2", "paragraph", "image", "heading_2", "table"]
    assert blocks[3]["image"]["external"]["url"] == "https://files.example/v.png"
    assert "Attainment of the" not in markdown  # not among the images given: left out
    table = blocks[5]["table"]
    assert table["table_width"] == 4
    cells = [[c[0]["text"]["content"] if c else "" for c in row["table_row"]["cells"]]
             for row in table["children"]]  # fmt: skip
    assert cells == [
        ["Week of", "Escalations", "Tickets", "Per 100 tickets"],
        ["2026-10-05", "2", "100", "2.0 % of 100"],
        ["2026-10-12", "3", "50", "6.0 % of 50"],
    ]
    assert kinds[-3:] == ["heading_2", "bulleted_list_item", "bulleted_list_item"]


def test_values_are_escaped_in_markdown_and_html(framework: Framework) -> None:
    con = connect(None)
    rows = [(f"X{i}", "<b>Pipe|Co</b>", *ROWS[0][2:]) for i in range(2)]
    insert(con, rows)
    report = build(con, framework, SINCE, UNTIL)
    markdown = render(report, "markdown")
    assert "| \\<b\\>Pipe\\|Co\\</b\\> | 2 | X0, X1 |" in markdown
    tables = [b["table"]["children"] for b in to_blocks(markdown) if b["type"] == "table"]
    repeats = next(t for t in tables if _text(t[0], 0) == "Company")
    assert _text(repeats[1], 0) == "<b>Pipe|Co</b>"
    html = render(report, "html")
    assert "<td>&lt;b&gt;Pipe|Co&lt;/b&gt;</td>" in html


def _text(row: dict[str, Any], column: int) -> str:
    return "".join(item["text"]["content"] for item in row["table_row"]["cells"][column])


def test_html_is_self_contained(report: Report) -> None:
    html = render(report, "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Escalation report 2026-10-05 to 2026-10-18</title>" in html
    assert html.count('src="data:image/png;base64,') == 2
    assert "http" not in html.replace("https://json", "")


def test_text_for_the_terminal(report: Report) -> None:
    text = render(report, "text")
    assert text.startswith(
        "Escalation report 2026-10-05 to 2026-10-18\n"
        "==========================================\n\n"
        "Summary\n-------\n"
        "5 escalations out of 150 tickets in the complete weeks (3.3 % of 150); 2 open at "
        "2026-10-19 00:00 UTC, counting those escalated before the period. Framework "
        "acme-support 1.4.0.\n\n"
        "Weekly volume\n-------------\n"
        "Week of     Escalations  Tickets  Per 100 tickets\n"
        "----------  -----------  -------  ---------------\n"
        "2026-10-05  2            100      2.0 % of 100\n"
    )
    assert "all tiers  resolution      each tier's    60.0 % of 5" in text


def _chunks(png: bytes) -> list[bytes]:
    kinds, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kinds.append(png[at + 4 : at + 8])
        at += 12 + length
    return kinds


def test_charts_are_deterministic_pngs(report: Report) -> None:
    first = render_chart(report, VOLUME)
    assert first == render_chart(report, VOLUME)
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    chunks = _chunks(first)
    assert b"tIME" not in chunks and b"tEXt" not in chunks and b"iTXt" not in chunks


def test_write_puts_the_charts_beside_the_markdown(report: Report, tmp_path: Path) -> None:
    written = write(report, "markdown", tmp_path / "out")
    assert [p.name for p in written] == ["report.md", "volume.png", "attainment.png"]
    assert "![Escalations per week (bars) and escalations per 100 tickets (line)](volume.png)" in (
        written[0].read_text()
    )
    assert [p.name for p in write(report, "json", tmp_path / "out")] == ["report.json"]


def test_an_empty_report_has_only_the_volume_chart(framework: Framework, tmp_path: Path) -> None:
    report = build(connect(None), framework, SINCE, UNTIL)
    assert [p.name for p in write(report, "markdown", tmp_path)] == ["report.md", "volume.png"]
    assert "- No escalations in the period 2026-10-05 to 2026-10-18." in render(report, "markdown")


def test_an_unknown_format() -> None:
    with pytest.raises(
        ValueError, match=r"^unknown report format 'pdf': use one of text, markdown, html, json$"
    ):
        parse_format("pdf")
