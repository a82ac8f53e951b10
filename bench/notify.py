"""The notifier's service under load from another process, its delivery lag, and crashes.

Usage: python bench/notify.py

The service (`build_app` under uvicorn) runs in a child process (this file run as
`notify.py child ...`) on an outbox in a temporary directory; the HubSpot and Slack emulators
run in this process. Every call is a complete webhook, v3-signed as HubSpot's runtime signs it,
about a new ticket, so the service records a new event and never re-reads HubSpot. Prints:

1. per offered rate (calls per second, a few seconds each): calls sent, accepted (200 and
   recorded), p50/p99 acknowledgement latency, and the highest rate whose p99 stayed under
   100 ms;
2. at that rate, with the delivery worker in the service's process posting to the Slack
   emulator (its rate limits off and the worker's per-channel pacing off: Slack's real limit of
   about one message per second per channel would make the lag a measure of Slack, not of
   the notifier), the lag from an event's recording to its delivery's sending, p50/p99, read
   from the outbox's SQLite file;
3. a burst of 1,000 events while the child is SIGKILLed at random moments a few times and
   restarted on the same outbox file, calls that got no 2xx sent again (as HubSpot retries):
   events delivered (goal 1,000) and messages posted twice (goal 0);
4. the service process's peak resident memory (VmHWM) in each part.
"""

from __future__ import annotations

import json
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from escalations.model.validate import validate_framework  # noqa: E402
from escalations.sandbox.hubspot import HubSpotEmulator  # noqa: E402
from escalations.sandbox.hubspot.webhooks import sign_v3  # noqa: E402
from escalations.sandbox.slack import SlackEmulator  # noqa: E402

TOKEN = "bench-hubspot-token"
CLIENT_SECRET = "bench-hubspot-client-secret"
SIGNING_SECRET = "bench-slack-signing-secret"
TRIGGER = "first-response-breach"
RATES = (50, 100, 200, 400, 800, 1600)
SECONDS = 3.0
"""How long each rate is offered; at most RATES[-1] * SECONDS calls in all for one rate."""
GOAL_MS = 100.0
BURST = 1000
KILLS = 3
SENDERS = 64


class Call(NamedTuple):
    ticket: str
    status: int | None
    """None: no answer (refused, reset, timed out)."""
    recorded: bool
    seconds: float


# -- the child: the service, and the worker when asked ---------------------------------------


def child(outbox_path: str, hubspot_url: str, slack_url: str, slack_token: str) -> None:
    """Serve on a free loopback port (printed as `ready <port>`) until SIGTERM or SIGKILL."""
    import uvicorn

    from escalations.notify.acks import Acknowledgements
    from escalations.notify.deliver import Ticket, Worker
    from escalations.notify.delivery import Policy
    from escalations.notify.outbox import Outbox
    from escalations.notify.receive import Settings
    from escalations.notify.service import build_app
    from escalations.notify.slackapi import slack_client
    from escalations.notify.verify import Secrets
    from escalations.publish.targets import _hubspot

    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    path = Path(outbox_path)
    outbox, acks = Outbox.open(path), Acknowledgements.open(path)
    secrets = Secrets(SIGNING_SECRET, hubspot_client_secret=CLIENT_SECRET)
    app = build_app(outbox, acks, framework, secrets, _hubspot(TOKEN, hubspot_url),
                    lambda: datetime.now(UTC), settings=Settings(retry_every=3600))  # fmt: skip
    if slack_url != "-":
        stop = threading.Event()

        def ticket(event: object) -> Ticket:
            number = getattr(event, "ticket_id", "")
            return Ticket({"subject": f"Load ticket {number}"}, None,
                          f"https://app.hubspot.com/contacts/1/ticket/{number}",
                          "https://www.notion.so/escalation-handbook/playbook")  # fmt: skip

        # Its own connection: the service's is used by one request thread at a time.
        worker = Worker(Outbox.open(path), slack_client(slack_token, slack_url), framework,
                        ticket=ticket, clock=lambda: datetime.now(UTC),
                        policy=Policy(channel_interval=timedelta(0)))  # fmt: skip
        threading.Thread(target=worker.run, args=(stop,), kwargs={"poll": 0.05},
                         daemon=True).start()  # fmt: skip
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it each answer waits ~40 ms for the client's delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(f"ready {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


class Child(NamedTuple):
    process: subprocess.Popen[str]
    base: str

    def peak_kib(self) -> int | None:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(found.group(1)) if found else None

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()


