"""The command line a newcomer meets: -h, --help, examples, --version, and notes worth reading."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from escalations import __version__
from escalations.cli import app, build_app
from escalations.model.framework import Framework
from escalations.publish.notes import Note, group_notes
from escalations.sandbox.hubspot.emulator import HubSpotEmulator

from .conftest import FRAMEWORK, Result

TOKEN = "hubspot-test-token"
COMMANDS = sorted(
    c.name or c.callback.__name__.replace("_", "-")
    for c in app.registered_commands
    if c.callback is not None
)


def test_plan_help_shows_flags_without_placeholders_and_an_example(
    cli: Callable[..., Result],
) -> None:
    short, long = cli("plan", "-h"), cli("plan", "--help")
    assert (short.code, long.code) == (0, 0)
    assert short.out == long.out
    assert "<bool>" not in short.out
    assert re.search(r"^  --detailed-exitcode +Exit 0 when", short.out, re.MULTILINE)
    assert "  -h, --help " in short.out
    assert "Example:\n\n      escalations plan --only hubspot --detailed-exitcode --verbose\n" in (
        short.out
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_an_example_of_itself(command: str, cli: Callable[..., Result]) -> None:
    result = cli(command, "-h")
    assert result.code == 0, result.err
    assert "<bool>" not in result.out
    example = re.search(r"Example[^\n]*:\n\n {6}(escalations [^\n]+)\n", result.out)
    assert example, result.out
    assert example.group(1).startswith(f"escalations {command}")


def test_a_flag_takes_no_value(cli: Callable[..., Result]) -> None:
    result = cli("plan", "--detailed-exitcode", "true")
    assert result.code == 2
    assert result.err.splitlines() == [
        "Usage: escalations plan [OPTIONS]",
        "Try 'escalations plan -h' for help.",
        "",
        "Error: Got unexpected extra argument(s) (true)",
    ]


def test_version_option_and_command(cli: Callable[..., Result]) -> None:
    assert (cli("--version").code, cli("--version").out) == (0, f"{__version__}\n")
    assert cli("version").out == f"{__version__}\n"
    assert "--version" in cli("-h").out


def test_notes_are_grouped_by_kind_and_counted_once() -> None:
    notes = group_notes(
        [("webhook", "level b of t"), ("business-time-delay", "x"), ("webhook", "level a of t"),
         ("webhook", "level b of t")]
    )  # fmt: skip
    assert [n.kind for n in notes] == ["business-time-delay", "webhook"]
    assert notes[1] == Note(
        "webhook",
        "2 notifications go through the notifier's webhook (HubSpot calls notify.webhook_url "
        "where each level starts; the notifier tells Slack)",
        ("level a of t", "level b of t"),
    )
    assert notes[0].summary.startswith("1 business-time delay is compiled as calendar time")


@pytest.fixture
def portal_args(
    framework: Framework, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """Arguments that point plan and apply at a HubSpot emulator, HubSpot only."""
    server = HubSpotEmulator(token=TOKEN, rate_limit=None)
    server.start()
    for person in framework.people:
        first, _, last = person.name.partition(" ")
        server.add_owner(person.email, first, last)
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    targets = tmp_path / "targets.yaml"
    targets.write_text(
        "targets:\n  portal:\n    hubspot:\n      property_prefix: esc_\n"
        f"      base_url: {server.base_url}\n"
    )
    yield ["-f", str(FRAMEWORK), "-t", "portal", "--targets-file", str(targets)]
    server.stop()


SUMMARIES = [
    "note: 14 business-time delays are compiled as calendar time (HubSpot delays count nights "
    "and weekends too, so they can end early)",
    "note: 24 Slack notifications are not compiled; set hubspot.slack_action_type in "
    "sync/targets.yaml to the portal's Slack action type id",
    "note: 6 levels move on at 'target_breached' when not resolved (HubSpot cannot compare a "
    "business-time due date); write 'not_resolved' to say so",
]
TARGET_BREACHED = [
    f"  level support-manager of {trigger}"
    for trigger in ["billing-dispute", "first-response-breach", "manager-request",
                    "no-update-within-cadence", "repeated-reopening", "strong-dissatisfaction"]
]  # fmt: skip


def test_notes_show_when_hubspot_changes_and_on_request(
    portal_args: list[str], cli: Callable[..., Result]
) -> None:
    pending = cli("plan", *portal_args)
    assert pending.code == 0, pending.err
    assert pending.err.splitlines() == [f"{s}; `--verbose` lists them" for s in SUMMARIES]

    applied = cli("apply", *portal_args, "--yes")
    assert applied.code == 0, applied.err
    assert applied.err.splitlines()[:3] == [f"{s}; `--verbose` lists them" for s in SUMMARIES]

    quiet = cli("plan", *portal_args, "--detailed-exitcode")
    assert (quiet.code, quiet.out, quiet.err) == (
        0,
        "no changes: the remote matches the framework\n",
        "",
    )

    verbose = cli("plan", *portal_args, "-v")
    lines = verbose.err.splitlines()
    headers = [line for line in lines if line.startswith("note: ")]
    assert headers == [f"{s}:" for s in SUMMARIES]
    assert lines[lines.index(f"{SUMMARIES[2]}:") + 1 :] == TARGET_BREACHED
    delays = lines[1 : lines.index(f"{SUMMARIES[1]}:")]
    assert len(delays) == 14
    assert delays[-1] == (
        "  trigger no-update-within-cadence waits 1 business day (EMEA business hours (Berlin)): "
        "compiled as 540 minutes"
    )


def test_render_groups_its_notes(tmp_path: Path, cli: Callable[..., Result]) -> None:
    result = cli("render", "--out", str(tmp_path), "--framework", str(FRAMEWORK))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:3] == [f"{s}; `--verbose` lists them" for s in SUMMARIES]
    assert lines[3].startswith("wrote ") and len(lines) == 4


def test_the_command_list_is_the_full_apps_without_importing_a_command() -> None:
    runner = CliRunner()
    full = runner.invoke(build_app(), ["--help"], prog_name="escalations")
    listed = runner.invoke(build_app(overview=True), ["--help"], prog_name="escalations")
    assert (listed.exit_code, full.exit_code) == (0, 0)
    assert listed.output == full.output
    for line in ("  validate        Check the framework", "  sandbox         The local"):
        assert line in listed.output


def test_the_command_list_imports_no_command_module() -> None:
    script = (
        "import sys; sys.argv = ['escalations', '--help']\n"
        "from escalations.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('escalations.cli.'))\n"
        "print(loaded, 'duckdb' in sys.modules, 'hubspot' in sys.modules)\n"
    )
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[-1] == "[] False False"
