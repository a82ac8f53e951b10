"""The report's figures over a small known history, each one computed by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from escalations.model.framework import CauseCount, Framework, Metric
from escalations.report.history import connect
from escalations.report.metrics import build
from escalations.report.model import Backlog, Figure, Reached, Repeat, SetApart, Share, Week
from escalations.report.review_figures import review_figures
from tests.report_history import SINCE, UNTIL, known_history

MONDAY_1, MONDAY_2 = date(2026, 10, 5), date(2026, 10, 12)


@pytest.fixture
def report(framework: Framework):  # type: ignore[no-untyped-def]
    return build(known_history(), framework, SINCE, UNTIL)


def test_volume_and_weekly_rate(report) -> None:  # type: ignore[no-untyped-def]
    # T1, T2 in the first week (of 100 tickets), T3, T7, T4 in the second (of 50); T5 set apart
    assert report.escalations == 5
    assert report.tickets == 150
    assert report.rate == Figure(5 / 150 * 100, 150)
    assert report.weeks == (
        Week(MONDAY_1, True, 2, 100, Figure(2.0, 100)),
        Week(MONDAY_2, True, 3, 50, Figure(6.0, 50)),
    )
    assert report.as_of == datetime(2026, 10, 19, tzinfo=UTC)


def test_splits(report) -> None:  # type: ignore[no-untyped-def]
    assert report.split("trigger").shares == (
        Share("strong-dissatisfaction", True, 2, (1, 1), Figure(2 / 150 * 100, 150)),
        Share("manager-request", True, 1, (1, 0), Figure(1 / 150 * 100, 150)),
        Share("outage-reported", True, 1, (0, 1), Figure(1 / 150 * 100, 150)),
        Share("repeated-reopening", True, 1, (0, 1), Figure(1 / 150 * 100, 150)),
    )
    assert [(s.value, s.escalations) for s in report.split("tier").shares] == [
        ("tier-1", 3), ("tier-2", 1), ("tier-3", 1),
    ]  # fmt: skip
    assert [(s.value, s.escalations) for s in report.split("type").shares] == [
        ("relationship", 3), ("outage", 1), ("technical", 1),
    ]  # fmt: skip
    assert [(s.value, s.known, s.escalations) for s in report.split("team").shares] == [
        ("team:support-leads", True, 3),
        ("person:jonas-becker", False, 1),
        ("team:incident-response", True, 1),
    ]
    assert [(s.value, s.known, s.weekly) for s in report.split("root_cause").shares] == [
        ("product-defect", True, (1, 1)),
        ("old-cause", False, (0, 1)),
        ("third-party-outage", True, (0, 1)),
        (None, False, (1, 0)),
    ]


def test_first_response_against_each_tier(report) -> None:  # type: ignore[no-untyped-def]
    tier1 = report.timing("first_response", "tier-1")
    # T1: 2 h in business and elapsed; T2: Friday 17:00 to Monday 10:00 Berlin, 1 + 1 business
    # hours, 65 elapsed. T7 was answered before it was escalated.
    assert (tier1.target, tier1.clock) == ("PT4H", "business")
    assert tier1.business_median == Figure(2.0, 2)
    assert tier1.calendar_median == Figure(33.5, 2)
    assert tier1.calendar_p90 == Figure(65.0, 2)
    assert (tier1.attainment, tier1.breaches, tier1.unmeasured) == (Figure(100.0, 2), (), 1)
    tier2 = report.timing("first_response", "tier-2")
    assert (tier2.business_median, tier2.attainment, tier2.breaches) == (
        Figure(3.0, 1), Figure(0.0, 1), ("T3",),
    )  # fmt: skip
    tier3 = report.timing("first_response", "tier-3")
    # Saturday: half an hour elapsed on the calendar clock, no business time at all
    assert (tier3.target, tier3.clock) == ("PT1H", "calendar")
    assert (tier3.business_median, tier3.calendar_median) == (Figure(0.0, 1), Figure(0.5, 1))
    assert tier3.attainment == Figure(100.0, 1)
    every = report.timing("first_response", None)
    assert (every.attainment, every.met, every.breaches) == (Figure(75.0, 4), 3, ("T3",))
    assert every.calendar_median == Figure(2.5, 4)  # of 0.5, 2, 3, 65
    assert every.calendar_p90 == Figure(65.0, 4)


def test_resolution_and_acknowledgement(report) -> None:  # type: ignore[no-untyped-def]
    tier1 = report.timing("resolution", "tier-1")
    # T1: Monday 8 + Tuesday 9 + Wednesday 1 business hours; T7: 7 + 2. T2 is unresolved and
    # its 27 business hours ran out on Wednesday 2026-10-14, before the end of the period.
    assert (tier1.business_median, tier1.calendar_median) == (Figure(13.5, 2), Figure(36.0, 2))
    assert (tier1.attainment, tier1.breaches) == (Figure(2 / 3 * 100, 3), ("T2",))
    assert report.timing("resolution", "tier-3").breaches == ("T4",)
    every = report.timing("resolution", None)
    assert (every.attainment, every.breaches) == (Figure(60.0, 5), ("T2", "T4"))
    assert every.calendar_median == Figure(25.0, 4)  # of 8, 24, 26, 48
    ack = report.timing("acknowledge", "tier-1")
    assert (ack.target, ack.business_median, ack.attainment) == (
        None,
        Figure(0.5, 3),
        Figure(None, 0),
    )
    assert report.timing("acknowledge", "tier-3").pending == 1
    assert report.timing("acknowledge", None).business_median == Figure(0.5, 4)  # 0.25 0.5 0.5 0.5


def test_repeats_backlog_and_levels(report) -> None:  # type: ignore[no-untyped-def]
    assert report.repeats == (Repeat("Globex", 2, ("T3", "T4")), Repeat("Initech", 2, ("T2", "T7")))
    # open at 2026-10-19 00:00 UTC: T2 (9 days) and T6, from before the period (20 days)
    assert report.open == 2
    assert report.backlog == (
        Backlog(1, "over 7 days", 1, ("T2",)),
        Backlog(2, "over 7 days", 1, ("T6",)),
    )
    assert report.reached == (
        Reached("incident", 1, "On-call site reliability engineer", 1, Figure(100.0, 1)),
        Reached("standard", 1, "Frontline team lead", 3, Figure(75.0, 4)),
        Reached("standard", 2, "Support manager", 1, Figure(25.0, 4)),
    )


def test_rows_the_framework_cannot_place_are_set_apart(report) -> None:  # type: ignore[no-untyped-def]
    assert report.set_apart == (
        SetApart("T5", "trigger 'retired-trigger' is not in acme-support 1.4.0"),
    )
    assert report.notes == (
        "1 escalation left out of every figure, trigger 'retired-trigger' is not in "
        "acme-support 1.4.0: tickets T5.",
        "1 escalation left out of first-response times: the first agent reply came before the "
        "escalation, and the tiers time the first response after it, which the history does not "
        "record.",
    )


def test_an_empty_period_says_so(framework: Framework) -> None:
    report = build(connect(None), framework, date(2026, 11, 2), date(2026, 11, 8))
    assert report.escalations == 0
    assert report.rate == Figure(None, 0)
    assert report.timing("resolution", None).attainment == Figure(None, 0)
    assert report.timing("resolution", None).calendar_median == Figure(None, 0)
    assert report.notes == (
        "No escalations in the period 2026-11-02 to 2026-11-08.",
        "The history has no ticket count for the weeks of 2026-11-02: they are left out of the "
        "escalation rates.",
    )


def test_partial_weeks_have_no_rate(framework: Framework) -> None:
    report = build(known_history(), framework, date(2026, 10, 7), date(2026, 10, 18))
    assert report.weeks[0] == Week(MONDAY_1, False, 1, 100, Figure(None, 0))  # T2 only
    assert report.rate == Figure(6.0, 50)
    assert report.notes[0] == (
        "The weeks of 2026-10-05 are only partly in the period: their escalations are counted, "
        "but they have no rate, because tickets are counted per whole week."
    )


def test_a_period_that_ends_before_it_starts(framework: Framework) -> None:
    with pytest.raises(ValueError, match=r"^the period ends \(2026-10-01\) before it starts"):
        build(connect(None), framework, date(2026, 10, 5), date(2026, 10, 1))


def test_review_figures(framework: Framework) -> None:
    report = build(known_history(), framework, SINCE, UNTIL)
    # the October review does not end before the period: no targets from it
    assert {m.target for m in review_figures(report, framework).metrics} == {None}
    september = replace(
        framework.reviews[0], period_start=date(2026, 9, 1), period_end=date(2026, 9, 30)
    )
    figures = review_figures(report, replace(framework, reviews=(september,)), top=2)
    # targets and units as in that review, now ended before the period
    assert figures.metrics == (
        Metric("tickets_total", 150.0, None, None),
        Metric("escalations_total", 5.0, None, None),
        Metric("escalation_rate", 3.3, 5.0, "percent"),
        Metric("escalation_first_response_attainment", 75.0, 95.0, "percent"),
        Metric("escalation_resolution_attainment", 60.0, None, "percent"),
        Metric("median_time_to_acknowledge_hours", 0.5, None, "hours"),
        Metric("median_time_to_first_response_hours", 2.5, None, "hours"),
        Metric("median_time_to_resolution_hours", 25.0, 24.0, "hours"),
        Metric("open_escalations", 2.0, None, None),
        Metric("repeat_escalation_companies", 2.0, None, None),
    )
    # old-cause is not in the taxonomy and T2 has none: neither can be a review's root cause
    assert figures.root_causes == (
        CauseCount("product-defect", 2, None),
        CauseCount("third-party-outage", 1, None),
    )
    assert figures.left_out == ()


def test_review_figures_over_no_escalations(framework: Framework) -> None:
    report = build(connect(None), framework, date(2026, 11, 2), date(2026, 11, 8))
    figures = review_figures(report, framework)
    assert [m.metric for m in figures.metrics] == [
        "escalations_total", "open_escalations", "repeat_escalation_companies",
    ]  # fmt: skip
    assert figures.left_out == (
        "tickets_total",
        "escalation_rate",
        "escalation_first_response_attainment",
        "escalation_resolution_attainment",
        "median_time_to_acknowledge_hours",
        "median_time_to_first_response_hours",
        "median_time_to_resolution_hours",
    )
    assert figures.root_causes == ()
