"""The Slack emulator through the real slack_sdk clients: methods, errors, limits, faults."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    FixedValueRetryIntervalCalculator,
    RateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from escalations.sandbox.slack import SlackEmulator

# slack_sdk warns when a message has blocks but no fallback text; these tests send such on purpose
pytestmark = pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")

TS = re.compile(r"^\d{10}\.\d{6}$")
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ACK = {"type": "button", "action_id": "ack", "text": {"type": "plain_text", "text": "Acknowledge"}}
ESCALATION = [
    {"type": "header", "text": {"type": "plain_text", "text": "Ticket escalated"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*#1234* Printer on fire"}},
    {"type": "actions", "block_id": "esc_1234", "elements": [{**ACK, "value": "1234"}]},
]


class FakeClock:
    """Seconds since the epoch that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(rate_limits=False) as emulator:
        emulator.add_user("ann@example.com", "Ann Lee")
        emulator.add_channel("escalations")
        yield emulator


def client(slack: SlackEmulator, **options: Any) -> WebClient:
    return WebClient(token=slack.token, base_url=slack.base_url + "/api/", **options)


def error_of(call: Any, *args: Any, **kwargs: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_auth_test_answers_the_bot_identity(slack: SlackEmulator) -> None:
    assert client(slack).auth_test().data == {
        "ok": True,
        "url": "https://escalations-sandbox.slack.com/",
        "team": "Escalations Sandbox",
        "user": "escalations",
        "team_id": "T0SANDBOX",
        "user_id": "U0SANDBOT",
        "bot_id": "B0SANDBOT",
        "is_enterprise_install": False,
    }


def test_post_message_answers_channel_ts_and_message_and_keeps_it(slack: SlackEmulator) -> None:
    web = client(slack)
    first = web.chat_postMessage(channel="#escalations", text="Escalated", blocks=ESCALATION)
    second = web.chat_postMessage(channel="escalations", text="Again")
    channel_id = slack.channel("escalations").id
    assert first["channel"] == channel_id
    assert TS.match(first["ts"]) and second["ts"] > first["ts"]
    assert first["message"] == {
        "type": "message",
        "text": "Escalated",
        "user": "U0SANDBOT",
        "ts": first["ts"],
        "team": "T0SANDBOX",
        "bot_id": "B0SANDBOT",
        "app_id": "A0SANDBOX",
        "blocks": ESCALATION,
    }
    posted = slack.messages("escalations")
    assert [(m.ts, m.text, m.blocks, m.updates) for m in posted] == [
        (first["ts"], "Escalated", ESCALATION, ()),
        (second["ts"], "Again", None, ()),
    ]
    assert slack.requests[("POST", "chat.postMessage")] == 2
    assert [call.encoding for call in slack.journal] == ["json", "json"]


def test_post_message_to_a_user_id_opens_a_direct_message(slack: SlackEmulator) -> None:
    user = slack.add_user("bo@example.com", "Bo Park")
    answer = client(slack).chat_postMessage(channel=user.id, text="You own #1234")
    assert answer["channel"].startswith("D")
    assert [m.text for m in slack.messages(answer["channel"])] == ["You own #1234"]
    info = client(slack).conversations_info(channel=answer["channel"])
    assert info["channel"] == {
        "id": answer["channel"],
        "is_im": True,
        "user": user.id,
        "is_archived": False,
    }


def test_update_replaces_the_text_keeps_the_blocks_and_records_the_update(
    slack: SlackEmulator,
) -> None:
    web = client(slack)
    posted = web.chat_postMessage(channel="escalations", text="Escalated", blocks=ESCALATION)
    answer = web.chat_update(channel=posted["channel"], ts=posted["ts"], text="Acknowledged")
    assert (answer["channel"], answer["ts"], answer["text"]) == (
        posted["channel"],
        posted["ts"],
        "Acknowledged",
    )
    assert answer["message"]["blocks"] == ESCALATION
    message = slack.message(posted["ts"])
    assert (message.text, message.blocks) == ("Acknowledged", ESCALATION)
    assert [(r.text, r.blocks) for r in message.updates] == [("Acknowledged", ESCALATION)]


def test_lookup_by_email_answers_the_user_ignoring_case(slack: SlackEmulator) -> None:
    user = client(slack).users_lookupByEmail(email="Ann@Example.com")["user"]
    assert user["id"] == slack.add_user("ann@example.com", "Ann Lee").id
    assert (user["real_name"], user["deleted"], user["profile"]["email"]) == (
        "Ann Lee",
        False,
        "ann@example.com",
    )
    assert slack.journal[-1].encoding == "form"


def test_conversations_info_answers_the_channel(slack: SlackEmulator) -> None:
    channel_id = slack.channel("escalations").id
    answer = client(slack).conversations_info(channel=channel_id, include_num_members=True)
    channel = answer["channel"]
    assert (channel["id"], channel["name"], channel["is_archived"], channel["is_member"]) == (
        channel_id,
        "escalations",
        False,
        True,
    )
    assert channel["num_members"] == 2  # Ann and the bot
    slack.archive_channel("escalations")
    assert client(slack).conversations_info(channel=channel_id)["channel"]["is_archived"] is True


def test_history_answers_newest_first_with_metadata_and_pages(slack: SlackEmulator) -> None:
    web = client(slack)
    channel = slack.channel("escalations").id
    posted = []
    for n in range(3):
        metadata = {"event_type": "escalation_notice", "event_payload": {"n": n}}
        posted.append(web.chat_postMessage(channel=channel, text=f"m{n}", metadata=metadata)["ts"])
    page = web.conversations_history(channel=channel, include_all_metadata=True, limit=2)
    assert [m["text"] for m in page["messages"]] == ["m2", "m1"]
    assert page["messages"][0]["metadata"] == {
        "event_type": "escalation_notice",
        "event_payload": {"n": 2},
    }
    assert page["has_more"] is True
    cursor = page["response_metadata"]["next_cursor"]
    rest = web.conversations_history(channel=channel, limit=2, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["m0"]
    assert "metadata" not in rest["messages"][0]  # only with include_all_metadata
    assert (rest["has_more"], rest["response_metadata"]["next_cursor"]) == (False, "")
    since = web.conversations_history(channel=channel, oldest=posted[1], inclusive=True)
    assert [m["ts"] for m in since["messages"]] == [posted[2], posted[1]]
    after = web.conversations_history(channel=channel, oldest=posted[1])
    assert [m["ts"] for m in after["messages"]] == [posted[2]]


def test_history_open_and_list_errors(slack: SlackEmulator) -> None:
    web = client(slack)
    hidden = slack.add_channel("leads", member=False)
    for call, error in [
        (lambda: web.conversations_history(channel="escalations"), "channel_not_found"),
        (lambda: web.conversations_history(channel=hidden), "not_in_channel"),
        (lambda: web.conversations_open(users="U99999999"), "user_not_found"),
        (lambda: web.api_call("conversations.open", params={}), "users_list_not_supplied"),
        (lambda: web.conversations_list(types="everything"), "invalid_types"),
        (lambda: web.chat_postMessage(channel="escalations", text="x", metadata={"x": 1}),
         "invalid_metadata_schema"),
    ]:  # fmt: skip
        with pytest.raises(SlackApiError) as refused:
            call()
        assert refused.value.response["error"] == error


def test_open_answers_the_dm_a_post_to_the_user_opened(slack: SlackEmulator) -> None:
    web = client(slack)
    ann = slack.add_user("ann@example.com", "Ann Lee")
    posted = web.chat_postMessage(channel=ann.id, text="hello")
    opened = web.conversations_open(users=ann.id)
    assert opened["channel"] == {"id": posted["channel"]}
    assert (opened["no_op"], opened["already_open"]) == (True, True)
    gone = slack.add_user("bo@example.com", "Bo Park", deleted=True)
    with pytest.raises(SlackApiError) as refused:
        web.conversations_open(users=gone.id)
    assert refused.value.response["error"] == "user_disabled"


def test_list_names_the_channels_the_bot_may_see_in_pages(slack: SlackEmulator) -> None:
    web = client(slack)
    slack.add_channel("secret", private=True, member=False)
    slack.add_channel("leads", private=True)
    slack.archive_channel(slack.add_channel("old"))
    names = [c["name"] for c in web.conversations_list()["channels"]]
    assert names == ["escalations", "old"]
    both = web.conversations_list(types="public_channel,private_channel", exclude_archived=True)
    assert [c["name"] for c in both["channels"]] == ["escalations", "leads"]
    first = web.conversations_list(limit=1)
    rest = web.conversations_list(limit=1, cursor=first["response_metadata"]["next_cursor"])
    assert [c["name"] for c in first["channels"] + rest["channels"]] == ["escalations", "old"]


def test_tokens_missing_or_wrong_are_refused_at_200(slack: SlackEmulator) -> None:
    base = slack.base_url + "/api/"
    missing = error_of(WebClient(base_url=base).auth_test)
    wrong = error_of(WebClient(token="xoxb-other", base_url=base).auth_test)
    assert (missing.response.status_code, missing.response.data) == (
        200,
        {"ok": False, "error": "not_authed"},
    )
    assert (wrong.response.status_code, wrong.response.data) == (
        200,
        {"ok": False, "error": "invalid_auth"},
    )


def test_the_token_may_come_as_a_form_argument(slack: SlackEmulator) -> None:
    web = WebClient(base_url=slack.base_url + "/api/")
    assert web.api_call("auth.test", data={"token": slack.token})["user_id"] == "U0SANDBOT"


def test_posting_errors(slack: SlackEmulator) -> None:
    web = client(slack)
    slack.add_channel("quiet", member=False)
    slack.add_channel("secret", private=True, member=False)
    slack.add_channel("old")
    slack.archive_channel("old")
    cases = {
        "channel_not_found": {"channel": "nowhere", "text": "x"},
        "not_in_channel": {"channel": "quiet", "text": "x"},
        "is_archived": {"channel": "old", "text": "x"},
        "no_text": {"channel": "escalations"},
        "msg_too_long": {"channel": "escalations", "text": "x" * 40_001},
    }
    errors = {code: error_of(web.chat_postMessage, **args).response for code, args in cases.items()}
    assert {code: answer["error"] for code, answer in errors.items()} == {c: c for c in cases}
    assert {answer.status_code for answer in errors.values()} == {200}
    secret = error_of(web.chat_postMessage, channel="secret", text="x")
    assert secret.response["error"] == "channel_not_found"
    web.chat_postMessage(channel="escalations", text="x" * 40_000)
    assert len(slack.messages("escalations")) == 1


def test_update_errors(slack: SlackEmulator) -> None:
    web = client(slack)
    channel_id = slack.channel("escalations").id
    posted = web.chat_postMessage(channel=channel_id, text="Escalated")
    theirs = slack.post_as("escalations", "ann@example.com", "I'm on it")
    cases = {
        "channel_not_found": {"channel": "escalations", "ts": posted["ts"], "text": "x"},
        "message_not_found": {"channel": channel_id, "ts": "1111111111.000001", "text": "x"},
        "cant_update_message": {"channel": channel_id, "ts": theirs.ts, "text": "x"},
        "no_text": {"channel": channel_id, "ts": posted["ts"]},
        "msg_too_long": {"channel": channel_id, "ts": posted["ts"], "text": "x" * 40_001},
    }
    found = {
        code: error_of(web.chat_update, **args).response["error"] for code, args in cases.items()
    }
    assert found == {code: code for code in cases}
    assert slack.message(posted["ts"]).updates == ()


def test_lookup_by_email_errors(slack: SlackEmulator) -> None:
    web = client(slack)
    slack.add_user("gone@example.com", "Gone Away", deleted=True)
    for email in ("nobody@example.com", "gone@example.com"):
        assert error_of(web.users_lookupByEmail, email=email).response.data == {
            "ok": False,
            "error": "users_not_found",
        }
    missing = error_of(web.api_call, "users.lookupByEmail", data={})
    assert missing.response.data == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": ["[ERROR] missing required field: email"]},
    }


def test_conversations_info_refuses_unknown_and_hidden_channels(slack: SlackEmulator) -> None:
    hidden = slack.add_channel("secret", private=True, member=False)
    web = client(slack)
    for channel in ("C99999999", hidden, "escalations"):
        assert error_of(web.conversations_info, channel=channel).response["error"] == (
            "channel_not_found"
        )


def button(**fields: Any) -> dict[str, Any]:
    return {**ACK, **fields}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


LIMITS = [
    ([section("x")] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
    ([section("x" * 3001)], "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
    (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x"}] * 11}],
        "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
    ),
    (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}],
        "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
    ),
    (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}],
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
    ),
    (
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
    ),
    (
        [{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}],
        "must be of type plain_text [json-pointer:/blocks/0/text/type]",
    ),
    (
        [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}],
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
    ),
    (
        [{"type": "actions", "elements": [button(text={"type": "plain_text", "text": "x" * 76})]}],
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    ),
    (
        [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
        "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
    ),
    (
        [{"type": "actions", "elements": [button(value="v" * 2001)]}],
        "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
    ),
    (
        [{"type": "actions", "elements": [button(), button()]}],
        "must be unique in the block [json-pointer:/blocks/0/elements/1/action_id]",
    ),
    (
        [{"type": "actions", "elements": [button(style="loud")]}],
        "must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]",
    ),
    (
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "block_id": "b" * 256}],
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
    ),
    ([{"type": "carousel"}], "unsupported type 'carousel' [json-pointer:/blocks/0/type]"),
]


