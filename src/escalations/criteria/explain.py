"""Explain a test case's ticket: the escalation, and what every trigger did and why."""

from __future__ import annotations

from escalations.criteria.cases import explain_outcome
from escalations.criteria.evaluate import Engine
from escalations.criteria.ticket import ticket_of_case
from escalations.errors import EscalationsError
from escalations.model.durations import parse_datetime
from escalations.model.framework import Framework


def explain_case(framework: Framework, case_id: str, at: str | None = None) -> str:
    case = next((c for c in framework.cases if c.id == case_id), None)
    if case is None:
        raise EscalationsError(
            f"no test case has the id '{case_id}'; the ids are in framework/tests/*.yaml."
        )
    try:
        moment = parse_datetime(at) if at else case.at
    except ValueError as exc:
        raise EscalationsError(f"--at: {exc}") from exc
    evaluation = Engine(framework).evaluate(ticket_of_case(framework, case), moment)
    zone = moment.tzinfo
    lines = [f"{case.id} ({case.source}) at {moment.isoformat(timespec='minutes')}"]
    escalation = evaluation.escalation
    if escalation is None:
        lines.append("escalation: none")
    else:
        lines.append(
            f"escalation: {escalation.trigger} at "
            f"{escalation.at.astimezone(zone).isoformat(timespec='minutes')}"
            f"; tier {escalation.tier}, path {escalation.path}, level {escalation.level}, "
            f"owner {escalation.owner}, type {escalation.type}, playbook {escalation.playbook}"
        )
    lines.append("triggers, in precedence order:")
    lines.extend(f"  {explain_outcome(outcome, zone)}" for outcome in evaluation.outcomes)
    return "\n".join(lines)
