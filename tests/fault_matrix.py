"""Every fault kind on every kind of write a publish makes: runs to converge, requests, duplicates.

Shared by tests/test_fault_matrix.py (which asserts the goals) and bench/faults.py (which
prints the table). Each case publishes to a fresh emulator whose next matching write answers
with the fault, then runs publishes until nothing is left to do (at most three), and counts
what was left behind.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
from notion_client import Client

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import Settings, compile_framework
from escalations.publish.hubspot.http import Caller
from escalations.publish.hubspot.portal import Portal
from escalations.publish.hubspot.target import apply_portal, plan_portal
from escalations.publish.notion.changes import plan_changes
from escalations.publish.notion.http import Transport
from escalations.publish.notion.target import Handbook, apply_changes
from escalations.publish.plan import PENDING
from escalations.publish.targets import _hubspot
from escalations.sandbox.hubspot.emulator import HubSpotEmulator
from escalations.sandbox.notion.emulator import NotionEmulator

TOKEN = "fault-matrix-token"
TITLE = "Escalation handbook"
MAX_RUNS = 3
RETRIED_LATER = ("daily", "lag")
"""Faults no run can get past by itself: they need the next run."""
TIMEOUT = 0.3
"""The clients' read timeout in these runs: a stall lasts longer."""
STALL = 1.0


@dataclass(frozen=True, slots=True)
class Write:
    """A kind of write: the request it is, and the framework change that makes a publish send it
    (None: the first publish sends it)."""

    remote: str
    name: str
    method: str
    route: str
    change: Callable[[Framework], Framework] | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    status: int | None = None
    commit: bool = False

    @property
    def label(self) -> str:
        status = f" {self.status}" if self.status else ""
        return f"{self.kind}{status}{' after commit' if self.commit else ''}"


@dataclass(frozen=True, slots=True)
class Outcome:
    write: Write
    fault: Fault
    runs: int
    """Publishes run until nothing was left to do (MAX_RUNS + 1: never converged)."""
    converged: bool
    duplicates: int
    extra_requests: int
    """Requests beyond those of the same publish without the fault."""
    errors: tuple[str, ...]
    """What the failed runs said."""


def _retitle(framework: Framework) -> Framework:
    """A changed page: the first handbook page gets a new paragraph."""
    doc = framework.pages[0]
    return replace(framework, pages=(replace(doc, body=doc.body + "\n\nOne more line.\n"),
                                    *framework.pages[1:]))  # fmt: skip


def _shorter_doc(framework: Framework) -> Framework:
    """A removed block: the first handbook page loses its last paragraph."""
    doc = framework.pages[0]
    paragraphs = doc.body.rstrip().split("\n\n")
    return replace(framework, pages=(replace(doc, body="\n\n".join(paragraphs[:-1]) + "\n"),
                                    *framework.pages[1:]))  # fmt: skip


def _faster_tier(framework: Framework) -> Framework:
    tier = framework.tiers[0]
    target = replace(tier.targets.first_response, text="PT1H", value=timedelta(hours=1))
    tiers = (replace(tier, targets=replace(tier.targets, first_response=target)),
             *framework.tiers[1:])  # fmt: skip
    triggers = tuple(
        replace(t, after=replace(t.after, duration=target))
        if t.after and t.after.target == f"{tier.id}.first_response" else t
        for t in framework.triggers
    )  # fmt: skip
    return replace(framework, tiers=tiers, triggers=triggers)


def _relabel_tier(framework: Framework) -> Framework:
    """A changed property: a tier's name is an option label of esc_tier."""
    tier = framework.tiers[0]
    return replace(framework, tiers=(replace(tier, name=tier.name + " (renamed)"),
                                     *framework.tiers[1:]))  # fmt: skip


