"""The framework as Notion pages: an overview, tiers, triggers, paths, playbooks, reviews, more."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from escalations.criteria import describe
from escalations.model.framework import Framework, Path, Playbook, Review, Trigger
from escalations.publish.notion.expand import expand_blocks
from escalations.publish.notion.markdown import Block, rich_text, to_blocks

UrlOf = Callable[[str], str | None]
"""The URL of the published page of a key, or None while it is not published."""

TRIGGER_TYPES = {"customer_initiated": "Customer-initiated", "system_initiated": "System-initiated"}
Rich = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Page:
    """One published document: a row of the handbook database and its content."""

    key: str
    kind: str
    title: str
    source: str
    blocks: tuple[Block, ...]


def render_pages(framework: Framework, url_of: UrlOf) -> list[Page]:
    """Every page of the handbook; links to pages not yet published are plain text."""
    sources = _source_keys(framework)
    pages = [
        _overview(framework, url_of),
        _tiers(framework),
        _directory(framework),
        _changelog(framework),
    ]
    pages += [_trigger(framework, t, url_of) for t in framework.triggers]
    pages += [_path(framework, p, url_of) for p in framework.paths]
    pages += [_playbook(framework, p, url_of, sources) for p in framework.playbooks]
    pages += [_review(framework, r, url_of, sources) for r in framework.reviews]
    for doc in sorted(framework.pages, key=lambda d: (d.order is None, d.order or 0, d.id)):
        blocks = _markdown(doc.body, doc.source.name, url_of, sources)
        pages.append(_page(f"doc:{doc.id}", "doc", doc.title, doc.source.name, blocks))
    return [
        replace(p, blocks=tuple(expand_blocks(list(p.blocks), framework, url_of))) for p in pages
    ]


def _page(key: str, kind: str, title: str, source: str, blocks: list[Block]) -> Page:
    """A page whose first block says where to change it; the publisher relies on that block
    too: it is always there to insert after."""
    banner = {
        "type": "callout",
        "callout": {
            "rich_text": rich_text(
                f"Published from framework/{source} in git. Change it there: edits made here "
                "are overwritten by the next publish."
            ),
            "icon": {"type": "emoji", "emoji": "📘"},
            "color": "gray_background",
        },
    }
    return Page(key, kind, title, source, (banner, *blocks))


def _source_keys(framework: Framework) -> dict[str, str]:
    """Framework-relative file -> page key, to turn relative Markdown links into page links."""
    keys = {t.source.name: f"trigger:{t.id}" for t in framework.triggers}
    keys |= {p.source.name: f"path:{p.id}" for p in framework.paths}
    keys |= {p.source.name: f"playbook:{p.id}" for p in framework.playbooks}
    keys |= {r.source.name: f"review:{r.id}" for r in framework.reviews}
    keys |= {d.source.name: f"doc:{d.id}" for d in framework.pages}
    keys |= {"framework.yaml": "overview", "tiers.yaml": "tiers"}
    keys |= {"people.yaml": "directory", "teams.yaml": "directory"}
    return keys


def _markdown(body: str, source: str, url_of: UrlOf, sources: dict[str, str]) -> list[Block]:
    def resolve(href: str) -> str | None:
        target = href.split("#", 1)[0]
        if not target:
            return None
        path = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
        key = sources.get(path)
        return url_of(key) if key else None

    return to_blocks(body, resolve_link=resolve)


# -- block builders ------------------------------------------------------------------------


def _rich(text: str, url: str | None = None) -> Rich:
    return rich_text(text, link=url)


def _paragraph(*parts: Rich) -> Block:
    return {"type": "paragraph", "paragraph": {"rich_text": [i for p in parts for i in p]}}


def _heading(level: int, text: str) -> Block:
    kind = f"heading_{level}"
    return {"type": kind, kind: {"rich_text": _rich(text)}}


def _bullet(*parts: Rich) -> Block:
    return {
        "type": "bulleted_list_item",
        "bulleted_list_item": {"rich_text": [i for p in parts for i in p]},
    }


def _todo(text: str) -> Block:
    return {"type": "to_do", "to_do": {"rich_text": _rich(text), "checked": False}}


def _table(header: list[str], rows: list[list[str]]) -> Block:
    def row(cells: list[str]) -> Block:
        return {"type": "table_row", "table_row": {"cells": [_rich(c) for c in cells]}}

    return {
        "type": "table",
        "table": {
            "table_width": len(header),
            "has_column_header": True,
            "has_row_header": False,
            "children": [row(header), *(row(r) for r in rows)],
        },
    }


def _link(text: str, key: str, url_of: UrlOf) -> Rich:
    return _rich(text, url_of(key))


def _facts(*pairs: tuple[str, Rich]) -> list[Block]:
    return [_bullet(rich_text(f"{label}: ", bold=True), value) for label, value in pairs]


# -- pages ---------------------------------------------------------------------------------


def _overview(framework: Framework, url_of: UrlOf) -> Page:
    blocks: list[Block] = []
    if framework.description:
        blocks.append(_paragraph(_rich(framework.description)))
    blocks += _facts(
        ("Version", _rich(framework.version)),
        ("Owner", _rich(describe.owner(framework.owner, framework))),
        ("Escalation reviews", _rich(f"every {describe.elapsed(framework.review_cadence)}")),
    )
    blocks.append(_heading(2, "Triggers"))
    blocks += [
        _bullet(_link(t.name, f"trigger:{t.id}", url_of), _rich(f" ({TRIGGER_TYPES[t.type]})"))
        for t in framework.triggers
    ]
    blocks.append(_heading(2, "Escalation paths"))
    blocks += [_bullet(_link(p.name, f"path:{p.id}", url_of)) for p in framework.paths]
    blocks.append(_heading(2, "Playbooks"))
    blocks += [_bullet(_link(p.name, f"playbook:{p.id}", url_of)) for p in framework.playbooks]
    blocks.append(_heading(2, "More"))
    blocks += [
        _bullet(_link("Tiers and response targets", "tiers", url_of)),
        _bullet(_link("People and teams", "directory", url_of)),
        _bullet(_link("Changelog", "changelog", url_of)),
    ]
    blocks += [_bullet(_link(d.title, f"doc:{d.id}", url_of)) for d in framework.pages]
    blocks += [_bullet(_link(r.title, f"review:{r.id}", url_of)) for r in framework.reviews]
    blocks.append(_heading(2, "Root causes"))
    causes = [[c.name, c.description or ""] for c in framework.root_causes]
    blocks.append(_table(["Root cause", "Meaning"], causes))
    return _page("overview", "overview", framework.name, "framework.yaml", blocks)


def _tiers(framework: Framework) -> Page:
    rows = [
        [
            tier.name,
            describe.duration(tier.targets.first_response, framework),
            describe.duration(tier.targets.update_cadence, framework),
            describe.duration(tier.targets.resolution, framework),
        ]
        for tier in framework.tiers
    ]
    blocks: list[Block] = [
        _paragraph(_rich("Response-time targets of each escalation tier, from the lowest up.")),
        _table(["Tier", "First response", "Update cadence", "Resolution"], rows),
    ]
    blocks += [
        _paragraph(rich_text(f"{t.name}: ", bold=True), _rich(t.description))
        for t in framework.tiers
        if t.description
    ]
    return _page("tiers", "tiers", "Tiers and response targets", "tiers.yaml", blocks)


def _trigger(framework: Framework, trigger: Trigger, url_of: UrlOf) -> Page:
    path = framework.path(trigger.path)
    playbook = framework.playbook_for(trigger.escalation_type)
    blocks: list[Block] = []
    if not trigger.enabled:
        blocks.append(_paragraph(rich_text("This trigger is disabled.", bold=True)))
    blocks.append(_paragraph(_rich(trigger.description)))
    blocks.append(_heading(2, "When it escalates"))
    blocks.append(_paragraph(_rich(describe.trigger(trigger, framework) + ".")))
    blocks += _facts(
        ("Kind", _rich(TRIGGER_TYPES[trigger.type])),
        ("Precedence", _rich(f"{trigger.precedence} (lower is evaluated first; first match wins)")),
        ("Starting tier", _link(framework.tier(trigger.tier).name, "tiers", url_of)),
        ("Path", _link(path.name, f"path:{path.id}", url_of)),
        ("First owner", _rich(describe.owner(path.levels[0].owner, framework))),
        ("Playbook", _link(playbook.name, f"playbook:{playbook.id}", url_of)),
    )
    return _page(f"trigger:{trigger.id}", "trigger", trigger.name, trigger.source.name, blocks)


def _path(framework: Framework, path: Path, url_of: UrlOf) -> Page:
    blocks: list[Block] = [_paragraph(_rich(path.description))] if path.description else []
    for number, level in enumerate(path.levels, start=1):
        blocks.append(_heading(2, f"Level {number}: {level.name}"))
        facts = [("Accountable owner", _rich(describe.owner(level.owner, framework)))]
        if level.assignees:
            names = ", ".join(describe.owner(a, framework) for a in level.assignees)
            facts.append(("Assignees", _rich(names)))
        if level.move_on:
            facts.append(("Moves on", _rich(describe.move_on(level.move_on, framework))))
        for notify in level.notify:
            facts.append(("Notify", _rich(f"{_recipient(notify.to, framework)} via "
                                          f"{', '.join(notify.via)}")))  # fmt: skip
        blocks += _facts(*facts)
    if path.handoff:
        handoff = framework.path(path.handoff)
        blocks.append(
            _paragraph(
                _rich("After the last level, the escalation continues on "),
                _link(handoff.name, f"path:{handoff.id}", url_of),
                _rich("."),
            )
        )
    return _page(f"path:{path.id}", "path", path.name, path.source.name, blocks)


def _recipient(to: str, framework: Framework) -> str:
    if to == "owner":
        return "the owner"
    return to if to.startswith("#") else describe.owner(to, framework)


def _playbook(
    framework: Framework, playbook: Playbook, url_of: UrlOf, sources: dict[str, str]
) -> Page:
    blocks: list[Block] = [_paragraph(_rich(playbook.summary))]
    blocks += _facts(
        ("Escalation type", _rich(playbook.type)),
        ("Severity", _rich(playbook.severity)),
        ("Owner", _rich(describe.owner(playbook.owner, framework))),
    )
    blocks.append(_heading(2, "Definition of done"))
    blocks += [_todo(item) for item in playbook.definition_of_done]
    blocks += _markdown(playbook.body, playbook.source.name, url_of, sources)
    source = playbook.source.name
    return _page(f"playbook:{playbook.id}", "playbook", playbook.name, source, blocks)


def _review(framework: Framework, review: Review, url_of: UrlOf, sources: dict[str, str]) -> Page:
    names = ", ".join(describe.owner(p, framework) for p in review.participants)
    blocks = _facts(
        ("Period", _rich(f"{review.period_start} to {review.period_end}")),
        ("Held on", _rich(str(review.held_on))),
        ("Facilitator", _rich(describe.owner(review.facilitator, framework))),
        ("Participants", _rich(names)),
        ("Framework version", _rich(review.framework_version)),
        ("Status", _rich(review.status)),
    )
    causes = {c.id: c.name for c in framework.root_causes}
    if review.metrics:
        metrics = [
            [m.metric, _number(m.value) + (f" {m.unit}" if m.unit else ""),
             "" if m.target is None else _number(m.target)]
            for m in review.metrics
        ]  # fmt: skip
        blocks += [_heading(2, "Metrics"), _table(["Metric", "Value", "Target"], metrics)]
    if review.root_causes:
        found = [[causes[c.cause], str(c.escalations), c.note or ""] for c in review.root_causes]
        blocks += [_heading(2, "Root causes"), _table(["Root cause", "Escalations", "Note"], found)]
    if review.action_items:
        items = [
            [a.title, describe.owner(a.owner, framework), str(a.due),
             a.status.replace("_", " "), causes[a.addresses]]
            for a in review.action_items
        ]  # fmt: skip
        header = ["Action", "Owner", "Due", "Status", "Addresses"]
        blocks += [_heading(2, "Action items"), _table(header, items)]
    blocks += _markdown(review.body, review.source.name, url_of, sources)
    return _page(f"review:{review.id}", "review", review.title, review.source.name, blocks)


def _number(value: float) -> str:
    """A figure as written, never in exponent form: a year's ticket count can pass a million."""
    return f"{value:f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _directory(framework: Framework) -> Page:
    teams = [
        [t.name, describe.owner(t.lead, framework),
         ", ".join(describe.owner(m, framework) for m in t.members), t.slack_channel]
        for t in framework.teams
    ]  # fmt: skip
    people = [[p.name, p.title or "", p.email, p.slack] for p in framework.people]
    blocks = [
        _heading(2, "Teams"),
        _table(["Team", "Lead", "Members", "Slack"], teams),
        _heading(2, "People"),
        _table(["Name", "Title", "Email", "Slack"], people),
    ]
    return _page("directory", "directory", "People and teams", "people.yaml", blocks)


def _changelog(framework: Framework) -> Page:
    blocks: list[Block] = []
    for release in framework.changelog:
        blocks.append(_heading(2, f"{release.version} ({release.date})"))
        blocks.append(_paragraph(_rich(release.summary)))
    if not blocks:
        blocks.append(_paragraph(_rich(f"Version {framework.version}.")))
    return _page("changelog", "changelog", "Changelog", "framework.yaml", blocks)
