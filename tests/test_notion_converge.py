"""The Notion publish converges: overlapping runs, ambiguous writes, and `plan --verify`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from notion_client import Client

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.notion.blocks import canonical
from escalations.publish.notion.changes import Observed, desired_pages, plan_changes
from escalations.publish.notion.http import Transport
from escalations.publish.notion.target import Handbook, apply_changes
from escalations.publish.plan import Change, Plan, render_text
from escalations.sandbox.notion.emulator import NotionEmulator

from .conftest import FRAMEWORK, Result

TOKEN = "test-token"
TITLE = "Escalation handbook"
DUPLICATE = "a duplicate of {} created by an overlapping publish; moved to trash"


class Clock:
    """The emulator's clock, moved on by hand so that creation times differ."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self) -> None:
        self.now += timedelta(minutes=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(clock: Clock) -> Iterator[NotionEmulator]:
    server = NotionEmulator(token=TOKEN, write_latency=0.002, clock=clock)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def parent(emulator: NotionEmulator) -> str:
    return emulator.add_root_page("Support handbook")


@pytest.fixture
def handbook(emulator: NotionEmulator, parent: str) -> Handbook:
    return connect(emulator, parent)


def connect(emulator: NotionEmulator, parent: str) -> Handbook:
    transport = Transport(rate=0, max_delay=0.05)
    client = Client(
        {"auth": TOKEN, "base_url": emulator.base_url, "retry": False, "log_level": logging.ERROR},
        client=httpx.Client(transport=transport),
    )
    return Handbook(client, parent_page=parent, title=TITLE)


def plan(handbook: Handbook, framework: Framework, *, verify: bool = False) -> list[Change]:
    observed = handbook.observe()
    trees = handbook.read_pages(observed) if verify else None
    return plan_changes(framework, observed, allow_delete=False, force=False, trees=trees)


def lines(changes: list[Change]) -> list[str]:
    return render_text(Plan(tuple(changes))).splitlines()


def publish(handbook: Handbook, framework: Framework, *, verify: bool = False) -> Observed:
    observed = handbook.observe()
    trees = handbook.read_pages(observed) if verify else None
    changes = plan_changes(framework, observed, allow_delete=False, force=False, trees=trees)
    apply_changes(handbook, framework, observed, changes)
    return handbook.observe()


def databases(handbook: Handbook) -> list[str]:
    listed = handbook.client.blocks.children.list(block_id=handbook.parent_page)
    return [b["id"] for b in listed["results"] if b["type"] == "child_database"]


def assert_matches_framework(handbook: Handbook, framework: Framework) -> None:
    """Every page's blocks, read back, mean what the framework renders."""
    observed = handbook.observe()
    for desired in desired_pages(framework, observed):
        tree = handbook.read_tree(observed.rows[desired.page.key].page_id)
        wanted = [canonical(b) for b in desired.page.blocks]
        assert [canonical(b) for b in tree] == wanted, desired.page.key


def overview_links(handbook: Handbook, page_id: str) -> set[str]:
    return {
        item["text"]["link"]["url"]
        for block in handbook.read_tree(page_id)
        for item in block.get(block["type"], {}).get("rich_text", [])
        if item.get("text", {}).get("link")
    }


def sandbox_cli(
    tmp_path: Path, emulator: NotionEmulator, parent: str, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """Arguments that point the CLI at the running emulator, Notion only."""
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        f"targets:\n  local:\n    notion:\n      parent_page: {parent}\n      database: {TITLE}\n"
        f"      base_url: '{emulator.base_url}'\n      requests_per_second: 1000\n"
    )
    return ["-f", str(FRAMEWORK), "-t", "local", "--targets-file", str(targets), "--only", "notion"]


# -- two runs at once ------------------------------------------------------------------------


def test_two_applies_running_at_the_same_time_converge(
    emulator: NotionEmulator, parent: str, framework: Framework
) -> None:
    """Really at once: how much each makes depends on timing, the end does not."""
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run() -> None:
        handbook = connect(emulator, parent)
        try:
            observed = handbook.observe()
            changes = plan_changes(framework, observed, allow_delete=False, force=False)
            barrier.wait()  # both have seen a fresh target before either writes
            apply_changes(handbook, framework, observed, changes)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    handbook = connect(emulator, parent)
    left = [c for c in plan(handbook, framework) if c.action != "update"]
    assert left and all(c.action == "delete" and "a duplicate of" in c.detail for c in left)
    publish(handbook, framework)
    assert plan(handbook, framework, verify=True) == []
    assert len(databases(handbook)) == 1


def test_two_overlapping_applies_converge_on_one_database(
    emulator: NotionEmulator,
    parent: str,
    framework: Framework,
    tmp_path: Path,
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Both runs plan on a fresh target before either writes: each then creates it all.
    runs = [connect(emulator, parent) for _ in range(2)]
    planned = [(h, h.observe()) for h in runs]
    for handbook, observed in planned:
        changes = plan_changes(framework, observed, allow_delete=False, force=False)
        apply_changes(handbook, framework, observed, changes)

    handbook = connect(emulator, parent)
    both = databases(handbook)
    assert len(both) == 2
    created = {d: handbook.client.databases.retrieve(database_id=d)["created_time"] for d in both}
    kept, duplicate = sorted(both, key=lambda d: (created[d], d))
    observed = handbook.observe()
    assert (observed.database_id, observed.duplicate_databases) == (kept, (duplicate,))
    assert lines(plan(handbook, framework)) == [
        f"- notion database {duplicate}: {TITLE} ({DUPLICATE.format(kept)})",
        "1 to delete",
    ]

    args = sandbox_cli(tmp_path, emulator, parent, monkeypatch)
    planned = cli("plan", *args, "--detailed-exitcode")
    assert planned.code == 2, planned.err
    assert planned.out.splitlines()[0] == (
        f"- notion database {duplicate}: {TITLE} ({DUPLICATE.format(kept)})"
    )
    applied = cli("apply", *args, "--yes")
    assert applied.code == 0, applied.err

    assert databases(handbook) == [kept]
    assert handbook.client.databases.retrieve(database_id=duplicate)["in_trash"] is True
    observed = handbook.observe()
    assert observed.duplicates == () and observed.duplicate_databases == ()
    assert sorted(observed.rows) == sorted(d.page.key for d in desired_pages(framework, observed))
    assert_matches_framework(handbook, framework)
    again = cli("plan", *args, "--detailed-exitcode")
    assert (again.code, again.out.strip()) == (0, "no changes: the remote matches the framework")


def test_a_page_linking_to_a_duplicate_row_is_relinked_to_the_kept_row(
    handbook: Handbook, framework: Framework, clock: Clock
) -> None:
    publish(handbook, framework)
    first = handbook.observe()
    kept = first.rows["tiers"]
    assert first.data_source_id is not None
    # What an overlapping run leaves: a second `tiers` row, created later, and the pages that
    # link to tiers rewritten to point at it.
    clock.advance()
    tiers = next(d.page for d in desired_pages(framework, first) if d.page.key == "tiers")
    second = handbook.create_row(first.data_source_id, tiers, "")
    theirs = Observed(first.database_id, first.data_source_id, {**first.rows, "tiers": second})
    rewritten = plan_changes(framework, theirs, allow_delete=False, force=False)
    apply_changes(handbook, framework, theirs, rewritten)
    linking = [c for c in rewritten if c.key != "tiers"]
    assert "overview" in [c.key for c in linking]
    assert second.url in overview_links(handbook, first.rows["overview"].page_id)

    observed = handbook.observe()
    assert observed.rows["tiers"].page_id == kept.page_id
    assert [r.page_id for r in observed.duplicates] == [second.page_id]
    assert lines(plan(handbook, framework)) == [
        *(f"~ notion page {c.key}: {c.title}" for c in linking),
        f"- notion page tiers: {tiers.title} ({DUPLICATE.format(kept.page_id)})",
        f"{len(linking)} to update, 1 to delete",
    ]
    publish(handbook, framework)  # one run re-links and trashes
    links = overview_links(handbook, first.rows["overview"].page_id)
    assert kept.url in links and second.url not in links
    assert handbook.client.pages.retrieve(page_id=second.page_id)["in_trash"] is True
    assert plan(handbook, framework, verify=True) == []


def test_duplicates_are_trashed_without_allow_delete_and_outside_the_safety_limit(
    handbook: Handbook, framework: Framework, clock: Clock
) -> None:
    publish(handbook, framework)
    observed = handbook.observe()
    assert observed.data_source_id is not None
    clock.advance()
    pages = {d.page.key: d.page for d in desired_pages(framework, observed)}
    # More duplicates than the 25% limit would let apply trash without --force.
    copies = [handbook.create_row(observed.data_source_id, pages[k], "") for k in pages]
    changes = plan(handbook, framework)
    kept = {k: observed.rows[k].page_id for k in pages}
    assert sorted((c.action, c.key, c.detail) for c in changes) == sorted(
        ("delete", k, DUPLICATE.format(kept[k])) for k in pages
    )
    publish(handbook, framework)
    for copy in copies:
        assert handbook.client.pages.retrieve(page_id=copy.page_id)["in_trash"] is True
    assert plan(handbook, framework) == []


# -- ambiguous writes --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [409, 503])
def test_a_committed_but_failed_append_is_repaired_in_the_same_run(
    emulator: NotionEmulator, handbook: Handbook, framework: Framework, status: int
) -> None:
    emulator.inject(status, times=1, route="PATCH /v1/blocks/{id}/children", commit=True)
    publish(handbook, framework)  # one run, no exception
    assert_matches_framework(handbook, framework)
    assert plan(handbook, framework, verify=True) == []


def test_the_hash_is_written_only_after_the_blocks_read_back(
    emulator: NotionEmulator, handbook: Handbook, framework: Framework
) -> None:
    publish(handbook, framework)
    changed = edited_playbook(framework)
    observed = handbook.observe()
    changes = plan_changes(changed, observed, allow_delete=False, force=False)
    assert [(c.action, c.key) for c in changes] == [("update", "playbook:billing")]
    # The page's read before the sync passes; the read that checks the sync fails for good.
    emulator.reset_counts()
    handbook.read_tree(observed.rows["playbook:billing"].page_id)
    sync_reads = emulator.requests[("GET", "/v1/blocks/{id}/children")]
    emulator.inject(200, times=sync_reads, route="GET /v1/blocks/{id}/children")
    emulator.inject(503, times=6, route="GET /v1/blocks/{id}/children")
    with pytest.raises(EscalationsError, match="Notion answered 503"):
        apply_changes(handbook, changed, observed, changes)
    assert [(c.action, c.key) for c in plan(handbook, changed)] == [("update", "playbook:billing")]
    publish(handbook, changed)
    assert_matches_framework(handbook, changed)


def edited_playbook(framework: Framework) -> Framework:
    playbooks = tuple(
        replace(p, body=p.body.replace("\n\n", "\n\nCall the customer first.\n\n", 1))
        if p.id == "billing"
        else p
        for p in framework.playbooks
    )
    assert playbooks != framework.playbooks
    return replace(framework, playbooks=playbooks)


# -- plan --verify -----------------------------------------------------------------------------

OVERVIEW = "This handbook describes how Acme Cloud Support escalates customer tickets: when…"
"""The overview's first paragraph as the plan abridges it."""


def test_a_block_deleted_through_the_api_is_found_by_verify_only(
    emulator: NotionEmulator,
    parent: str,
    handbook: Handbook,
    framework: Framework,
    tmp_path: Path,
    cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    observed = publish(handbook, framework)
    row = observed.rows["doc:overview"]
    paragraph = next(b for b in handbook.read_tree(row.page_id) if b["type"] == "paragraph")
    handbook.client.blocks.delete(block_id=paragraph["id"])  # another script, same integration

    assert plan(handbook, framework) == []
    detail = "its blocks differ from the framework: 1 missing, 0 extra, 0 changed"
    assert lines(plan(handbook, framework, verify=True)) == [
        f"~ notion page doc:overview: {row.title} ({detail})",
        f"    + paragraph under “How we handle escalations”: {OVERVIEW}",
        "1 to update",
    ]

    args = sandbox_cli(tmp_path, emulator, parent, monkeypatch)
    plain = cli("plan", *args, "--detailed-exitcode")
    assert (plain.code, plain.out.strip()) == (0, "no changes: the remote matches the framework")
    verified = cli("plan", *args, "--detailed-exitcode", "--verify")
    assert verified.code == 2, verified.err
    assert verified.out.splitlines()[0] == f"~ notion page doc:overview: {row.title} ({detail})"
    pages = len(observed.rows)
    note = next(line for line in verified.err.splitlines() if "--verify" in line)
    assert note.startswith(f"note: --verify read the blocks of {pages} Notion pages (")
    reads = int(note.removeprefix(f"note: --verify read the blocks of {pages} Notion pages (")
                .removesuffix(" reads)"))  # fmt: skip
    assert reads >= pages

    applied = cli("apply", *args, "--yes", "--verify")
    assert applied.code == 0, applied.err
    assert_matches_framework(handbook, framework)
    again = cli("plan", *args, "--detailed-exitcode", "--verify")
    assert (again.code, again.out.strip()) == (0, "no changes: the remote matches the framework")


def test_a_block_deleted_by_hand_is_drift_and_verify_says_how_it_differs(
    emulator: NotionEmulator, handbook: Handbook, framework: Framework
) -> None:
    observed = publish(handbook, framework)
    row = observed.rows["doc:overview"]
    paragraph = next(b for b in handbook.read_tree(row.page_id) if b["type"] == "paragraph")
    emulator.human_edit(paragraph["id"], in_trash=True)

    drift = "edited in Notion since the last publish; apply --force to overwrite"
    assert lines(plan(handbook, framework)) == [
        f"! notion page doc:overview: {row.title} ({drift})",
        "1 drifted",
    ]
    differs = "its blocks differ from the framework: 1 missing, 0 extra, 0 changed"
    assert lines(plan(handbook, framework, verify=True)) == [
        f"! notion page doc:overview: {row.title} ({drift}; {differs})",
        f"    + paragraph under “How we handle escalations”: {OVERVIEW}",
        "1 drifted",
    ]


def test_verify_counts_extra_and_changed_blocks(handbook: Handbook, framework: Framework) -> None:
    observed = publish(handbook, framework)
    row = observed.rows["tiers"]
    tree = handbook.read_tree(row.page_id)
    paragraph = next(b for b in tree if b["type"] == "paragraph")
    text = [{"type": "text", "text": {"content": "Changed by a script."}}]
    handbook.client.blocks.update(block_id=paragraph["id"], paragraph={"rich_text": text})
    extra = {"type": "paragraph", "paragraph": {"rich_text": text}}
    handbook.client.blocks.children.append(block_id=row.page_id, children=[extra, extra])

    detail = "its blocks differ from the framework: 0 missing, 2 extra, 1 changed"
    assert lines(plan(handbook, framework, verify=True)) == [
        f"~ notion page tiers: {row.title} ({detail})",
        "    ~ paragraph: Changed by a script. -> "
        "Response-time targets of each escalation tier, from the lowest up.",
        "    - paragraph: Changed by a script.",
        "    - paragraph: Changed by a script.",
        "1 to update",
    ]
    publish(handbook, framework, verify=True)
    assert_matches_framework(handbook, framework)
