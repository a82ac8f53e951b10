"""Where a report's history comes from: a target's HubSpot (refreshed into the target's DuckDB
file) or an export (read into memory). The only I/O of the report besides publishing it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.hubspot.portal import Portal
from escalations.publish.targets import SANDBOX_DIR, Target, hubspot_session, sandbox_lock
from escalations.report import history
from escalations.report.imports import import_export
from escalations.report.pull import Progress, pull_history

HISTORY_DIR = SANDBOX_DIR.parent / "history"
"""`.escalations/history/<target>.duckdb`: one history per target."""


@dataclass(frozen=True, slots=True)
class Source:
    """The history to report on, what filling it cost, and what was left out."""

    con: duckdb.DuckDBPyConnection
    described: str
    """One line: where the history came from and what was read."""
    notes: tuple[str, ...]


def history_path(target: Target) -> Path:
    return HISTORY_DIR / f"{target.name}.duckdb"


@contextmanager
def from_target(
    target: Target, framework: Framework, progress: Callable[[Progress], None]
) -> Iterator[Source]:
    """The target's history, refreshed from its HubSpot first (incrementally after the first)."""
    con = history.connect(history_path(target))
    try:
        notes = list(_version_notes(con, framework))
        with ExitStack() as stack:
            if target.sandbox:
                stack.enter_context(sandbox_lock())
            portal = stack.enter_context(hubspot_session(target, framework))
            _check_published(portal, target)
            refresh = pull_history(portal, framework, con, target=target.name, progress=progress)
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('framework_version', ?)", [framework.version]
        )
        described = (
            f"history of {target.name}: {refresh.stored} escalated tickets read, "
            f"{refresh.weeks} weeks counted, {refresh.requests} requests"
        )
        yield Source(con, described, (*notes, *refresh.notes))
    finally:
        con.close()


@contextmanager
def from_export(path: Path, framework: Framework, prefix: str) -> Iterator[Source]:
    con = history.connect(None)
    try:
        imported = import_export(con, path, framework, prefix=prefix)
        described = (
            f"history from {path.name}: {imported.escalations} escalated of "
            f"{imported.tickets} tickets over {imported.weeks} weeks"
        )
        yield Source(con, described, imported.notes)
    finally:
        con.close()


def _check_published(portal: Portal, target: Target) -> None:
    """The escalation properties exist: without them there is nothing to report on, and
    HubSpot's search would refuse the filter with a message about the filter."""
    names = {str(p.get("name")) for p in portal.properties()}
    if f"{portal.prefix}escalated" not in names:
        raise EscalationsError(
            f"{target.name}'s HubSpot has no {portal.prefix}escalated property: the framework "
            f"was never published there. Run `escalations apply --target {target.name}` first; "
            "the report reads what its workflows write on escalated tickets."
        )


def _version_notes(con: duckdb.DuckDBPyConnection, framework: Framework) -> Iterator[str]:
    found = con.execute("SELECT value FROM meta WHERE key = 'framework_version'").fetchall()
    if found and found[0][0] != framework.version:
        yield (
            f"the history was last read under framework {found[0][0]}; its rows are reported "
            f"against {framework.version} (values it no longer has are set apart)"
        )