def start(outbox: Path, hubspot: HubSpotEmulator, slack: SlackEmulator | None) -> Child:
    slack_url = slack.base_url + "/api/" if slack else "-"
    token = slack.token if slack else "-"
    command = [sys.executable, __file__, "child", str(outbox), hubspot.base_url, slack_url, token]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()  # EOF (""), should the child fail to start
    if not line.startswith("ready "):
        process.kill()
        raise RuntimeError(f"the service did not start: {line!r}")
    base = f"http://127.0.0.1:{line.split()[1]}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1, trust_env=False).status_code == 200:
                return Child(process, base)
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the service did not answer /healthz in 30 s")


# -- the load: signed webhook calls at a steady rate -----------------------------------------


_local = threading.local()


def send(base: str, ticket: str) -> Call:
    client = getattr(_local, "client", None)
    if client is None:
        client = _local.client = httpx.Client(trust_env=False, timeout=5)
    query = {"trigger": TRIGGER, "level": "1", "event": "escalated", "ticket": ticket,
             "escalated_at": "1767970800000"}  # fmt: skip
    url = f"{base}/hubspot/webhook?{urlencode(query)}"
    body = json.dumps({"id": ticket, "properties": {"subject": f"Load ticket {ticket}"}}).encode()
    stamp = str(int(time.time() * 1000))
    signature = sign_v3(CLIENT_SECRET, "POST", url, body, stamp)
    headers = {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": stamp,
               "X-HubSpot-Signature-v3": signature}  # fmt: skip
    began = time.perf_counter()
    try:
        answer = client.post(url, content=body, headers=headers)
    except httpx.HTTPError:
        return Call(ticket, None, False, time.perf_counter() - began)
    seconds = time.perf_counter() - began
    recorded = answer.status_code == 200 and answer.json().get("recorded") is True
    return Call(ticket, answer.status_code, recorded, seconds)


def offer(base: str, tickets: list[str], rate: float, limit: float) -> tuple[list[Call], float]:
    """Send one call per ticket at `rate` per second (open loop), for at most `limit` seconds;
    the calls answered and the rate achieved."""
    began = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        futures = []
        for i, ticket in enumerate(tickets):
            due = began + i / rate
            if due - began > limit:
                break
            time.sleep(max(due - time.monotonic(), 0))
            futures.append(pool.submit(send, base, ticket))
        sent_in = time.monotonic() - began
        calls = [f.result() for f in futures]
    return calls, len(calls) / max(sent_in, 1e-9)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


# -- the parts -------------------------------------------------------------------------------


def rates(scratch: Path, hubspot: HubSpotEmulator) -> tuple[int | None, int | None]:
    """Part 1; the best rate under the goal and the service's peak memory."""
    print(f"1. acknowledgement latency by offered rate ({SECONDS:.0f} s each, {SENDERS} senders)")
    print(f"  {'rate/s':>6} {'achieved':>8} {'sent':>5} {'accepted':>8} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'max ms':>7}")  # fmt: skip
    service = start(scratch / "rates.sqlite", hubspot, None)
    best, number = None, 1_000_000
    try:
        for rate in RATES:
            count = int(rate * SECONDS)
            tickets = [str(number + i) for i in range(count)]
            number += count
            calls, achieved = offer(service.base, tickets, rate, SECONDS + 1)
            ms = [c.seconds * 1000 for c in calls if c.status is not None]
            accepted = sum(c.recorded for c in calls)
            p99 = percentile(ms, 0.99)
            print(f"  {rate:>6} {achieved:>8.0f} {len(calls):>5} {accepted:>8} "
                  f"{percentile(ms, 0.5):>7.1f} {p99:>7.1f} {max(ms, default=0):>7.1f}",
                  flush=True)  # fmt: skip
            if accepted == len(calls) and p99 < GOAL_MS:
                best = rate
            elif p99 >= 4 * GOAL_MS:
                break  # far past the knee: higher rates only queue more
        peak = service.peak_kib()
    finally:
        service.stop()
    print(f"  highest rate with p99 under {GOAL_MS:.0f} ms: "
          f"{best if best is not None else 'none'} per second")  # fmt: skip
    return best, peak


def lags(path: Path) -> tuple[list[float], Counter[str]]:
    """Seconds from each event's recording to its delivery's sending, and deliveries by state."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT d.state, e.recorded_at, d.updated_at FROM deliveries d"
            " JOIN events e ON e.key = d.event_key"
        ).fetchall()
    stamp = "%Y-%m-%dT%H:%M:%S.%fZ"
    seconds = [(datetime.strptime(sent, stamp) - datetime.strptime(recorded, stamp))
               .total_seconds() for state, recorded, sent in rows if state == "sent"]  # fmt: skip
    return seconds, Counter(state for state, _, _ in rows)


def drained(path: Path, events: int, limit: float) -> bool:
    """Wait (at most `limit` seconds) until every delivery of `events` events is sent."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        _, states = lags(path)
        if states["sent"] >= 2 * events and states["sent"] == sum(states.values()):
            return True
        time.sleep(0.2)
    return False


