"""The framework compiled to HubSpot: a property group, ticket properties, a flow per trigger."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from escalations.criteria import describe
from escalations.criteria.calendars import business_week, open_time_of
from escalations.criteria.expand import expand_text
from escalations.model.framework import Duration, Framework, Level, Trigger
from escalations.publish.hubspot import shapes
from escalations.publish.hubspot.filters import filter_branch
from escalations.publish.notes import Note, group_notes

if TYPE_CHECKING:
    from escalations.publish.targets import Target

KEY_TAG = "[esc:{id}]"
"""Flows are found again by this tag in their name: no state file."""
RESOLVED_FLOW = "escalation-resolved"
"""The key of the flow that marks an escalation resolved when its ticket closes."""


@dataclass(frozen=True, slots=True)
class Owner:
    owner_id: str
    user_id: str


@dataclass(frozen=True, slots=True)
class Webhook:
    """The notifier's webhook (targets.yaml `notify`): a WEBHOOK action where each level starts."""

    url: str
    auth: str
    """"signature" (with `app_id`) or "key" (sent in `header` from the portal secret
    `secret_name`)."""
    app_id: int | None = None
    header: str | None = None
    secret_name: str | None = None


EVENT_QUERY = ("trigger", "level", "event", "ticket", "escalated_at")
"""The query parameters of each webhook call, in order: the event is (trigger, level, event)
of the enrollment (ticket, escalated_at); "escalated" at level 1, "moved" later."""


@dataclass(frozen=True, slots=True)
class Settings:
    prefix: str = "esc_"
    slack_action_type: str | None = None
    """The portal's Slack integration action type id, when the Slack app is installed."""
    webhook: Webhook | None = None


@dataclass(frozen=True, slots=True)
class Compiled:
    group: dict[str, Any]
    properties: tuple[dict[str, Any], ...]
    flows: dict[str, dict[str, Any]]
    """Trigger id -> the create-request body of its flow."""
    catalog: tuple[dict[str, Any], ...] = ()
    """Custom properties the field catalog reads (custom: true): created when the portal lacks
    them, never changed when it has them."""
    notes: tuple[Note, ...] = ()
    missing_owners: tuple[str, ...] = field(default=())
    """People referenced by a path whose email is not a HubSpot owner."""


def webhook(target: Target) -> Webhook | None:
    """The compile settings of a target's `notify` (publish/targets.py NotifySettings)."""
    notify = target.notify
    if notify is None:
        return None
    secret = notify.secret_env if notify.auth == "key" else None
    return Webhook(notify.webhook_url, notify.auth, notify.app_id, notify.header, secret)


def compile_framework(
    framework: Framework, owners: Mapping[str, Owner], settings: Settings
) -> Compiled:
    """Everything HubSpot needs; `owners` maps emails to HubSpot owners."""
    builder = _Builder(framework, owners, settings)
    flows = {t.id: builder.flow(t) for t in framework.triggers if t.enabled}
    resolved = builder.resolved_flow()
    if resolved is not None:
        flows[RESOLVED_FLOW] = resolved
    return Compiled(
        shapes.property_group(f"{settings.prefix}escalation", "Escalation"),
        tuple(_properties(framework, settings)),
        flows,
        tuple(_catalog(framework, settings)),
        group_notes(builder.notes),
        tuple(sorted(set(builder.missing))),
    )


