"""Whether a finished action item reduced the escalations of its root cause, before and after."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb

from escalations.model.framework import ActionItem, Framework

FEWER = "fewer"
MORE = "more"
NO_CLEAR_CHANGE = "no clear change"
TOO_FEW = "too few escalations to conclude"

MIN_ESCALATIONS = 10
"""Below this many escalations with the root cause in the two windows together, no verdict:
even an exact interval that excludes 1 would rest on a handful of tickets."""

CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Window:
    """Whole weeks (Monday to Monday, UTC), their escalations with one root cause, and the
    tickets created in them: the rate is per 100 tickets, not per week, so a quiet season or a
    growing customer base is not mistaken for the effect of the action item."""

    start: date
    end: date
    """The first day after the window (a Monday)."""
    escalations: int
    tickets: int
    weeks_counted: int
    """Weeks of the window with a ticket count in ticket_weeks."""
    unexplained: int = 0
    """Escalations of the window with no root cause recorded (they may hide this one)."""

    @property
    def weeks(self) -> int:
        return (self.end - self.start).days // 7

    @property
    def rate(self) -> float | None:
        """Escalations with the root cause per 100 tickets, or None without tickets."""
        return 100 * self.escalations / self.tickets if self.tickets else None


@dataclass(frozen=True, slots=True)
class Interval:
    """The rate ratio after/before with its confidence interval (high may be infinite)."""

    ratio: float | None
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class Improvement:
    item: str
    cause: str
    done_on: date
    before: Window
    after: Window
    interval: Interval | None
    verdict: str
    reason: str


def windows_around(done_on: date, length: timedelta) -> tuple[tuple[date, date], tuple[date, date]]:
    """The (start, end) of the windows before and after `done_on`: `length` rounded to whole
    weeks (at least one), because tickets are counted per week. The week in which the item was
    done is in neither: it is partly before and partly after."""
    weeks = max(1, round(length.days / 7))
    monday = done_on - timedelta(days=done_on.weekday())
    after_start = monday + timedelta(weeks=1)
    before = (monday - timedelta(weeks=weeks), monday)
    after = (after_start, after_start + timedelta(weeks=weeks))
    return before, after


def rate_ratio_interval(
    before: tuple[int, int], after: tuple[int, int], confidence: float = CONFIDENCE
) -> Interval | None:
    """The ratio of the after rate to the before rate, each (escalations, tickets), with an
    exact conditional interval; None when a window has no tickets or there is no escalation.

    Given the total, the after count is binomial with p = n2·R / (n1 + n2·R) for the rate ratio
    R, so the Clopper-Pearson interval for p (Clopper and Pearson, Biometrika 26, 1934),
    mapped through R = p/(1-p) · n1/n2, is an exact interval for R: the method of R's
    two-sample `poisson.test` (stats package). Exact, it stays honest with the small counts a
    single root cause has, where the log-normal approximation fails (it has no zero counts)."""
    (x1, n1), (x2, n2) = before, after
    total = x1 + x2
    if n1 <= 0 or n2 <= 0 or total == 0:
        return None
    alpha = 1 - confidence
    p_low = 0.0 if x2 == 0 else _solve(lambda p: _upper_tail(x2, total, p) - alpha / 2)
    p_high = 1.0 if x2 == total else _solve(lambda p: alpha / 2 - _cdf(x2, total, p))
    scale = n1 / n2
    ratio = None if x1 == 0 else (x2 / n2) / (x1 / n1)
    high = math.inf if p_high >= 1 else p_high / (1 - p_high) * scale
    return Interval(ratio, p_low / (1 - p_low) * scale, high)


def judge(
    before: Window, after: Window, *, today: date, minimum: int = MIN_ESCALATIONS
) -> tuple[str, str, Interval | None]:
    """The verdict on two windows, why, and the interval it rests on."""
    interval = rate_ratio_interval(
        (before.escalations, before.tickets), (after.escalations, after.tickets)
    )
    if today < after.end:
        return TOO_FEW, f"the window after it is not over until {after.end}", interval
    missing = before.weeks + after.weeks - before.weeks_counted - after.weeks_counted
    if missing:
        return (
            TOO_FEW,
            f"ticket counts are missing for {missing} of the {before.weeks + after.weeks} weeks "
            "(pull the history for them)",
            interval,
        )
    total = before.escalations + after.escalations
    if total < minimum or interval is None:
        return (
            TOO_FEW,
            f"{total} escalation{'s' if total != 1 else ''} in the two windows, fewer than "
            f"{minimum}",
            interval,
        )
    bounds = f"rate ratio {_number(interval.ratio)}, {CONFIDENCE:.0%} CI {_span(interval)}"
    if interval.high < 1:
        return FEWER, bounds, interval
    if interval.low > 1:
        return MORE, bounds, interval
    return NO_CLEAR_CHANGE, f"{bounds} includes 1", interval


def measure(
    item: ActionItem,
    count: Callable[[str, date, date], Window],
    *,
    length: timedelta,
    today: date,
    minimum: int = MIN_ESCALATIONS,
) -> Improvement:
    """The improvement of one done action item (with `done_on`), counting with `count`."""
    if item.done_on is None:
        raise ValueError(f"action item '{item.id}' has no done_on")
    (b_start, b_end), (a_start, a_end) = windows_around(item.done_on, length)
    before, after = count(item.addresses, b_start, b_end), count(item.addresses, a_start, a_end)
    verdict, reason, interval = judge(before, after, today=today, minimum=minimum)
    return Improvement(
        item.id, item.addresses, item.done_on, before, after, interval, verdict, reason
    )


def done_items(framework: Framework) -> tuple[list[ActionItem], list[ActionItem]]:
    """The done action items with a done_on, and those without one (they cannot be measured)."""
    done = [a for r in framework.reviews for a in r.action_items if a.status == "done"]
    return [a for a in done if a.done_on], [a for a in done if not a.done_on]


def history_counter(con: duckdb.DuckDBPyConnection) -> Callable[[str, date, date], Window]:
    """A `count` for `measure` reading report/history.py's tables."""

    def count(cause: str, start: date, end: date) -> Window:
        since, until = _midnight(start), _midnight(end)
        found = con.execute(
            "SELECT count(*) FILTER (WHERE root_cause = ?), count(*) FILTER (WHERE root_cause "
            "IS NULL) FROM escalations WHERE escalated_at >= ? AND escalated_at < ?",
            [cause, since, until],
        ).fetchone()
        weeks = con.execute(
            "SELECT coalesce(sum(tickets), 0), count(*) FROM ticket_weeks "
            "WHERE week >= ? AND week < ?",
            [start, end],
        ).fetchone()
        assert found is not None and weeks is not None  # aggregates always return a row
        return Window(start, end, int(found[0]), int(weeks[0]), int(weeks[1]), int(found[1]))

    return count


