"""The entities of a document set by kind and id, and the registry of semantic rules."""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from escalations.model.load import Document, Pointer, Position, Unread
from escalations.model.problems import Problem, Severity, note

OWNER = "owner"
"""A reference target that is `person:<id>` or `team:<id>`."""

TARGETS = ("first_response", "update_cadence", "resolution")


@dataclass(frozen=True, slots=True)
class Entity:
    document: Document
    pointer: Pointer
    data: dict[str, Any]


Check = Callable[["Index"], Iterable[Problem]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    check: Check


class Index:
    """Every identified entity of the document set, by kind and id, in file order, and the
    kinds whose ids are not all known because a document defining them could not be read."""

    def __init__(
        self,
        documents: list[Document],
        invalid: frozenset[str] = frozenset(),
        *,
        unread: Iterable[Unread] = (),
        failing: Mapping[str, frozenset[Pointer]] | None = None,
        today: date | None = None,
    ) -> None:
        self.today = today
        """The date the date-relative rules compare with; None skips them."""
        self.documents = [d for d in documents if d.path not in invalid]
        self.entities: dict[str, dict[str, list[Entity]]] = defaultdict(lambda: defaultdict(list))
        self.unreadable: dict[str, tuple[str, Position, bool]] = {}
        """For each kind not fully known, the first file that could not be read, and where."""
        self.skipped: Counter[str] = Counter()
        for document in documents:
            for kind, pointer in _ENTITY_LISTS.get(document.kind, ()):
                for child, data in _expand(document, pointer):
                    if isinstance(data, dict) and isinstance(data.get("id"), str):
                        self._add(kind, data["id"], Entity(document, child, data))
            if document.kind == "playbook" and isinstance(document.get(("type",)), str):
                self._add("type", document.data["type"], Entity(document, (), document.data))
        for file in unread:
            for kind in _defined_kinds(file.kind):
                self.unreadable.setdefault(kind, (file.path, file.position, file.missing))
        for document in documents:
            bad = (failing or {}).get(document.path, frozenset())
            for kind, pattern in _id_parts(document.kind):
                broken = sorted(p for p in bad if _breaks_ids(p, pattern))
                if broken:
                    where = document.at(broken[0])
                    self.unreadable.setdefault(kind, (document.path, where, False))

    def skips(self, kind: str) -> bool:
        """Whether a check that needs every id of `kind` must be skipped (and counts it)."""
        if kind in self.unreadable:
            self.skipped[kind] += 1
            return True
        return False

    def notes(self) -> list[Problem]:
        """One note per unreadable file, saying which checks were skipped because of it."""
        by_file: dict[tuple[str, Position, bool], list[tuple[str, int]]] = defaultdict(list)
        for kind, count in self.skipped.items():
            by_file[self.unreadable[kind]].append((kind, count))
        notes = []
        for (path, position, missing), skipped in by_file.items():
            words = " and ".join(_skipped_words(kind, count) for kind, count in skipped)
            one = len(skipped) == 1 and skipped[0][1] == 1 and skipped[0][0] != "case"
            notes.append(
                note(
                    path,
                    position,
                    "skipped",
                    f"{words} {'was' if one else 'were'} not checked because this file "
                    + (
                        "is missing; create it, then validate again."
                        if missing
                        else "could not be read; fix it, then validate again."
                    ),
                )
            )
        return notes

    def _add(self, kind: str, key: str, entity: Entity) -> None:
        self.entities[kind][key].append(entity)

    def ids(self, kind: str) -> list[str]:
        return list(self.entities[kind])

    def first(self, kind: str, key: str) -> Entity | None:
        found = self.entities[kind].get(key)
        return found[0] if found else None

    def checked(self, kind: str) -> list[Entity]:
        """The first definition of each id of `kind`, from documents that passed their schema."""
        valid = {id(d) for d in self.documents}
        return [e[0] for e in self.entities[kind].values() if id(e[0].document) in valid]

    def of_kind(self, kind: str) -> list[Document]:
        return [d for d in self.documents if d.kind == kind]


_ENTITY_LISTS: dict[str, tuple[tuple[str, Pointer], ...]] = {
    "framework": (("root-cause", ("root_causes", "*")),),
    "people": (("person", ("people", "*")),),
    "teams": (("team", ("teams", "*")),),
    "calendars": (("calendar", ("calendars", "*")),),
    "fields": (("field", ("fields", "*")),),
    "tiers": (("tier", ("tiers", "*")),),
    "trigger": (("trigger", ()),),
    "path": (("path", ()),),
    "playbook": (("playbook", ()),),
    "review": (("review", ()), ("action-item", ("action_items", "*"))),
    "doc": (("doc", ()),),
    "tests": (("case", ("cases", "*")),),
}

_REFERENCES: dict[str, tuple[tuple[Pointer, str], ...]] = {
    "framework": ((("owner",), OWNER), (("default_calendar",), "calendar")),
    "people": ((("people", "*", "calendar"), "calendar"),),
    "teams": (
        (("teams", "*", "lead"), OWNER),
        (("teams", "*", "members", "*"), OWNER),
        (("teams", "*", "calendar"), "calendar"),
    ),
    "tiers": ((("tiers", "*", "targets", "*", "calendar"), "calendar"),),
    "trigger": (
        (("tier",), "tier"),
        (("path",), "path"),
        (("escalation_type",), "type"),
        (("after", "calendar"), "calendar"),
    ),
    "path": (
        (("handoff",), "path"),
        (("levels", "*", "owner"), OWNER),
        (("levels", "*", "assignees", "*"), OWNER),
        (("levels", "*", "move_on", "after", "calendar"), "calendar"),
        (("levels", "*", "notify", "*", "to"), OWNER),
    ),
    "playbook": ((("owner",), OWNER),),
    "review": (
        (("facilitator",), OWNER),
        (("participants", "*"), OWNER),
        (("action_items", "*", "owner"), OWNER),
        (("action_items", "*", "addresses"), "root-cause"),
        (("root_causes", "*", "cause"), "root-cause"),
        (("carried_over", "*"), "action-item"),
    ),
    "tests": (
        (("cases", "*", "expect", "trigger"), "trigger"),
        (("cases", "*", "expect", "tier"), "tier"),
        (("cases", "*", "expect", "owner"), OWNER),
        (("cases", "*", "expect", "type"), "type"),
    ),
}

_DATES: dict[str, tuple[tuple[Pointer, bool], ...]] = {
    "framework": ((("changelog", "*", "date"), False),),
    "calendars": ((("calendars", "*", "holidays", "*", "date"), False),),
    "review": (
        (("period", "start"), False),
        (("period", "end"), False),
        (("held_on",), False),
        (("action_items", "*", "due"), False),
        (("action_items", "*", "done_on"), False),
    ),
    "tests": ((("cases", "*", "at"), True), (("cases", "*", "changes", "*", "at"), True)),
}

_KIND_WORDS = {
    "root-cause": "root cause",
    "action-item": "action item",
    "case": "test case",
    "type": "escalation type (a playbook's `type`)",
}


_PLURALS = {
    "person": "people",
    "root-cause": "root causes",
    "action-item": "action items",
    "case": "test cases",
    "type": "escalation types",
    "playbook": "playbooks",
}


def _defined_kinds(document_kind: str) -> list[str]:
    return [kind for kind, _ in _id_parts(document_kind)]


def _id_parts(document_kind: str) -> list[tuple[str, Pointer]]:
    """The kinds a document kind defines, each with the pointer of its ids."""
    parts = [(kind, (*pattern, "id")) for kind, pattern in _ENTITY_LISTS.get(document_kind, ())]
    return [*parts, ("type", ("type",))] if document_kind == "playbook" else parts


def _breaks_ids(failing: Pointer, ids: Pointer) -> bool:
    """Whether a value failing its schema at `failing` hides ids matching `ids` (with '*')."""
    if len(failing) > len(ids):
        return False
    return all(part == "*" or part == got for part, got in zip(ids, failing, strict=False))


def _skipped_words(kind: str, count: int) -> str:
    if kind == "case":
        return f"the tests of {count} trigger{'s' if count != 1 else ''}"
    plural = _PLURALS.get(kind, f"{_word(kind)}s")
    return f"{count} reference{'s' if count != 1 else ''} to {plural}"


def reference_pointers(document: Document) -> frozenset[Pointer]:
    """Where the document refers to other entities by id (the reference rule checks these)."""
    return frozenset(
        pointer
        for pattern, _ in _REFERENCES.get(document.kind, ())
        for pointer, value in _expand(document, pattern)
        if isinstance(value, str)
    )


def _expand(document: Document, pattern: Pointer) -> Iterator[tuple[Pointer, Any]]:
    """Every (pointer, value) matching `pattern`, where '*' stands for any list index or key."""
    found: list[tuple[Pointer, Any]] = [((), document.data)]
    for part in pattern:
        following: list[tuple[Pointer, Any]] = []
        for pointer, value in found:
            if part == "*" and isinstance(value, list):
                following.extend(((*pointer, i), item) for i, item in enumerate(value))
            elif part == "*" and isinstance(value, dict):
                following.extend(((*pointer, k), item) for k, item in value.items())
            elif isinstance(value, dict) and part in value:
                following.append(((*pointer, part), value[part]))
        found = following
    yield from found


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _options(field: dict[str, Any]) -> list[str]:
    options = field.get("options")
    if not isinstance(options, list):
        return []
    return [str(o.get("value")) for o in options if isinstance(o, dict)]


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _word(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)


def _unresolved(index: Index, value: str, target: str) -> str | None:
    """Why a reference does not resolve, or None when it does (or cannot be known because
    the file defining its kind could not be read)."""
    kind, key = target, value
    if target == OWNER:
        if value == "owner" or value.startswith("#"):
            return None
        kind, _, key = value.partition(":")
        if kind not in ("person", "team"):
            return f"'{value}' must start with 'person:' or 'team:'{_owner_hint(index, value)}"
    if key in index.entities[kind] or index.skips(kind):
        return None
    close = difflib.get_close_matches(key, index.ids(kind), n=1, cutoff=0.6)
    prefix = f"{kind}:" if target == OWNER else ""
    hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
    return f"no {_word(kind)} has the id '{key}'{hint}"


def _owner_hint(index: Index, value: str) -> str:
    """The owner reference meant by a value without its prefix (or with a wrong one)."""
    key = value.partition(":")[2] if ":" in value else value
    owners = [f"{kind}:{i}" for kind in ("person", "team") for i in index.ids(kind)]
    exact = [o for o in owners if o.partition(":")[2] == key]
    close = exact or difflib.get_close_matches(
        key, [o.partition(":")[2] for o in owners], n=1, cutoff=0.6
    )
    if not close:
        return ""
    meant = close[0] if exact else next(o for o in owners if o.partition(":")[2] == close[0])
    return f" (did you mean '{meant}'?)"


RULES: list[Rule] = []
"""Every semantic rule, in the order they run (and are documented in the README)."""


def rule(rule_id: str, severity: Severity, summary: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES.append(Rule(rule_id, severity, summary, check))
        return check

    return register
