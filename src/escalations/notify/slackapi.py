"""Slack as the worker reaches it: the client, how its failures read, and the history lookup
that tells whether a post interrupted by a stop reached Slack."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from escalations.notify.delivery import HALTING, PostResult

HISTORY_MARGIN = timedelta(minutes=5)
"""How far before a delivery's claim its channel's history is read: Slack's clock and ours
may differ, and reading further back only costs a longer page."""
HISTORY_PAGES = 10

_CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]+$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")


def slack_client(token: str, base_url: str = "https://slack.com/api/") -> WebClient:
    """A client without the SDK's own retries: its connection retry re-sends a post that may
    have reached Slack (a duplicate), and the worker retries on the outbox's schedule instead."""
    return WebClient(token=token, base_url=base_url, retry_handlers=[])


class Unanswered(Exception):
    """Slack did not answer a recovery lookup (an outage, a rate limit, a token error)."""


def result_of(failure: SlackApiError) -> PostResult:
    response = failure.response
    headers = response.headers or {}
    retry_after = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(retry_after, list):
        retry_after = retry_after[0] if retry_after else None
    error = response.get("error") if isinstance(response.data, dict) else None
    return PostResult(
        response.status_code, str(error) if error else None, str(retry_after or "") or None
    )


def transient(answer: PostResult) -> bool:
    return answer.status in (0, 429) or answer.status >= 500


class History:
    """Reads a channel's history: where an interrupted delivery went, the last changelog;
    conversations.list answers are cached."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._names: dict[str, str] = {}
        """A channel's name (without `#`) -> its id."""

    def since(
        self, aimed: str, claimed: datetime
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        """The conversation id `aimed` names (an id, a user's DM, a `#name`) and its messages
        since just before `claimed`; (None, None) when Slack says it cannot tell (a missing
        scope, a channel left); `Unanswered` when Slack did not answer."""
        try:
            channel = self.conversation(aimed)
            if channel is None:
                return None, None
            messages: list[dict[str, Any]] = []
            oldest = f"{(claimed - HISTORY_MARGIN).timestamp():.6f}"
            for page, last in self.pages(channel, oldest=oldest):
                messages += page
                if last:
                    return channel, messages
            return channel, None
        except SlackApiError as failure:
            result = result_of(failure)
            if transient(result) or result.error in HALTING:
                raise Unanswered from None
            return None, None
        except (OSError, http.client.HTTPException):
            raise Unanswered from None

    def pages(
        self, channel: str, *, oldest: str | None = None
    ) -> Iterator[tuple[list[dict[str, Any]], bool]]:
        """The channel's messages with their metadata, newest first, a page of 100 at a time
        (since `oldest` when given), each with whether it is the history's last; at most
        HISTORY_PAGES pages."""
        cursor = None
        for _ in range(HISTORY_PAGES):
            page = self._client.conversations_history(
                channel=channel,
                oldest=oldest,
                inclusive=True,
                include_all_metadata=True,
                limit=100,
                cursor=cursor,
            )
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            last = not page.get("has_more") or not cursor
            yield page.get("messages") or [], last
            if last:
                return

    def conversation(self, aimed: str) -> str | None:
        """The conversation id `aimed` names: an id, a user's DM (opened), or a `#name` (None
        when the app sees no such channel)."""
        if _CONVERSATION_ID.match(aimed):
            return aimed
        if _USER_ID.match(aimed):
            opened = self._client.conversations_open(users=aimed)
            return str((opened.get("channel") or {}).get("id")) or None
        name = aimed.removeprefix("#")
        cursor = None
        while name not in self._names:
            page = self._client.conversations_list(
                types="public_channel,private_channel", limit=1000, cursor=cursor
            )
            for listed in page.get("channels") or []:
                self._names[str(listed.get("name"))] = str(listed.get("id"))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return self._names.get(name)
