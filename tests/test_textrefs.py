"""References to framework values in prose: expanded in Notion, the preview, HubSpot and the diff,
checked and suggested by validate."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from escalations.criteria.expand import expand_framework, expand_text
from escalations.model.framework import Framework
from escalations.model.validate import validate_framework
from escalations.publish.hubspot.compile import Settings, compile_framework
from escalations.publish.notion.render import render_pages
from escalations.review.rendering import placeholder_owners

from .conftest import FRAMEWORK, Result
from .test_notion_publish import emulator, handbook, publish  # noqa: F401  (fixtures)

URL = "https://notion.example/"

DOC = """---
id: zz-references
title: Every kind of reference
---
Tier 1 answers within {{tier:tier-1.first_response}}; {{tier:tier-2}} updates every
{{tier:tier-2.update_cadence}}.

- {{person:priya-nair}}, {{person:priya-nair.title}}, {{team:billing-ops.lead}}
- {{path:standard.level-2.owner}} then {{path:standard.head-of-support}};
  {{path:standard.team-lead.move_on}}.
- **{{trigger:manager-request}}** ({{trigger:manager-request.tier}}):
  {{trigger:first-response-breach.criteria}}
- {{calendar:emea-business.hours}}; {{playbook:billing.owner}}

Written as is: `{{tier:tier-1.first_response}}`.

