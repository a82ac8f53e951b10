"""The workflow runtime of the HubSpot emulator: enrollment, actions, delays and branches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from escalations.sandbox.hubspot.filters import matches_branch
from escalations.sandbox.hubspot.flows import Flows
from escalations.sandbox.hubspot.shapes import iso, parse_time
from escalations.sandbox.hubspot.store import Store
from escalations.sandbox.hubspot.tickets import Tickets
from escalations.sandbox.hubspot.webhooks import Webhooks

UNITS = {"MINUTES": timedelta(minutes=1), "HOURS": timedelta(hours=1), "DAYS": timedelta(days=1)}
MAX_STEPS = 1000
NOTIFY_KEYS = ("channel", "channel_id", "slack_channel", "webhook_url", "user_ids", "team_ids")
"""`fields` keys that make an unknown action a notification (Slack-like or in-app)."""


class Runtime:
    """Runs enabled ticket flows (kind "run" documents, key `flowId/ticketId`).

    A ticket that newly meets a LIST_BASED `listFilterBranch` (created matching, or changed
    from not matching to matching) is enrolled once per flow; its run follows the actions from
    `startActionId` until a delay, which `Runtime.resume_due` continues once the clock has
    passed it. Writes by `0-5` actions count as ticket changes for the other flows."""

    def __init__(
        self,
        store: Store,
        flows: Flows,
        tickets: Tickets,
        now: Callable[[], datetime],
        notifications: list[dict[str, Any]],
        webhooks: Webhooks | None = None,
    ) -> None:
        self.store = store
        self.webhooks = webhooks or Webhooks(now)
        self.flows = flows
        self.tickets = tickets
        self.now = now
        self.notifications = notifications
        self._pending: list[tuple[str, dict[str, str | None] | None]] = []
        self._busy = False

    # -- enrollment -----------------------------------------------------------------------

    def ticket_changed(self, ticket_id: str, before: Mapping[str, str | None] | None) -> None:
        """Enroll (or unenroll) `ticket_id` after a write; `before` is None for a creation."""
        self._pending.append((ticket_id, None if before is None else dict(before)))
        if self._busy:
            return
        self._busy = True
        try:
            while self._pending:
                current, previous = self._pending.pop(0)
                self._evaluate(current, previous)
        finally:
            self._pending.clear()
            self._busy = False

    def _evaluate(self, ticket_id: str, before: dict[str, str | None] | None) -> None:
        after = self.tickets.values(ticket_id)
        for flow in self.flows.all():
            criteria = flow.get("enrollmentCriteria") or {}
            if not flow["isEnabled"] or criteria.get("type") != "LIST_BASED":
                continue
            branch = criteria["listFilterBranch"]
            key = f"{flow['id']}/{ticket_id}"
            run = self.store.get("run", key)
            now_meets = matches_branch(branch, after)
            if run is not None:
                waiting = run["status"] == "WAITING"
                if waiting and not now_meets and criteria.get("unEnrollObjectsNotMeetingCriteria"):
                    run["status"] = "UNENROLLED"
                    self.store.put("run", key, run)
                continue
            if not now_meets or (before is not None and matches_branch(branch, before)):
                continue
            run = {
                "flowId": flow["id"],
                "ticketId": ticket_id,
                "enrolledAt": iso(self.now()),
                "actionId": flow.get("startActionId"),
                "status": "ACTIVE",
                "waitUntil": None,
                "log": [],
            }
            self._run(key, run)

    def forget_flow(self, flow_id: str) -> None:
        """Drop the runs of a deleted flow."""
        for run in self.store.all("run", f"{flow_id}/"):
            self.store.delete("run", f"{flow_id}/{run['ticketId']}")

    # -- delays ---------------------------------------------------------------------------

    def next_due(self, limit: datetime) -> datetime | None:
        """The earliest end of a delay of an enabled flow's run at or before `limit`."""
        due: list[datetime] = []
        for run in self.store.all("run"):
            flow = self.flows.find(run["flowId"])
            if run["status"] != "WAITING" or flow is None or not flow["isEnabled"]:
                continue
            moment = parse_time(run["waitUntil"])
            if moment is not None and moment <= limit:
                due.append(moment)
        retry = self.webhooks.next_due(limit)
        return min([*due, *([retry] if retry else [])], default=None)

    def resume_due(self) -> None:
        """Continue every waiting run whose delay has ended; retry the webhooks due."""
        self.webhooks.retry_due()
        now = self.now()
        for run in self.store.all("run"):
            moment = parse_time(run["waitUntil"] or "")
            flow = self.flows.find(run["flowId"])
            ready = moment is not None and moment <= now
            if run["status"] == "WAITING" and ready and flow is not None and flow["isEnabled"]:
                run["status"] = "ACTIVE"
                run["waitUntil"] = None
                self._run(f"{run['flowId']}/{run['ticketId']}", run)

    # -- execution ------------------------------------------------------------------------

    def _run(self, key: str, run: dict[str, Any]) -> None:
        flow = self.flows.find(run["flowId"])
        actions = {str(a["actionId"]): a for a in (flow or {}).get("actions", [])}
        for _ in range(MAX_STEPS):
            action = actions.get(str(run["actionId"]))
            if action is None or self.tickets.find(run["ticketId"]) is None:
                run.update(status="COMPLETE", actionId=None)
                break
            run["log"].append({"actionId": action["actionId"], "at": iso(self.now())})
            next_id, wait = self._step(run, action)
            run["actionId"] = next_id
            if wait is not None and wait > self.now():
                run.update(status="WAITING", waitUntil=iso(wait))
                break
        else:
            run["status"] = "FAILED"
        self.store.put("run", key, run)

    def _step(
        self, run: dict[str, Any], action: dict[str, Any]
    ) -> tuple[str | None, datetime | None]:
        """Perform one action: (the next action id, the end of a delay to wait for)."""
        kind = action.get("type")
        ticket_id = run["ticketId"]
        values = self.tickets.values(ticket_id)
        if kind == "LIST_BRANCH":
            for branch in action.get("listBranches", []):
                if matches_branch(branch["filterBranch"], values):
                    return _next(branch.get("connection")), None
            return _next(action.get("defaultBranch")), None
        if kind == "STATIC_BRANCH":
            source = action.get("inputValue") or {}
            value = values.get(str(source.get("propertyName")))
            for branch in action.get("staticBranches", []):
                if str(branch.get("branchValue")) == str(value):
                    return _next(branch.get("connection")), None
            return _next(action.get("defaultBranch")), None
        following = _next(action.get("connection"))
        if kind == "WEBHOOK":
            self._notify(
                run, action, {"method": action.get("method"), "url": action.get("webhookUrl")}
            )
            query = [
                (str(q["name"]), self._value(q["value"], values) or "")
                for q in action.get("queryParams", [])
            ]
            self.webhooks.send(run, action, query, self.tickets.find(ticket_id) or {})
            return following, None
        if kind != "SINGLE_CONNECTION":
            return following, None
        type_id = str(action.get("actionTypeId"))
        fields = action.get("fields") or {}
        if type_id == "0-5":
            self._set_property(ticket_id, fields, values)
        elif type_id == "0-1":
            amount = float(fields.get("delta", 0))
            return following, self.now() + amount * UNITS.get(
                str(fields.get("time_unit")), UNITS["MINUTES"]
            )
        elif type_id == "0-35":
            return following, self._date(fields, values)
        elif type_id in ("0-9", "0-8") or any(k in fields for k in NOTIFY_KEYS):
            self._notify(run, action, fields)
        return following, None

    def _value(self, value: Any, values: Mapping[str, str | None]) -> str | None:
        if not isinstance(value, dict):
            return None if value is None else str(value)
        kind = value.get("type")
        if kind == "STATIC_VALUE":
            return str(value.get("staticValue", ""))
        if kind == "TIMESTAMP":
            return iso(self.now())
        if kind == "OBJECT_PROPERTY":
            return values.get(str(value.get("propertyName")))
        if kind == "INCREMENT":
            current = float(values.get(str(value.get("propertyName"))) or 0)
            return f"{current + float(value.get('incrementAmount', 0)):g}"
        return None

    def _set_property(
        self, ticket_id: str, fields: dict[str, Any], values: Mapping[str, str | None]
    ) -> None:
        name = str(fields.get("property_name"))
        value = fields.get("value")
        if isinstance(value, dict) and value.get("type") == "INCREMENT":
            value = {**value, "propertyName": name}
        new = self._value(value, values)
        spec = self.tickets.properties.find(name)
        if spec is not None and spec["type"] in ("date", "datetime") and new:
            moment = parse_time(new)
            new = iso(moment) if moment is not None else new
        before = dict(values)
        self.tickets.update(ticket_id, {"properties": {name: new}}, check=False)
        self.ticket_changed(ticket_id, before)

    def _date(self, fields: dict[str, Any], values: Mapping[str, str | None]) -> datetime | None:
        raw = self._value(fields.get("date"), values)
        moment = parse_time(raw) if raw else None
        if moment is None:
            return None
        delta = float(fields.get("delta") or 0)
        return moment + delta * UNITS.get(str(fields.get("time_unit")), UNITS["MINUTES"])

    def _notify(self, run: dict[str, Any], action: dict[str, Any], fields: dict[str, Any]) -> None:
        self.notifications.append(
            {
                "flowId": run["flowId"],
                "actionId": str(action["actionId"]),
                "ticketId": run["ticketId"],
                "actionTypeId": action.get("actionTypeId", action.get("type")),
                "fields": fields,
                "at": iso(self.now()),
            }
        )


def _next(connection: Any) -> str | None:
    if isinstance(connection, dict) and connection.get("nextActionId") is not None:
        return str(connection["nextActionId"])
    return None
