"""Prose references expanded to the framework's values: the text, and the page each one names."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from escalations.criteria import describe
from escalations.model.framework import Calendar, Duration, Framework, Level, Path
from escalations.model.textrefs import TextRef, find_refs, markdown_prose

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of expanded text; a reference's value carries the key of its entity's page."""

    text: str
    page: str | None = None


def expand(text: str, framework: Framework, *, markdown: bool = False) -> list[Piece]:
    """`text` cut into plain pieces and the values of its references (outside code, in
    `markdown`). A reference that does not resolve (validation reports it) stays as written."""
    pieces: list[Piece] = []
    done = 0
    for ref in find_refs(markdown_prose(text) if markdown else text):
        found = resolve(ref, framework)
        if found is None:
            continue
        pieces += [Piece(text[done : ref.start]), found]
        done = ref.end
    pieces.append(Piece(text[done:]))
    return [piece for piece in pieces if piece.text]


def expand_text(text: str, framework: Framework, *, markdown: bool = False) -> str:
    """`text` with every reference replaced by its value, as plain text."""
    if "{{" not in text:
        return text
    return "".join(piece.text for piece in expand(text, framework, markdown=markdown))


def resolve(ref: TextRef, framework: Framework) -> Piece | None:
    """The value of one reference and the page about it (a name: the directory; a target: the
    tiers; a level or a criterion: its path or trigger), or None when it does not resolve."""
    try:
        return _resolve(ref, framework)
    except (KeyError, IndexError, ValueError, StopIteration):
        return None


def _resolve(ref: TextRef, framework: Framework) -> Piece | None:
    key, attributes = ref.key, ref.attributes
    attribute = attributes[0] if attributes else "name"
    if ref.kind != "path" and len(attributes) > 1:
        return None
    match ref.kind:
        case "tier":
            tier = framework.tier(key)
            if attribute == "name":
                return Piece(tier.name, "tiers")
            return Piece(short_duration(getattr(tier.targets, attribute), framework), "tiers")
        case "person":
            person = framework.person(key)
            values = {"name": person.name, "title": person.title, "email": person.email,
                      "slack": person.slack}  # fmt: skip
            return _piece(values[attribute], "directory")
        case "team":
            team = framework.team(key)
            values = {"name": team.name, "lead": describe.owner(team.lead, framework),
                      "email": team.email, "slack": team.slack_channel}  # fmt: skip
            return _piece(values[attribute], "directory")
        case "calendar":
            calendar = framework.calendar(key)
            values = {"name": calendar.name, "hours": hours(calendar),
                      "timezone": calendar.timezone}  # fmt: skip
            return _piece(values[attribute], None)
        case "trigger":
            trigger = framework.trigger(key)
            if attribute == "tier":
                return Piece(framework.tier(trigger.tier).name, "tiers")
            if attribute == "path":
                return Piece(framework.path(trigger.path).name, f"path:{trigger.path}")
            values = {
                "name": trigger.name,
                "criteria": describe.trigger(trigger, framework),
                "precedence": str(trigger.precedence),
            }
            return _piece(values[attribute], f"trigger:{trigger.id}")
        case "path":
            return _path(framework.path(key), attributes, framework)
        case "playbook":
            playbook = next(p for p in framework.playbooks if p.id == key)
            if attribute == "owner":
                return Piece(describe.owner(playbook.owner, framework), "directory")
            values = {"name": playbook.name, "severity": playbook.severity}
            return _piece(values[attribute], f"playbook:{playbook.id}")
    return None


def _piece(text: str | None, page: str | None) -> Piece | None:
    return Piece(text, page) if text else None


def _path(path: Path, attributes: tuple[str, ...], framework: Framework) -> Piece | None:
    page = f"path:{path.id}"
    if not attributes or attributes == ("name",):
        return Piece(path.name, page)
    level = find_level(path, attributes[0])
    if level is None or len(attributes) > 2:
        return None
    attribute = attributes[1] if len(attributes) > 1 else "name"
    if attribute == "owner":
        return Piece(describe.owner(level.owner, framework), "directory")
    if attribute == "move_on":
        if level.move_on is None:
            return None
        wait = short_duration(level.move_on.after, framework)
        return Piece(f"after {wait}, {describe.MOVE_ON[level.move_on.condition]}", page)
    return Piece(level.name, page) if attribute == "name" else None


def find_level(path: Path, name: str) -> Level | None:
    """The level with this id, else `level-N` as the N-th level (counting from 1)."""
    level = next((lv for lv in path.levels if lv.id == name), None)
    if level is None and name.startswith("level-") and name[6:].isdigit():
        number = int(name[6:])
        level = path.levels[number - 1] if 1 <= number <= len(path.levels) else None
    return level


def short_duration(value: Duration, framework: Framework) -> str:
    """A target as prose states it, `4 business hours`: the calendar is stated once, elsewhere."""
    text = describe.duration(value, framework)
    if value.clock == "business":
        text = text.removesuffix(f" ({framework.calendar(value.calendar).name})")
    return text


def hours(calendar: Calendar) -> str:
    """`09:00 to 18:00, Monday to Friday (Europe/Berlin)`: days with the same hours grouped."""
    groups: list[tuple[list[int], tuple[tuple[int, int], ...]]] = []
    for day, spans in enumerate(calendar.hours):
        if not spans:
            continue
        if groups and groups[-1][1] == spans and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], spans))
    if not groups:
        return f"closed ({calendar.timezone})"
    parts = []
    for days, spans in groups:
        times = " and ".join(f"{_clock(start)} to {_clock(end)}" for start, end in spans)
        named = DAYS[days[0]] if len(days) == 1 else f"{DAYS[days[0]]} to {DAYS[days[-1]]}"
        parts.append(f"{times}, {named}")
    return f"{'; '.join(parts)} ({calendar.timezone})"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def expand_framework(framework: Framework) -> Framework:
    """The framework with its prose expanded, for what compares or shows text without links
    (the diff, HubSpot descriptions): a tightened target then changes every text citing it."""

    def text(value: Any, markdown: bool = False) -> Any:
        if isinstance(value, str):
            return expand_text(value, framework, markdown=markdown)
        if isinstance(value, tuple):
            return tuple(text(v) for v in value)
        return value

    def each(items: tuple[Any, ...], *names: str) -> tuple[Any, ...]:
        return tuple(
            replace(i, **{n: text(getattr(i, n), n == "body") for n in names}) for i in items
        )

    return replace(
        framework,
        description=text(framework.description),
        root_causes=each(framework.root_causes, "description"),
        teams=each(framework.teams, "description"),
        fields=each(framework.fields, "description"),
        tiers=each(framework.tiers, "description"),
        triggers=each(framework.triggers, "description"),
        paths=each(framework.paths, "description"),
        playbooks=each(framework.playbooks, "summary", "definition_of_done", "body"),
        reviews=each(framework.reviews, "body"),
        pages=each(framework.pages, "body"),
        cases=each(framework.cases, "description"),
    )
