"""escalations diff says exactly what changed, and which version part it calls for: one commit
per case in a real git repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from escalations.criteria.conditions import Leaf
from escalations.review.diff.leaves import leaf_effect
from escalations.review.diff.version import bumped_part, next_version
from escalations.review.diff.words import mark_markdown, mark_text, word_diff

from .conftest import FRAMEWORK, ROOT, Result


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


MANAGER_WORDS = (
    "your manager", "your supervisor", "a supervisor", "speak to a manager",
    "talk to a manager", "someone senior", "escalate", "formal complaint",
)  # fmt: skip


def keywords(*words: str) -> str:
    """A `value:` list of trigger keywords as the example framework writes it."""
    return "".join(f"            - {word}\n" for word in words)


def bump(framework: Path, old: str, new: str) -> None:
    edit(framework / "framework.yaml", f"version: {old}", f"version: {new}")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One commit per case, each tagged with the case's name, on top of the example framework."""
    root = tmp_path_factory.mktemp("precise") / "repo"
    shutil.copytree(FRAMEWORK, root / "framework")
    framework = root / "framework"
    git(root, "init", "-q", "-b", "main")

    def commit(tag: str) -> None:
        git(root, "add", "-A")
        git(root, "commit", "-qm", tag)
        git(root, "tag", tag)

    commit("base")
    edit(
        framework / "tiers.yaml",
        "first_response: {duration: PT4H",
        "first_response: {duration: PT2H",
    )
    bump(framework, "1.4.0", "1.5.0")
    commit("tighter")
    edit(
        framework / "playbooks" / "technical.md",
        "If several customers report the same\nproblem at once",
        "If two or more customers report the same\nproblem within an hour",
    )
    commit("playbook")
    manager = (framework / "triggers" / "manager-request.yaml").read_text()
    (framework / "triggers" / "legal-threat.yaml").write_text(
        manager.replace("id: manager-request", "id: legal-threat")
        .replace("name: Customer asks for a manager", "name: Customer threatens legal action")
        .replace("precedence: 20", "precedence: 15")
        .replace("tier: tier-1", "tier: tier-2")
        .replace(keywords(*MANAGER_WORDS), keywords("lawyer", "legal action"))
    )
    bump(framework, "1.5.0", "1.6.0")
    commit("trigger")
    edit(
        framework / "docs" / "overview.md",
        "Escalating is not a failure",
        "Escalating is never a failure",
    )
    commit("docs")
    edit(framework / "tests" / "system-initiated.yaml", "reopen_count: 0", "reopen_count: 1")
    bump(framework, "1.6.0", "1.6.1")
    commit("case")
    edit(framework / "triggers" / "manager-request.yaml", "            - escalate\n", "")
    edit(framework / "triggers" / "manager-request.yaml", "            - escalate\n", "")
    bump(framework, "1.6.1", "1.7.0")
    commit("narrower")
    return root


def diff(cli: Callable[..., Result], repo: Path, case: str, *options: str) -> Result:
    return cli("diff", f"{case}~1", case, "-f", str(repo / "framework"), *options)


def test_a_tightened_target_names_the_duration_once(repo: Path, cli: Callable[..., Result]) -> None:
    result = diff(cli, repo, "tighter")
    assert (result.code, result.err) == (0, "")
    # every text citing the target changes with it (references in prose)
    assert result.out.splitlines() == [
        "framework acme-support: version: 1.4.0 -> 1.5.0",
        "trigger first-response-breach: description: … the tier 1 first-response target "
        "[-(4-] {+(2+} business hours, Berlin calendar) has …",
        "tier tier-1: first response (the wait of trigger first-response-breach): "
        "4 business hours -> 2 business hours (EMEA business hours (Berlin))",
        "playbook technical: body, section “Communication cadence”: … |---|---|---|---| "
        "| Tier 1 | [-4-] {+2+} business hours | 1 business …",
        "page overview: body, section “The tiers”: … team lead on shift | [-4-] {+2+} "
        "business hours | 1 business …",
        "page overview: body, section “The triggers”: … ticket without a reply after "
        "[-4-] {+2+} business hours | technical | …",
        "version 1.4.0 -> 1.5.0 (minor); the changes call for a minor version (a tighter "
        "commitment in tier tier-1: first response (the wait of trigger first-response-breach))",
    ]


