"""simulate --compare: tickets whose trigger, tier, levels, owner or timing change, counted."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from escalations.criteria.calendars import due
from escalations.criteria.evaluate import Engine
from escalations.model.framework import Framework
from escalations.model.validate import validate_framework
from escalations.tickets.exports import connect, iter_tickets, load_tickets
from escalations.tickets.synthetic import write_tickets

from .conftest import FRAMEWORK, Result

AS_OF = "2026-11-02T00:00:00Z"

# Created on Tuesday 2026-10-06 at 07:00 UTC, 09:00 in Berlin (emea-business opens then).
# 101-103 are billing disputes (billing path, tier-2, escalated at creation); 104-106 are
# strongly dissatisfied (csat 2, 2, 1; standard path, tier-1, at creation); 107 is urgent with
# no reply: first-response-breach after 4 business hours, at 11:00 UTC; 108 is urgent with a
# reply at 10:00 UTC, before that target; 109 is calm; 110 reports an outage (incident path).
HEADER = (
    "hs_object_id,subject,content,hs_ticket_priority,hs_ticket_category,hs_pipeline_stage,"
    "createdate,first_agent_reply_date,csat_score,customer_sentiment,outage_reported\n"
)
AT = "2026-10-06T"
CREATED = f"{AT}07:00:00Z"
ROWS = [
    f"101,Invoice,Charged twice,HIGH,BILLING_ISSUE,1,{CREATED},{AT}07:30:00Z,,neutral,false",
    f"102,Invoice,Please refund the chargeback,LOW,BILLING_ISSUE,1,{CREATED},,,neutral,false",
    f"103,Invoice,Wrong amount,URGENT,BILLING_ISSUE,2,{CREATED},{AT}07:10:00Z,,neutral,false",
    f"104,Help,Still broken,LOW,PRODUCT_ISSUE,2,{CREATED},,2,neutral,false",
    f"105,Help,Still broken,LOW,PRODUCT_ISSUE,2,{CREATED},,2,neutral,false",
    f"106,Help,Still broken,LOW,PRODUCT_ISSUE,2,{CREATED},,1,neutral,false",
    f"107,Login,Cannot log in,URGENT,PRODUCT_ISSUE,1,{CREATED},,,neutral,false",
    f"108,Login,Cannot log in,URGENT,PRODUCT_ISSUE,1,{CREATED},{AT}10:00:00Z,,neutral,false",
    f"109,Question,How do I export?,LOW,GENERAL_INQUIRY,4,{CREATED},{AT}07:05:00Z,5,positive,false",
    f"110,Down,Nothing loads,URGENT,PRODUCT_ISSUE,1,{CREATED},{AT}07:01:00Z,,neutral,true",
]  # fmt: skip


@pytest.fixture
def tickets(tmp_path: Path) -> Path:
    path = tmp_path / "tickets.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the example framework committed; edit its working tree."""
    root = tmp_path / "repo"
    shutil.copytree(FRAMEWORK, root / "framework")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "framework")
    return root / "framework"


def edit(framework: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = framework / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} is not in {name} {count} time(s)"
    path.write_text(text.replace(old, new), encoding="utf-8")


def compare(cli: Callable[..., Result], tickets: Path, framework: Path, form: str) -> Result:
    result = cli(
        "simulate", str(tickets), "-f", str(framework), "--at", AS_OF,
        "--compare", "HEAD", "--format", form,
    )  # fmt: skip
    assert result.code == 0, result.err
    return result


