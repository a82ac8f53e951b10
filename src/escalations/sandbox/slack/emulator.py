"""A local emulator of the Slack Web API subset the notifier uses, served over loopback HTTP.

`slack_sdk` talks to it unchanged: `WebClient(token=slack.token, base_url=slack.base_url +
"/api/")` (the SDK joins method names onto `base_url` with `urljoin` after forcing a trailing
`/`, reference §1.1). Unset the `HTTP(S)_PROXY` variables first: the SDK routes every call
through them and ignores `NO_PROXY` (§1.10).

Methods: `chat.postMessage` (with `metadata`), `chat.update`, `users.lookupByEmail`,
`conversations.info`, `conversations.history` (newest first, `oldest`/`latest`/`inclusive`,
cursor pages, metadata with `include_all_metadata`), `conversations.open` (one person's DM),
`conversations.list` and `auth.test` under `/api/`, as POST with a JSON or form body (the
sync client) or GET with a query string (`AsyncWebClient`). Answers are Slack's envelopes,
`{"ok": true, ...}` or `{"ok": false, "error": code}` at HTTP 200; 429 (`ratelimited`)
carries an integer `Retry-After`. A missing token answers `not_authed`, another token than `token`
`invalid_auth`. `blocks` are checked against Block Kit's limits (`blocks.py`, `invalid_blocks`
with Slack's `errors` list). chat.postMessage allows one message per second per channel after
a burst of `burst`; the tiered methods their tier's per-minute budget; `rate_limits = False`
turns limits off. `inject` scripts faults (`limits.FAULT_KINDS`). `click` delivers a signed
`block_actions` payload, as Slack does when a person presses a button. The workspace lives in
SQLite: in memory, or in a file that a later emulator reopens.

Emulator choices where Slack's behaviour is undocumented or unverified: `text` over 40,000
characters answers `msg_too_long` (Slack may truncate instead); emails match ignoring case;
a user id as chat.postMessage's `channel` opens a DM `D…`; chat.update needs the channel's
id; a public channel the bot is not in answers `not_in_channel`, a private one
`channel_not_found`; unknown methods answer `unknown_method` at 200; injected 5xx answers
carry `internal_error` (500), `service_unavailable` (503), `request_timeout` (504) or
`fatal_error`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from escalations.sandbox.faults import Prepared, check_fault, take_fault
from escalations.sandbox.http import Emulator, Response
from escalations.sandbox.slack.arguments import Call, read_call, text_arg, token_of
from escalations.sandbox.slack.click import Delivery, deliver_click
from escalations.sandbox.slack.limits import FAULT_KINDS, ApiError, Fault, Limits
from escalations.sandbox.slack.methods import Workspace
from escalations.sandbox.slack.store import Channel, Message, Store, User

__all__ = ["FAULT_KINDS", "SlackEmulator"]

API = "/api/"


class SlackEmulator(Emulator):
    """A Slack Web API emulator on 127.0.0.1 for `slack_sdk` (see the module docstring).

    `requests` counts every request received, rejected ones included, by `(HTTP verb, API
    method)`, e.g. `("POST", "chat.postMessage")`; `journal` keeps each one as a `Call`.
    `clock` (seconds since the epoch) stamps messages and drives the rate limits."""

    NAME = "Slack"
    _store: Store

    def __init__(
        self,
        database: Path | None = None,
        *,
        token: str = "xoxb-sandbox-token",
        burst: int = 3,
        rate_limits: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.requests: Counter[tuple[str, str]] = Counter()
        self.journal: list[Call] = []
        self._clock = clock
        super().__init__(Store(database))
        self._workspace = Workspace(self._store, clock)
        self._limits = Limits(burst, clock)
        self._limits.enabled = rate_limits
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    # -- test controls --------------------------------------------------------------------

    @property
    def rate_limits(self) -> bool:
        """Whether the rate limits apply (set False to turn them off, True to start afresh)."""
        return self._limits.enabled

    @rate_limits.setter
    def rate_limits(self, enabled: bool) -> None:
        self._limits.reset()
        self._limits.enabled = enabled

    def add_user(self, email: str, name: str, deleted: bool = False) -> User:
        """A member of the workspace (again with the same email: renamed, or (de)activated)."""
        with self._store.transaction():
            return self._store.add_user(email, name, deleted)

    def add_channel(self, name: str, *, private: bool = False, member: bool = True) -> str:
        """A channel (`C…`, private `G…`) the bot is in unless `member` is False; its id."""
        with self._store.transaction():
            return self._store.add_channel(name.removeprefix("#"), private, member, None)

    def archive_channel(self, channel: str, archived: bool = True) -> None:
        with self._store.transaction():
            self._store.archive(self.channel(channel).id, archived)

    def channel(self, channel: str) -> Channel:
        """The channel with this id or name; KeyError when there is none."""
        found = self._store.channel(channel)
        if found is None:
            raise KeyError(f"no channel {channel!r} in the Slack emulator")
        return found

    def messages(self, channel: str) -> list[Message]:
        """The messages of a channel (id or name), oldest first, each with its updates."""
        return self._store.messages(self.channel(channel).id)

    def message(self, ts: str) -> Message:
        """The message with this `ts`, in whichever channel; KeyError when there is none."""
        found = self._store.messages(None, ts)
        if not found:
            raise KeyError(f"no message with ts {ts!r} in the Slack emulator")
        return found[0]

    def post_as(self, channel: str, email: str, text: str) -> Message:
        """A message posted by a person (so the bot's chat.update answers cant_update_message)."""
        with self._store.transaction():
            user = self._store.user_by_email(email)
            if user is None:
                raise KeyError(f"no user {email!r} in the Slack emulator")
            return self._workspace.post_as(self.channel(channel), user, text)

    def click(
        self,
        message_ts: str,
        action_id: str,
        user_email: str,
        url: str,
        signing_secret: str,
        *,
        timestamp: int | None = None,
        timeout: float = 10.0,
        option: str | None = None,
    ) -> Delivery:
        """Press the button `action_id` of a message as the user `user_email` (or, for a
        static_select, choose its option of value `option`): POST Slack's signed
        `block_actions` payload to `url` (reference §1.11) and return the answer.
        `timestamp` (seconds) signs as of another moment (default: the emulator's clock)."""
        message = self.message(message_ts)
        user = self._store.user_by_email(user_email)
        if user is None:
            raise KeyError(f"no user {user_email!r} in the Slack emulator")
        channel = self.channel(message.channel)
        moment = int(self._clock()) if timestamp is None else timestamp
        return deliver_click(
            message, channel, user, action_id, url, signing_secret, moment, timeout, option
        )

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.journal.clear()

    def inject(
        self,
        status: int | None = None,
        *,
        kind: str = "error",
        times: int = 1,
        method: str | None = None,
        route: str | None = None,
        delay: float = 0.0,
        commit: bool = False,
        retry_after: int | None = None,
        error: str | None = None,
    ) -> None:
        """Make the next `times` requests of HTTP verb `method` to API method `route` (e.g.
        "chat.postMessage"; None: any) answer a fault of `kind` (see `faults.COMMON_KINDS`):
        by default `status` with Slack's error body (429: `ratelimited` with `Retry-After:
        retry_after`, 1 when None; kind `retry_date`: as an HTTP date). `error` answers that
        Slack error code (at 200 when no status is given), e.g. "message_limit_exceeded".
        `commit` performs the request first; `delay` sleeps before answering."""
        if error is not None and status is None and kind == "error":
            status = 200
        code = check_fault(FAULT_KINDS, kind, status, times=times, delay=delay, commit=commit)
        verb = method.upper() if method else None
        fault = Fault(kind, code, times, verb, route, delay, commit, retry_after, error)
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- request handling -----------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one HTTP request (`headers` with lower-case names)."""
        parts = urlsplit(target)
        api_method = parts.path[len(API) :] if parts.path.startswith(API) else parts.path
        with self._lock:
            self.requests[(method, api_method)] += 1
        try:
            call = read_call(method, api_method, parts.query, headers, body)
            with self._lock:
                self.journal.append(call)
            return Response(200, {"ok": True, **self._process(call, headers)})
        except Prepared as prepared:
            return prepared.response
        except ApiError as failure:
            return failure.response()
        except Exception as exc:  # an emulator bug: answer like Slack's own failure
            return ApiError("fatal_error", 500, detail=repr(exc)).response()

    def _process(self, call: Call, headers: Mapping[str, str]) -> dict[str, object]:
        if not call.method or "/" in call.method:
            raise ApiError("unknown_method", 404, req_method=call.method)
        fault = self._take_fault(call.verb, call.method)
        if fault is not None and (fault.answers_early or fault.error):
            self._closing.wait(fault.delay)
            raise fault.exception(datetime.fromtimestamp(self._clock(), UTC))
        token = token_of(call, headers)
        if token is None:
            raise ApiError("not_authed")
        if token != self.token:
            raise ApiError("invalid_auth")
        with self._store.transaction():
            self._throttle(call)
            result = self._workspace.dispatch(call.method, call.args)
        if fault is not None:
            self._closing.wait(fault.delay)
            if fault.status >= 400:
                raise fault.exception(datetime.fromtimestamp(self._clock(), UTC))
            if fault.kind == "reset":
                raise Prepared(Response(200, {"ok": True, **result}, reset=True))
        return result

    def _throttle(self, call: Call) -> None:
        channel = None
        if call.method == "chat.postMessage":
            # the budget is the resolved channel's, however the caller names it
            try:
                channel = self._workspace.target_channel(call.args).id
            except ApiError:
                channel = text_arg(call.args, "channel")
        self._limits.check(call.method, channel)

    def _take_fault(self, verb: str, method: str) -> Fault | None:
        with self._lock:
            return take_fault(self._faults, verb, method)
