"""`escalations review new` and `check`: the next review record, and done items measured."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.model.validate import validate_framework
from escalations.report import history
from escalations.review.record import (
    Figure,
    Figures,
    carried_items,
    parse_period,
    write_review,
)

from .conftest import Result

OVERDUE = [
    "framework/reviews/2026-10.md:58:10: warning [action-item-overdue] action item "
    "'ai-2026-10-1' (owner person:grace-liu) was due 2026-11-27 and is still in_progress, "
    "4 days overdue; finish it (status: done, done_on: the date), or agree a new due date.",
    "framework/reviews/2026-10.md:72:10: warning [action-item-overdue] action item "
    "'ai-2026-10-3' (owner person:priya-nair) was due 2026-11-20 and is still open, 11 days "
    "overdue; finish it (status: done, done_on: the date), or agree a new due date.",
]
FIGURES = Figures(
    (Figure("escalation_rate", 4.2, 5.0, "percent"), Figure("escalations_total", 55)),
    (("product-defect", 12), ("retired-cause", 3), ("missing-runbook", 4)),
)


@pytest.fixture
def workdir(framework_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The copy's folder, the working directory, with an empty escalation history named by
    ESCALATIONS_HISTORY (tests/test_report_cli.py reads a sandbox's HubSpot)."""
    empty = framework_copy.parent / "empty.duckdb"
    history.connect(empty).close()
    monkeypatch.setenv("ESCALATIONS_HISTORY", str(empty))
    monkeypatch.chdir(framework_copy.parent)
    return framework_copy.parent


