"""`plan` says what changes inside a Notion page or a HubSpot workflow, in text, Markdown, JSON."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from escalations.model.validate import validate_framework
from escalations.publish.edits import Edit, abridge_pair, compare
from escalations.publish.plan import Change, Plan, render_markdown, render_text
from escalations.publish.publication import publication
from escalations.publish.targets import choose, load_targets

from .conftest import FRAMEWORK, Result

DELAY = "    ~ delay before escalating: 240 minutes -> 120 minutes"
TIER_ROW = (
    "    ~ table row: | Tier 1 - Team lead | 4 business hours (EMEA business hours (Berlin)) | 1… "
    "-> | Tier 1 - Team lead | 2 business hours (EMEA business hours (Berlin)) | 1…"
)
FLOW = "first-response-breach"
NOTE = re.compile(
    r"note: the plan read the blocks of the (\d+) Notion pages that change, to say what changes "
    r"\((\d+) reads\)"
)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sandbox target (the Notion and HubSpot emulators, reached through the SDKs) with the
    example framework published; plans do not write to it, so every test shares it."""
    directory = tmp_path_factory.mktemp("published")
    (directory / "sync").mkdir()
    shutil.copy(FRAMEWORK.parent / "sync" / "targets.yaml", directory / "sync" / "targets.yaml")
    with contextlib.chdir(directory):
        model = validate_framework(FRAMEWORK).framework
        assert model is not None
        target = choose(load_targets(Path("sync/targets.yaml")), "sandbox")
        with publication(model, target) as planned:
            planned.apply()
    return directory


@pytest.fixture
def changed(
    sandbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str, str, str], Path]:
    """A copy of the framework with one text replaced in one file, planned from the sandbox."""
    monkeypatch.chdir(sandbox)

    def change(name: str, old: str, new: str) -> Path:
        copy = tmp_path / "framework"
        if not copy.exists():
            shutil.copytree(FRAMEWORK, copy)
        path = copy / name
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        return copy

    return change


def plan(cli: Callable[..., Result], framework: Path, output: str = "text") -> Result:
    result = cli("plan", "--framework", str(framework), "--format", output, "--detailed-exitcode")
    assert result.code == 2, result.err
    return result


def after(lines: list[str], header: str) -> list[str]:
    """The edit lines below the change whose line starts with `header`."""
    start = next(i for i, line in enumerate(lines) if line.startswith(header)) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("    ")), None)
    return lines[start:end]


def test_a_tightened_target_shows_the_delay_and_the_tier_row_in_every_format(
    changed: Callable[[str, str, str], Path], cli: Callable[..., Result]
) -> None:
    framework = changed(
        "tiers.yaml",
        "first_response: {duration: PT4H, clock: business}",
        "first_response: {duration: PT2H, clock: business}",
    )
    text = plan(cli, framework)
    lines = text.out.splitlines()
    # the flow's description cites the target too (docs references, issue 13)
    flow = f"~ hubspot flow {FLOW}: First response target breached [esc:{FLOW}] (parts: 2 changed)"
    assert flow in lines
    assert after(lines, flow)[1:] == [DELAY]
    description = "    ~ description: …1 first-response target (4 business"
    assert after(lines, flow)[0].startswith(description)
    assert after(lines, "~ notion page tiers: ") == [TIER_ROW]
    assert "~ notion page tiers: Tiers and response targets (blocks: 1 changed)" in lines
    note = NOTE.search(text.err)
    assert note is not None, text.err
    pages = sum(line.startswith("~ notion page ") for line in lines)
    assert int(note.group(1)) == pages
    assert int(note.group(2)) >= pages  # at least one listing of each page's blocks

    markdown = plan(cli, framework, "markdown").out.splitlines()
    inside = markdown.index("**What changes inside**")
    assert inside > markdown.index("| | target | kind | key | title | note |")
    assert f"- update hubspot flow `{FLOW}` (First response target breached [esc:{FLOW}])" in (
        markdown
    )
    assert "  - changed delay before escalating: `240 minutes` → `120 minutes`" in markdown
    row = next(line for line in markdown if line.startswith("  - changed table row: "))
    assert row == (
        "  - changed table row: `| Tier 1 - Team lead | 4 business hours (EMEA business hours "
        "(Berlin)) | 1…` → `| Tier 1 - Team lead | 2 business hours (EMEA business hours "
        "(Berlin)) | 1…`"
    )

    payload = json.loads(plan(cli, framework, "json").out)
    by_key = {(c["target"], c["key"]): c for c in payload["changes"]}
    assert by_key[("hubspot", FLOW)]["detail"] == "parts: 2 changed"
    assert by_key[("hubspot", FLOW)]["edits"][1:] == [
        {
            "action": "change",
            "what": "delay before escalating",
            "before": "240 minutes",
            "after": "120 minutes",
        }
    ]
    assert by_key[("hubspot", FLOW)]["edits"][0]["what"] == "description"
    tiers = by_key[("notion", "tiers")]
    assert tiers["detail"] == "blocks: 1 changed"
    assert [(e["action"], e["what"]) for e in tiers["edits"]] == [("change", "table row")]
    assert "| 4 business hours" in tiers["edits"][0]["before"]
    assert "| 2 business hours" in tiers["edits"][0]["after"]


