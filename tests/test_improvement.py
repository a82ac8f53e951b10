"""Before/after rates of a done action item's root cause: windows, exact intervals, verdicts."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from escalations.model.framework import ActionItem
from escalations.model.validate import validate_framework
from escalations.report import history
from escalations.report.improvement import (
    FEWER,
    MORE,
    NO_CLEAR_CHANGE,
    TOO_FEW,
    Window,
    describe,
    done_items,
    judge,
    measure,
    measure_improvements,
    rate_ratio_interval,
    windows_around,
)

FOUR_WEEKS = timedelta(weeks=4)


def window(escalations: int, tickets: int, start: date = date(2026, 10, 5)) -> Window:
    return Window(start, start + FOUR_WEEKS, escalations, tickets, 4)


def test_windows_are_whole_weeks_and_skip_the_week_of_completion() -> None:
    # 2026-11-18 is a Wednesday: its week (16 to 22 November) is partly before, partly after.
    before, after = windows_around(date(2026, 11, 18), FOUR_WEEKS)
    assert before == (date(2026, 10, 19), date(2026, 11, 16))
    assert after == (date(2026, 11, 23), date(2026, 12, 21))
    # ten days round to one week, a few days still make one
    assert windows_around(date(2026, 11, 16), timedelta(days=10))[1] == (
        date(2026, 11, 23),
        date(2026, 11, 30),
    )
    assert windows_around(date(2026, 11, 16), timedelta(days=2))[0] == (
        date(2026, 11, 9),
        date(2026, 11, 16),
    )


def test_no_escalation_after_has_a_closed_form_upper_bound() -> None:
    # x2 = 0 of N = 10: the Clopper-Pearson upper bound of p is 1 - 0.025^(1/10) = 0.308497,
    # so R < 0.308497 / 0.691503 = 0.446126 with equal exposures.
    interval = rate_ratio_interval((10, 1000), (0, 1000))
    assert interval is not None
    assert interval.ratio == 0.0 and interval.low == 0.0
    assert interval.high == pytest.approx(0.446126, abs=1e-6)
    mirrored = rate_ratio_interval((0, 1000), (10, 1000))
    assert mirrored is not None
    assert mirrored.ratio is None and mirrored.high == math.inf
    assert mirrored.low == pytest.approx(1 / 0.446126, abs=1e-5)


def test_equal_counts_give_the_textbook_interval_for_5_of_10() -> None:
    # Clopper-Pearson 95 % for 5 of 10 is 0.187086 to 0.812914: R from 0.230142 to 4.345135.
    interval = rate_ratio_interval((5, 400), (5, 400))
    assert interval is not None and interval.ratio == 1.0
    assert (interval.low, interval.high) == (
        pytest.approx(0.230142, abs=1e-6),
        pytest.approx(4.345135, abs=1e-5),
    )


def test_exposures_scale_the_ratio_and_bounds_solve_their_tail_equations() -> None:
    # 20 of 1000 tickets before, 5 of 500 after: 2 and 1 per 100, ratio 0.5.
    interval = rate_ratio_interval((20, 1000), (5, 500))
    assert interval is not None and interval.ratio == 0.5

    def p_of(ratio: float) -> float:  # p = n2 R / (n1 + n2 R)
        return 500 * ratio / (1000 + 500 * ratio)

    def cdf(k: int, p: float) -> float:
        return sum(math.comb(25, i) * p**i * (1 - p) ** (25 - i) for i in range(k + 1))

    assert cdf(5, p_of(interval.high)) == pytest.approx(0.025, abs=1e-9)
    assert 1 - cdf(4, p_of(interval.low)) == pytest.approx(0.025, abs=1e-9)


def test_large_counts_agree_with_the_log_normal_approximation() -> None:
    # 0.5 * exp(+-1.96 * sqrt(1/2000 + 1/1000)) = 0.4635 to 0.5394 (the exact interval is a
    # little wider: it never undercovers)
    interval = rate_ratio_interval((2000, 100_000), (1000, 100_000))
    assert interval is not None
    assert (interval.low, interval.high) == (
        pytest.approx(0.4635, abs=1e-3),
        pytest.approx(0.5394, abs=1e-3),
    )


def test_no_tickets_or_no_escalations_give_no_interval() -> None:
    assert rate_ratio_interval((3, 0), (1, 100)) is None
    assert rate_ratio_interval((0, 100), (0, 100)) is None


TODAY = date(2027, 1, 1)


@pytest.mark.parametrize(
    ("before", "after", "verdict", "reason"),
    [
        (window(10, 1000), window(0, 1000), FEWER, "rate ratio 0.00, 95% CI 0.00 to 0.45"),
        (window(0, 1000), window(10, 1000), MORE, "rate ratio infinite, 95% CI 2.24 to infinite"),
        (
            window(5, 400),
            window(5, 400),
            NO_CLEAR_CHANGE,
            "rate ratio 1.00, 95% CI 0.23 to 4.35 includes 1",
        ),
        # halved, but 9 escalations in all: no claim on noise
        (
            window(6, 1000),
            window(3, 1000),
            TOO_FEW,
            "9 escalations in the two windows, fewer than 10",
        ),
        (
            window(0, 1000),
            window(0, 1000),
            TOO_FEW,
            "0 escalations in the two windows, fewer than 10",
        ),
        (
            Window(date(2026, 10, 5), date(2026, 11, 2), 40, 900, 3),
            window(1, 1000),
            TOO_FEW,
            "ticket counts are missing for 1 of the 8 weeks (pull the history for them)",
        ),
    ],
    ids=["fewer", "more", "no-clear-change", "below-threshold", "none", "missing-weeks"],
)
def test_verdicts(before: Window, after: Window, verdict: str, reason: str) -> None:
    assert judge(before, after, today=TODAY)[:2] == (verdict, reason)


def test_no_verdict_before_the_after_window_is_over() -> None:
    after = window(0, 1000, start=date(2026, 12, 7))
    got = judge(window(30, 1000), after, today=date(2027, 1, 3))
    assert got[:2] == (TOO_FEW, "the window after it is not over until 2027-01-04")
    assert judge(window(30, 1000), after, today=date(2027, 1, 4))[0] == FEWER


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def seed(con: duckdb.DuckDBPyConnection) -> None:
    """Eight weeks of 300 tickets around 2026-11-18, and the escalations counted by hand."""
    for week in range(9):  # 2026-10-19 to 2026-12-14, the week of completion included
        monday = date(2026, 10, 19) + timedelta(weeks=week)
        con.execute("INSERT INTO ticket_weeks VALUES (?, ?)", [monday, 300])
    rows = [
        *[
            (f"b{i}", at(f"2026-10-{19 + i}T10:00:00+00:00"), "unclear-ownership")
            for i in range(12)
        ],
        ("b-other", at("2026-10-20T10:00:00+00:00"), "product-defect"),
        ("b-none", at("2026-10-21T10:00:00+00:00"), None),
        ("too-early", at("2026-10-18T23:59:59+00:00"), "unclear-ownership"),
        ("done-week", at("2026-11-18T09:00:00+00:00"), "unclear-ownership"),
        ("a-first", at("2026-11-23T00:00:00+00:00"), "unclear-ownership"),
        # 01:00 in Berlin on the 21st is still the 20th in UTC: inside the after window
        ("a-last", at("2026-12-21T00:30:00+01:00"), "unclear-ownership"),
        ("too-late", at("2026-12-21T00:00:00+00:00"), "unclear-ownership"),
    ]
    for ticket_id, escalated_at, cause in rows:
        con.execute(
            "INSERT INTO escalations (ticket_id, escalated_at, root_cause) VALUES (?, ?, ?)",
            [ticket_id, escalated_at, cause],
        )


@pytest.fixture
def finished(framework_copy: Path) -> Path:
    review = framework_copy / "reviews" / "2026-10.md"
    text = review.read_text(encoding="utf-8")
    review.write_text(
        text.replace(
            "    due: 2026-11-20\n    status: open\n",
            "    due: 2026-11-20\n    status: done\n    done_on: 2026-11-18\n",
        ),
        encoding="utf-8",
    )
    return framework_copy


def test_measured_on_the_history(finished: Path) -> None:
    framework = validate_framework(finished).framework
    assert framework is not None
    con = history.connect(None)
    seed(con)
    [improvement] = measure_improvements(con, framework, today=date(2026, 12, 21))
    assert (improvement.before.escalations, improvement.before.tickets) == (12, 1200)
    assert (improvement.after.escalations, improvement.after.tickets) == (2, 1200)
    assert improvement.before.unexplained == 1
    assert improvement.verdict == FEWER
    assert improvement.interval is not None and improvement.interval.high < 1
    assert describe(improvement) == (
        "ai-2026-10-3 (unclear-ownership, done 2026-11-18): fewer; 1.00 per 100 tickets "
        "(12 of 1200) before (2026-10-19 to 2026-11-15), 0.17 per 100 tickets (2 of 1200) "
        "after (2026-11-23 to 2026-12-20); rate ratio 0.17, 95% CI 0.02 to 0.75; 1 escalation "
        "of these weeks has no root cause recorded"
    )
    # a window of two weeks, judged on its own
    [short] = measure_improvements(
        con, framework, today=date(2026, 12, 21), length=timedelta(weeks=2)
    )
    assert (short.before.start, short.after.end) == (date(2026, 11, 2), date(2026, 12, 7))
    assert (short.before.escalations, short.after.escalations) == (0, 1)
    assert short.verdict == TOO_FEW


def test_items_without_done_on_are_set_apart(finished: Path) -> None:
    framework = validate_framework(finished).framework
    assert framework is not None
    dated, undated = done_items(framework)
    assert [a.id for a in dated] == ["ai-2026-10-3"] and undated == []
    item = ActionItem("x", "t", "person:p", date(2026, 1, 1), "done", "staffing-gap", None)
    with pytest.raises(ValueError, match="action item 'x' has no done_on"):
        measure(item, lambda *_: window(0, 0), length=FOUR_WEEKS, today=TODAY)