def front_matter(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


def test_periods_are_months() -> None:
    assert parse_period("2026-11") == (date(2026, 11, 1), date(2026, 11, 30))
    assert parse_period("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    for bad in ("2026-13", "2026-1", "November"):
        with pytest.raises(EscalationsError, match=f"--period '{bad}' is not a month"):
            parse_period(bad)


def test_the_record_carries_open_items_by_id_and_fills_the_figures(framework: Framework) -> None:
    text = write_review(framework, "2026-11", FIGURES)
    assert text.startswith("---\n# yaml-language-server: $schema=../../schema/review.schema.json\n")
    data = front_matter(text)
    assert data == {
        "id": "2026-11",
        "title": "November 2026 escalation review",
        "period": {"start": date(2026, 11, 1), "end": date(2026, 11, 30)},
        "held_on": date(2026, 12, 1),
        "facilitator": "person:ines-ferreira",
        "participants": list(framework.reviews[0].participants),
        "framework_version": "1.4.0",
        "status": "draft",
        "metrics": [
            {"metric": "escalation_rate", "value": 4.2, "target": 5, "unit": "percent"},
            {"metric": "escalations_total", "value": 55},
        ],
        "root_causes": [
            {"cause": "product-defect", "escalations": 12},
            {"cause": "missing-runbook", "escalations": 4},
        ],
        "carried_over": [f"ai-2026-10-{i}" for i in range(1, 6)],
    }
    body = text.split("---\n", 2)[2]
    assert [line for line in body.splitlines() if line.startswith("#")] == [
        "# November 2026 escalation review",
        "## Summary",
        "## What went well",
        "## What went wrong",
        "## Where we got lucky",
        "## Decisions",
        "## Action items",
    ]
    assert "| Escalation rate | 4.2 % | 5 % |\n| Escalations total | 55 |  |\n" in body
    assert "| Product defect | 12 |\n| Missing or outdated runbook | 4 |\n" in body
    assert "Left out of root_causes, as framework.yaml no longer has them: retired-cause (3)." in (
        body
    )
    assert (
        "| ai-2026-10-3 | Agree and document who owns invoice-sync failures, and add it to the "
        "billing playbook | Priya Nair | 2026-11-20 | open | 2026-10 |"
    ) in body
    assert "> Which escalations were late, missed or bounced, and why?" in body


def test_without_figures_the_record_says_why(framework: Framework) -> None:
    text = write_review(framework, "2026-11", Figures(note="no history was given"))
    assert "metrics" not in front_matter(text) and "root_causes" not in front_matter(text)
    assert "\nNo figures were filled in: no history was given.\n" in text


def test_done_dropped_and_later_items_are_not_carried(framework_copy: Path) -> None:
    review = framework_copy / "reviews" / "2026-10.md"
    text = review.read_text(encoding="utf-8")
    text = text.replace("    status: in_progress\n", "    status: done\n    done_on: 2026-11-18\n")
    text = text.replace(
        "    due: 2026-12-04\n    status: open\n", "    due: 2026-12-04\n    status: wont_do\n"
    )
    review.write_text(text, encoding="utf-8")
    model = validate_framework(framework_copy).framework
    assert model is not None
    assert [a.id for _, a in carried_items(model, date(2026, 11, 1))] == [
        "ai-2026-10-3",
        "ai-2026-10-4",
        "ai-2026-10-5",
    ]
    # a record for an earlier month carries nothing from the review after it
    assert carried_items(model, date(2026, 9, 1)) == []
    assert "carried_over" not in front_matter(write_review(model, "2026-09", Figures()))


def test_review_new_writes_a_record_that_validates(
    framework_copy: Path, cli: Callable[..., Result], workdir: Path
) -> None:
    result = cli("review", "new", "--period", "2026-11")
    assert (result.code, result.out) == (
        0,
        "wrote framework/reviews/2026-11.md; complete it in the review meeting, then run "
        "escalations validate\n",
    )
    written = (framework_copy / "reviews" / "2026-11.md").read_text(encoding="utf-8")
    assert "Not measured (no tickets to measure them on): tickets_total, escalation_rate" in written
    assert "carried_over:\n  - ai-2026-10-1\n  - ai-2026-10-2\n" in written
    assert cli("validate", "--strict").out == "30 documents valid\n"
    # on 2026-12-01 the new record stops the review-due warning; the items stay overdue
    later = cli("validate", "--today", "2026-12-01")
    assert later.out.splitlines() == [*OVERDUE, "0 errors, 2 warnings in 30 documents"]


def test_review_new_refuses_to_overwrite_without_force(
    framework_copy: Path, cli: Callable[..., Result], workdir: Path
) -> None:
    target = framework_copy / "reviews" / "2026-11.md"
    assert cli("review", "new", "--period", "2026-11").code == 0
    target.write_text(target.read_text(encoding="utf-8") + "Kept.\n", encoding="utf-8")
    refused = cli("review", "new", "--period", "2026-11")
    assert refused.code == 1
    assert refused.err == (
        "error: framework/reviews/2026-11.md already exists; pass --force to overwrite it.\n"
    )
    assert target.read_text(encoding="utf-8").endswith("Kept.\n")
    assert cli("review", "new", "--period", "2026-11", "--force").code == 0
    assert not target.read_text(encoding="utf-8").endswith("Kept.\n")
    assert cli("review", "new", "--period", "2026-1").err == (
        "error: --period '2026-1' is not a month; write it as YYYY-MM (2026-11).\n"
    )


def test_a_carried_id_must_name_an_action_item(
    framework_copy: Path, cli: Callable[..., Result], workdir: Path
) -> None:
    assert cli("review", "new", "--period", "2026-11").code == 0
    record = framework_copy / "reviews" / "2026-11.md"
    text = record.read_text(encoding="utf-8").replace("  - ai-2026-10-5\n", "  - ai-2026-10-55\n")
    record.write_text(text, encoding="utf-8")
    result = cli("validate")
    assert result.code == 1
    assert (
        ": error [unknown-reference] no action item has the id 'ai-2026-10-55' (did you mean "
        "'ai-2026-10-5'?)"
    ) in result.out


def test_review_new_fills_the_figures_from_a_history(
    framework_copy: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(framework_copy.parent)
    path = framework_copy.parent / "history.duckdb"
    con = history.connect(path)
    for week in ("2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"):
        con.execute("INSERT INTO ticket_weeks VALUES (?, 100)", [week])
    for n, cause in enumerate(["staffing-gap", "staffing-gap", "product-defect"]):
        con.execute(
            "INSERT INTO escalations (ticket_id, created_at, escalated_at, trigger, type, tier,"
            " level, status, acknowledged_at, resolved_at, root_cause) VALUES (?,"
            " '2026-11-10 09:00Z', '2026-11-10 10:00Z', 'manager-request', 'relationship',"
            " 'tier-2', 1, 'resolved', '2026-11-10 10:30Z', '2026-11-10 14:00Z', ?)",
            [str(n), cause],
        )
    con.close()
    assert cli("review", "new", "--period", "2026-11", "--history", str(path)).code == 0
    data = front_matter((framework_copy / "reviews" / "2026-11.md").read_text(encoding="utf-8"))
    figures = {m["metric"]: m["value"] for m in data["metrics"]}
    # 3 escalations of 400 tickets created in November's four whole weeks (Nov 2 to 29)
    assert (figures["tickets_total"], figures["escalations_total"]) == (400, 3)
    assert figures["escalation_rate"] == 0.8  # 0.75 % rounded to one decimal
    assert figures["median_time_to_acknowledge_hours"] == 0.5
    assert figures["median_time_to_resolution_hours"] == 4
    assert data["root_causes"] == [
        {"cause": "staffing-gap", "escalations": 2},
        {"cause": "product-defect", "escalations": 1},
    ]
    assert cli("validate", "--strict").out == "30 documents valid\n"
    missing = cli("review", "new", "--period", "2026-11", "--history", "nope.duckdb", "--force")
    assert missing.code == 1
    assert missing.err == (
        "error: nope.duckdb: no such history file; leave out --history to read the target's "
        "HubSpot.\n"
    )


def test_review_check_prints_the_verdicts(
    framework_copy: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(framework_copy.parent)
    assert cli("review", "check").out == "no action item is done yet; nothing to measure\n"
    review = framework_copy / "reviews" / "2026-10.md"
    text = review.read_text(encoding="utf-8")
    text = text.replace("    status: in_progress\n", "    status: done\n")
    text = text.replace(
        "    due: 2026-11-20\n    status: open\n",
        "    due: 2026-11-20\n    status: done\n    done_on: 2026-11-18\n",
    )
    review.write_text(text, encoding="utf-8")
    missing = cli("review", "check")  # the sandbox target's HubSpot: no sync/ here
    assert (missing.code, missing.err) == (
        1,
        "error: sync/targets.yaml not found; create it (see the README, 'Publishing').\n",
    )
    path = framework_copy.parent / "history.duckdb"
    con = history.connect(path)
    for week in range(9):
        monday = date(2026, 10, 19) + timedelta(weeks=week)
        con.execute("INSERT INTO ticket_weeks VALUES (?, ?)", [monday, 250])
    for i in range(10):  # ten before, none after: 1.00 then 0.00 per 100 tickets
        at = datetime(2026, 10, 20 + i, 12, tzinfo=UTC)
        con.execute(
            "INSERT INTO escalations (ticket_id, escalated_at, root_cause) VALUES (?, ?, ?)",
            [f"t{i}", at, "unclear-ownership"],
        )
    con.close()
    monkeypatch.setenv("ESCALATIONS_HISTORY", str(path))
    result = cli("review", "check", "--today", "2026-12-21")
    assert result.out.splitlines() == [
        "ai-2026-10-3 (unclear-ownership, done 2026-11-18): fewer; 1.00 per 100 tickets (10 of "
        "1000) before (2026-10-19 to 2026-11-15), 0.00 per 100 tickets (0 of 1000) after "
        "(2026-11-23 to 2026-12-20); rate ratio 0.00, 95% CI 0.00 to 0.45",
        "ai-2026-10-1: done but has no done_on; add the date it was finished to measure it",
    ]
    early = cli("review", "check", "--today", "2026-12-20", "--window", "P4W").out
    assert early.splitlines()[0] == (
        "ai-2026-10-3 (unclear-ownership, done 2026-11-18): too few escalations to conclude; "
        "1.00 per 100 tickets (10 of 1000) before (2026-10-19 to 2026-11-15), 0.00 per 100 "
        "tickets (0 of 1000) after (2026-11-23 to 2026-12-20); the window after it is not over "
        "until 2026-12-21"
    )
    assert cli("review", "check", "--window", "P1M").code == 2
