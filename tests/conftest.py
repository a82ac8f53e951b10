"""Shared fixtures: no network but loopback, the CLI run in-process, framework copies."""

from __future__ import annotations

import shutil
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from escalations.cli import main
from escalations.model.framework import Framework
from escalations.model.validate import validate_framework
from escalations.sandbox.hubspot import HubSpotEmulator

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK = ROOT / "framework"

_LOOPBACK = ("127.", "::1", "localhost")
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family == socket.AF_UNIX or str(host).startswith(_LOOPBACK):
        return _real_connect(self, address)
    raise RuntimeError(f"tests may not reach the network: connect to {address!r}")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk sends every call through these and ignores NO_PROXY (reference §1.10)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


TODAY = "2026-11-16"
"""The date the tests judge overdue action items and the next review on: a day when the example
framework has neither, so its validation does not change with the calendar."""


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALATIONS_TODAY", TODAY)


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Run `escalations ARGS` in-process through the real entry point; return code and output."""

    def run(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["escalations", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def framework() -> Framework:
    """The example framework's model."""
    model = validate_framework(FRAMEWORK).framework
    assert model is not None
    return model


@pytest.fixture
def framework_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the example framework."""
    target = tmp_path / "framework"
    shutil.copytree(FRAMEWORK, target)
    yield target


HUBSPOT_TOKEN = "hubspot-test-token"


@pytest.fixture
def hubspot_emulator(framework: Framework) -> Iterator[HubSpotEmulator]:
    """A HubSpot emulator with an owner for every person of the example framework."""
    server = HubSpotEmulator(token=HUBSPOT_TOKEN, rate_limit=None)
    server.start()
    for person in framework.people:
        first, _, last = person.name.partition(" ")
        server.add_owner(person.email, first, last)
    yield server
    server.stop()
