"""The HTML preview opened in a real headless Chromium: the pages and the links between them."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import FRAMEWORK, Result

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def dom(page: Path, profile: Path) -> str:
    """The document as the browser built it (--dump-dom), not the file's text."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (Debian: apt-get install chromium); CI installs it",
)
def test_preview_pages_and_links_in_a_browser(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli(
        "render", "--out", str(tmp_path), "--format", "html", "--framework", str(FRAMEWORK)
    )
    assert result.code == 0, result.err
    site = tmp_path / "html"
    index = dom(site / "index.html", tmp_path / "profile")
    assert "<h1>Acme Cloud support escalation framework</h1>" in index
    assert (
        '<a href="trigger-first-response-breach.html">First response target breached</a>' in index
    )

    trigger = dom(site / "trigger-first-response-breach.html", tmp_path / "profile")
    assert "<h1>First response target breached</h1>" in trigger
    assert "Priority is High or Urgent, and Ticket status is not Closed" in trigger
    assert '<a href="path-standard.html">Standard escalation path</a>' in trigger

    path = dom(site / "path-standard.html", tmp_path / "profile")
    assert "<h1>Standard escalation path</h1>" in path
    assert '<a href="index.html">' in path
