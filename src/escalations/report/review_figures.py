"""The figures of a review record (its `metrics` and `root_causes`) from a period's report."""

from __future__ import annotations

from dataclasses import dataclass

from escalations.model.framework import CauseCount, Framework, Metric
from escalations.report.model import Figure, Report


@dataclass(frozen=True, slots=True)
class ReviewFigures:
    metrics: tuple[Metric, ...]
    root_causes: tuple[CauseCount, ...]
    left_out: tuple[str, ...]
    """Metric ids with no value (computed over 0 tickets): the record's schema wants a number."""


def review_figures(report: Report, framework: Framework, *, top: int = 5) -> ReviewFigures:
    """The record's metrics, ids as in framework/reviews (values rounded to one decimal, hours
    elapsed), each with the target and unit of the latest earlier review that has one, and the
    `top` root causes of the taxonomy by count."""
    measured: list[tuple[str, float | None, str | None]] = [
        ("tickets_total", _count(report.tickets), None),
        ("escalations_total", float(report.escalations), None),
        ("escalation_rate", report.rate.value, "percent"),
        (
            "escalation_first_response_attainment",
            report.timing("first_response", None).attainment.value,
            "percent",
        ),
        (
            "escalation_resolution_attainment",
            report.timing("resolution", None).attainment.value,
            "percent",
        ),
        ("median_time_to_acknowledge_hours", _hours(report, "acknowledge"), "hours"),
        ("median_time_to_first_response_hours", _hours(report, "first_response"), "hours"),
        ("median_time_to_resolution_hours", _hours(report, "resolution"), "hours"),
        ("open_escalations", float(report.open), None),
        ("repeat_escalation_companies", _repeats(report), None),
    ]
    targets = _earlier_targets(framework, report)
    metrics = []
    left_out = []
    for metric, value, unit in measured:
        if value is None:
            left_out.append(metric)
            continue
        target, earlier_unit = targets.get(metric, (None, None))
        metrics.append(Metric(metric, round(value, 1), target, unit or earlier_unit))
    causes = {c.id for c in framework.root_causes}
    shares = [s for s in report.split("root_cause").shares if s.value in causes]
    root_causes = tuple(CauseCount(s.value or "", s.escalations, None) for s in shares[:top])
    return ReviewFigures(tuple(metrics), root_causes, tuple(left_out))


def _count(value: int | None) -> float | None:
    return float(value) if value is not None else None


def _hours(report: Report, measure: str) -> float | None:
    median: Figure = report.timing(measure, None).calendar_median
    return median.value


def _earlier_targets(
    framework: Framework, report: Report
) -> dict[str, tuple[float | None, str | None]]:
    """Targets are the team's decision, recorded in reviews: the latest review that ended
    before the period and gives a metric a target sets it."""
    found: dict[str, tuple[float | None, str | None]] = {}
    earlier = sorted(
        (r for r in framework.reviews if r.period_end < report.since), key=lambda r: r.period_end
    )
    for review in earlier:
        for metric in review.metrics:
            if metric.target is not None:
                found[metric.metric] = (metric.target, metric.unit)
    return found


def _repeats(report: Report) -> float | None:
    """Companies escalated more than once; unknown when no escalation has a company."""
    if report.escalations and not report.with_company:
        return None
    return float(len(report.repeats))