def test_a_removed_level_is_one_edit_per_flow_and_its_blocks_on_the_path_page(
    changed: Callable[[str, str, str], Path], cli: Callable[..., Result]
) -> None:
    path = "paths/standard.yaml"
    changed(path, "    move_on:\n      after: {duration: PT4H, clock: business}\n"
            "      if: target_breached\n", "")  # fmt: skip
    text = (FRAMEWORK / path).read_text()
    changed(path, text[text.index("  - id: head-of-support") :], "")
    # the handbook's overview cites the level: it goes from there too, or validate refuses
    framework = changed(
        "docs/overview.md",
        "; moves on {{path:standard.level-2.move_on}} | {{path:standard.level-3.owner}}, "
        "{{path:standard.level-3}} |",
        " | |",
    )
    lines = plan(cli, framework).out.splitlines()
    level = (
        "    - level 3: owner María López, after 240 minutes, if Escalation status is not Resolved"
    )
    flow = "~ hubspot flow manager-request: Customer asks for a manager [esc:manager-request]"
    assert after(lines, f"{flow} (parts: 1 removed)") == [level]
    page = after(lines, "~ notion page path:standard: Standard escalation path (blocks: 6 removed)")
    assert page[1:3] == [
        "    - heading 2: ## Level 3: Head of Support",
        "    - bulleted list item under “Level 3: Head of Support”: "
        "- Accountable owner: María López",
    ]
    assert page[0].startswith(
        "    - bulleted list item under “Level 2: Support manager”: - Moves on: after 4 business"
    )


def test_an_owner_change_names_both_people(
    changed: Callable[[str, str, str], Path], cli: Callable[..., Result]
) -> None:
    framework = changed(
        "paths/standard.yaml", "owner: person:jonas-becker", "owner: person:priya-nair"
    )
    lines = plan(cli, framework).out.splitlines()
    flow = "~ hubspot flow manager-request: Customer asks for a manager [esc:manager-request]"
    assert after(lines, f"{flow} (parts: 2 changed)") == [
        "    ~ owner at level 2: Jonas Becker -> Priya Nair",
        "    ~ HubSpot notification at level 2: to Jonas Becker -> to Priya Nair",
    ]
    assert after(lines, "~ notion page path:standard: ") == [
        "    ~ bulleted list item under “Level 2: Support manager”: - Accountable owner: "
        "Jonas Becker -> - Accountable owner: Priya Nair"
    ]


def test_a_filter_and_a_property_option_say_old_and_new(
    changed: Callable[[str, str, str], Path], cli: Callable[..., Result]
) -> None:
    changed(f"triggers/{FLOW}.yaml", "value: [high, urgent]}", "value: [high]}")
    framework = changed("tiers.yaml", "name: Tier 1 - Team lead", "name: Tier 1 - Team leads")
    lines = plan(cli, framework).out.splitlines()
    flow = f"~ hubspot flow {FLOW}: First response target breached [esc:{FLOW}] (parts: 1 changed)"
    assert after(lines, flow) == [
        "    ~ enrollment filter: Priority is High or Urgent -> Priority is High"
    ]
    assert after(lines, "~ hubspot property esc_tier: Escalation tier (parts: 1 changed)") == [
        "    ~ option tier-1: Tier 1 - Team lead -> Tier 1 - Team leads"
    ]
    assert (
        "    ~ bulleted list item under “When it escalates”: - Starting tier: Tier 1 - Team lead "
        "-> - Starting tier: Tier 1 - Team leads"
    ) in after(lines, "~ notion page trigger:manager-request: ")


def test_long_texts_are_abridged_around_where_they_differ() -> None:
    words = "the team lead on shift answers the customer and finds out why the ticket was missed "
    before, after_ = abridge_pair(words * 2 + "within 4 hours", words * 2 + "within 2 hours")
    assert (before, after_) == (
        "…answers the customer and finds out why the ticket was missed within 4 hours",
        "…answers the customer and finds out why the ticket was missed within 2 hours",
    )
    assert compare("delay", "1 minutes", "1 minutes") is None
    assert compare("level 3", None, "owner Priya Nair") == Edit(
        "add", "level 3", after="owner Priya Nair"
    )


def test_text_and_markdown_list_at_most_twelve_edits_and_keep_backticks_literal() -> None:
    edits = tuple(Edit("change", f"paragraph {n}", "`a`", "b") for n in range(14))
    page = Plan((Change("notion", "update", "page", "doc:x", "X", "blocks: 14 changed", edits),))
    text = render_text(page).splitlines()
    assert text[1] == "    ~ paragraph 0: `a` -> b"
    assert text[-2:] == ["    … and 2 more (--format json lists them all)", "1 to update"]
    markdown = render_markdown(page).splitlines()
    assert "  - changed paragraph 0: `` `a` `` → `b`" in markdown
    assert markdown[-1] == "  - … and 2 more (`--format json` lists them all)"
