"""The criteria engine's meaning: leaves, unknown values, "as of" reads, after/still, winners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from escalations.criteria.conditions import Leaf, holds
from escalations.criteria.evaluate import Engine
from escalations.criteria.ticket import Ticket, make_ticket
from escalations.model.framework import Framework

from .conftest import FRAMEWORK, Result


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("leaf", "field_type", "actual", "expected"),
    [
        (Leaf("s", "eq", "Urgent"), "string", "URGENT", True),
        (Leaf("s", "contains", ("your manager", "escalate")), "string", "Please ESCALATE", True),
        (Leaf("s", "not_contains", ("refund",)), "string", "Refund please", False),
        (Leaf("s", "starts_with", "re:"), "string", "RE: invoice", True),
        (Leaf("s", "neq", "x"), "string", None, False),
        (Leaf("n", "neq", 3), "number", None, False),
        (Leaf("n", "lte", 2), "number", 2.0, True),
        (Leaf("e", "not_in", ("closed",)), "enumeration", None, False),
        (Leaf("e", "in", ("high", "urgent")), "enumeration", "urgent", True),
        (Leaf("b", "eq", True), "bool", False, False),
        (Leaf("d", "is_unknown"), "datetime", None, True),
        (Leaf("d", "is_known"), "datetime", None, False),
        (Leaf("d", "before", "2026-03-01T00:00:00Z"), "datetime", at("2026-02-28T23:00:00Z"), True),
        (Leaf("d", "after", "2026-03-01T00:00Z"), "datetime", at("2026-03-01T00:30:00Z"), True),
    ],
)  # fmt: skip
def test_leaf_meaning(leaf: Leaf, field_type: str, actual: Any, expected: bool) -> None:
    assert holds(leaf, field_type, actual) is expected


def ticket(framework: Framework, **values: Any) -> Ticket:
    base = {
        "subject": "Export fails",
        "content": "The CSV export times out.",
        "priority": "HIGH",  # a HubSpot internal value, mapped to the catalog's `high`
        "category": "product_issue",
        "pipeline_stage": "new",
        "source": "email",
        "created_at": "2026-03-06T15:00:00+01:00",
        "account_tier": "business",
        "sentiment": "neutral",
        "reopen_count": 0,
        "outage_reported": False,
    }
    base.update(values)
    return make_ticket(framework, "t-1", base.items())


def test_first_reply_after_the_evaluation_time_is_not_yet_known(framework: Framework) -> None:
    replied = ticket(framework, first_agent_reply_at="2026-03-09T09:30:00+01:00")
    events = frozenset({"first_agent_reply_at"})
    assert replied.state(at("2026-03-09T09:00:00+01:00"), events)["first_agent_reply_at"] is None
    assert replied.state(at("2026-03-09T10:00:00+01:00"), events)["first_agent_reply_at"]


def test_after_and_still_on_business_hours(framework: Framework) -> None:
    engine = Engine(framework)
    silent = ticket(framework)
    before_due = engine.evaluate(silent, at("2026-03-09T09:59:00+01:00"))
    outcome = next(o for o in before_due.outcomes if o.trigger.id == "first-response-breach")
    assert (before_due.escalation, outcome.status) == (None, "waiting")
    assert outcome.due_at == at("2026-03-09T10:00:00+01:00")

    breached = engine.evaluate(silent, at("2026-03-09T10:00:00+01:00")).escalation
    assert breached is not None
    assert (breached.trigger, breached.tier, breached.owner) == (
        "first-response-breach",
        "tier-1",
        "team:support-leads",
    )
    assert breached.at == at("2026-03-09T10:00:00+01:00")

    answered = ticket(framework, first_agent_reply_at="2026-03-09T09:45:00+01:00")
    result = engine.evaluate(answered, at("2026-03-10T12:00:00+01:00"))
    outcome = next(o for o in result.outcomes if o.trigger.id == "first-response-breach")
    assert (result.escalation, outcome.status) == (None, "still failed")
    assert [t.leaf.field for t in outcome.still.decisive()] == ["first_agent_reply_at"]  # type: ignore[union-attr]


def test_the_earliest_firing_trigger_wins_and_ties_go_to_precedence(framework: Framework) -> None:
    engine = Engine(framework)
    both = ticket(
        framework, subject="Everything is down, get me your manager", outage_reported=True
    )
    result = engine.evaluate(both, at("2026-03-06T15:05:00+01:00")).escalation
    assert result is not None and result.trigger == "outage-reported"  # precedence 5 beats 20

    later_outage = make_ticket(
        framework,
        "t-2",
        ticket(framework, subject="Can I speak to a manager").values.items(),
        [(at("2026-03-06T16:00:00+01:00"), [("outage_reported", True)])],
    )
    result = engine.evaluate(later_outage, at("2026-03-06T17:00:00+01:00")).escalation
    assert result is not None and result.trigger == "manager-request"  # it fired first


def test_disabled_triggers_never_fire(framework: Framework) -> None:
    triggers = tuple(
        replace(t, enabled=False) if t.id == "outage-reported" else t for t in framework.triggers
    )
    engine = Engine(replace(framework, triggers=triggers))
    result = engine.evaluate(
        ticket(framework, outage_reported=True), at("2026-03-06T15:05:00+01:00")
    )
    assert result.escalation is None
    assert result.outcomes[0].status == "disabled"


def test_bad_ticket_values_name_the_field(framework: Framework) -> None:
    with pytest.raises(ValueError, match="field 'priority': 'critical' is not an option"):
        ticket(framework, priority="critical")


def test_cli_test_passes_on_the_example(cli: Callable[..., Result]) -> None:
    result = cli("test", "--framework", str(FRAMEWORK))
    assert result.code == 0
    assert result.out.splitlines()[-1].endswith(" passed, 0 failed")


def test_cli_test_reports_a_failure_with_its_explanation(
    framework_copy: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = framework_copy / "tests" / "system-initiated.yaml"
    text = cases.read_text()
    start = text.index("  - id: first-response-breach-friday-afternoon")
    end = text.index("expect:", start)
    line = text[:start].count("\n") + 1
    cases.write_text(text[:end] + "expect: {escalated: false}\n" + _skip_block(text[end:]))
    monkeypatch.chdir(framework_copy.parent)
    result = cli("test")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == (
        f"framework/tests/system-initiated.yaml:{line}: FAILED "
        "first-response-breach-friday-afternoon: expected no escalation, got trigger "
        "first-response-breach (tier tier-1, owner team:support-leads) at 2026-03-09T10:00+01:00"
    )
    assert lines[1] == (
        "    first-response-breach (precedence 50): fired, enrolled 2026-03-06T15:00+01:00, "
        "checked still at 2026-03-09T10:00+01:00; decided by first_agent_reply_at is_unknown "
        "(true: first_agent_reply_at is unknown) and pipeline_stage neq closed (true: "
        "pipeline_stage is new)"
    )
    assert lines[-1].endswith(" passed, 1 failed")

    github = cli("test", "--format", "github")
    assert github.out.startswith(
        f"::error file=framework/tests/system-initiated.yaml,line={line},"
        "title=test first-response-breach-friday-afternoon::"
    )


def _skip_block(rest: str) -> str:
    """Drop the old `expect:` block (its indented lines) from the text that follows it."""
    lines = rest.split("\n")[1:]
    while lines and lines[0].startswith("      "):
        lines.pop(0)
    return "\n".join(lines)
