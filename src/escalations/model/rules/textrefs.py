"""Rules on prose: references to framework values resolve, and values are not restated."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from escalations.model.durations import duration_parts
from escalations.model.problems import Problem, Severity, error, warning
from escalations.model.rules.index import TARGETS, Index, _word, rule
from escalations.model.textrefs import (
    ATTRIBUTES,
    LEVEL_ATTRIBUTES,
    Prose,
    TextRef,
    find_refs,
    texts,
)

_SYNTAX = "see the README, 'References in prose'"


@rule(
    "unknown-reference",
    Severity.ERROR,
    "Every reference in prose ({{tier:tier-1.first_response}}, ...) names a kind, an id and an "
    "attribute that exist.",
)
def text_references(index: Index) -> Iterator[Problem]:
    for document in index.documents:
        for prose in texts(document):
            for ref in find_refs(prose.text):
                why = _unresolved(index, ref)
                if why:
                    yield error(document.path, prose.locate(ref.start), "unknown-reference", why)


def _unresolved(index: Index, ref: TextRef) -> str | None:
    """Why a reference does not resolve, or None when it does (or its kind's file is unread)."""
    said = f"the reference '{ref.written}'"
    if ref.kind not in ATTRIBUTES:
        close = _close(ref.kind, ATTRIBUTES)
        hint = f" (did you mean '{_rewrite(ref, kind=close)}'?)" if close else ""
        return (
            f"{said} names the kind '{ref.kind}', which does not exist{hint}; use one of: "
            f"{', '.join(sorted(ATTRIBUTES))} ({_SYNTAX})."
        )
    entity = index.first(ref.kind, ref.key)
    if entity is None:
        if index.skips(ref.kind):
            return None
        close = _close(ref.key, index.ids(ref.kind))
        hint = f" (did you mean '{_rewrite(ref, key=close)}'?)" if close else ""
        return (
            f"{said} names no {_word(ref.kind)} with the id '{ref.key}'{hint}; use an id "
            "defined in the framework."
        )
    if ref.kind == "path":
        return _path_problem(ref, entity.data, said)
    if len(ref.attributes) > 1:
        return (
            f"{said} has too many parts; write {{{{{ref.kind}:{ref.key}.ATTRIBUTE}}}} with one "
            f"of: {', '.join(ATTRIBUTES[ref.kind])}."
        )
    attribute = ref.attributes[0] if ref.attributes else "name"
    return _attribute_problem(ref, attribute, ATTRIBUTES[ref.kind], said) or _missing(
        ref, attribute, entity.data, said
    )


def _attribute_problem(
    ref: TextRef, attribute: str, allowed: tuple[str, ...], said: str
) -> str | None:
    if attribute in allowed:
        return None
    close = _close(attribute, allowed)
    hint = f" (did you mean '{_rewrite(ref, attribute=close)}'?)" if close else ""
    return (
        f"{said} asks for '{attribute}', which {_article(ref)} does not have{hint}; use one "
        f"of: {', '.join(allowed)}."
    )


_OPTIONAL = {("person", "title"): "title", ("team", "email"): "email"}


def _missing(ref: TextRef, attribute: str, data: dict[str, Any], said: str) -> str | None:
    """A reference to an optional value the entity does not have would expand to nothing."""
    key = _OPTIONAL.get((ref.kind, attribute))
    if key is None or data.get(key):
        return None
    return (
        f"{said} asks for the {attribute} of {ref.kind} '{ref.key}', which has none; add one "
        "or refer to another value."
    )


def _path_problem(ref: TextRef, data: dict[str, Any], said: str) -> str | None:
    if not ref.attributes or ref.attributes == ("name",):
        return None
    levels = [lv for lv in data.get("levels", []) if isinstance(lv, dict)]
    ids = [str(lv.get("id")) for lv in levels]
    name = ref.attributes[0]
    position = _level_number(name, ids)
    if position is None or not 1 <= position <= len(levels):
        close = _close(name, ids)
        hint = f" (did you mean '{_rewrite(ref, level=close)}'?)" if close else ""
        return (
            f"{said} names no level '{name}' of path '{ref.key}'{hint}; use a level id "
            f"({', '.join(ids)}) or level-1 to level-{len(levels)}."
        )
    if len(ref.attributes) > 2:
        return (
            f"{said} has too many parts; write {{{{path:{ref.key}.{name}.ATTRIBUTE}}}} with one "
            f"of: {', '.join(LEVEL_ATTRIBUTES)}."
        )
    attribute = ref.attributes[1] if len(ref.attributes) > 1 else "name"
    problem = _attribute_problem(ref, attribute, LEVEL_ATTRIBUTES, said)
    if problem is None and attribute == "move_on" and "move_on" not in levels[position - 1]:
        return (
            f"{said} asks when level '{ids[position - 1]}' moves on, but it never does; refer "
            "to a level that moves on, or to its owner."
        )
    return problem


def _level_number(name: str, ids: list[str]) -> int | None:
    """The 1-based position of a level named by id, else by `level-N`."""
    if name in ids:
        return ids.index(name) + 1
    if name.startswith("level-") and name[6:].isdigit():
        return int(name[6:])
    return None


def _article(ref: TextRef) -> str:
    if ref.kind == "path" and ref.attributes[1:]:
        return "a level"
    return f"{'an' if ref.kind[0] in 'aeiou' else 'a'} {ref.kind}"


def _close(word: str, candidates: Any) -> str | None:
    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def _rewrite(
    ref: TextRef,
    *,
    kind: str | None = None,
    key: str | None = None,
    attribute: str | None = None,
    level: str | None = None,
) -> str:
    """The reference as it would be written with one part corrected."""
    parts = list(ref.attributes)
    if level is not None:
        parts[0] = level
    if attribute is not None:
        parts[-1 if parts else 0 :] = [attribute]
    tail = "".join(f".{p}" for p in parts)
    return f"{{{{{kind or ref.kind}:{key or ref.key}{tail}}}}}"


# -- values restated in prose --------------------------------------------------------------

_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
            8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}  # fmt: skip
