"""The notifier's ASGI service: HubSpot's workflow webhook, Slack's buttons, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from hubspot import HubSpot
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from escalations.model.framework import Framework
from escalations.notify.acks import Acknowledgements
from escalations.notify.log import log
from escalations.notify.metrics import CONTENT_TYPE, render_metrics
from escalations.notify.outbox import Outbox
from escalations.notify.receive import Answer, Receiver, Settings
from escalations.notify.verify import Secrets, hubspot_refusal, slack_refusal

WEBHOOK = "/hubspot/webhook"
INTERACTIVITY = "/slack/interactivity"


class TooLarge(Exception):
    """The body is longer than the service accepts."""


def build_app(
    outbox: Outbox,
    acknowledgements: Acknowledgements,
    framework: Framework,
    secrets: Secrets,
    hubspot: HubSpot,
    clock: Callable[[], datetime],
    *,
    settings: Settings | None = None,
    slack: WebClient | None = None,
) -> Starlette:
    """The service; `app.state.receiver` is its Receiver (tests run its retry pass directly).
    `slack` updates a root-cause question once answered (without it the cause is written to
    the ticket and the message stays as it was)."""
    receiver = Receiver(outbox, acknowledgements, framework, hubspot, clock,
                        settings or Settings(), slack=slack)  # fmt: skip
    limit = receiver.settings.max_body

    def answer(route: str, reply: Answer) -> Response:
        receiver.requests[(route, reply.status)] += 1
        after = BackgroundTask(reply.after) if reply.after else None
        if reply.body is None:
            return Response(status_code=reply.status, background=after)
        return JSONResponse(reply.body, status_code=reply.status, background=after)

    async def hubspot_webhook(request: Request) -> Response:
        try:
            body = await _read(request, limit)
        except TooLarge:
            log("refused", route=WEBHOOK, why=f"body over {limit} bytes")
            return answer(WEBHOOK, Answer(413, {"error": f"the body is over {limit} bytes"}))
        url = _signed_url(request, receiver.settings.public_url)
        why = hubspot_refusal(secrets, request.method, url, request.headers, body, clock())
        if why is not None:
            receiver.failures["unauthenticated"] += 1
            log("refused", route=WEBHOOK, why=why)
            return answer(WEBHOOK, Answer(401, {"error": "not signed by HubSpot"}))
        query = dict(request.query_params)
        return answer(WEBHOOK, await run_in_threadpool(receiver.webhook, body, query))

    async def slack_interactivity(request: Request) -> Response:
        try:
            body = await _read(request, limit)
        except TooLarge:
            return answer(INTERACTIVITY, Answer(413, {"error": f"the body is over {limit} bytes"}))
        why = slack_refusal(secrets.slack_signing_secret, request.headers, body, clock())
        if why is not None:
            receiver.failures["unauthenticated"] += 1
            log("refused", route=INTERACTIVITY, why=why)
            return answer(INTERACTIVITY, Answer(401, {"error": "not signed by Slack"}))
        payload = _payload(body)
        if payload is None:
            return answer(INTERACTIVITY, Answer(400, {"error": "no JSON payload"}))
        return answer(INTERACTIVITY, await run_in_threadpool(receiver.interaction, payload))

    async def healthz(_: Request) -> Response:
        figures = await run_in_threadpool(_figures, receiver)
        return answer("/healthz", Answer(200, {"status": "ok", "outbox_depth": figures.depth}))

    async def metrics(_: Request) -> Response:
        text = await run_in_threadpool(_metrics, receiver)
        receiver.requests[("/metrics", 200)] += 1
        return Response(text, media_type=CONTENT_TYPE)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_retry_forever(receiver))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=[
            Route(WEBHOOK, hubspot_webhook, methods=["POST"]),
            Route(INTERACTIVITY, slack_interactivity, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.receiver = receiver
    return app


async def _read(request: Request, limit: int) -> bytes:
    """The body, refused once it passes `limit` bytes: never more than that is held."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > limit:
            raise TooLarge
        body += chunk
    return bytes(body)


def _signed_url(request: Request, public_url: str | None) -> str:
    """The URL as HubSpot called it: its query string byte for byte, behind a proxy the public
    scheme and host."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    base = public_url.rstrip("/") if public_url else f"{request.url.scheme}://{request.url.netloc}"
    return base + request.url.path + (f"?{query}" if query else "")


def _payload(body: bytes) -> dict[str, Any] | None:
    """Slack's `payload=<json>` form field (reference §1.11)."""
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        data = json.loads(fields["payload"][0])
    except (UnicodeDecodeError, ValueError, KeyError):
        return None
    return data if isinstance(data, dict) else None


def _figures(receiver: Receiver) -> Any:
    with receiver.lock:
        return receiver.outbox.figures(receiver.clock())


def _metrics(receiver: Receiver) -> str:
    with receiver.lock:
        figures = receiver.outbox.figures(receiver.clock())
        deliveries = receiver.outbox.deliveries()
        pending = receiver.acknowledgements.pending()
    return render_metrics(figures, deliveries, pending, receiver.requests, receiver.failures)


async def _retry_forever(receiver: Receiver) -> None:
    while True:
        await asyncio.sleep(receiver.settings.retry_every)
        try:
            await run_in_threadpool(receiver.retry_acknowledgements)
        except Exception as failure:  # the loop must outlive one bad pass
            log("retry_pass_failed", error=str(failure))


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app under uvicorn in a thread on a free loopback port (the demo, tests); its URL.
    The socket says TCP, so asyncio turns TCP_NODELAY on (else each answer waits ~40 ms)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        raise RuntimeError("the notifier's service did not start within 10 s")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
