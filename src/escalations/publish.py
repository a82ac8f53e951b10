"""Plan and apply a publication of the framework to a target's remotes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from escalations.model import Framework
from escalations.notion.target import Observed, apply_changes, plan_changes
from escalations.plan import Plan
from escalations.targets import NotionSession, Target, notion_session


@dataclass(frozen=True, slots=True)
class Publication:
    """A target reached and read, and the plan that would make it match the framework."""

    framework: Framework
    target: Target
    session: NotionSession
    observed: Observed
    plan: Plan

    def apply(self, progress: Callable[[str], None] = lambda _: None) -> tuple[int, int]:
        """Carry out the plan; return the reads and writes it took."""
        changes = list(self.plan.changes)
        apply_changes(self.session.handbook, self.framework, self.observed, changes,
                      progress=progress)  # fmt: skip
        counts = self.session.transport.counts
        return counts["read"], counts["write"]


@contextmanager
def publication(
    framework: Framework, target: Target, *, allow_delete: bool, force: bool
) -> Iterator[Publication]:
    with notion_session(target) as session:
        observed = session.handbook.observe()
        changes = plan_changes(framework, observed, allow_delete=allow_delete, force=force)
        yield Publication(framework, target, session, observed, Plan(tuple(changes)))