def measure_improvements(
    con: duckdb.DuckDBPyConnection,
    framework: Framework,
    *,
    today: date,
    length: timedelta | None = None,
) -> list[Improvement]:
    """Every done action item with a done_on, measured on the history (window: the cadence)."""
    count = history_counter(con)
    window = length if length is not None else framework.review_cadence
    dated, _ = done_items(framework)
    return [measure(item, count, length=window, today=today) for item in dated]


def describe(improvement: Improvement) -> str:
    """One line: the item, its verdict, and the figures behind it."""
    b, a = improvement.before, improvement.after
    line = (
        f"{improvement.item} ({improvement.cause}, done {improvement.done_on}): "
        f"{improvement.verdict}; {_rate(b)} before ({b.start} to {b.end - timedelta(days=1)}), "
        f"{_rate(a)} after ({a.start} to {a.end - timedelta(days=1)}); {improvement.reason}"
    )
    unexplained = b.unexplained + a.unexplained
    if unexplained:
        has = (
            "escalation of these weeks has"
            if unexplained == 1
            else "escalations of these weeks have"
        )
        line += f"; {unexplained} {has} no root cause recorded"
    return line


def _rate(window: Window) -> str:
    rate = window.rate
    per = "n/a" if rate is None else f"{rate:.2f}"
    return f"{per} per 100 tickets ({window.escalations} of {window.tickets})"


def _span(interval: Interval) -> str:
    return f"{_number(interval.low)} to {_number(interval.high)}"


def _number(value: float | None) -> str:
    if value is None or math.isinf(value):
        return "infinite"
    return f"{value:.2f}"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _log_pmf(k: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def _cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), 0 < p < 1."""
    return min(1.0, sum(math.exp(_log_pmf(i, n, p)) for i in range(k + 1)))


def _upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), 0 < p < 1."""
    return min(1.0, sum(math.exp(_log_pmf(i, n, p)) for i in range(k, n + 1)))


def _solve(increasing: Callable[[float], float]) -> float:
    """The root in (0, 1) of a function that increases with p, by bisection (to 1e-12)."""
    low, high = 1e-15, 1 - 1e-15
    for _ in range(200):
        middle = (low + high) / 2
        if increasing(middle) < 0:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2