def _properties(framework: Framework, settings: Settings) -> list[dict[str, Any]]:
    p = settings.prefix
    group = f"{p}escalation"

    def options(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [shapes.option(value, label, i) for i, (value, label) in enumerate(pairs)]

    triggers = [(t.id, t.name) for t in framework.triggers]
    types = [(b.type, b.name) for b in framework.playbooks]
    tiers = [(t.id, t.name) for t in framework.tiers]
    causes = [(c.id, c.name) for c in framework.root_causes]
    status = [("open", "Open"), ("acknowledged", "Acknowledged"), ("resolved", "Resolved")]
    prop = shapes.property_definition
    return [
        prop(f"{p}escalated", "Escalated", "bool", group, "The ticket is escalated.",
             options([("true", "Yes"), ("false", "No")])),
        prop(f"{p}trigger", "Escalation trigger", "enumeration", group,
             "The trigger that escalated the ticket.", options(triggers)),
        prop(f"{p}type", "Escalation type", "enumeration", group,
             "The escalation type; its playbook says how to resolve it.", options(types)),
        prop(f"{p}tier", "Escalation tier", "enumeration", group,
             "The escalation tier and its response targets.", options(tiers)),
        prop(f"{p}level", "Escalation level", "number", group,
             "The level of the escalation path the ticket has reached (1 is the first)."),
        prop(f"{p}status", "Escalation status", "enumeration", group,
             "Open until the owner acknowledges it; resolved when done.", options(status)),
        prop(f"{p}owner", "Escalation owner", "enumeration", group,
             "Who is accountable at the current level.", owner_picker=True),
        prop(f"{p}escalated_at", "Escalated at", "datetime", group, "When the ticket escalated."),
        prop(f"{p}response_due_at", "Response due at", "datetime", group,
             "When the current level must respond, in business time."),
        prop(f"{p}acknowledged_at", "Acknowledged at", "datetime", group,
             "When the owner acknowledged the escalation."),
        prop(f"{p}resolved_at", "Resolved at", "datetime", group, "When it was resolved."),
        prop(f"{p}root_cause", "Escalation root cause", "enumeration", group,
             "The root cause found in the escalation review.", options(causes)),
        prop(f"{p}framework_version", "Framework version", "string", group,
             "The version of the escalation framework that escalated the ticket."),
    ]  # fmt: skip


def _catalog(framework: Framework, settings: Settings) -> list[dict[str, Any]]:
    """The catalog's custom fields as property definitions (owner fields are HubSpot's own)."""
    properties = []
    for item in framework.fields:
        if not item.custom or item.type not in shapes.FIELD_TYPES:
            continue
        options = [shapes.option(o.hubspot, o.label, i) for i, o in enumerate(item.options)]
        if item.type == "bool":
            options = [shapes.option("true", "Yes", 0), shapes.option("false", "No", 1)]
        group = f"{settings.prefix}escalation"
        description = expand_text(item.description or item.label, framework)
        listed = options if item.type in ("enumeration", "bool") else None
        properties.append(
            shapes.property_definition(
                item.hubspot_property, item.label, item.type, group, description, listed
            )
        )
    return properties


class _Builder:
    """Builds the flows; collects what HubSpot can only approximate and the missing owners."""

    def __init__(
        self, framework: Framework, owners: Mapping[str, Owner], settings: Settings
    ) -> None:
        self.framework = framework
        self.owners = owners
        self.settings = settings
        self.notes: list[tuple[str, str]] = []
        """(kind, item) pairs of what HubSpot can only approximate."""
        self.missing: list[str] = []

    def owner(self, reference: str) -> Owner:
        """The HubSpot owner of a person, or of a team's lead."""
        kind, _, key = reference.partition(":")
        person = self.framework.person(
            self.framework.team(key).lead.partition(":")[2] if kind == "team" else key
        )
        found = self.owners.get(person.email.lower())
        if found is None:
            self.missing.append(
                f"{person.id} <{person.email}> ({person.source}) is not a HubSpot owner; add "
                "them as a user in HubSpot or fix their email in people.yaml"
            )
            return Owner(f"<owner of {person.email}>", f"<user of {person.email}>")
        return found

    def minutes(self, duration: Duration, what: str) -> int:
        if duration.clock == "calendar":
            return max(1, int(duration.value.total_seconds() // 60))
        calendar = self.framework.calendar(duration.calendar)
        minutes = max(1, int(open_time_of(duration, calendar).total_seconds() // 60))
        if business_week(calendar) >= timedelta(days=7):
            return minutes  # open around the clock: business time is calendar time
        waits = describe.duration(duration, self.framework)
        self.notes.append(
            ("business-time-delay", f"{what} waits {waits}: compiled as {minutes} minutes")
        )
        return minutes

    def flow(self, trigger: Trigger) -> dict[str, Any]:
        actions: list[dict[str, Any]] = []
        p = self.settings.prefix

        def next_id() -> str:
            return str(len(actions) + 2)

        def add(action: dict[str, Any]) -> None:
            actions.append(action)

        def owner_id(reference: str) -> str:
            return self.owner(reference).owner_id

        # First match wins: a ticket another trigger escalated first is left alone. Each
        # check comes right before the escalation, after any wait.
        guard = shapes.property_filter(
            f"{p}escalated", shapes.operation("ALL_PROPERTY", "IS_UNKNOWN")
        )
        if trigger.after is not None and trigger.still is not None:
            wait = self.minutes(trigger.after.duration, f"trigger {trigger.id}")
            add(shapes.delay("1", wait, "2"))
            still = _guarded(filter_branch(trigger.still, self.framework, owner_id), guard)
            add(shapes.list_branch("2", "Still, and not escalated yet", still, "3"))
        else:
            add(shapes.list_branch("1", "Not escalated yet", shapes.or_of_ands([[guard]]), "2"))
        path = self.framework.path(trigger.path)
        first = path.levels[0]
        owner = self.owner(first.owner)
        values = [
            (f"{p}escalated", shapes.static("true")),
            (f"{p}trigger", shapes.static(trigger.id)),
            (f"{p}type", shapes.static(trigger.escalation_type)),
            (f"{p}tier", shapes.static(trigger.tier)),
            (f"{p}level", shapes.static("1")),
            (f"{p}status", shapes.static("open")),
            (f"{p}escalated_at", shapes.now()),
            (f"{p}framework_version", shapes.static(self.framework.version)),
            (f"{p}owner", shapes.static(owner.owner_id)),
            ("hubspot_owner_id", shapes.static(owner.owner_id)),
        ]
        for prop, value in values:
            add(shapes.set_property(str(len(actions) + 1), prop, value, next_id()))
        self._event(_level(trigger, 1), "escalated", actions)
        self._notify(trigger, first, 1, actions)
        number = 1
        levels = self.framework.escalation_levels(path.id)
        for current, following in zip(levels, [*levels[1:], None], strict=True):
            if current.move_on is None or following is None:
                break
            wait = self.minutes(current.move_on.after, f"level {current.id} of {trigger.id}")
            add(shapes.delay(str(len(actions) + 1), wait, next_id()))
            branch = self._still_open(
                current.move_on.condition, f"level {current.id} of {trigger.id}"
            )
            add(shapes.list_branch(str(len(actions) + 1), "Not done", branch, next_id()))
            number += 1
            new_owner = self.owner(following.owner)
            for prop, value in [
                (f"{p}level", shapes.static(str(number))),
                (f"{p}owner", shapes.static(new_owner.owner_id)),
                ("hubspot_owner_id", shapes.static(new_owner.owner_id)),
            ]:
                add(shapes.set_property(str(len(actions) + 1), prop, value, next_id()))
            self._event(_level(trigger, number), "moved", actions)
            self._notify(trigger, following, number, actions)
        actions[-1].pop("connection", None)
        start = "1"
        condition = _guarded(filter_branch(trigger.when, self.framework, owner_id), guard)
        description = (
            f"{expand_text(trigger.description, self.framework)} Compiled by escalations from "
            f"framework/{trigger.source.name}."
        )
        return shapes.flow(
            f"{trigger.name} {KEY_TAG.format(id=trigger.id)}",
            description,
            start,
            actions,
            condition,
        )

    def resolved_flow(self) -> dict[str, Any] | None:
        """Status `resolved` and its time, then the notifier's `resolved` event, once an open or
        acknowledged escalation's ticket reaches a closed stage (the catalog's hs_pipeline_stage
        options `closed`, `closed_*`); None when the catalog names no closed stage."""
        p = self.settings.prefix
        stages = [o.hubspot for f in self.framework.fields
                  if f.hubspot_property == "hs_pipeline_stage" for o in f.options
                  if o.value == "closed" or o.value.startswith("closed_")]  # fmt: skip
        if not stages:
            return None
        any_of = "ENUMERATION", "IS_ANY_OF"
        # The status filter waits for the escalating flow to have written `open`: it sets
        # esc_escalated first, and a resolution written before its `open` would be overwritten.
        filters = [
            ("hs_pipeline_stage", shapes.operation(*any_of, values=stages)),
            (f"{p}escalated", shapes.operation("BOOL", "IS_EQUAL_TO", value=True)),
            (f"{p}status", shapes.operation(*any_of, values=["open", "acknowledged"])),
        ]
        closed = shapes.or_of_ands([[shapes.property_filter(n, o) for n, o in filters]])
        # EXECUTION_TIME (ref §3.3 [SPEC], as esc_escalated_at): the flow runs as the ticket
        # closes. Copying closed_date (OBJECT_PROPERTY) is not confirmed inside a 0-5 action.
        actions = [
            shapes.set_property("1", f"{p}status", shapes.static("resolved"), "2"),
            shapes.set_property("2", f"{p}resolved_at", shapes.now(), None),
        ]
        values = [shapes.object_property(f"{p}{name}") for name in ("trigger", "level")]
        self._event(values, "resolved", actions)
        actions[-1].pop("connection", None)
        description = ("Marks the escalation resolved when its ticket closes. Compiled by "
                       "escalations from framework/fields.yaml (hs_pipeline_stage).")  # fmt: skip
        name = f"Escalation resolved {KEY_TAG.format(id=RESOLVED_FLOW)}"
        return shapes.flow(name, description, "1", actions, closed)

    def _event(self, values: list[dict[str, Any]], event: str, actions: list[dict[str, Any]]
               ) -> None:  # fmt: skip
        """The notifier's WEBHOOK call telling `event` of the (trigger, level) `values`."""
        hook = self.settings.webhook
        if hook is None:
            return
        if hook.auth == "signature":
            auth = shapes.signature_auth(hook.app_id or 0)
        else:
            auth = shapes.key_auth(hook.header or "", hook.secret_name or "")
        values = [
            *values,
            shapes.static(event),
            shapes.object_property("hs_object_id"),
            shapes.object_property(f"{self.settings.prefix}escalated_at"),
        ]
        if actions:
            actions[-1].update(shapes.connection(str(len(actions) + 1)))
        action_id = str(len(actions) + 1)
        query = list(zip(EVENT_QUERY, values, strict=True))
        actions.append(shapes.webhook(action_id, hook.url, query, auth, str(len(actions) + 2)))

    def _notify(
        self, trigger: Trigger, level: Level, number: int, actions: list[dict[str, Any]]
    ) -> None:
        what = f"level {level.id} of {trigger.id}"
        subject = f"Escalation: {trigger.name} (level {number})"
        body = f"You own this escalation at level {number}: {level.name}."
        hook = self.settings.webhook is not None
        for notify in level.notify:
            target = level.owner if notify.to == "owner" else notify.to
            if "hubspot" in notify.via and target.startswith("#"):
                # HubSpot notifies users, not channels: only the notifier reaches a channel.
                self.notes.append(("webhook" if hook else "channel", f"{target} at {what}"))
            if "hubspot" in notify.via and not target.startswith("#"):
                user = self.owner(target).user_id
                action_id = str(len(actions) + 1)
                actions.append(
                    shapes.in_app_notification(
                        action_id, [user], subject, body, str(len(actions) + 2)
                    )
                )
            if "slack" in notify.via and not self.settings.slack_action_type and hook:
                self.notes.append(("webhook", f"{notify.to} at {what}"))
            if "slack" in notify.via and self.settings.slack_action_type:
                message = f"{subject}: {{{{ enrolled_object.subject }}}}"
                action_id = str(len(actions) + 1)
                actions.append(shapes.slack_notification(
                    action_id, self.settings.slack_action_type, self._channel(target), message,
                    str(len(actions) + 2)))  # fmt: skip
        slack = any("slack" in n.via for n in level.notify)
        if not self.settings.slack_action_type and not hook and slack:
            self.notes.append(("slack", what))

    def _channel(self, reference: str) -> str:
        if reference.startswith("#"):
            return reference
        kind, _, key = reference.partition(":")
        if kind == "team":
            return self.framework.team(key).slack_channel
        return self.framework.person(key).slack

    def _still_open(self, condition: str, what: str) -> dict[str, Any]:
        p = self.settings.prefix
        if condition == "not_acknowledged":
            operation = shapes.operation("ENUMERATION", "IS_ANY_OF", values=["open"])
        else:
            operation = shapes.operation("ENUMERATION", "IS_NONE_OF", values=["resolved"])
            if condition == "target_breached":
                self.notes.append(("target-breached", what))
        return shapes.or_of_ands([[shapes.property_filter(f"{p}status", operation)]])


def _level(trigger: Trigger, number: int) -> list[dict[str, Any]]:
    return [shapes.static(trigger.id), shapes.static(str(number))]


def _guarded(branch: dict[str, Any], guard: dict[str, Any]) -> dict[str, Any]:
    """The branch with `guard` added to every AND group."""
    for group in branch["filterBranches"]:
        group["filters"].append(guard)
    return branch