@pytest.mark.parametrize(("blocks", "problem"), LIMITS)
def test_block_kit_limits_are_refused_with_slacks_invalid_blocks(
    slack: SlackEmulator, blocks: list[dict[str, Any]], problem: str
) -> None:
    refused = error_of(client(slack).chat_postMessage, channel="escalations", blocks=blocks)
    assert refused.response.data == {
        "ok": False,
        "error": "invalid_blocks",
        "errors": [problem],
        "response_metadata": {"messages": [f"[ERROR] {problem}"]},
    }
    assert slack.messages("escalations") == []


def test_blocks_at_their_limits_are_accepted(slack: SlackEmulator) -> None:
    elements = [button(action_id="a" * 255, value="v" * 2000, style="danger")]
    elements += [button(action_id=f"b{i}") for i in range(24)]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2000}] * 10},
        {"type": "actions", "elements": elements},
        *[section("s" * 3000)] * 47,
    ]
    client(slack).chat_postMessage(channel="escalations", text="fallback", blocks=blocks)
    assert slack.messages("escalations")[0].blocks == blocks


def test_form_encoded_blocks_are_read_as_a_json_string(slack: SlackEmulator) -> None:
    web = client(slack)
    form = {"channel": "escalations", "blocks": json.dumps(ESCALATION)}
    web.api_call("chat.postMessage", data=form)
    assert slack.messages("escalations")[0].blocks == ESCALATION
    broken = error_of(web.api_call, "chat.postMessage", data={**form, "blocks": "[{"})
    assert broken.response["error"] == "invalid_blocks_format"