```text
{{person:priya-nair}}
```
"""


def url_of(key: str) -> str:
    return URL + key.replace(":", "-")


def with_doc(framework_copy: Path, text: str = DOC) -> Framework:
    (framework_copy / "docs" / "zz-references.md").write_text(text, encoding="utf-8")
    validation = validate_framework(framework_copy)
    assert validation.framework is not None, [p.to_text() for p in validation.problems]
    return validation.framework


def runs(blocks: list[dict[str, Any]]) -> list[tuple[str, str | None, bool]]:
    """(text, link, code) of every rich-text item of the blocks, children included."""
    found = []
    for block in blocks:
        body = block[block["type"]]
        for item in body.get("rich_text", []):
            link = item["text"].get("link")
            code = bool(item.get("annotations", {}).get("code"))
            found.append((item["text"]["content"], link and link["url"], code))
        found += runs(body.get("children", []))
    return found


def test_each_kind_renders_as_its_value_linked_to_its_page(framework_copy: Path) -> None:
    framework = with_doc(framework_copy)
    page = next(p for p in render_pages(framework, url_of) if p.key == "doc:zz-references")
    items = runs(list(page.blocks))
    linked = {(text, link) for text, link, _ in items if link}
    assert {
        ("4 business hours", URL + "tiers"),
        ("Tier 2 - Support management", URL + "tiers"),
        ("8 business hours", URL + "tiers"),
        ("Priya Nair", URL + "directory"),
        ("Billing Operations Lead", URL + "directory"),
        ("Jonas Becker", URL + "directory"),
        ("Head of Support", URL + "path-standard"),
        ("after 1 business hour, if nobody has acknowledged it", URL + "path-standard"),
        ("Customer asks for a manager", URL + "trigger-manager-request"),
        ("Tier 1 - Team lead", URL + "tiers"),
        ("Billing Operations", URL + "directory"),
    } <= linked
    criteria = expand_text("{{trigger:first-response-breach.criteria}}", framework)
    assert criteria.startswith("Priority is High or Urgent")
    assert (criteria, URL + "trigger-first-response-breach", False) in items
    assert ("; ", None, False) in items  # between two references, plain text stays plain
    hours = "09:00 to 18:00, Monday to Friday (Europe/Berlin)"
    # Calendars have no page of their own: the hours are plain text, joined to their neighbours.
    assert (f"{hours}; ", None, False) in items
    bold = next(b for b in page.blocks if "Customer asks" in json.dumps(b))
    item = bold["bulleted_list_item"]["rich_text"][0]
    assert item["annotations"] == {"bold": True}  # formatting around a reference is kept
    assert ("{{tier:tier-1.first_response}}", None, True) in items  # code shows it as written
    code = next(b for b in page.blocks if b["type"] == "code")
    assert code["code"]["rich_text"][0]["text"]["content"] == "{{person:priya-nair}}"
    # An unresolved reference (validate reports it) is left as written, never a crash.
    assert expand_text("a {{tier:tier-9.first_response}}", framework) == (
        "a {{tier:tier-9.first_response}}"
    )


def test_without_published_pages_references_are_plain_text(framework_copy: Path) -> None:
    framework = with_doc(framework_copy)
    page = next(p for p in render_pages(framework, lambda _: None) if p.key == "doc:zz-references")
    items = runs(list(page.blocks))
    text = "Tier 1 answers within 4 business hours; Tier 2 - Support management updates every 8 "
    assert (text + "business hours.", None, False) in items
    assert [link for _, link, _ in items if link] == []


def test_html_preview_links_the_values(
    framework_copy: Path, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    with_doc(framework_copy)
    out = tmp_path / "out"
    result = cli("render", "--out", str(out), "--format", "html", "-f", str(framework_copy))
    assert result.code == 0, result.err
    html = (out / "html" / "doc-zz-references.html").read_text(encoding="utf-8")
    assert '<a href="tiers.html">4 business hours</a>' in html
    assert '<a href="directory.html">Priya Nair</a>' in html
    overview = (out / "html" / "doc-overview.html").read_text(encoding="utf-8")
    assert "{{" not in overview


def test_the_example_publishes_with_links_to_the_referenced_pages(
    handbook: Any,  # noqa: F811
    framework: Framework,
) -> None:
    observed = publish(handbook, framework)
    tree = handbook.read_tree(observed.rows["doc:overview"].page_id)

    def cells(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = []
        for block in blocks:
            body = block.get(block["type"], {})
            found += body.get("rich_text", [])
            found += [item for cell in body.get("cells", []) for item in cell]
            found += cells(block.get("children", []) + body.get("children", []))
        return found

    linked = {
        (item["text"]["content"], item["text"]["link"]["url"])
        for item in cells(tree)
        if item.get("text", {}).get("link")
    }
    assert ("4 business hours", observed.rows["tiers"].url) in linked
    assert ("Priya Nair", observed.rows["directory"].url) in linked
    assert ("Standard escalation path", observed.rows["path:standard"].url) in linked
    assert not any("{{" in item["text"]["content"] for item in cells(tree))


def test_an_unknown_reference_is_an_error_at_its_line_and_column(framework_copy: Path) -> None:
    trigger = framework_copy / "triggers" / "first-response-breach.yaml"
    trigger.write_text(
        trigger.read_text().replace(
            "{{tier:tier-1.first_response}}", "{{tier:tier-1.first_reponse}}"
        )
    )
    problems = [p.to_text() for p in validate_framework(framework_copy).problems]
    assert (
        f"{framework_copy}/triggers/first-response-breach.yaml:7:26: error [unknown-reference] "
        "the reference '{{tier:tier-1.first_reponse}}' asks for 'first_reponse', which a tier "
        "does not have (did you mean '{{tier:tier-1.first_response}}'?); use one of: name, "
        "first_response, update_cadence, resolution."
    ) in problems


def test_the_example_restates_no_value(framework: Framework) -> None:
    problems = validate_framework(FRAMEWORK).problems
    rules = ("restated-value", "unknown-reference")
    assert [p.to_text() for p in problems if p.rule in rules] == []


def test_a_review_may_name_people(framework_copy: Path) -> None:
    """A review records who did what at the time: it must not follow later changes."""
    review = framework_copy / "reviews" / "2026-10.md"
    review.write_text(review.read_text() + "\nPriya Nair answered within 2 business hours.\n")
    problems = validate_framework(framework_copy).problems
    assert [p for p in problems if p.rule == "restated-value"] == []


def test_hubspot_descriptions_carry_the_values(framework: Framework) -> None:
    compiled = compile_framework(framework, placeholder_owners(framework), Settings())
    description = compiled.flows["first-response-breach"]["description"]
    assert "first-response target (4 business hours, Berlin calendar)" in description
    assert "{{" not in json.dumps(compiled.flows)


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def tightened(tmp_path: Path) -> Path:
    """A repository whose second commit tightens tier-1's first response to 2 hours."""
    root = tmp_path / "repo"
    shutil.copytree(FRAMEWORK, root / "framework")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "1.4.0")
    tiers = root / "framework" / "tiers.yaml"
    tiers.write_text(tiers.read_text().replace("duration: PT4H", "duration: PT2H", 1))
    git(root, "commit", "-qam", "tier-1 answers in 2 hours")
    return root


def test_a_tightened_target_changes_every_text_citing_it(
    tightened: Path, cli: Callable[..., Result]
) -> None:
    result = cli("diff", "HEAD~1", "HEAD", "-f", str(tightened / "framework"), "--format", "json")
    assert result.code == 0, result.err
    changed = {(s["entity"], s["key"]) for s in json.loads(result.out)["changes"]}
    # The technical playbook's cadence table cites the target; its source did not change.
    assert ("playbook", "technical") in changed
    assert ("page", "overview") in changed
    assert not any(key == "billing" for _, key in changed)  # it cites tier-2 only


def test_expanded_prose_is_what_the_diff_compares(framework: Framework) -> None:
    tiers = tuple(
        replace(t, targets=replace(t.targets, first_response=replace(
            t.targets.first_response, text="PT2H", value=timedelta(hours=2))))
        if t.id == "tier-1" else t
        for t in framework.tiers
    )  # fmt: skip
    before = expand_framework(framework).trigger("first-response-breach").description
    after = expand_framework(replace(framework, tiers=tiers)).trigger("first-response-breach")
    assert "target (4 business hours, Berlin calendar)" in before
    assert "target (2 business hours, Berlin calendar)" in after.description
