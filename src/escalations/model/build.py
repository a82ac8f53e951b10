"""Build the Framework model from a document set that passed validation."""

from __future__ import annotations

from typing import Any

from escalations.criteria.conditions import parse_condition
from escalations.model.durations import parse_date, parse_datetime, parse_duration
from escalations.model.framework import (
    WEEKDAYS,
    ActionItem,
    After,
    Calendar,
    Case,
    CauseCount,
    Change,
    Duration,
    Expectation,
    Field,
    Framework,
    Holiday,
    Level,
    Metric,
    MoveOn,
    Notify,
    Option,
    Page,
    Path,
    Person,
    Playbook,
    Release,
    Review,
    RootCause,
    Source,
    Targets,
    Team,
    Tier,
    Trigger,
)
from escalations.model.load import Document, Pointer


def build_framework(documents: list[Document]) -> Framework:
    """The Framework of a document set that passed validation without errors."""
    single = {
        d.kind: d
        for d in documents
        if d.kind in ("framework", "people", "teams", "calendars", "fields", "tiers")
    }
    meta = single["framework"].data
    default_calendar = meta["default_calendar"]
    builder = _Builder(default_calendar)
    tiers = tuple(
        builder.tier(single["tiers"], i, t) for i, t in enumerate(single["tiers"].data["tiers"])
    )
    tier_by_id = {t.id: t for t in tiers}

    def of_kind(kind: str) -> list[Document]:
        return [d for d in documents if d.kind == kind]

    return Framework(
        id=meta["id"],
        name=meta["name"],
        version=meta["version"],
        description=meta.get("description"),
        owner=meta["owner"],
        review_cadence=parse_duration(meta["review_cadence"]),
        default_calendar=default_calendar,
        root_causes=tuple(
            RootCause(c["id"], c["name"], c.get("description")) for c in meta["root_causes"]
        ),
        changelog=tuple(
            Release(c["version"], parse_date(c["date"]), c["summary"])
            for c in meta.get("changelog", [])
        ),
        people=tuple(
            Person(p["id"], p["name"], p["email"], p["slack"], p.get("title"), p.get("calendar"),
                   _source(single["people"], ("people", i)), p.get("github"))
            for i, p in enumerate(single["people"].data["people"])
        ),
        teams=tuple(
            Team(t["id"], t["name"], t["lead"], tuple(t["members"]), t["slack_channel"],
                 t.get("email"), t.get("calendar"), t.get("description"),
                 _source(single["teams"], ("teams", i)), t.get("github"))
            for i, t in enumerate(single["teams"].data["teams"])
        ),
        calendars=tuple(
            _calendar(single["calendars"], i, c)
            for i, c in enumerate(single["calendars"].data["calendars"])
        ),
        fields=tuple(
            _field(single["fields"], i, f) for i, f in enumerate(single["fields"].data["fields"])
        ),
        tiers=tiers,
        triggers=tuple(
            sorted((builder.trigger(d, tier_by_id) for d in of_kind("trigger")),
                   key=lambda t: t.precedence)
        ),
        paths=tuple(builder.path(d) for d in of_kind("path")),
        playbooks=tuple(_playbook(d) for d in of_kind("playbook")),
        reviews=tuple(_review(d) for d in of_kind("review")),
        pages=tuple(
            Page(d.data["id"], d.data["title"], d.data.get("order"), d.body, _source(d, ()))
            for d in of_kind("doc")
        ),
        cases=tuple(case for d in of_kind("tests") for case in _cases(d)),
    )  # fmt: skip


def _source(document: Document, pointer: Pointer) -> Source:
    return Source(document.path, document.at(pointer)[0], document.name)


