"""After an apply, the framework's channel is told what this version changed.

The message carries metadata naming the commit it was published from, so the next apply reads
the channel's history to find what was published before and says what changed since, from
the semantic diff (`review/diff.py`).
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from escalations.model.framework import Framework
from escalations.model.revision import (
    framework_at,
    has_commit,
    published_commit,
    temporary_directory,
)
from escalations.model.validate import validate_framework
from escalations.notify.slackapi import History
from escalations.publish.targets import Target, slack_session
from escalations.review.diff import Statement, diff_frameworks

EVENT_TYPE = "framework_published"
SECTION_CHARS = 2900
"""Under Block Kit's 3,000 characters of a section's text."""
MAX_SECTIONS = 40
"""With the header and context, under Block Kit's 50 blocks per message."""


@dataclass(frozen=True, slots=True)
class Published:
    """What the channel says was last published to a target."""

    version: str
    commit: str | None
    ts: str


@dataclass(frozen=True, slots=True)
class Changelog:
    text: str
    blocks: tuple[dict[str, Any], ...]
    metadata: dict[str, Any]


def changelog(
    head: Framework,
    target: str,
    commit: str | None,
    statements: list[Statement] | None,
    since: Published | None,
) -> Changelog:
    """The message: the version published, and the changes since `since` (None: the first
    publication the channel knows of; `statements` None: the changes could not be read)."""
    title = f"{head.name} {head.version} published to {target}"
    if since is None:
        counts = (
            f"{len(head.triggers)} triggers, {len(head.tiers)} tiers, "
            f"{len(head.paths)} escalation paths, {len(head.playbooks)} playbooks"
        )
        lines = [f"First publication: {counts}."]
    elif statements is None:
        lines = [f"Changes since {since.version} could not be listed: the commit it was "
                 f"published from ({since.commit or 'unknown'}) is not in this clone."]  # fmt: skip
    elif not statements:
        lines = [f"No change to the framework since {since.version}; the pages and workflows "
                 "were brought back in line with it."]  # fmt: skip
    else:
        lines = [_line(s) for s in statements]
    origin = (
        f"from commit {commit[:12]}" if commit else "from a working tree with uncommitted changes"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
    ]
    sections = _sections(lines)
    if len(sections) > MAX_SECTIONS:
        left = sum(chunk.count("\n") + 1 for chunk in sections[MAX_SECTIONS:])
        sections = [*sections[:MAX_SECTIONS], f"… and {left} more: run `escalations diff`."]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in sections]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": origin}]})
    text = f"{title}: {len(statements)} changes" if statements else title
    payload = {"target": target, "version": head.version, "commit": commit or ""}
    return Changelog(text, tuple(blocks), {"event_type": EVENT_TYPE, "event_payload": payload})


def last_published(history: History, channel: str, target: str) -> Published | None:
    """The newest changelog of `target` in the channel's history (None when there is none)."""
    for messages, _ in history.pages(channel):
        for message in messages:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("target") == target:
                commit = str(payload.get("commit") or "") or None
                return Published(str(payload.get("version")), commit, str(message.get("ts")))
    return None


def announce(
    client: WebClient,
    channel: str,
    head: Framework,
    target: str,
    commit: str | None,
    diff_since: Callable[[Published], list[Statement] | None],
) -> str:
    """Post the changelog of `head` to `channel` (a `#name` or an id); what was posted, as a
    line for the person who applied. Slack's refusals raise SlackApiError, a channel the app
    cannot see LookupError."""
    history = History(client)
    channel_id = history.conversation(channel)
    if channel_id is None:
        raise LookupError(f"no channel {channel} that the Slack app can see; invite it")
    since = last_published(history, channel_id, target)
    statements = diff_since(since) if since is not None else None
    message = changelog(head, target, commit, statements, since)
    client.chat_postMessage(
        channel=channel_id,
        text=message.text,
        blocks=list(message.blocks),
        metadata=message.metadata,
    )
    if since is None:
        what = "first publication"
    elif statements is None:
        what = f"changes since {since.version} unknown"
    else:
        what = f"{len(statements)} changes since {since.version}"
    return f"changelog posted to {channel} ({what})"


def _line(statement: Statement) -> str:
    if statement.change == "changed" and (statement.before or statement.after):
        return f"• {statement.text}: {statement.before or '—'} → {statement.after or '—'}"
    return f"• {statement.text}"


def _sections(lines: list[str]) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:SECTION_CHARS]
        if current and len(current) + 1 + len(line) > SECTION_CHARS:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def tell_channel(directory: Path, head: Framework, target: Target) -> str:
    """After a successful apply of `directory` (loaded as `head`) to `target`: post the
    changelog, and say in one line what happened. Never raises for Slack's sake: the apply
    has succeeded whatever Slack answers."""
    channel = target.notify.changelog_channel if target.notify else None
    owner = head.owner.partition(":")
    if channel is None and owner[0] == "team":
        channel = head.team(owner[2]).slack_channel
    if channel is None:
        return "no changelog: set notify.changelog_channel in sync/targets.yaml"
    with slack_session(target, head) as client:
        if client is None:
            return "changelog not posted: SLACK_BOT_TOKEN is not set"
        commit = published_commit(directory)
        try:
            return announce(client, channel, head, target.name, commit, _differ(directory, head))
        except SlackApiError as failure:
            answer = failure.response.data
            error = answer.get("error") if isinstance(answer, dict) else None
            status = error or failure.response.status_code
            return f"changelog not posted to {channel}: Slack answered {status}"
        except LookupError as missing:
            return f"changelog not posted: {missing}"
        except (OSError, http.client.HTTPException):
            return f"changelog not posted to {channel}: Slack could not be reached"


def _differ(directory: Path, head: Framework) -> Callable[[Published], list[Statement] | None]:
    def since(published: Published) -> list[Statement] | None:
        if published.commit is None or not has_commit(directory, published.commit):
            return None
        with temporary_directory() as scratch:
            base = framework_at(published.commit, directory, Path(scratch) / "base")
            result = validate_framework(base)
        return diff_frameworks(result.framework, head) if result.framework else None

    return since
