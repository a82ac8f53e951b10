"""One statement of the semantic diff, and the runs of words of a prose change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Effect = Literal[
    "removed",
    "looser",
    "narrower",
    "unclear",
    "added",
    "tighter",
    "wider",
    "changed",
    "wording",
    "content",
]
"""What a change does to the framework's commitments; `version.PARTS` maps it to a semver part."""

NONE = "(none)"
"""The side of a changed attribute that did not exist (a condition added to a trigger, ...)."""


@dataclass(frozen=True, slots=True)
class Span:
    """A run of words the same on both sides, only in the old text, or only in the new."""

    op: Literal["same", "removed", "added"]
    text: str


@dataclass(frozen=True, slots=True)
class Statement:
    """One change: what kind of entity, which one, and what changed from what to what."""

    entity: str
    key: str
    change: str
    """added, removed, renamed or changed."""
    text: str
    before: str | None = None
    """The old value; None only for an added entity (whose `after` describes it in full)."""
    after: str | None = None
    """The new value; None only for a removed entity (whose `before` describes it in full)."""
    effect: Effect | None = None
    """None for the version and the changelog, which record a release and call for none."""
    words: tuple[Span, ...] = ()
    """For prose (descriptions, bodies, pages): the word-level diff of `before` and `after`."""