def test_a_changed_playbook_paragraph_shows_its_changed_words(
    repo: Path, cli: Callable[..., Result]
) -> None:
    result = diff(cli, repo, "playbook")
    assert result.out.splitlines() == [
        "playbook technical: body, section “Technical escalation”: … (see "
        "[how to escalate](../docs/how-to-escalate.md)). If [-several-] {+two or more+} customers "
        "report the same problem [-at once,-] {+within an hour,+} stop here and switch to …",
        "version not bumped: framework.yaml still says 1.5.0; the changes call for a patch "
        "version (wording in playbook technical: body, section “Technical escalation”): "
        "make it 1.5.1",
    ]
    markdown = diff(cli, repo, "playbook", "--format", "markdown").out
    assert markdown.splitlines()[0] == (
        "- **playbook technical**: body, section “Technical escalation”: … (see "
        "[how to escalate](../docs/how-to-escalate.md)). If ~~several~~ **two or more** customers "
        "report the same problem ~~at once,~~ **within an hour,** stop here and switch to …"
    )
    assert markdown.splitlines()[-1].startswith("**Version:** version not bumped:")
    change = json.loads(diff(cli, repo, "playbook", "--format", "json").out)["changes"][0]
    assert change["before"].startswith("Use this playbook when a product problem")
    assert "If two or more customers report the same\nproblem within an hour" in change["after"]
    assert {"op": "removed", "text": "several"} in change["words"]
    assert {"op": "added", "text": "two or more"} in change["words"]
    assert (change["effect"], change["part"]) == ("wording", "patch")


def test_a_new_trigger_is_shown_in_full(repo: Path, cli: Callable[..., Result]) -> None:
    result = diff(cli, repo, "trigger")
    assert result.out.splitlines()[1:9] == [
        "new trigger legal-threat 'Customer threatens legal action':",
        "  criteria: (Subject contains “lawyer” or “legal action”, and Ticket status is not "
        "Closed); or (Description contains “lawyer” or “legal action”, and Ticket status is not "
        "Closed)",
        "  type: customer initiated",
        "  escalation type: relationship",
        "  tier: Tier 2 - Support management (tier-2)",
        "  path: Standard escalation path (standard)",
        "  precedence: 15",
        "  description: The customer asks for a manager or supervisor, asks us to escalate, or "
        "announces a formal complaint, in the subject or the description of an open ticket. The "
        'team lead on shift takes over the conversation. The bare word "manager" is '
        'deliberately not a keyword: Acme Cloud is project-management software and "project '
        'manager" appears in a large share of ordinary tickets (it caused false escalations '
        "until version 1.4.0).",
    ]
    assert result.out.splitlines()[-1] == (
        "version 1.5.0 -> 1.6.0 (minor); the changes call for a minor version (something added "
        "in new trigger legal-threat 'Customer threatens legal action')"
    )
    added = json.loads(diff(cli, repo, "trigger", "--format", "json").out)["changes"][1]
    assert added["before"] is None
    assert added["after"].splitlines()[3] == "tier: Tier 2 - Support management (tier-2)"


def test_a_docs_only_change_is_a_change(repo: Path, cli: Callable[..., Result]) -> None:
    result = diff(cli, repo, "docs")
    assert result.out.splitlines() == [
        "page overview: body, section “What an escalation is”: … queue gives it. Escalating is "
        "[-not-] {+never+} a failure and not a …",
        "version not bumped: framework.yaml still says 1.6.0; the changes call for a patch "
        "version (docs or test cases in page overview: body, section “What an escalation is”): "
        "make it 1.6.1",
    ]


def test_a_test_case_change_is_shown(repo: Path, cli: Callable[..., Result]) -> None:
    result = diff(cli, repo, "case")
    assert result.out.splitlines() == [
        "framework acme-support: version: 1.6.0 -> 1.6.1",
        "test case outage-reported-on-creation: ticket reopen_count: 0 -> 1",
        "version 1.6.0 -> 1.6.1 (patch); the changes call for a patch version (docs or test "
        "cases in test case outage-reported-on-creation: ticket reopen_count)",
    ]


