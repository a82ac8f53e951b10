"""After an apply, the framework's channel hears what changed: through slack_sdk, against the
sandbox's Slack emulator, with the base found in the channel's own history."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from escalations.model.framework import Framework
from escalations.notify.changelog import (
    EVENT_TYPE,
    MAX_SECTIONS,
    Published,
    changelog,
    tell_channel,
)
from escalations.publish.targets import Target
from escalations.review.diff import Statement
from escalations.sandbox.slack import SlackEmulator

from .conftest import FRAMEWORK, ROOT, Result


def git(directory: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(directory), "-c", "user.name=t", "-c", "user.email=t@example.com",
         *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def channel_messages(workdir: Path) -> list[tuple[str, dict[str, object] | None]]:
    emulator = SlackEmulator(workdir / ".escalations" / "sandbox" / "slack.sqlite")
    return [(m.text, m.metadata) for m in emulator.messages("support-ops")]


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding a copy of the example, the working directory of the test."""
    shutil.copytree(FRAMEWORK, tmp_path / "framework")
    shutil.copytree(ROOT / "sync", tmp_path / "sync")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "the example")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_each_apply_tells_the_channel_what_changed_since_the_last(
    cli: Callable[..., Result], repository: Path
) -> None:
    first = cli("apply", "--yes")
    assert first.code == 0, first.err
    assert "note: changelog posted to #support-ops (first publication)" in first.err
    [(text, metadata)] = channel_messages(repository)
    assert text == "Acme Cloud support escalation framework 1.4.0 published to sandbox"
    commit = git(repository, "rev-parse", "HEAD")
    payload = {"target": "sandbox", "version": "1.4.0", "commit": commit}
    assert metadata == {"event_type": EVENT_TYPE, "event_payload": payload}

    tiers = repository / "framework" / "tiers.yaml"
    tiers.write_text(tiers.read_text().replace("PT4H", "PT3H", 1))
    head = repository / "framework" / "framework.yaml"
    head.write_text(head.read_text().replace("version: 1.4.0", "version: 1.5.0"))
    git(repository, "commit", "-qam", "tier-1 answers in 3 hours")
    second = cli("apply", "--yes")
    assert second.code == 0, second.err
    # version, tier-1's first response, the criteria citing it, and the technical playbook's
    # cadence table, which refers to that target
    assert "note: changelog posted to #support-ops (7 changes since 1.4.0)" in second.err
    latest, metadata = channel_messages(repository)[-1]
    assert latest.endswith("1.5.0 published to sandbox: 7 changes")
    assert metadata is not None and metadata["event_payload"] == {
        "target": "sandbox", "version": "1.5.0", "commit": git(repository, "rev-parse", "HEAD")
    }  # fmt: skip


def test_a_base_commit_missing_from_the_clone_is_said_not_guessed(
    cli: Callable[..., Result], repository: Path
) -> None:
    assert cli("apply", "--yes").code == 0
    # history rewritten: the published commit is gone from this clone
    head = repository / "framework" / "framework.yaml"
    head.write_text(head.read_text().replace("version: 1.4.0", "version: 1.4.1"))
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "--amend", "-m", "rewritten")
    git(repository, "reflog", "expire", "--expire=now", "--all")
    git(repository, "gc", "-q", "--prune=now")
    again = cli("apply", "--yes")
    assert again.code == 0, again.err
    assert "changes since 1.4.0 unknown" in again.err


def test_uncommitted_changes_are_published_without_a_commit(
    cli: Callable[..., Result], repository: Path
) -> None:
    head = repository / "framework" / "framework.yaml"
    head.write_text(head.read_text().replace("version: 1.4.0", "version: 1.4.1"))
    assert cli("apply", "--yes").code == 0
    [(_, metadata)] = channel_messages(repository)
    assert metadata is not None and metadata["event_payload"] == {
        "target": "sandbox", "version": "1.4.1", "commit": ""
    }  # fmt: skip


def test_a_real_target_needs_the_token_and_a_channel_the_app_sees(
    framework: Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = Target("production", "", False, None)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    said = tell_channel(FRAMEWORK, framework, production)
    assert said == "changelog not posted: SLACK_BOT_TOKEN is not set"
    with SlackEmulator(token="xoxb-real") as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real")
        monkeypatch.setenv("SLACK_API_URL", slack.base_url + "/api/")
        said = tell_channel(FRAMEWORK, framework, production)
        assert said == (
            "changelog not posted: no channel #support-ops that the Slack app can see; invite it"
        )
        slack.add_channel("support-ops")
        slack.inject(500, times=1, route="conversations.history")
        said = tell_channel(FRAMEWORK, framework, production)
        assert said == "changelog not posted to #support-ops: Slack answered internal_error"
        assert slack.messages("support-ops") == []
        said = tell_channel(FRAMEWORK, framework, production)
        assert said == "changelog posted to #support-ops (first publication)"


def test_a_long_changelog_fits_block_kits_limits(framework: Framework) -> None:
    statements = [Statement("trigger", f"t{n}", "changed", "x" * 200, "a" * 300, "b" * 300)
                  for n in range(400)]  # fmt: skip
    since = Published("1.3.0", "abc", "1.0")
    message = changelog(framework, "production", "f" * 40, statements, since)
    sections = [b for b in message.blocks if b["type"] == "section"]
    assert len(message.blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert len(sections) == MAX_SECTIONS + 1
    assert sections[-1]["text"]["text"].endswith("more: run `escalations diff`.")
    assert (
        message.text
        == "Acme Cloud support escalation framework 1.4.0 published to production: 400 changes"
    )