WRITES = (
    Write("notion", "create database", "POST", "/v1/databases"),
    Write("notion", "create page", "POST", "/v1/pages"),
    Write("notion", "append blocks", "PATCH", "/v1/blocks/{id}/children"),
    Write("notion", "set properties", "PATCH", "/v1/pages/{id}"),
    Write("notion", "update block", "PATCH", "/v1/blocks/{id}", _retitle),
    Write("notion", "delete block", "DELETE", "/v1/blocks/{id}", _shorter_doc),
    Write("hubspot", "create group", "POST", "/crm/v3/properties/{objectType}/groups"),
    Write("hubspot", "create property", "POST", "/crm/v3/properties/{objectType}"),
    Write(
        "hubspot",
        "update property",
        "PATCH",
        "/crm/v3/properties/{objectType}/{propertyName}",
        _relabel_tier,
    ),
    Write("hubspot", "create flow", "POST", "/automation/v4/flows"),
    Write("hubspot", "update flow", "PUT", "/automation/v4/flows/{flowId}", _faster_tier),
)

FAULTS = {
    "notion": (
        Fault("error", 503), Fault("error", 503, commit=True), Fault("error", 409),
        Fault("error", 409, commit=True), Fault("error", 429), Fault("retry_date"),
        Fault("reset"), Fault("reset", commit=True), Fault("html", 502),
        Fault("html", 502, commit=True), Fault("stall"), Fault("lag"),
    ),
    "hubspot": (
        Fault("error", 503), Fault("error", 503, commit=True), Fault("error", 429),
        Fault("retry_date"), Fault("reset"), Fault("reset", commit=True), Fault("html", 502),
        Fault("html", 502, commit=True), Fault("stall"), Fault("daily"),
    ),
}  # fmt: skip


def cases() -> Iterator[tuple[Write, Fault]]:
    for write in WRITES:
        for fault in FAULTS[write.remote]:
            yield write, fault


def run_case(framework: Framework, write: Write, fault: Fault) -> Outcome:
    """Publish under the fault until nothing is left to do. A daily limit lasts until the next
    day (here: until the run it failed); a lag is a publish right after another one, whose
    query does not show yet what that one created (here: the lag lasts one publish)."""
    baseline = _baseline(write, framework)
    with _remote(write.remote, framework) as remote:
        wanted = framework
        if write.change is not None:
            remote.publish(framework)
            wanted = write.change(framework)
        if fault.kind == "lag":
            remote.emulator.lag(queries=1)
            remote.publish(wanted)
        remote.reset()
        _inject(remote.emulator, write, fault)
        errors: list[str] = []
        runs = 0
        while runs < MAX_RUNS:
            runs += 1
            try:
                remote.publish(wanted)
            except EscalationsError as exc:
                errors.append(str(exc).splitlines()[0])
                continue
            finally:
                if fault.kind in ("daily", "lag"):
                    remote.emulator.clear_faults()
                    if fault.kind == "lag":
                        remote.emulator.lag(0)
            if not remote.pending(wanted):
                break
        else:
            runs = MAX_RUNS + 1
        requests = remote.requests()
        remote.emulator.clear_faults()
        if fault.kind == "lag":
            remote.emulator.lag(0)
        converged = not remote.pending(wanted)
        return Outcome(write, fault, runs, converged, remote.duplicates(),
                       requests - baseline, tuple(errors))  # fmt: skip


_BASELINES: dict[tuple[str, str], int] = {}


def _baseline(write: Write, framework: Framework) -> int:
    """Requests of the same publish, and the check after it, with no fault."""
    key = (write.name, framework.version)
    if key not in _BASELINES:
        _BASELINES[key] = _count(write, framework)
    return _BASELINES[key]


def _count(write: Write, framework: Framework) -> int:
    with _remote(write.remote, framework) as remote:
        wanted = framework
        if write.change is not None:
            remote.publish(framework)
            wanted = write.change(framework)
        remote.reset()
        remote.publish(wanted)
        remote.pending(wanted)
        return remote.requests()


