"""The Web API methods the Slack emulator answers: chat, users, conversations and auth."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from escalations.sandbox.slack.arguments import blocks_arg, flag_arg, required, text_arg
from escalations.sandbox.slack.blocks import MAX_TEXT, check_blocks
from escalations.sandbox.slack.limits import ApiError
from escalations.sandbox.slack.store import Channel, Message, Revision, Store, User

TEAM_ID = "T0SANDBOX"
TEAM_NAME = "Escalations Sandbox"
TEAM_DOMAIN = "escalations-sandbox"
BOT_USER = "U0SANDBOT"
BOT_ID = "B0SANDBOT"
BOT_NAME = "escalations"
APP_ID = "A0SANDBOX"

_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")


class Workspace:
    """The methods over the store; `clock` gives the seconds since the epoch of new `ts`."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock
        self._ts_lock = threading.Lock()

    def dispatch(self, method: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """The answer's fields after `ok` (ApiError for Slack's `ok: false`)."""
        answers: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "chat.postMessage": self.post_message,
            "chat.update": self.update_message,
            "users.lookupByEmail": self.lookup_by_email,
            "conversations.info": self.conversation_info,
            "conversations.history": self.conversation_history,
            "conversations.open": self.conversation_open,
            "conversations.list": self.conversation_list,
            "auth.test": self.auth_test,
        }
        if method not in answers:
            raise ApiError("unknown_method", req_method=method)
        return answers[method](args)

    def target_channel(self, args: Mapping[str, Any]) -> Channel:
        """The channel chat.postMessage posts to: an id, a name, or a user (a DM is opened)."""
        key = text_arg(args, "channel")
        if not key:
            raise ApiError("channel_not_found")
        if _USER_ID.match(key):
            user = self._store.user(key)
            if user is None or user.deleted:
                raise ApiError("channel_not_found")
            found = self._store.dm_for(user.id)
            if found is not None:
                return found
            return self._existing(self._store.add_channel(user.id, True, True, user.id))
        found = self._store.channel(key)
        if found is None or (found.is_private and not found.is_member):
            raise ApiError("channel_not_found")
        return found

    def post_message(self, args: Mapping[str, Any]) -> dict[str, Any]:
        channel = self.target_channel(args)
        if not channel.is_member:
            raise ApiError("not_in_channel")
        if channel.is_archived:
            raise ApiError("is_archived")
        revision = _revision(args, None)
        metadata = _metadata(args)
        thread_ts = text_arg(args, "thread_ts") or None
        if thread_ts and not self._store.messages(channel.id, thread_ts):
            raise ApiError("thread_not_found")
        ts = self._next_ts()
        self._store.post(channel.id, ts, BOT_USER, thread_ts, revision, metadata)
        message = _message_shape(self._store.messages(channel.id, ts)[0])
        return {"channel": channel.id, "ts": ts, "message": message}

    def update_message(self, args: Mapping[str, Any]) -> dict[str, Any]:
        # Slack wants the channel's id here, not its name (reference §1.5)
        channel = self._store.channel(required(args, "channel"))
        if channel is None or channel.id != args["channel"]:
            raise ApiError("channel_not_found")
        found = self._store.messages(channel.id, required(args, "ts"))
        if not found:
            raise ApiError("message_not_found")
        message = found[0]
        if message.author != BOT_USER:
            raise ApiError("cant_update_message")
        if channel.is_archived:
            raise ApiError("is_archived")
        self._store.update(message, _revision(args, message))
        updated = self._store.messages(channel.id, message.ts)[0]
        shape = _message_shape(updated)
        return {"channel": channel.id, "ts": message.ts, "text": updated.text, "message": shape}

    def lookup_by_email(self, args: Mapping[str, Any]) -> dict[str, Any]:
        user = self._store.user_by_email(required(args, "email"))
        # a deactivated user is not found (reference §1.6)
        if user is None or user.deleted:
            raise ApiError("users_not_found")
        return {"user": user_shape(user)}

    def conversation_info(self, args: Mapping[str, Any]) -> dict[str, Any]:
        key = text_arg(args, "channel")
        channel = self._store.channel(key) if key else None
        if channel is None or channel.id != key or (channel.is_private and not channel.is_member):
            raise ApiError("channel_not_found")
        shape = channel_shape(channel)
        if flag_arg(args, "include_num_members") and channel.user is None:
            # membership is not modelled: every active user counts, and the bot when a member
            shape["num_members"] = self._store.active_users() + int(channel.is_member)
        return {"channel": shape}

    def conversation_history(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """A conversation's messages, newest first, between `oldest` and `latest` (exclusive
        unless `inclusive`), `limit` a page (default 100, at most 999), `cursor` the next."""
        key = required(args, "channel")
        channel = self._store.channel(key)
        if channel is None or channel.id != key or (channel.is_private and not channel.is_member):
            raise ApiError("channel_not_found")
        if not channel.is_member:
            raise ApiError("not_in_channel")
        oldest = _ts_arg(args, "oldest", 0.0)
        latest = _ts_arg(args, "latest", float("inf"))
        inclusive = flag_arg(args, "inclusive")
        limit = _limit_arg(args, 100, 999)
        before = _cursor_arg(args)
        with_metadata = flag_arg(args, "include_all_metadata")

        def within(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        found = [
            m
            for m in reversed(self._store.messages(channel.id))
            if m.thread_ts in (None, m.ts)
            and within(float(m.ts))
            and (before is None or float(m.ts) < float(before))
        ]
        page, more = found[:limit], len(found) > limit
        messages = []
        for message in page:
            shape = _message_shape(message)
            if with_metadata and message.metadata is not None:
                shape["metadata"] = message.metadata
            messages.append(shape)
        return {
            "messages": messages,
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": _cursor(page[-1].ts) if more else ""},
        }

    def conversation_open(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The direct message with one user, opened if need be (multi-person DMs are not
        modelled: more than one user is refused)."""
        users = [u.strip() for u in (text_arg(args, "users") or "").split(",") if u.strip()]
        if not users:
            if text_arg(args, "channel"):
                raise ApiError("method_not_supported_for_channel_type")
            raise ApiError("users_list_not_supplied")
        if len(users) > 1:
            messages = {"messages": ["[ERROR] the emulator opens one person's DM only"]}
            raise ApiError("invalid_arguments", response_metadata=messages)
        user = self._store.user(users[0])
        if user is None:
            raise ApiError("user_not_found")
        if user.deleted:
            raise ApiError("user_disabled")
        found = self._store.dm_for(user.id)
        channel = found or self._existing(self._store.add_channel(user.id, True, True, user.id))
        shape = channel_shape(channel) if flag_arg(args, "return_im") else {"id": channel.id}
        extra = {"no_op": True, "already_open": True} if found is not None else {}
        return {"channel": shape, **extra}

    def conversation_list(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Channels by id, `types` public_channel (the default) and private_channel (those the
        bot is in), `exclude_archived`, pages of `limit` (default 100, at most 1000)."""
        types = {t.strip() for t in (text_arg(args, "types") or "public_channel").split(",")}
        unknown = types - {"public_channel", "private_channel", "mpim", "im"}
        if unknown:
            raise ApiError("invalid_types")
        limit = _limit_arg(args, 100, 1000)
        after = _cursor_arg(args)
        listed = [
            c
            for c in self._store.channels()
            if ("private_channel" if c.is_private else "public_channel") in types
            and (c.is_member or not c.is_private)
            and not (c.is_archived and flag_arg(args, "exclude_archived"))
            and (after is None or c.id > after)
        ]
        page, more = listed[:limit], len(listed) > limit
        return {
            "channels": [channel_shape(c) for c in page],
            "response_metadata": {"next_cursor": _cursor(page[-1].id) if more else ""},
        }

    def auth_test(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def post_as(self, channel: Channel, user: User, text: str) -> Message:
        """A message a person posted (the bot cannot update it)."""
        ts = self._next_ts()
        self._store.post(channel.id, ts, user.id, None, Revision(text, None))
        return self._store.messages(channel.id, ts)[0]

    def _existing(self, channel_id: str) -> Channel:
        found = self._store.channel(channel_id)
        assert found is not None  # just written
        return found

    def _next_ts(self) -> str:
        """A new message ts, "seconds.micros", always after the last one (Slack's are unique)."""
        with self._ts_lock:
            micros = int(self._clock() * 1_000_000)
            last = self._store.last_ts()
            if last is not None:
                seconds, _, fraction = last.partition(".")
                micros = max(micros, int(seconds) * 1_000_000 + int(fraction) + 1)
            return f"{micros // 1_000_000:010d}.{micros % 1_000_000:06d}"


def _revision(args: Mapping[str, Any], previous: Message | None) -> Revision:
    """The text and blocks of a post, or of an update of `previous` (which keeps what the
    update omits, reference §1.5)."""
    text = text_arg(args, "text")
    blocks = blocks_arg(args)
    has_content = text or blocks or args.get("attachments") or args.get("markdown_text")
    if not has_content:
        raise ApiError("no_text")
    if text is not None and len(text) > MAX_TEXT:
        raise ApiError("msg_too_long")
    if blocks is not None:
        problems = check_blocks(blocks)
        if problems:
            metadata = {"messages": [f"[ERROR] {problem}" for problem in problems]}
            raise ApiError("invalid_blocks", errors=problems, response_metadata=metadata)
    if previous is not None:
        text = previous.text if text is None else text
        blocks = previous.blocks if blocks is None else blocks
    return Revision(text or "", blocks or None)


def _metadata(args: Mapping[str, Any]) -> dict[str, Any] | None:
    """chat.postMessage's `metadata`: an object in JSON, a JSON string in a form, with a text
    `event_type` and an object `event_payload`."""
    metadata = args.get("metadata")
    if metadata is None or metadata == "":
        return None
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            raise ApiError("invalid_metadata_format") from None
    if not isinstance(metadata, dict):
        raise ApiError("invalid_metadata_format")
    if not isinstance(metadata.get("event_type"), str) or not isinstance(
        metadata.get("event_payload"), dict
    ):
        raise ApiError("invalid_metadata_schema")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def _ts_arg(args: Mapping[str, Any], name: str, default: float) -> float:
    value = args.get(name)
    if value in (None, ""):
        return default
    try:
        return float(str(value))
    except ValueError:
        raise ApiError("invalid_ts_" + name) from None


def _limit_arg(args: Mapping[str, Any], default: int, most: int) -> int:
    value = args.get("limit")
    if value in (None, "", 0, "0"):
        return default
    try:
        return max(1, min(int(str(value)), most))
    except ValueError:
        raise ApiError("invalid_limit") from None


def _cursor(position: str) -> str:
    return base64.urlsafe_b64encode(f"next:{position}".encode()).decode()


def _cursor_arg(args: Mapping[str, Any]) -> str | None:
    cursor = text_arg(args, "cursor")
    if not cursor:
        return None
    try:
        kind, _, position = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except ValueError:
        raise ApiError("invalid_cursor") from None
    if kind != "next" or not position:
        raise ApiError("invalid_cursor")
    return position


def _message_shape(message: Message) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "type": "message",
        "text": message.text,
        "user": message.author,
        "ts": message.ts,
        "team": TEAM_ID,
    }
    if message.author == BOT_USER:
        shape |= {"bot_id": BOT_ID, "app_id": APP_ID}
    if message.blocks:
        shape["blocks"] = message.blocks
    if message.thread_ts:
        shape["thread_ts"] = message.thread_ts
    if message.updates:
        shape["edited"] = {"user": message.author, "ts": message.ts}
    return shape


def user_shape(user: User) -> dict[str, Any]:
    """A user object (reference §1.6), with the fields the emulator knows."""
    display = user.email.split("@")[0]
    return {
        "id": user.id,
        "team_id": TEAM_ID,
        "name": display,
        "deleted": user.deleted,
        "real_name": user.name,
        "tz": "UTC",
        "tz_label": "Coordinated Universal Time",
        "tz_offset": 0,
        "profile": {
            "real_name": user.name,
            "display_name": display,
            "email": user.email,
            "team": TEAM_ID,
        },
        "is_admin": False,
        "is_owner": False,
        "is_bot": False,
        "is_app_user": False,
    }


def channel_shape(channel: Channel) -> dict[str, Any]:
    """A conversation object (reference §1.7)."""
    if channel.user is not None:
        return {"id": channel.id, "is_im": True, "user": channel.user, "is_archived": False}
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": channel.is_archived,
        "is_general": channel.name == "general",
        "is_member": channel.is_member,
        "creator": BOT_USER,
    }
