"""`escalations report` and `review new` on the sandbox: applied, seeded, pulled, reported,
published to the handbook; and an export read instead of HubSpot."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from .conftest import FRAMEWORK, ROOT, Result

EXPORT_HEADER = (
    "hs_object_id,subject,createdate,esc_escalated,esc_escalated_at,esc_trigger,esc_type,"
    "esc_tier,esc_level,esc_owner,esc_status,esc_acknowledged_at,first_agent_reply_date,"
    "esc_resolved_at,closed_date,esc_root_cause,hs_lastmodifieddate"
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FRAMEWORK, tmp_path / "framework")
    shutil.copytree(ROOT / "sync", tmp_path / "sync")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_sandbox_never_published_to_is_a_clear_error(
    cli: Callable[..., Result], workdir: Path
) -> None:
    result = cli("report")
    assert result.code == 1
    assert result.err.endswith(
        "error: sandbox's HubSpot has no esc_escalated property: the framework was never "
        "published there. Run `escalations apply --target sandbox` first; the report reads "
        "what its workflows write on escalated tickets.\n"
    )


def test_the_sandbox_seeded_reports_publishes_and_starts_a_review(
    cli: Callable[..., Result], workdir: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    seeded = cli("sandbox", "seed", "--tickets", "400", "--seed", "3")
    assert seeded.code == 0, seeded.err
    first = cli("report", "--since", "2026-06-01", "--until", "2026-11-30", "--format", "json")
    assert first.code == 0, first.err
    # the progress bar ends its line before the summary of the pull
    assert first.err.startswith("reading HubSpot\nhistory of sandbox: ")
    data = json.loads(first.out)
    schema = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    stored = int(first.err.split("history of sandbox: ")[1].split(" ")[0])
    assert 0 < data["escalations"] <= stored
    # the second run reads only what changed since: nothing
    again = cli("report", "--since", "2026-06-01", "--until", "2026-11-30", "--out", "out",
                "--format", "markdown", "--publish")  # fmt: skip
    assert again.code == 0, again.err
    assert "history of sandbox: 0 escalated tickets read" in again.err
    assert (workdir / "out" / "report.md").is_file()
    assert (workdir / "out" / "volume.png").read_bytes().startswith(b"\x89PNG")
    assert "report 2026-06-01 to 2026-11-30 added in Notion: " in again.out
    same = cli("report", "--since", "2026-06-01", "--until", "2026-11-30", "--publish")
    assert "report 2026-06-01 to 2026-11-30 unchanged in Notion: " in same.out
    review = cli("review", "new", "--period", "2026-11")
    assert review.code == 0, review.err
    assert cli("validate", "--strict").code == 0


def test_an_export_is_reported_with_what_was_left_out(
    cli: Callable[..., Result], workdir: Path
) -> None:
    rows = [
        # escalated, resolved in 4 hours; a manager request by a known owner's email
        "1,Invoice wrong,2026-11-10T09:00:00Z,true,2026-11-10T10:00:00Z,manager-request,"
        "relationship,tier-2,1,priya.nair@acmecloud.example,resolved,2026-11-10T10:30:00Z,"
        "2026-11-10T11:00:00Z,2026-11-10T14:00:00Z,2026-11-10T14:00:00Z,staffing-gap,"
        "2026-11-10T14:00:00Z",
        # escalated by a trigger the framework no longer has
        "2,Old,2026-11-11T09:00:00Z,true,2026-11-11T10:00:00Z,retired-trigger,technical,"
        "tier-1,1,,open,,,,,,2026-11-11T10:00:00Z",
        # not escalated: only counted in the week's tickets
        "3,Question,2026-11-12T09:00:00Z,false,,,,,,,,,,,,,2026-11-12T09:00:00Z",
        # escalated with an escalation time that is no time
        "4,Broken,2026-11-12T09:00:00Z,true,yesterday,manager-request,relationship,tier-2,1,"
        ",open,,,,,,2026-11-12T09:00:00Z",
    ]
    export = workdir / "tickets.csv"
    export.write_text("\n".join([EXPORT_HEADER, *rows]) + "\n", encoding="utf-8")
    result = cli("report", "--from", str(export), "--since", "2026-11-09", "--until",
                 "2026-11-15", "--format", "json")  # fmt: skip
    assert result.code == 0, result.err
    assert "history from tickets.csv: 2 escalated of 4 tickets over 1 weeks" in result.err
    assert "note: 1 rows have an escalation time that is not a date-time: left out" in result.err
    assert (
        "note: 1 ticket has the trigger 'retired-trigger', which the framework no longer has "
        "(stored as it is)"
    ) in result.err
    data = json.loads(result.out)
    assert (data["escalations"], data["tickets"]) == (1, 4)
    wrong = workdir / "wrong.csv"
    wrong.write_text("id,subject\n1,x\n", encoding="utf-8")
    refused = cli("report", "--from", str(wrong))
    assert refused.code == 1
    assert refused.err.startswith(
        f"error: {wrong}: the export lacks the column(s) createdate, esc_escalated_at, "
        "esc_trigger, esc_tier; a report needs the ticket id, createdate, esc_escalated_at, "
        "esc_trigger, esc_tier"
    )