def test_post_message_is_limited_per_channel_after_a_burst() -> None:
    clock = FakeClock()
    with SlackEmulator(burst=2, clock=clock) as slack:
        slack.add_channel("escalations")
        slack.add_channel("other")
        web = client(slack)
        web.chat_postMessage(channel="escalations", text="1")
        web.chat_postMessage(channel="escalations", text="2")
        limited = error_of(web.chat_postMessage, channel="escalations", text="3")
        assert (limited.response.status_code, limited.response.data) == (
            429,
            {"ok": False, "error": "ratelimited"},
        )
        assert limited.response.headers["Retry-After"] == "1"
        web.chat_postMessage(channel="other", text="elsewhere")
        clock.now += 1
        web.chat_postMessage(channel=slack.channel("escalations").id, text="3")
        slack.rate_limits = False
        for number in range(5):
            web.chat_postMessage(channel="escalations", text=str(number))
        assert len(slack.messages("escalations")) == 8


def test_a_429_is_retried_after_retry_after_by_slack_sdk() -> None:
    with SlackEmulator(burst=1) as slack:
        slack.add_channel("escalations")
        web = client(slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
        web.chat_postMessage(channel="escalations", text="1")
        web.chat_postMessage(channel="escalations", text="2")
        assert slack.requests[("POST", "chat.postMessage")] == 3
        assert [m.text for m in slack.messages("escalations")] == ["1", "2"]


def test_injected_errors_answer_slacks_bodies(slack: SlackEmulator) -> None:
    web = client(slack)
    slack.inject(503, route="chat.postMessage")
    slack.inject(error="message_limit_exceeded", route="chat.postMessage")
    slack.inject(429, retry_after=7, route="auth.test")
    unavailable = error_of(web.chat_postMessage, channel="escalations", text="x").response
    assert (unavailable.status_code, unavailable.data) == (
        503,
        {"ok": False, "error": "service_unavailable"},
    )
    exceeded = error_of(web.chat_postMessage, channel="escalations", text="x").response
    assert (exceeded.status_code, exceeded.data) == (
        200,
        {"ok": False, "error": "message_limit_exceeded"},
    )
    limited = error_of(web.auth_test).response
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    web.chat_postMessage(channel="escalations", text="through")
    assert [m.text for m in slack.messages("escalations")] == ["through"]


def test_an_html_fault_is_a_gateway_page(slack: SlackEmulator) -> None:
    slack.inject(kind="html")
    answer = error_of(client(slack).auth_test).response
    assert answer.status_code == 502
    assert answer.data["ok"] is False


def test_a_retry_date_fault_sends_an_http_date() -> None:
    clock = FakeClock()
    with SlackEmulator(clock=clock) as slack:
        slack.inject(kind="retry_date", retry_after=30)
        answer = error_of(client(slack).auth_test).response
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "Tue, 14 Nov 2023 22:13:50 GMT"


def test_a_stall_outlasts_the_client_timeout(slack: SlackEmulator) -> None:
    slack.inject(kind="stall", delay=0.5, route="auth.test")
    with pytest.raises((TimeoutError, socket.timeout)):
        client(slack, timeout=0.1, retry_handlers=[]).auth_test()
    assert client(slack).auth_test()["ok"] is True


def test_a_reset_after_commit_posts_although_the_client_sees_an_error(
    slack: SlackEmulator,
) -> None:
    slack.inject(kind="reset", commit=True, route="chat.postMessage")
    with pytest.raises(ConnectionResetError):
        client(slack, retry_handlers=[]).chat_postMessage(channel="escalations", text="once")
    assert [m.text for m in slack.messages("escalations")] == ["once"]


def test_slack_sdks_connection_retry_after_a_committed_reset_posts_twice(
    slack: SlackEmulator,
) -> None:
    # the default ConnectionErrorRetryHandler retries a reset write (reference §1.10)
    quick = ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0))
    slack.inject(kind="reset", commit=True, route="chat.postMessage")
    client(slack, retry_handlers=[quick]).chat_postMessage(channel="escalations", text="twice")
    assert [m.text for m in slack.messages("escalations")] == ["twice", "twice"]