def comparison(cli: Callable[..., Result], tickets: Path, framework: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(compare(cli, tickets, framework, "json").out)["comparison"]
    return found


def counts(found: dict[str, Any]) -> dict[str, int]:
    return {k["kind"]: k["tickets"] for k in found["kinds"]}


def examples(found: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return next(k["examples"] for k in found["kinds"] if k["kind"] == kind)  # type: ignore[no-any-return]


NOTHING = {"trigger": 0, "tier": 0, "level": 0, "owner": 0, "timing": 0}


def test_an_unchanged_framework_changes_nothing(
    cli: Callable[..., Result], tickets: Path, repo: Path
) -> None:
    found = comparison(cli, tickets, repo)
    assert counts(found) == NOTHING and found["changed"] == 0
    text = compare(cli, tickets, repo, "text").out
    assert "compared with HEAD: 0 tickets change" in text


def test_a_new_owner_of_a_level_moves_its_tickets(
    cli: Callable[..., Result], tickets: Path, repo: Path
) -> None:
    edit(repo, "paths/billing.yaml", "owner: person:priya-nair", "owner: person:tom-walsh")
    found = comparison(cli, tickets, repo)
    assert counts(found) == NOTHING | {"owner": 3}
    assert found["changed"] == 3
    assert examples(found, "owner") == [
        {"ticket": t, "before": "person:priya-nair", "after": "person:tom-walsh",
         "level": "billing-ops-lead"}
        for t in ("101", "102", "103")
    ]  # fmt: skip

    text = compare(cli, tickets, repo, "text").out
    assert text.split("\n\ncompared with", 1)[1].split("\nnote:")[0] == (
        " HEAD: 3 tickets change (a ticket that changes in several ways counts under each)\n"
        "  trigger:         0\n"
        "  tier:            0\n"
        "  levels:          0\n"
        "  owner:           3\n"
        "    101 at billing-ops-lead: person:priya-nair -> person:tom-walsh\n"
        "    102 at billing-ops-lead: person:priya-nair -> person:tom-walsh\n"
        "    103 at billing-ops-lead: person:priya-nair -> person:tom-walsh\n"
        "  timing:          0"
    )
    markdown = compare(cli, tickets, repo, "markdown").out
    assert (
        "Compared with `HEAD`: **3 tickets change** (a ticket that changes in several ways "
        "counts under each).\n\n"
        "| change | tickets | examples |\n"
        "|---|---:|---|\n"
        "| trigger | 0 |  |\n"
        "| tier | 0 |  |\n"
        "| levels | 0 |  |\n"
        "| owner | 3 | 101 at billing-ops-lead: person:priya-nair -> person:tom-walsh<br>"
        "102 at billing-ops-lead: person:priya-nair -> person:tom-walsh<br>"
        "103 at billing-ops-lead: person:priya-nair -> person:tom-walsh |\n"
        "| timing | 0 |  |"
    ) in markdown


def test_a_tightened_target_changes_timing_and_escalates_more(
    cli: Callable[..., Result], tickets: Path, repo: Path
) -> None:
    # tier-1's first response, 4 -> 2 business hours: 107 breaches at 09:00 UTC instead of
    # 11:00; 108, answered at 10:00, now breaches too (at 09:00).
    edit(repo, "tiers.yaml", "first_response: {duration: PT4H", "first_response: {duration: PT2H")
    found = comparison(cli, tickets, repo)
    assert counts(found) == NOTHING | {"trigger": 1, "timing": 1}
    assert (found["changed"], found["newly_escalated"], found["no_longer_escalated"]) == (2, 1, 0)
    assert examples(found, "trigger") == [
        {"ticket": "108", "before": None, "after": "first-response-breach", "level": None}
    ]
    assert examples(found, "timing") == [
        {"ticket": "107", "before": "2026-10-06T11:00+00:00", "after": "2026-10-06T09:00+00:00",
         "level": None}
    ]  # fmt: skip
    text = compare(cli, tickets, repo, "text").out
    assert "  trigger:         1 (1 newly escalated, 0 no longer escalated, 0 by another " in text
    assert "    108: not escalated -> first-response-breach\n" in text
    assert "    107 escalated: 2026-10-06T11:00+00:00 -> 2026-10-06T09:00+00:00\n" in text


def test_narrowed_criteria_escalate_fewer(
    cli: Callable[..., Result], tickets: Path, repo: Path
) -> None:
    edit(repo, "triggers/strong-dissatisfaction.yaml", "op: lte, value: 2", "op: lte, value: 1")
    found = comparison(cli, tickets, repo)
    assert counts(found) == NOTHING | {"trigger": 2}
    assert (found["changed"], found["no_longer_escalated"], found["other_trigger"]) == (2, 2, 0)
    assert [(e["ticket"], e["before"], e["after"]) for e in examples(found, "trigger")] == [
        ("104", "strong-dissatisfaction", None),
        ("105", "strong-dissatisfaction", None),
    ]
    markdown = compare(cli, tickets, repo, "markdown").out
    assert (
        "| trigger | 2 (0 newly escalated, 2 no longer escalated, 0 by another trigger) | "
        "104: strong-dissatisfaction -> not escalated<br>"
        "105: strong-dissatisfaction -> not escalated |"
    ) in markdown


def test_another_tier(cli: Callable[..., Result], tickets: Path, repo: Path) -> None:
    edit(repo, "triggers/billing-dispute.yaml", "tier: tier-2", "tier: tier-3")
    found = comparison(cli, tickets, repo)
    assert counts(found) == NOTHING | {"tier": 3} and found["changed"] == 3
    assert [(e["ticket"], e["before"], e["after"]) for e in examples(found, "tier")] == [
        (t, "tier-2", "tier-3") for t in ("101", "102", "103")
    ]


def test_a_shorter_wait_moves_a_level_deadline(
    cli: Callable[..., Result], tickets: Path, repo: Path
) -> None:
    # The team lead of the standard path moves on after 30 business minutes instead of an
    # hour: 104-106 (escalated at 07:00 UTC) move on at 07:30 instead of 08:00; 107 (11:00)
    # at 11:30 instead of 12:00.
    edit(repo, "paths/standard.yaml", "after: {duration: PT1H, clock: business}",
         "after: {duration: PT30M, clock: business}")  # fmt: skip
    found = comparison(cli, tickets, repo)
    assert counts(found) == NOTHING | {"timing": 4} and found["changed"] == 4
    timing = [(e["ticket"], e["level"], e["before"], e["after"]) for e in examples(found, "timing")]
    assert timing == [
        ("104", "team-lead", "2026-10-06T08:00+00:00", "2026-10-06T07:30+00:00"),
        ("105", "team-lead", "2026-10-06T08:00+00:00", "2026-10-06T07:30+00:00"),
        ("106", "team-lead", "2026-10-06T08:00+00:00", "2026-10-06T07:30+00:00"),
        ("107", "team-lead", "2026-10-06T12:00+00:00", "2026-10-06T11:30+00:00"),
    ]  # fmt: skip
    text = compare(cli, tickets, repo, "text").out
    assert "    104 team-lead moves on: 2026-10-06T08:00+00:00 -> 2026-10-06T07:30+00:00\n" in text


def test_another_path_changes_levels_owners_and_timing_at_once(
    cli: Callable[..., Result], tickets: Path, repo: Path
) -> None:
    edit(repo, "triggers/strong-dissatisfaction.yaml", "path: standard", "path: billing")
    shutil.rmtree(repo / "tests")  # its cases expect the standard path's levels
    found = comparison(cli, tickets, repo)
    assert counts(found) == NOTHING | {"level": 3, "owner": 3, "timing": 3}
    assert found["changed"] == 3
    assert examples(found, "level")[0] == {
        "ticket": "104",
        "before": "team-lead > support-manager > head-of-support",
        "after": "billing-ops-lead > support-manager > head-of-support > vp-customer-experience",
        "level": None,
    }
    assert examples(found, "owner")[0] == {
        "ticket": "104", "before": "team:support-leads", "after": "person:priya-nair",
        "level": "billing-ops-lead",
    }  # fmt: skip
    # billing-ops-lead moves on after a business day (09:00-18:00 in Berlin) instead of an hour.
    assert examples(found, "timing")[0] == {
        "ticket": "104", "before": "2026-10-06T08:00+00:00", "after": "2026-10-06T16:00+00:00",
        "level": "billing-ops-lead",
    }  # fmt: skip


def test_new_business_hours_move_the_deadlines_that_count_them(
    cli: Callable[..., Result], tickets: Path, repo: Path
) -> None:
    # Berlin opens at 09:30 on Tuesdays: 107 breaches at 11:30 UTC instead of 11:00; the
    # team lead of 104-106 moves on at 08:30 instead of 08:00; billing operations (a business
    # day: 9 hours, the usual day) at 07:30 on Wednesday instead of 16:00 on Tuesday.
    calendars = repo / "calendars.yaml"
    text = calendars.read_text(encoding="utf-8")
    calendars.write_text(text.replace('tuesday: ["09:00-18:00"]', 'tuesday: ["09:30-18:00"]', 1))
    found = comparison(cli, tickets, repo)
    assert counts(found) == NOTHING | {"timing": 7} and found["changed"] == 7
    timing = [(e["ticket"], e["level"], e["before"], e["after"]) for e in examples(found, "timing")]
    assert timing == [
        ("101", "billing-ops-lead", "2026-10-06T16:00+00:00", "2026-10-07T07:30+00:00"),
        ("102", "billing-ops-lead", "2026-10-06T16:00+00:00", "2026-10-07T07:30+00:00"),
        ("103", "billing-ops-lead", "2026-10-06T16:00+00:00", "2026-10-07T07:30+00:00"),
        ("104", "team-lead", "2026-10-06T08:00+00:00", "2026-10-06T08:30+00:00"),
        ("105", "team-lead", "2026-10-06T08:00+00:00", "2026-10-06T08:30+00:00"),
    ]  # fmt: skip


def reference(before: Framework, after: Framework, path: Path) -> dict[str, list[str]]:
    """The changed tickets of each kind, from the Python engine and `due`, ticket by ticket."""
    as_of = datetime.fromisoformat(AS_OF)
    routes = [_routes(framework, path, as_of) for framework in (before, after)]
    changed: dict[str, list[str]] = {k: [] for k in NOTHING}
    for ticket, old in routes[0].items():
        new = routes[1][ticket]
        if (old and old[0]) != (new and new[0]):
            changed["trigger"].append(ticket)
        if old and new:
            for kind, i in (("tier", 1), ("level", 2), ("owner", 3), ("timing", 4)):
                if old[i] != new[i]:
                    changed[kind].append(ticket)
    return {kind: sorted(tickets) for kind, tickets in changed.items()}


def _routes(framework: Framework, path: Path, as_of: datetime) -> dict[str, tuple[Any, ...]]:
    connection = connect()
    load_tickets(connection, path, framework)
    engine = Engine(framework)
    calendars = {c.id: c for c in framework.calendars}
    routes: dict[str, tuple[Any, ...]] = {}
    for ticket in iter_tickets(connection, framework):
        escalation = engine.evaluate(ticket, as_of, explain=False).escalation
        if escalation is None:
            routes[ticket.id] = ()
            continue
        levels = framework.escalation_levels(escalation.path)
        times = [escalation.at]
        for level in levels[:-1]:
            if level.move_on is None:
                break
            times.append(due(level.move_on.after, times[-1], calendars))
        routes[ticket.id] = (
            escalation.trigger, escalation.tier, [lv.id for lv in levels],
            [lv.owner for lv in levels], times,
        )  # fmt: skip
    return routes


def test_counts_agree_with_the_engine_on_synthetic_tickets(
    cli: Callable[..., Result], framework: Framework, repo: Path, tmp_path: Path
) -> None:
    export = tmp_path / "synthetic.csv"
    write_tickets(framework, export, count=1500, seed=5)
    # Business waits on two calendars and a calendar wait, a new owner, a looser trigger.
    first = "after: {duration: P1D, clock: business}\n      if: not_resolved"
    wait = "PT5H, clock: business, calendar: amer-business"
    edit(repo, "paths/billing.yaml", first, first.replace("P1D, clock: business", wait))
    edit(repo, "paths/executive.yaml", "PT8H, clock: calendar", "PT6H, clock: calendar")
    edit(repo, "paths/standard.yaml", "owner: person:maria-lopez", "owner: person:olivia-bennett")
    edit(repo, "triggers/strong-dissatisfaction.yaml", "op: lte, value: 2", "op: lte, value: 3")
    changed = validate_framework(repo).framework
    assert changed is not None
    expected = reference(framework, changed, export)
    found = comparison(cli, export, repo)
    assert counts(found) == {kind: len(tickets) for kind, tickets in expected.items()}
    assert all(expected[kind] for kind in NOTHING if kind not in ("tier", "level"))
    for kind, tickets in expected.items():
        assert [e["ticket"] for e in examples(found, kind)] == tickets[:5]
    assert found["changed"] == len({t for tickets in expected.values() for t in tickets})
