"""Publishing to the Notion emulator through notion-client: idempotent, block by block."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from notion_client import Client

from escalations.model.framework import Framework
from escalations.publish.notion.changes import Observed, desired_pages, plan_changes
from escalations.publish.notion.http import Transport
from escalations.publish.notion.markdown import to_text
from escalations.publish.notion.target import Handbook, apply_changes
from escalations.publish.plan import PENDING
from escalations.sandbox.notion.emulator import NotionEmulator

from .conftest import FRAMEWORK, Result

TOKEN = "test-token"


@pytest.fixture
def emulator() -> Iterator[NotionEmulator]:
    server = NotionEmulator(token=TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def handbook(emulator: NotionEmulator) -> Handbook:
    return connect(emulator, emulator.add_root_page("Support handbook"))


def connect(emulator: NotionEmulator, parent: str, token: str = TOKEN) -> Handbook:
    transport = Transport(rate=0, max_delay=2)
    client = Client(
        {"auth": token, "base_url": emulator.base_url, "retry": False, "log_level": logging.ERROR},
        client=httpx.Client(transport=transport),
    )
    return Handbook(client, parent_page=parent, title="Escalation handbook")


def publish(
    handbook: Handbook, framework: Framework, *, allow_delete: bool = False, force: bool = False
) -> Observed:
    observed = handbook.observe()
    changes = plan_changes(framework, observed, allow_delete=allow_delete, force=force)
    apply_changes(handbook, framework, observed, changes)
    return handbook.observe()


def pending(handbook: Handbook, framework: Framework) -> list[str]:
    changes = plan_changes(framework, handbook.observe(), allow_delete=False, force=False)
    return [f"{c.action} {c.key}" for c in changes if c.action in PENDING or c.action == "drift"]


def is_read(method: str, route: str) -> bool:
    return method == "GET" or route.endswith(("/query", "/search"))


def writes(emulator: NotionEmulator) -> int:
    return sum(n for (m, r), n in emulator.requests.items() if not is_read(m, r))


def reads(emulator: NotionEmulator) -> int:
    return sum(n for (m, r), n in emulator.requests.items() if is_read(m, r))


def test_publishing_twice_leaves_nothing_to_do(
    emulator: NotionEmulator, handbook: Handbook, framework: Framework
) -> None:
    observed = publish(handbook, framework)
    pages = desired_pages(framework, observed)
    assert sorted(observed.rows) == sorted(p.page.key for p in pages)
    assert pending(handbook, framework) == []

    emulator.reset_counts()
    assert plan_changes(framework, handbook.observe(), allow_delete=False, force=False) == []
    assert writes(emulator) == 0
    assert reads(emulator) <= math.ceil(len(pages) / 100) + 2


def test_published_pages_read_back_as_rendered(handbook: Handbook, framework: Framework) -> None:
    observed = publish(handbook, framework)
    for desired in desired_pages(framework, observed):
        tree = handbook.read_tree(observed.rows[desired.page.key].page_id)
        assert to_text(tree) == to_text(list(desired.page.blocks)), desired.page.key


def test_links_between_pages_point_at_the_published_pages(
    handbook: Handbook, framework: Framework
) -> None:
    observed = publish(handbook, framework)
    overview = handbook.read_tree(observed.rows["overview"].page_id)
    links = {
        item["text"]["link"]["url"]
        for block in overview
        for item in block.get(block["type"], {}).get("rich_text", [])
        if item.get("text", {}).get("link")
    }
    assert observed.rows["trigger:manager-request"].url in links
    assert observed.rows["tiers"].url in links


def edited_playbook(framework: Framework, old: str, new: str) -> Framework:
    playbooks = tuple(
        replace(p, body=p.body.replace(old, new, 1)) if p.id == "billing" else p
        for p in framework.playbooks
    )
    assert playbooks != framework.playbooks
    return replace(framework, playbooks=playbooks)


def first_paragraph(framework: Framework) -> str:
    body = next(p for p in framework.playbooks if p.id == "billing").body
    return next(line for line in body.splitlines() if line and line[0].isalpha())


def test_one_edited_paragraph_costs_two_writes_and_keeps_block_ids(
    emulator: NotionEmulator, handbook: Handbook, framework: Framework
) -> None:
    observed = publish(handbook, framework)
    page_id = observed.rows["playbook:billing"].page_id
    before = [b["id"] for b in handbook.read_tree(page_id)]
    paragraph = first_paragraph(framework)
    changed = edited_playbook(framework, paragraph, paragraph + " Call the customer first.")

    assert pending(handbook, changed) == ["update playbook:billing"]
    emulator.reset_counts()
    publish(handbook, changed)
    assert writes(emulator) == 2  # the paragraph, and the row's Hash
    assert [b["id"] for b in handbook.read_tree(page_id)] == before
    assert pending(handbook, changed) == []


def test_a_page_edited_in_notion_is_drift_until_forced(
    emulator: NotionEmulator, handbook: Handbook, framework: Framework
) -> None:
    observed = publish(handbook, framework)
    page_id = observed.rows["doc:overview"].page_id
    paragraph = next(b for b in handbook.read_tree(page_id) if b["type"] == "paragraph")
    emulator.human_edit(paragraph["id"], text="Edited by hand in Notion.")

    assert pending(handbook, framework) == ["drift doc:overview"]
    publish(handbook, framework)  # not overwritten
    assert "Edited by hand" in to_text(handbook.read_tree(page_id))
    publish(handbook, framework, force=True)
    assert "Edited by hand" not in to_text(handbook.read_tree(page_id))


def test_removed_documents_are_trashed_only_with_allow_delete(
    handbook: Handbook, framework: Framework
) -> None:
    publish(handbook, framework)
    smaller = replace(framework, pages=framework.pages[1:])
    gone = f"doc:{framework.pages[0].id}"
    changes = plan_changes(smaller, handbook.observe(), allow_delete=False, force=False)
    # The overview lists every page, so it changes too.
    assert [(c.action, c.key) for c in changes] == [("update", "overview"), ("orphan", gone)]
    observed = publish(handbook, smaller, allow_delete=True)
    assert gone not in observed.rows


@pytest.mark.parametrize(
    ("status", "method", "route", "commit"),
    [
        (429, "PATCH", "/v1/blocks/{id}/children", False),
        (409, "PATCH", "/v1/blocks/{id}/children", False),
        (503, "PATCH", "/v1/blocks/{id}/children", True),
        (500, "POST", "/v1/pages", True),
        (503, "GET", "/v1/blocks/{id}/children", False),
    ],
)
def test_faults_are_survived_or_converge_on_the_next_run(
    emulator: NotionEmulator,
    handbook: Handbook,
    framework: Framework,
    status: int,
    method: str,
    route: str,
    commit: bool,
) -> None:
    emulator.inject(status, times=1, method=method, route=f"{method} {route}", retry_after=1,
                    commit=commit)  # fmt: skip
    try:
        publish(handbook, framework)
    except Exception as exc:  # an ambiguous write stops the run; the next run must converge
        assert "may have been saved" in str(exc)
    publish(handbook, framework)
    observed = handbook.observe()
    assert observed.duplicates == ()
    assert pending(handbook, framework) == []
    for desired in desired_pages(framework, observed):
        tree = handbook.read_tree(observed.rows[desired.page.key].page_id)
        assert to_text(tree) == to_text(list(desired.page.blocks)), desired.page.key


def test_wrong_token_and_unshared_parent_are_clear(
    emulator: NotionEmulator, framework: Framework
) -> None:
    parent = emulator.add_root_page("Handbook")
    with pytest.raises(Exception, match="Notion rejected the token"):
        connect(emulator, parent, token="wrong").observe()
    with pytest.raises(Exception, match="share the parent page with the integration"):
        connect(emulator, "0" * 32).observe()


def test_cli_plan_and_apply_on_the_sandbox_target(
    tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sync").mkdir()
    (tmp_path / "sync" / "targets.yaml").write_text(
        (FRAMEWORK.parent / "sync" / "targets.yaml").read_text()
    )
    framework = ["--framework", str(FRAMEWORK)]
    planned = cli("plan", *framework, "--detailed-exitcode")
    assert planned.code == 2, planned.err
    assert "+ notion page overview" in planned.out

    refused = cli("apply", *framework)
    assert refused.code == 1
    assert "pass --yes" in refused.err

    applied = cli("apply", *framework, "--yes")
    assert applied.code == 0, applied.err
    assert "applied" in applied.out
    assert (tmp_path / ".escalations" / "sandbox" / "notion.sqlite").exists()

    # Nothing for Notion to write, workflows for HubSpot to turn on (once a KeyError, exit 3).
    enabled = cli("apply", *framework, "--yes", "--enable-workflows")
    assert enabled.code == 0, enabled.err
    # A flow per trigger (8) and the one that marks escalations resolved.
    assert enabled.out.splitlines()[-1].startswith("applied 9 changes to sandbox (Notion: ")

    again = cli("plan", *framework, "--detailed-exitcode", "--format", "json")
    assert again.code == 0, again.out
    assert '"create": 0' in again.out


def test_a_deleted_database_is_created_again(
    emulator: NotionEmulator, handbook: Handbook, framework: Framework
) -> None:
    observed = publish(handbook, framework)
    assert observed.database_id is not None
    handbook.client.blocks.delete(block_id=observed.database_id)  # someone deleted it
    changes = plan_changes(framework, handbook.observe(), allow_delete=False, force=False)
    assert changes[0].kind == "database" and changes[0].action == "create"
    again = publish(handbook, framework)
    assert again.database_id != observed.database_id
    assert pending(handbook, framework) == []


def test_a_real_target_needs_notion_token(
    tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTION_TOKEN", raising=False)
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n  production:\n    notion: {parent_page: abc, database: Handbook}\n"
    )
    result = cli(
        "plan", "--framework", str(FRAMEWORK), "--target", "production",
        "--targets-file", str(targets),
    )  # fmt: skip
    assert result.code == 1
    assert result.err.startswith("error: NOTION_TOKEN is not set")

    missing = cli("plan", "--framework", str(FRAMEWORK), "--target", "staging",
                  "--targets-file", str(targets))  # fmt: skip
    assert missing.code == 1
    assert "no target named 'staging'" in missing.err

    targets.write_text("targets:\n  production:\n    notion: {parent_pgae: abc}\n")
    broken = cli("plan", "--framework", str(FRAMEWORK), "--targets-file", str(targets))
    assert broken.code == 1
    assert "unknown key 'parent_pgae'" in broken.err and "did you mean 'parent_page'" in broken.err


def test_an_unreachable_notion_is_one_clear_line(
    tmp_path: Path, cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTION_TOKEN", "secret-value-never-printed")
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n  local:\n    notion: {parent_page: abc, database: Handbook, "
        "base_url: 'http://127.0.0.1:9'}\n"
    )
    result = cli("plan", "-f", str(FRAMEWORK), "-t", "local", "--targets-file", str(targets))
    assert result.code == 1
    assert result.err.startswith("error: cannot reach 127.0.0.1")
    assert "secret-value-never-printed" not in result.out + result.err
    assert "Traceback" not in result.err