def test_a_reset_before_commit_posts_nothing(slack: SlackEmulator) -> None:
    slack.inject(kind="reset", route="chat.postMessage")
    with pytest.raises(ConnectionResetError):
        client(slack, retry_handlers=[]).chat_postMessage(channel="escalations", text="never")
    assert slack.messages("escalations") == []


def test_the_async_client_sends_get_with_a_query_string(slack: SlackEmulator) -> None:
    async def lookup() -> Any:
        web = AsyncWebClient(token=slack.token, base_url=slack.base_url + "/api/")
        return (await web.users_lookupByEmail(email="ann@example.com"))["user"]["real_name"]

    assert asyncio.run(lookup()) == "Ann Lee"
    assert slack.journal[-1].verb == "GET"
    assert slack.journal[-1].encoding == "query"
    assert slack.requests[("GET", "users.lookupByEmail")] == 1


class _Receiver(BaseHTTPRequestHandler):
    """An app's interactivity endpoint: verifies Slack's signature with slack_sdk."""

    received: list[tuple[bool, dict[str, Any]]]
    secret: str

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        headers = dict(self.headers.items())
        valid = SignatureVerifier(self.secret).is_valid_request(body, headers)
        payload = json.loads(parse_qs(body)["payload"][0])
        self.received.append((valid, payload))
        self.send_response(200 if valid else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[bool, dict[str, Any]]]]]:
    received: list[tuple[bool, dict[str, Any]]] = []
    handler = type("Receiver", (_Receiver,), {"received": received, "secret": SECRET})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/actions", received
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_a_click_delivers_a_signed_block_actions_payload(
    slack: SlackEmulator, receiver: tuple[str, list[tuple[bool, dict[str, Any]]]]
) -> None:
    url, received = receiver
    posted = client(slack).chat_postMessage(channel="escalations", text="x", blocks=ESCALATION)
    delivery = slack.click(posted["ts"], "ack", "ann@example.com", url, SECRET)
    assert delivery.status == 200
    valid, payload = received[0]
    assert valid is True
    assert payload == delivery.payload
    ann = slack.add_user("ann@example.com", "Ann Lee")
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == ann.id
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": posted["channel"], "name": "escalations"}
    action = payload["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"], action["type"]) == (
        "ack",
        "esc_1234",
        "1234",
        "button",
    )
    assert payload["message"]["blocks"] == ESCALATION