_ITEM = re.compile(r"(?:[-*+>]|\d+[.)])\s")
_SENTENCE_END = re.compile(r"[.!?;](?=\s)")


@rule(
    "restated-value",
    Severity.WARNING,
    "Prose does not restate a value the framework defines (a tier's target named with its "
    "tier, a person's or team's name), so that it cannot go stale: it uses a reference.",
)
def restated_values(index: Index) -> Iterator[Problem]:
    targets = list(_target_phrases(index))
    names = list(_owner_names(index))
    for document in index.documents:
        if document.kind == "review":
            continue  # a review records who did what then: it must not follow later changes
        for prose in texts(document):
            if prose.prose:
                yield from _restated(prose, targets, names)


def _restated(
    prose: Prose,
    targets: list[tuple[str, re.Pattern[str], re.Pattern[str], str]],
    names: list[tuple[str, re.Pattern[str], str, str]],
) -> Iterator[Problem]:
    text = prose.text
    plain = text
    for ref in find_refs(text):  # what a reference writes is not restated
        plain = plain[: ref.start] + " " * (ref.end - ref.start) + plain[ref.end :]
    lower = plain.lower()
    segments: list[tuple[int, int]] | None = None
    # Each pattern runs only where its word is in the text: most prose names no target.
    for unit, phrase, mention, reference in targets:
        for match in phrase.finditer(plain) if unit in lower else ():
            segments = segments or _segments(plain)
            start, end = next(
                ((s, e) for s, e in segments if s <= match.start() < e), (0, len(plain))
            )
            if mention.search(text, start, end):
                yield _warn(prose, match, reference, "a target the tier defines")
    for name, pattern, reference, whose in names:
        for match in pattern.finditer(plain) if name in plain else ():
            yield _warn(prose, match, reference, whose)


def _warn(prose: Prose, match: re.Match[str], reference: str, what: str) -> Problem:
    stated = " ".join(match[0].split())
    return warning(
        prose.document.path,
        prose.locate(match.start()),
        "restated-value",
        f"'{stated}' restates {what}; write {reference} instead, so that this text follows "
        "the framework when it changes.",
    )


def _target_phrases(
    index: Index,
) -> Iterator[tuple[str, re.Pattern[str], re.Pattern[str], str]]:
    """For each tier target of a single unit: the phrases that state it (`4 business hours`,
    `four business hours`), the words that name its tier, and the reference to write; first
    the unit, which every phrase contains."""
    for tier in index.checked("tier"):
        tier_id = str(tier.data["id"])
        names = [re.escape(tier_id).replace(r"\-", r"[\s-]")]
        if isinstance(tier.data.get("name"), str):
            names.append(re.escape(tier.data["name"]))
        mention = re.compile(rf"(?<![\w-])(?:{'|'.join(names)})(?![\w-])", re.IGNORECASE)
        for target in TARGETS:
            value = (tier.data.get("targets") or {}).get(target)
            found = _phrase(value) if isinstance(value, dict) else None
            if found is not None:
                yield *found, mention, f"{{{{tier:{tier_id}.{target}}}}}"


def _phrase(target: dict[str, Any]) -> tuple[str, re.Pattern[str]] | None:
    try:
        weeks, days, rest = duration_parts(str(target.get("duration")))
    except (ValueError, TypeError):
        return None
    hours, seconds = divmod(int(rest.total_seconds()), 3600)
    units = [(n, u) for n, u in ((weeks, "week"), (days, "day"), (hours, "hour"),
                                 (seconds // 60, "minute")) if n]  # fmt: skip
    if len(units) != 1:
        return None  # `1 day 4 hours` is written too many ways to recognise reliably
    number, unit = units[0]
    count = f"{number}|{_NUMBERS[number]}" if number in _NUMBERS else str(number)
    business = r"business[\s-]+" if target.get("clock") == "business" else ""
    pattern = rf"(?<![\w-])(?:{count})[\s-]+{business}{unit}s?(?![\w-])"
    return unit, re.compile(pattern, re.IGNORECASE)


def _owner_names(index: Index) -> Iterator[tuple[str, re.Pattern[str], str, str]]:
    """People's names, and teams' names of two words or more (one word is too common a word),
    matched as written, with the reference that writes them."""
    for kind in ("person", "team"):
        for entity in index.checked(kind):
            name = entity.data.get("name")
            if not isinstance(name, str) or (kind == "team" and len(name.split()) < 2):
                continue
            pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
            reference = f"{{{{{kind}:{entity.data['id']}}}}}"
            yield name, pattern, reference, f"the name of {kind} '{entity.data['id']}'"


def _segments(text: str) -> list[tuple[int, int]]:
    """The stretches of text a tier mention must share with a duration to be about it: each
    table row and heading, else each sentence of a paragraph or list item."""
    blocks: list[tuple[int, int, bool]] = []
    start: int | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        single = stripped.startswith(("|", "#"))
        if start is not None and (not stripped or single or _ITEM.match(stripped)):
            blocks.append((start, offset, False))
            start = None
        if single:
            blocks.append((offset, offset + len(line), True))
        elif stripped and start is None:
            start = offset
        offset += len(line)
    if start is not None:
        blocks.append((start, offset, False))
    segments = []
    for begin, end, whole in blocks:
        cut = begin
        for match in [] if whole else _SENTENCE_END.finditer(text, begin, end):
            segments.append((cut, match.end()))
            cut = match.end()
        segments.append((cut, end))
    return segments or [(0, len(text))]