def delivery_lag(scratch: Path, hubspot: HubSpotEmulator, slack: SlackEmulator,
                 rate: int) -> int | None:  # fmt: skip
    """Part 2; the service's peak memory with the worker beside it."""
    path = scratch / "lag.sqlite"
    service = start(path, hubspot, slack)
    try:
        tickets = [str(3_000_000 + i) for i in range(int(rate * SECONDS))]
        calls, _ = offer(service.base, tickets, rate, SECONDS + 1)
        accepted = sum(c.recorded for c in calls)
        done = drained(path, accepted, 60)
        peak = service.peak_kib()
    finally:
        service.stop()
    seconds, states = lags(path)
    ms = [s * 1000 for s in seconds]
    print(f"\n2. delivery lag at {rate}/s ({accepted} events, {sum(states.values())} deliveries,"
          f" {'all sent' if done else 'NOT all sent in 60 s: ' + str(dict(states))}): "
          f"recorded to sent p50 {percentile(ms, 0.5):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms,"
          f" max {max(ms, default=0):.0f} ms")  # fmt: skip
    return peak


def crashes(scratch: Path, hubspot: HubSpotEmulator, slack: SlackEmulator,
            rate: int) -> int | None:  # fmt: skip
    """Part 3; the highest peak memory of the restarted service processes."""
    path = scratch / "crash.sqlite"
    before = {m.ts for m in slack._store.messages()}
    waiting = [str(5_000_000 + i) for i in range(BURST)]
    rng = random.Random(11)
    rounds, kills, unanswered, peaks = 0, 0, 0, []
    while rounds < KILLS + 3:
        rounds += 1
        service = start(path, hubspot, slack)
        killer = None
        if kills < KILLS:
            kills += 1
            killer = threading.Timer(rng.uniform(0.3, 2.5), service.kill)
            killer.start()
        calls, _ = offer(service.base, waiting, rate, 30)
        answered = {c.ticket for c in calls if c.status == 200}
        unanswered += len(calls) - len(answered)
        waiting = [t for t in waiting if t not in answered]
        if killer is not None:
            killer.join()  # the kill may come after the calls: then it hits the worker
            continue
        done = drained(path, BURST, 60)
        peaks.append(service.peak_kib() or 0)
        service.stop()
        if not waiting and done:
            break
    per_ticket: Counter[tuple[str, str]] = Counter()
    for message in slack._store.messages():
        found = re.search(r"ticket (\d+)", message.text)
        if message.ts not in before and found and found.group(1).startswith("5"):
            per_ticket[(found.group(1), message.channel)] += 1
    channels = {channel for _, channel in per_ticket}
    told = Counter(ticket for ticket, _ in per_ticket)
    delivered = sum(1 for n in told.values() if n == len(channels))
    twice = sum(n - 1 for n in per_ticket.values() if n > 1)
    _, states = lags(path)
    print(f"\n3. {BURST} events, {kills} SIGKILLs at random moments, {rounds} starts of the "
          f"service and worker: {unanswered} calls without a 2xx sent again; delivered "
          f"{delivered} (goal {BURST}) to each of {len(channels)} channels, messages posted "
          f"twice {twice} (goal 0); outbox deliveries {dict(states)}")  # fmt: skip
    return max(peaks, default=None)


def people(slack: SlackEmulator) -> None:
    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    for person in framework.people:
        slack.add_user(person.email, person.name)
    names = {t.slack_channel.removeprefix("#") for t in framework.teams if t.slack_channel}
    for path in framework.paths:
        for level in path.levels:
            names |= {n.to.removeprefix("#") for n in level.notify if n.to.startswith("#")}
    for name in sorted(names):
        slack.add_channel(name)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory, \
            HubSpotEmulator(token=TOKEN, rate_limit=None) as hubspot, \
            SlackEmulator(rate_limits=False) as slack:  # fmt: skip
        scratch = Path(directory)
        people(slack)
        best, peak_rates = rates(scratch, hubspot)
        rate = best or RATES[0]
        peak_lag = delivery_lag(scratch, hubspot, slack, rate)
        peak_crash = crashes(scratch, hubspot, slack, rate)
    mib = [f"{(p or 0) / 1024:.0f} MiB" for p in (peak_rates, peak_lag, peak_crash)]
    print(
        f"\n4. peak resident memory of the service process: {mib[0]} (part 1, service only), "
        f"{mib[1]} (part 2, with the worker), {mib[2]} (part 3, after {BURST} events)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(*sys.argv[2:6])
    else:
        main()