def _inject(emulator: NotionEmulator | HubSpotEmulator, write: Write, fault: Fault) -> None:
    if fault.kind == "lag":
        return  # set before the publish whose creations it hides
    options: dict[str, object] = {"kind": fault.kind, "method": write.method, "route": write.route}
    if fault.status is not None:
        options["status"] = fault.status
    if fault.commit:
        options["commit"] = True
    if fault.kind == "stall":
        options["delay"] = STALL
    if fault.kind == "retry_date":
        options["retry_after"] = 1
    emulator.inject(**options)  # type: ignore[arg-type]


def _nap(seconds: float) -> None:
    """Backoff and Retry-After waits, shortened: the emulators' faults do not need the time."""
    time.sleep(min(seconds, 0.01))


class _Notion:
    def __init__(self, emulator: NotionEmulator) -> None:
        self.emulator = emulator
        self.parent = emulator.add_root_page("Support handbook")
        transport = Transport(rate=0, max_delay=3.0, sleep=_nap)
        options = {"auth": TOKEN, "base_url": emulator.base_url, "retry": False,
                   "log_level": logging.CRITICAL, "timeout_ms": int(TIMEOUT * 1000)}  # fmt: skip
        http = httpx.Client(transport=transport, timeout=httpx.Timeout(TIMEOUT))
        self.handbook = Handbook(Client(options, client=http), parent_page=self.parent, title=TITLE)

    def publish(self, framework: Framework) -> None:
        observed = self.handbook.observe()
        changes = plan_changes(framework, observed, allow_delete=False, force=False)
        apply_changes(self.handbook, framework, observed, changes)

    def pending(self, framework: Framework) -> list[str]:
        observed = self.handbook.observe()
        trees = self.handbook.read_pages(observed)
        changes = plan_changes(framework, observed, allow_delete=False, force=False, trees=trees)
        return [f"{c.action} {c.kind} {c.key}" for c in changes if c.action in PENDING]

    def duplicates(self) -> int:
        observed = self.handbook.observe()
        return len(observed.duplicates) + len(observed.duplicate_databases)

    def reset(self) -> None:
        self.emulator.requests.clear()

    def requests(self) -> int:
        return sum(self.emulator.requests.values())


class _HubSpot:
    def __init__(self, emulator: HubSpotEmulator, framework: Framework) -> None:
        self.emulator = emulator
        for person in framework.people:
            first, _, last = person.name.partition(" ")
            emulator.add_owner(person.email, first, last)
        caller = Caller(emulator.base_url, max_delay=3.0, timeout=(1.0, TIMEOUT), sleep=_nap)
        self.portal = Portal(_hubspot(TOKEN, emulator.base_url), "esc_", caller=caller)

    def publish(self, framework: Framework) -> None:
        state = self.portal.observe()
        compiled = compile_framework(framework, state.owners, Settings())
        changes = plan_portal(compiled, state, allow_delete=False, force=False)
        apply_portal(self.portal, compiled, state, changes)

    def pending(self, framework: Framework) -> list[str]:
        state = self.portal.observe()
        compiled = compile_framework(framework, state.owners, Settings())
        changes = plan_portal(compiled, state, allow_delete=False, force=False)
        return [f"{c.action} {c.kind} {c.key}" for c in changes if c.action in PENDING]

    def duplicates(self) -> int:
        return sum(len(copies) for copies in self.portal.observe().duplicates.values())

    def reset(self) -> None:
        self.emulator.reset_counts()

    def requests(self) -> int:
        return sum(self.emulator.requests.values())


@contextmanager
def _remote(remote: str, framework: Framework) -> Iterator[_Notion | _HubSpot]:
    if remote == "notion":
        with NotionEmulator(token=TOKEN) as notion:
            yield _Notion(notion)
        return
    with HubSpotEmulator(token=TOKEN, rate_limit=None) as hubspot:
        yield _HubSpot(hubspot, framework)


def summary(outcomes: list[Outcome]) -> Counter[str]:
    return Counter(
        "converged in 1 run" if o.converged and o.runs == 1
        else f"converged in {o.runs} runs" if o.converged else "not converged"
        for o in outcomes
    )  # fmt: skip