class _Builder:
    def __init__(self, default_calendar: str) -> None:
        self.default_calendar = default_calendar

    def duration(self, data: dict[str, Any]) -> Duration:
        return Duration(
            data["duration"],
            parse_duration(data["duration"]),
            data.get("clock", "calendar"),
            data.get("calendar", self.default_calendar),
        )

    def tier(self, document: Document, rank: int, data: dict[str, Any]) -> Tier:
        targets = data["targets"]
        return Tier(
            data["id"],
            data["name"],
            rank + 1,
            data.get("description"),
            Targets(*(self.duration(targets[name]) for name in
                      ("first_response", "update_cadence", "resolution"))),
            _source(document, ("tiers", rank)),
        )  # fmt: skip

    def trigger(self, document: Document, tiers: dict[str, Tier]) -> Trigger:
        data = document.data
        after = None
        if "after" in data:
            target = data["after"].get("target")
            if target:
                tier_id, _, name = target.partition(".")
                after = After(getattr(tiers[tier_id].targets, name), target)
            else:
                after = After(self.duration(data["after"]), None)
        still = data.get("still")
        return Trigger(
            id=data["id"],
            name=data["name"],
            type=data["type"],
            description=data["description"],
            precedence=data["precedence"],
            escalation_type=data["escalation_type"],
            tier=data["tier"],
            path=data["path"],
            enabled=data.get("enabled", True),
            when=parse_condition(data["when"], lambda p: document.at(("when", *p))[0]),
            after=after,
            still=parse_condition(still, lambda p: document.at(("still", *p))[0])
            if still
            else None,
            source=_source(document, ()),
        )

    def path(self, document: Document) -> Path:
        data = document.data
        levels = tuple(
            Level(
                id=level["id"],
                name=level["name"],
                owner=level["owner"],
                assignees=tuple(level.get("assignees", [])),
                move_on=(
                    MoveOn(self.duration(level["move_on"]["after"]), level["move_on"]["if"])
                    if "move_on" in level
                    else None
                ),
                notify=tuple(Notify(n["to"], tuple(n["via"])) for n in level.get("notify", [])),
            )
            for level in data["levels"]
        )
        return Path(
            data["id"], data["name"], data.get("description"), data.get("handoff"), levels,
            _source(document, ()),
        )  # fmt: skip


def _calendar(document: Document, index: int, data: dict[str, Any]) -> Calendar:
    def minutes(text: str) -> int:
        hours, _, mins = text.partition(":")
        return int(hours) * 60 + int(mins)

    hours = tuple(
        tuple(
            sorted(
                (minutes(span.split("-")[0]), minutes(span.split("-")[1]))
                for span in data["hours"].get(day, [])
            )
        )
        for day in WEEKDAYS
    )
    return Calendar(
        data["id"],
        data["name"],
        data["timezone"],
        hours,
        tuple(Holiday(parse_date(h["date"]), h["name"]) for h in data.get("holidays", [])),
        _source(document, ("calendars", index)),
    )


def _field(document: Document, index: int, data: dict[str, Any]) -> Field:
    return Field(
        data["id"],
        data["label"],
        data["hubspot_property"],
        data["type"],
        data.get("custom", False),
        data.get("event_time", False),
        data.get("description"),
        tuple(Option(o["value"], o["label"], o["hubspot"]) for o in data.get("options", [])),
        _source(document, ("fields", index)),
    )


def _playbook(document: Document) -> Playbook:
    data = document.data
    return Playbook(
        data["id"], data["name"], data["type"], data["severity"], data["owner"], data["summary"],
        tuple(data["definition_of_done"]), document.body, _source(document, ()),
    )  # fmt: skip


def _review(document: Document) -> Review:
    data = document.data
    return Review(
        id=data["id"],
        title=data["title"],
        period_start=parse_date(data["period"]["start"]),
        period_end=parse_date(data["period"]["end"]),
        held_on=parse_date(data["held_on"]),
        facilitator=data["facilitator"],
        participants=tuple(data["participants"]),
        framework_version=data["framework_version"],
        status=data["status"],
        metrics=tuple(
            Metric(m["metric"], m["value"], m.get("target"), m.get("unit"))
            for m in data.get("metrics", [])
        ),
        root_causes=tuple(
            CauseCount(c["cause"], c["escalations"], c.get("note"))
            for c in data.get("root_causes", [])
        ),
        action_items=tuple(
            ActionItem(a["id"], a["title"], a["owner"], parse_date(a["due"]), a["status"],
                       a["addresses"], a.get("type"),
                       parse_date(a["done_on"]) if "done_on" in a else None)
            for a in data.get("action_items", [])
        ),
        body=document.body,
        source=_source(document, ()),
        carried_over=tuple(data.get("carried_over", [])),
    )  # fmt: skip


def _cases(document: Document) -> list[Case]:
    cases = []
    for i, data in enumerate(document.data["cases"]):
        expect = data["expect"]
        cases.append(
            Case(
                id=data["id"],
                description=data.get("description"),
                at=parse_datetime(data["at"]),
                ticket=tuple(data["ticket"].items()),
                changes=tuple(
                    Change(parse_datetime(c["at"]), tuple(c["set"].items()))
                    for c in data.get("changes", [])
                ),
                expect=Expectation(
                    escalated=expect.get("escalated", "trigger" in expect),
                    trigger=expect.get("trigger"),
                    tier=expect.get("tier"),
                    owner=expect.get("owner"),
                    type=expect.get("type"),
                    level=expect.get("level"),
                ),
                source=_source(document, ("cases", i)),
            )
        )
    return cases
