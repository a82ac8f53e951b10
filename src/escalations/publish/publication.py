"""Plan and apply a publication of the framework to a target's remotes (Notion, HubSpot)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import Compiled, Settings, compile_framework, webhook
from escalations.publish.hubspot.detail import words_of
from escalations.publish.hubspot.portal import Portal, PortalState
from escalations.publish.hubspot.target import apply_portal, option_problems, plan_portal
from escalations.publish.notes import Note
from escalations.publish.notion.changes import Observed, plan_changes
from escalations.publish.notion.drafts import Draft, draft_pages
from escalations.publish.notion.target import apply_changes
from escalations.publish.plan import Change, Plan
from escalations.publish.targets import (
    NotionSession,
    Target,
    hubspot_session,
    notion_session,
    sandbox_lock,
)

REMOTES = ("notion", "hubspot")


@dataclass(frozen=True, slots=True)
class _Notion:
    session: NotionSession
    observed: Observed
    changes: list[Change]
    drafts: tuple[Draft, ...]
    """The pages, rendered once for the plan and the apply."""
    verify_reads: int | None = None
    """The reads `--verify` took to compare every page's blocks (None without it)."""
    detail_reads: tuple[int, int] = (0, 0)
    """The pages whose blocks the plan read to say what changes in them, and the reads it took
    (none with `--verify`, which read them all)."""


@dataclass(frozen=True, slots=True)
class _HubSpot:
    portal: Portal
    state: PortalState
    compiled: Compiled
    changes: list[Change]


@dataclass(frozen=True, slots=True)
class Publication:
    """A target's remotes reached and read, and the plan that makes them match."""

    framework: Framework
    target: Target
    notion: _Notion | None
    hubspot: _HubSpot | None
    enable_workflows: bool

    @property
    def plan(self) -> Plan:
        changes = [*(self.notion.changes if self.notion else []),
                   *(self.hubspot.changes if self.hubspot else [])]  # fmt: skip
        return Plan(tuple(changes))

    @property
    def notes(self) -> tuple[Note, ...]:
        """What HubSpot can only approximate (with or without changes to HubSpot pending)."""
        return self.hubspot.compiled.notes if self.hubspot else ()

    def apply(self, progress: Callable[[str], None] = lambda _: None) -> dict[str, Counter[str]]:
        """Carry out the plan, Notion first; return the requests it took, by remote."""
        counts: dict[str, Counter[str]] = {}
        if self.notion:
            apply_changes(self.notion.session.handbook, self.framework, self.notion.observed,
                          self.notion.changes, drafts=self.notion.drafts,
                          progress=progress)  # fmt: skip
            counts["Notion"] = Counter(self.notion.session.transport.counts)
        if self.hubspot:
            apply_portal(self.hubspot.portal, self.hubspot.compiled, self.hubspot.state,
                         self.hubspot.changes, enable=self.enable_workflows,
                         progress=progress)  # fmt: skip
            counts["HubSpot"] = Counter(self.hubspot.portal.caller.counts)
        return counts


@contextmanager
def publication(
    framework: Framework,
    target: Target,
    *,
    only: str | None = None,
    allow_delete: bool = False,
    force: bool = False,
    enable_workflows: bool = False,
    verify: bool = False,
) -> Iterator[Publication]:
    """Reach the target's remotes (all it configures, or `only` one) and plan; `verify` reads
    every Notion page's blocks instead of trusting its Hash."""
    with ExitStack() as stack:
        if target.sandbox:
            stack.enter_context(sandbox_lock())
        notion = hubspot = None
        if only in (None, "notion") and (target.notion or only == "notion"):
            session = stack.enter_context(notion_session(target))
            notion = _plan_notion(session, framework, allow_delete=allow_delete, force=force,
                                  verify=verify)  # fmt: skip
        if only in (None, "hubspot") and (target.hubspot or only == "hubspot"):
            portal = stack.enter_context(hubspot_session(target, framework))
            state = portal.observe()
            assert target.hubspot is not None
            settings = Settings(target.hubspot.prefix, target.hubspot.slack_action_type,
                                webhook(target))  # fmt: skip
            compiled = compile_framework(framework, state.owners, settings)
            flags = {"allow_delete": allow_delete, "force": force, "enable": enable_workflows}
            words = words_of(framework, compiled, state, target.hubspot.prefix)
            changes = option_problems(framework, state) + plan_portal(
                compiled, state, **flags, words=words
            )
            hubspot = _HubSpot(portal, state, compiled, changes)
        yield Publication(framework, target, notion, hubspot, enable_workflows)


def _plan_notion(
    session: NotionSession, framework: Framework, *, allow_delete: bool, force: bool, verify: bool
) -> _Notion:
    observed = session.handbook.observe()
    counts = session.transport.counts
    before = counts["read"]
    trees = session.handbook.read_pages(observed) if verify else {}
    reads = counts["read"] - before
    drafts = draft_pages(framework)
    flags = {"allow_delete": allow_delete, "force": force}
    changes = plan_changes(framework, observed, trees=trees if verify else None, drafts=drafts,
                           **flags)  # fmt: skip
    # A page whose Hash changed is read to say which of its blocks change: only those pages,
    # so a plan costs reads in proportion to what it changes.
    changed = [c.key for c in changes if c.kind == "page" and c.action in ("update", "drift")
               and c.key not in trees and c.key in observed.rows]  # fmt: skip
    if not changed:
        return _Notion(session, observed, changes, drafts, reads if verify else None)
    before = counts["read"]
    trees = {key: session.handbook.read_tree(observed.rows[key].page_id) for key in changed}
    detailed = plan_changes(framework, observed, trees=trees, drafts=drafts, **flags)
    return _Notion(session, observed, detailed, drafts, reads if verify else None,
                   (len(changed), counts["read"] - before))  # fmt: skip