def test_a_narrower_trigger_calls_for_a_major_version(
    repo: Path, cli: Callable[..., Result]
) -> None:
    result = diff(cli, repo, "narrower", "--check-version")
    assert result.code == 1
    assert result.out.splitlines()[1:] == [
        "trigger manager-request: when (alternative 1): Subject contains “your manager”, "
        "“your supervisor”, “a supervisor”, “speak to a manager”, “talk to a manager”, "
        "“someone senior”, [-“escalate”,-] "
        "“formal complaint”",
        "trigger manager-request: when (alternative 2): Description contains “your manager”, "
        "“your supervisor”, “a supervisor”, “speak to a manager”, “talk to a manager”, "
        "“someone senior”, [-“escalate”,-] "
        "“formal complaint”",
        "version bumped too little: 1.6.1 -> 1.7.0 is a minor bump; the changes call for a "
        "major version (narrower criteria in trigger manager-request: when (alternative 1)): "
        "make it 2.0.0",
    ]
    assert result.err == (
        "error: the framework changed but its version was not bumped enough: set version: "
        "2.0.0 in framework.yaml (a major bump).\n"
    )
    verdict = json.loads(diff(cli, repo, "narrower", "--format", "json").out)["version"]
    assert (verdict["bumped"], verdict["required"], verdict["ok"]) == ("minor", "major", False)
    assert diff(cli, repo, "trigger", "--check-version").code == 0


def test_no_change_and_no_bump_passes_the_check(repo: Path, cli: Callable[..., Result]) -> None:
    result = cli("diff", "narrower", "narrower", "-f", str(repo / "framework"), "--check-version")
    assert (result.code, result.out.strip()) == (0, "no changes to the framework")


@pytest.mark.parametrize(
    ("old", "new", "effect"),
    [
        (Leaf("csat", "lte", 2), Leaf("csat", "lte", 3), "wider"),
        (Leaf("csat", "lte", 2), Leaf("csat", "lt", 2), "narrower"),
        (Leaf("arr", "gte", 50000), Leaf("arr", "gte", 100000), "narrower"),
        (Leaf("p", "in", ("high",)), Leaf("p", "in", ("high", "urgent")), "wider"),
        (Leaf("p", "not_in", ("low",)), Leaf("p", "not_in", ("low", "normal")), "narrower"),
        (Leaf("p", "eq", "high"), Leaf("p", "eq", "urgent"), "unclear"),
        (Leaf("s", "contains", ("a", "b")), Leaf("s", "contains", ("a", "c")), "unclear"),
    ],
)
def test_leaf_effects(old: Leaf, new: Leaf, effect: str) -> None:
    assert leaf_effect(old, new) == effect


def test_version_parts() -> None:
    assert [bumped_part("1.4.0", v) for v in ("2.0.0", "1.5.0", "1.4.1", "1.4.0", "1.3.9")] == [
        "major", "minor", "patch", None, None,
    ]  # fmt: skip
    assert [next_version("1.4.2", p) for p in ("major", "minor", "patch")] == [
        "2.0.0", "1.5.0", "1.4.3",
    ]  # fmt: skip


def test_word_marks() -> None:
    spans = word_diff(
        "first response within 4 business hours", "first response within 2 business hours"
    )
    assert mark_text(spans) == "first response within [-4-] {+2+} business hours"
    assert mark_markdown(spans) == "first response within ~~4~~ **2** business hours"


def test_the_repository_runs_its_test_cases_before_a_commit(tmp_path: Path) -> None:
    """The repository's own pre-commit hooks stop a commit that breaks a criteria test case."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    ours = [h for h in config["repos"][0]["hooks"] if h["id"].startswith("escalations-")]
    assert [h["entry"] for h in ours] == [
        "escalations validate --framework framework",
        "escalations test --framework framework",
    ]
    root = tmp_path / "repo"
    shutil.copytree(FRAMEWORK, root / "framework")
    (root / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": ours[1:]}]})
    )
    # Still valid (tier-2 exists), but no longer what the outage trigger does.
    edit(root / "framework" / "tests" / "system-initiated.yaml", "tier: tier-3", "tier: tier-2")
    git(root, "init", "-q")
    git(root, "add", "-A")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"),
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name("pre-commit")), "run", "--all-files"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout
    assert "escalations test....." in done.stdout and "Failed" in done.stdout
    assert "outage-reported-on-creation" in done.stdout


def test_the_pull_request_workflow_checks_the_version() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pull-request.yml").read_text())
    steps = {step.get("name"): step for step in workflow["jobs"]["review"]["steps"]}
    check = steps["version bumped as the change calls for"]
    assert "escalations diff" in check["run"] and "--check-version" in check["run"]
    assert check["if"] == "always()"