def test_a_click_signed_with_another_secret_fails_verification(
    slack: SlackEmulator, receiver: tuple[str, list[tuple[bool, dict[str, Any]]]]
) -> None:
    url, received = receiver
    posted = client(slack).chat_postMessage(channel="escalations", text="x", blocks=ESCALATION)
    delivery = slack.click(posted["ts"], "ack", "ann@example.com", url, "another-secret")
    assert (delivery.status, received[0][0]) == (401, False)
    with pytest.raises(KeyError, match="has no element with action_id 'nope'"):
        slack.click(posted["ts"], "nope", "ann@example.com", url, SECRET)


def test_the_workspace_persists_in_a_file(tmp_path: Path) -> None:
    database = tmp_path / "slack.sqlite"
    with SlackEmulator(database) as slack:
        slack.add_user("ann@example.com", "Ann Lee")
        slack.add_channel("escalations")
        posted = client(slack).chat_postMessage(channel="escalations", text="kept")
    with SlackEmulator(database) as again:
        assert [m.ts for m in again.messages("escalations")] == [posted["ts"]]
        later = client(again).chat_postMessage(channel="escalations", text="next")
        assert later["ts"] > posted["ts"]
        assert client(again).users_lookupByEmail(email="ann@example.com")["user"]["name"] == "ann"


def test_a_client_that_resets_mid_request_prints_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A notifier killed mid-request (bench/notify.py kills it on purpose) is not the
    emulator's error: socketserver would print a ConnectionResetError traceback for it."""
    with SlackEmulator() as emulator:
        port = int(emulator.base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as raw:
            # a whole request, its answer read, then the reset while the server waits for the next
            raw.sendall(b"POST /api/auth.test HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            assert raw.recv(65536).startswith(b"HTTP/1.1 200")
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(0.3)  # for the server's thread to read the reset before the emulator stops
    assert "Traceback" not in capfd.readouterr().err
