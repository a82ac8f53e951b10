"""validate's follow-up warnings on the example: overdue action items and the next review."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from escalations.model.validate import validate_framework

from .conftest import FRAMEWORK, Result

OVERDUE_3 = (
    "framework/reviews/2026-10.md:72:10: warning [action-item-overdue] action item "
    "'ai-2026-10-3' (owner person:priya-nair) was due 2026-11-20 and is still open, 11 days "
    "overdue; finish it (status: done, done_on: the date), or agree a new due date."
)


def test_the_example_warns_on_2026_12_01(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FRAMEWORK.parent)
    result = cli("validate", "--today", "2026-12-01")
    assert result.code == 0
    assert result.out.splitlines() == [
        "framework/reviews/2026-10.md:5:34: warning [review-due] the next review was due on "
        "2026-11-28 (3 days ago): review_cadence is P4W and the latest review's period ended on "
        "2026-10-31; hold it and record it with `escalations review new --period 2026-11`.",
        "framework/reviews/2026-10.md:58:10: warning [action-item-overdue] action item "
        "'ai-2026-10-1' (owner person:grace-liu) was due 2026-11-27 and is still in_progress, "
        "4 days overdue; finish it (status: done, done_on: the date), or agree a new due date.",
        OVERDUE_3,
        "0 errors, 3 warnings in 29 documents",
    ]
    assert cli("validate", "--today", "2026-12-01", "--strict").code == 1


def test_the_environment_sets_today(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FRAMEWORK.parent)
    monkeypatch.setenv("ESCALATIONS_TODAY", "2026-11-21")
    lines = cli("validate").out.splitlines()
    assert lines == [OVERDUE_3.replace("11 days", "1 day"), "0 errors, 1 warning in 29 documents"]


def test_the_due_day_itself_is_not_overdue_and_the_review_is_due_on_its_day(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FRAMEWORK.parent)
    assert cli("validate", "--today", "2026-11-20").out.strip() == "29 documents valid"
    lines = cli("validate", "--today", "2026-11-28").out.splitlines()
    assert lines[0].endswith(
        "was due on 2026-11-28 (today): review_cadence is P4W and the "
        "latest review's period ended on 2026-10-31; hold it and record it "
        "with `escalations review new --period 2026-11`."
    )


def test_a_bad_today_is_a_usage_error(cli: Callable[..., Result]) -> None:
    result = cli("validate", "--framework", str(FRAMEWORK), "--today", "2026-11-31")
    assert result.code == 2
    assert "Invalid value for '--today': '2026-11-31' is not a date; write it as YYYY-MM-DD." in (
        result.err
    )


def test_without_today_the_core_skips_the_date_relative_rules() -> None:
    rules = {p.rule for p in validate_framework(FRAMEWORK).problems}
    assert rules == set()
    dated = validate_framework(FRAMEWORK, today=date(2026, 12, 1)).problems
    assert sorted(p.rule for p in dated) == [
        "action-item-overdue",
        "action-item-overdue",
        "review-due",
    ]


def test_done_items_carry_their_date_into_the_model(framework_copy: Path) -> None:
    review = framework_copy / "reviews" / "2026-10.md"
    text = review.read_text(encoding="utf-8")
    review.write_text(
        text.replace("    status: in_progress\n", "    status: done\n    done_on: 2026-11-18\n"),
        encoding="utf-8",
    )
    result = validate_framework(framework_copy, today=date(2026, 11, 19))
    assert result.problems == []
    assert result.framework is not None
    item = result.framework.reviews[0].action_items[0]
    assert (item.id, item.status, item.done_on) == ("ai-2026-10-1", "done", date(2026, 11, 18))
