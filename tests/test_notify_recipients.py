"""Who is told on Slack: the level's owner, its notify list, and the fallback to a team channel."""

from __future__ import annotations

from escalations.model.framework import Framework
from escalations.notify.recipients import (
    Address,
    Destination,
    Lookup,
    address,
    destination,
    level_of,
    recipients,
)


def test_a_team_owned_level_tells_the_team_and_its_watch_channel(framework: Framework) -> None:
    assert recipients(framework, "first-response-breach", 1) == (
        "team:support-leads",
        "#support-escalations",
    )


def test_a_person_owned_level_tells_the_owner_first_then_the_notify_list(
    framework: Framework,
) -> None:
    assert recipients(framework, "first-response-breach", 3) == (
        "person:maria-lopez",
        "person:jonas-becker",
        "#support-escalations",
    )


def test_levels_follow_the_handoff_to_the_next_path(framework: Framework) -> None:
    # billing has two levels, then hands off to the executive path.
    assert level_of(framework, "billing-dispute", 3).id == framework.path("executive").levels[0].id


def test_a_person_is_reached_by_email_with_a_team_of_the_level_as_fallback(
    framework: Framework,
) -> None:
    level = level_of(framework, "first-response-breach", 2)
    # Jonas is in support-leads and support-ops; the level names support-leads.
    assert address(framework, level, "person:jonas-becker") == Address(
        "person:jonas-becker", "jonas.becker@acmecloud.example", None, "#support-leads"
    )
    assert address(framework, level, "team:support-leads") == Address(
        "team:support-leads", None, "#support-leads", None
    )
    assert address(framework, level, "#support-escalations").channel == "#support-escalations"


def test_a_person_the_level_names_no_team_of_falls_back_to_their_first_team(
    framework: Framework,
) -> None:
    level = level_of(framework, "billing-dispute", 1)
    assert address(framework, level, "person:priya-nair").fallback == "#billing-ops"
    head = level_of(framework, "first-response-breach", 3)
    assert address(framework, head, "person:maria-lopez").fallback is None


def test_the_destination_is_the_user_or_the_fallback_channel(framework: Framework) -> None:
    level = level_of(framework, "first-response-breach", 2)
    jonas = address(framework, level, "person:jonas-becker")
    assert destination(jonas, Lookup(user_id="U0JONAS")) == Destination("post", "U0JONAS", None)
    assert destination(jonas, Lookup(error="users_not_found")) == Destination(
        "post",
        "#support-leads",
        "the Slack account of jonas.becker@acmecloud.example was not found:"
        " told #support-leads instead",
    )
    assert destination(jonas, Lookup(user_id="U0JONAS", deleted=True)).note == (
        "the Slack account of jonas.becker@acmecloud.example is deactivated:"
        " told #support-leads instead"
    )
    assert destination(jonas, Lookup(error="ratelimited")) == Destination(
        "retry", None, "users.lookupByEmail failed: ratelimited"
    )
    channel = address(framework, level, "#support-escalations")
    assert destination(channel, None) == Destination("post", "#support-escalations", None)


def test_a_person_without_account_or_team_cannot_be_told(framework: Framework) -> None:
    maria = address(
        framework, level_of(framework, "first-response-breach", 3), "person:maria-lopez"
    )
    assert destination(maria, Lookup(error="users_not_found")) == Destination(
        "fail", None, "the Slack account of maria.lopez@acmecloud.example was not found"
    )


def test_a_team_and_its_own_channel_named_again_are_told_once(framework: Framework) -> None:
    # The incident path's first level is owned by team:incident-response and also notifies
    # "#incident-response": one message to that channel, not two.
    level = level_of(framework, "outage-reported", 1)
    assert "#incident-response" in [n.to for n in level.notify]
    assert recipients(framework, "outage-reported", 1) == (
        "team:incident-response",
        "#support-escalations",
    )
