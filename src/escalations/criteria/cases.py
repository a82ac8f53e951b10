"""Framework test cases (framework/tests/*.yaml): run, explain failures, report coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from escalations.criteria.conditions import Leaf, LeafTrace, Trace
from escalations.criteria.evaluate import Engine, Escalation, Evaluation, Outcome
from escalations.criteria.ticket import ticket_of_case
from escalations.model.framework import Case, Expectation, Framework
from escalations.model.problems import escape_data, escape_property

EXPECTED_KEYS = ("tier", "owner", "type", "level")


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    evaluation: Evaluation
    passed: bool


@dataclass(frozen=True, slots=True)
class LeafRef:
    """A leaf of a trigger condition: trigger id, `when` or `still`, group and position."""

    trigger: str
    part: str
    group: int
    index: int
    leaf: Leaf
    path: str


@dataclass(frozen=True, slots=True)
class Report:
    results: tuple[CaseResult, ...]
    never_fired: tuple[str, ...]
    never_decisive: tuple[LeafRef, ...]

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed)


def run_cases(framework: Framework) -> Report:
    engine = Engine(framework)
    results = []
    for case in framework.cases:
        evaluation = engine.evaluate(ticket_of_case(framework, case), case.at)
        results.append(CaseResult(case, evaluation, _passes(case.expect, evaluation.escalation)))
    return Report(tuple(results), *_coverage(framework, results))


def _passes(expect: Expectation, actual: Escalation | None) -> bool:
    if not expect.escalated:
        return actual is None
    if actual is None or actual.trigger != expect.trigger:
        return False
    return all(getattr(expect, key) in (None, getattr(actual, key)) for key in EXPECTED_KEYS)


def _coverage(
    framework: Framework, results: list[CaseResult]
) -> tuple[tuple[str, ...], tuple[LeafRef, ...]]:
    fired = {r.evaluation.escalation.trigger for r in results if r.evaluation.escalation}
    decisive: set[tuple[str, str, int, int]] = set()
    for result in results:
        for outcome in result.evaluation.outcomes:
            for part, trace in (("when", outcome.when), ("still", outcome.still)):
                for leaf in trace.decisive() if trace else []:
                    decisive.add((outcome.trigger.id, part, leaf.group, leaf.index))
    every = [
        LeafRef(trigger.id, part, g, i, leaf, trigger.source.path)
        for trigger in framework.triggers
        if trigger.enabled
        for part, condition in (("when", trigger.when), ("still", trigger.still))
        if condition is not None
        for g, group in enumerate(condition.groups)
        for i, leaf in enumerate(group)
    ]
    never = tuple(
        ref for ref in every if (ref.trigger, ref.part, ref.group, ref.index) not in decisive
    )
    enabled = [t.id for t in framework.triggers if t.enabled]
    return tuple(t for t in enabled if t not in fired), never


# -- rendering -----------------------------------------------------------------------------


def describe_expectation(expect: Expectation) -> str:
    if not expect.escalated:
        return "no escalation"
    extra = ", ".join(f"{k} {getattr(expect, k)}" for k in EXPECTED_KEYS if getattr(expect, k))
    return f"trigger {expect.trigger}" + (f" ({extra})" if extra else "")


def describe_escalation(
    actual: Escalation | None, expect: Expectation, zone: tzinfo | None = None
) -> str:
    if actual is None:
        return "no escalation"
    keys = [k for k in EXPECTED_KEYS if getattr(expect, k)] or ["tier", "owner"]
    extra = ", ".join(f"{k} {getattr(actual, k)}" for k in keys)
    return f"trigger {actual.trigger} ({extra}) at {_time(actual.at, zone)}"


def explain_outcome(outcome: Outcome, zone: tzinfo | None = None) -> str:
    """One line: what a trigger did and the leaves that decided it (times shown in `zone`)."""
    trigger = outcome.trigger
    head = f"{trigger.id} (precedence {trigger.precedence}): {outcome.status}"
    if outcome.enrolled_at:
        head += f", enrolled {_time(outcome.enrolled_at, zone)}"
    if outcome.due_at:
        head += f", {'checked still at' if outcome.status != 'waiting' else 'due'} "
        head += _time(outcome.due_at, zone)
    if outcome.trace is None:
        return head
    return f"{head}; decided by {_decisive(outcome.trace, zone)}"


def _decisive(trace: Trace, zone: tzinfo | None) -> str:
    texts = dict.fromkeys(_leaf_text(leaf, zone) for leaf in trace.decisive())
    return " and ".join(texts) or "no leaf"


def _leaf_text(trace: LeafTrace, zone: tzinfo | None) -> str:
    leaf = trace.leaf
    value = "" if leaf.value is None else f" {_value(leaf.value, zone)}"
    verdict = "true" if trace.result else "false"
    actual = _value(trace.actual, zone)
    return f"{leaf.field} {leaf.op}{value} ({verdict}: {leaf.field} is {actual})"


def _value(value: Any, zone: tzinfo | None = None) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _time(value, zone)
    if isinstance(value, list | tuple):
        shown = [_value(v, zone) for v in value[:3]]
        more = f", ... {len(value) - 3} more" if len(value) > 3 else ""
        return "[" + ", ".join(shown) + more + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _time(moment: datetime, zone: tzinfo | None = None) -> str:
    return (
        moment.astimezone(zone).isoformat(timespec="minutes")
        if zone
        else moment.isoformat(timespec="minutes")
    )


def leaf_text(ref: LeafRef) -> str:
    value = "" if ref.leaf.value is None else f" {_value(ref.leaf.value)}"
    leaf = f"{ref.leaf.field} {ref.leaf.op}{value}"
    return f"{ref.path}:{ref.leaf.line}: {ref.trigger} {ref.part}: {leaf}"


def _failure_lines(result: CaseResult) -> list[str]:
    case, evaluation = result.case, result.evaluation
    actual = evaluation.escalation
    lines = [
        f"{case.source}: FAILED {case.id}: expected {describe_expectation(case.expect)}, "
        f"got {describe_escalation(actual, case.expect, case.at.tzinfo)}"
    ]
    relevant = {case.expect.trigger, actual.trigger if actual else None}
    for outcome in evaluation.outcomes:
        if outcome.trigger.id in relevant or outcome.status == "fired":
            lines.append(f"    {explain_outcome(outcome, case.at.tzinfo)}")
    return lines


def _coverage_lines(report: Report) -> list[str]:
    lines = []
    for trigger in report.never_fired:
        lines.append(f"coverage: trigger {trigger} never fired in any case")
    for ref in report.never_decisive:
        lines.append(f"coverage: never decided an outcome: {leaf_text(ref)}")
    return lines


def render_text(report: Report, *, verbose: bool = False) -> str:
    lines = []
    for result in report.results:
        if not result.passed:
            lines.extend(_failure_lines(result))
        elif verbose:
            lines.append(f"{result.case.source}: passed {result.case.id}")
    lines.extend(_coverage_lines(report))
    lines.append(f"{len(report.results) - len(report.failed)} passed, {len(report.failed)} failed")
    return "\n".join(lines)


def render_github(report: Report, *, verbose: bool = False) -> str:
    """Workflow-command annotations for failures and coverage gaps, then the text report."""
    lines = []
    for result in report.failed:
        head, *detail = _failure_lines(result)
        source = result.case.source
        message = escape_data("\n".join([head.split(": ", 1)[1], *(d.strip() for d in detail)]))
        lines.append(
            f"::error file={escape_property(source.path)},line={source.line},"
            f"title={escape_property('test ' + result.case.id)}::{message}"
        )
    lines.extend(
        f"::warning title=coverage::{escape_data(line)}" for line in _coverage_lines(report)
    )
    lines.append(render_text(report, verbose=verbose))
    return "\n".join(lines)
