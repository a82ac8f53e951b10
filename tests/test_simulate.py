"""simulate: ticket exports in three formats, bad files, --sql, and --compare with git."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from escalations.criteria.evaluate import Engine
from escalations.model.framework import Framework
from escalations.model.validate import validate_framework
from escalations.tickets.exports import connect, iter_tickets, load_tickets
from escalations.tickets.simulate import simulate
from escalations.tickets.synthetic import write_tickets

from .conftest import FRAMEWORK, Result

AS_OF = "2026-11-02T00:00:00Z"


@pytest.fixture(scope="module")
def export(framework: Framework, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tickets") / "tickets.csv"
    write_tickets(framework, path, count=3000, seed=11)
    return path


def engine_counts(framework: Framework, path: Path) -> Counter[str]:
    """What the Python engine says of every ticket of the file."""
    connection = connect()
    load_tickets(connection, path, framework)
    engine = Engine(framework)
    as_of = datetime.fromisoformat(AS_OF)
    counts: Counter[str] = Counter()
    for ticket in iter_tickets(connection, framework):
        escalation = engine.evaluate(ticket, as_of).escalation
        counts[escalation.trigger if escalation else "-"] += 1
    return counts


def simulate_json(cli: Callable[..., Result], *args: str) -> dict:  # type: ignore[type-arg]
    result = cli(
        "simulate", *args, "--framework", str(FRAMEWORK), "--at", AS_OF, "--format", "json"
    )
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


def test_report_counts_match_the_engine(
    framework: Framework, export: Path, cli: Callable[..., Result]
) -> None:
    report = simulate_json(cli, str(export))
    expected = engine_counts(framework, export)
    assert report["tickets"] == 3000
    assert {t["trigger"]: t["escalated"] for t in report["triggers"]} == {
        t.id: expected[t.id] for t in framework.triggers
    }
    assert report["escalated"] == 3000 - expected["-"] > 0
    assert sum(w["escalated"] for w in report["weekly"]) == report["escalated"]
    assert sum(report["by_tier"].values()) == report["escalated"]


def test_csv_json_lines_and_parquet_agree(
    framework: Framework, export: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    reports = []
    for suffix in (".jsonl", ".parquet"):
        path = tmp_path / f"tickets{suffix}"
        write_tickets(framework, path, count=3000, seed=11)
        reports.append(simulate_json(cli, str(path)))
    csv = simulate_json(cli, str(export))
    for report in reports:
        assert report["triggers"] == csv["triggers"] and report["weekly"] == csv["weekly"]


def test_text_and_markdown_formats(export: Path, cli: Callable[..., Result]) -> None:
    text = cli("simulate", str(export), "-f", str(FRAMEWORK), "--at", AS_OF)
    assert text.code == 0
    assert text.out.startswith(f"3,000 tickets from {export}, as of 2026-11-02T00:00+00:00")
    assert "weekly volume (week starting Monday):" in text.out
    markdown = cli(
        "simulate", str(export), "-f", str(FRAMEWORK), "--at", AS_OF, "--format", "markdown"
    )
    assert "| trigger | tier | owner | escalated | rate |" in markdown.out


def test_printed_sql_runs_and_gives_the_same_counts(
    framework: Framework, export: Path, cli: Callable[..., Result]
) -> None:
    result = cli("simulate", str(export), "-f", str(FRAMEWORK), "--at", AS_OF, "--sql")
    assert result.code == 0
    connection = connect()
    load_tickets(connection, export, framework)
    rows = connection.execute(result.out).fetchall()
    counts = Counter(trigger or "-" for _, _, trigger in rows)
    assert counts == engine_counts(framework, export)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "hs_object_id,hs_ticket_priority,createdate,csat_score,Unknown Column\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "the file is empty."),
        ("header.csv", HEADER, "the file holds no tickets."),
        (
            "dates.csv",
            HEADER + "1,HIGH,2026-03-01T09:00:00Z,4,x\n2,LOW,yesterday,3,y\n",
            "row 2: column 'createdate': 'yesterday' is not a date-time",
        ),
        (
            "options.csv",
            HEADER + "1,Critical,2026-03-01T09:00:00Z,4,x\n",
            "row 1: column 'hs_ticket_priority': 'Critical' is not an option of 'priority'",
        ),
        (
            "mixed.jsonl",
            '{"hs_object_id": 1, "createdate": "2026-03-01T09:00:00Z", "csat_score": 4}\n'
            '{"hs_object_id": 2, "createdate": "2026-03-01T10:00:00Z", "csat_score": "good"}\n',
            "row 2: column 'csat_score': 'good' is not a number",
        ),
        (
            "truncated.jsonl",
            '{"hs_object_id": 1, "createdate": "2026-03-01T09:00:00Z"}\n{"hs_object_id": 2, "crea',
            "cannot read the file",
        ),
        (
            "no-created.csv",
            "hs_object_id,hs_ticket_priority\n1,HIGH\n",
            "no column tells when each ticket was created",
        ),
        ("tickets.xlsx", "x", "unknown file type '.xlsx'"),
    ],
)
def test_bad_exports_get_a_clear_message(
    tmp_path: Path, cli: Callable[..., Result], name: str, content: str, message: str
) -> None:
    path = write(tmp_path, name, content)
    result = cli("simulate", str(path), "-f", str(FRAMEWORK), "--at", AS_OF)
    assert result.code == 1
    assert message in result.err
    assert "Traceback" not in result.err


def test_unknown_columns_are_ignored_with_a_note(
    tmp_path: Path, cli: Callable[..., Result]
) -> None:
    path = write(tmp_path, "t.csv", HEADER + "1,URGENT,2026-03-01T09:00:00Z,1,x\n")
    result = cli("simulate", str(path), "-f", str(FRAMEWORK), "--at", AS_OF)
    assert result.code == 0
    assert "note: columns not in the field catalog, ignored: Unknown Column" in result.out
    assert "strong-dissatisfaction" in result.out


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


def test_compare_with_a_git_revision(
    framework: Framework, export: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FRAMEWORK, repo / "framework")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "framework")
    trigger = repo / "framework" / "triggers" / "strong-dissatisfaction.yaml"
    trigger.write_text(trigger.read_text().replace("op: lte, value: 2", "op: lte, value: 3"))
    changed = validate_framework(repo / "framework").framework
    assert changed is not None and changed != framework

    result = cli(
        "simulate", str(export), "-f", str(repo / "framework"), "--at", AS_OF,
        "--compare", "HEAD", "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    comparison = json.loads(result.out)["comparison"]
    before, after = engine_outcomes(framework, export), engine_outcomes(changed, export)
    differing = sorted(t for t in before if before[t] != after[t])
    trigger = next(k for k in comparison["kinds"] if k["kind"] == "trigger")
    assert trigger["tickets"] == comparison["changed"] == len(differing) > 0
    assert comparison["no_longer_escalated"] == 0
    assert [c["ticket"] for c in trigger["examples"]] == differing[:5]

    missing = cli("simulate", str(export), "-f", str(repo / "framework"), "--compare", "nope")
    assert missing.code == 1
    assert "git cannot find revision 'nope'; check the name" in missing.err


def engine_outcomes(framework: Framework, path: Path) -> dict[str, str | None]:
    connection = connect()
    load_tickets(connection, path, framework)
    engine = Engine(framework)
    as_of = datetime(2026, 11, 2, tzinfo=UTC)
    outcomes = {}
    for ticket in iter_tickets(connection, framework):
        escalation = engine.evaluate(ticket, as_of).escalation
        outcomes[ticket.id] = escalation.trigger if escalation else None
    return outcomes


def test_the_streamed_simulation_counts_as_the_tables_of_a_comparison(
    framework: Framework, export: Path
) -> None:
    """`simulate` streams; `--compare` keeps tables: both count the same escalations."""
    as_of = datetime.fromisoformat(AS_OF)
    streamed = simulate(framework, export, as_of=as_of)
    compared = simulate(framework, export, as_of=as_of, baseline=("same", framework))
    assert compared.comparison is not None and compared.comparison.changed == 0
    assert streamed.weekly == compared.weekly
    assert streamed.triggers == compared.triggers
    escalated = {t.trigger: t.escalated for t in streamed.triggers}
    assert escalated["first-response-breach"] > 0 and escalated["no-update-within-cadence"] > 0
    assert sum(n for _, n in streamed.weekly) == streamed.escalated


def test_tickets_older_than_the_first_window_count_as_in_the_tables_of_a_comparison(
    framework: Framework, export: Path
) -> None:
    """Evaluated two years on, every ticket is older than the year the calendars first cover:
    the streamed simulation reads the file again with calendars reaching back to them."""
    as_of = datetime(2028, 11, 2, tzinfo=UTC)
    streamed = simulate(framework, export, as_of=as_of)
    compared = simulate(framework, export, as_of=as_of, baseline=("same", framework))
    assert streamed.triggers == compared.triggers and streamed.weekly == compared.weekly
    escalated = {t.trigger: t.escalated for t in streamed.triggers}
    assert escalated["first-response-breach"] > 0 and escalated["no-update-within-cadence"] > 0
