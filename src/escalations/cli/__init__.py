"""The command line: the typer app, its commands, and the one place that chooses exit codes."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated, Any

import typer
from typer._click import Context, HelpFormatter
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup

from escalations import __version__
from escalations.errors import EscalationsError

COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "validate"),
    "test": ("test", "test_cases"),
    "explain": ("explain", "explain"),
    "simulate": ("simulate", "simulate"),
    "sample-tickets": ("sample_tickets", "sample_tickets"),
    "plan": ("publish", "plan"),
    "apply": ("publish", "apply"),
    "diff": ("diff", "diff"),
    "render": ("render", "render"),
    "report": ("report", "report"),
    "version": ("version", "version"),
    "demo": ("demo", "demo"),
    "codeowners": ("codeowners", "codeowners"),
    "init": ("init", "init"),
}
"""Command name -> (module of escalations.cli, function)."""
GROUPS = ("notify", "review", "sandbox")
"""Command groups: each module's typer app, named as the module."""
SUMMARIES = {
    "validate": "Check the framework against its JSON Schemas and semantic rules.",
    "test": "Run the framework's criteria test cases (framework/tests/*.yaml).",
    "explain": "Explain, for a test case's ticket, what every trigger did and which leaves "
    "decided it.",
    "simulate": "Evaluate the criteria over a ticket export: escalations per trigger, tier, "
    "owner, week.",
    "sample-tickets": "Write a synthetic ticket export shaped by the field catalog (to try "
    "`simulate`).",
    "plan": "Show what apply would change in Notion and HubSpot, without changing anything.",
    "apply": "Publish: Notion pages and HubSpot properties and workflows (created off).",
    "diff": "What a change means for the framework, entity by entity, in plain language, and "
    "which part of the version it calls for.",
    "render": "Write what apply would send, as deterministic JSON (HubSpot properties and "
    "workflows, Notion pages; owner ids are placeholders), or an HTML preview of the Notion "
    "pages.",
    "report": "Volume, escalation rate and trends, time to acknowledge, respond and resolve "
    "against each tier's targets, repeats and open escalations, for the escalations of a "
    "period.",
    "version": "Print the version of escalations (as `escalations --version` does).",
    "demo": "Run the escalation loop with no accounts: deploy the workflows to a HubSpot "
    "emulator whose workflows call the notifier, open two tickets that meet triggers, tell "
    "their owners in a Slack emulator, press Acknowledge on one, let the other move on a "
    "level, and print who was told what and when, and the Slack messages.",
    "codeowners": "Make the owners of each level, trigger and playbook its reviewers on GitHub.",
    "init": "Start a framework repository of your own: framework, targets, workflows and hooks.",
    "notify": "Tell escalation owners on Slack: learn of events and keep them in the outbox.",
    "review": "Escalation reviews: start the next record, check whether done action items worked.",
    "sandbox": "The local emulators of the sandbox target.",
}
"""The first paragraph of each command's and group's help, in the order `escalations --help`
lists them, so that the list costs no command's imports (tests/test_cli_help.py holds them to
the commands' own help)."""


class _Overview(TyperGroup):
    """The app when no command is named (`escalations`, `--help`, `--version`): it lists the
    commands from SUMMARIES, as typer would, without importing any of them."""

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in SUMMARIES)
        rows = [(name, make_default_short_help(text, limit)) for name, text in SUMMARIES.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def build_app(only: str | None = None, *, overview: bool = False) -> typer.Typer:
    """The typer app with every command, or with the one named `only`, or with none but their
    list (`overview`): a command imports what it uses, and importing all of them (HubSpot's,
    Notion's and Slack's clients, DuckDB, matplotlib) would cost every command's start more
    than `validate` itself takes."""
    built = typer.Typer(
        cls=_Overview if overview else TyperGroup,
        name="escalations",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # typer's rich help panel (0.29's at least) prints a type for every option, `<bool>`
        # after each flag and after --help too; the plain help prints none for flags.
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    for name, (module, function) in () if overview else COMMANDS.items():
        if only in (None, name):
            command = getattr(import_module(f"escalations.cli.{module}"), function)
            built.command(name)(command)
    for group in () if overview else GROUPS:
        if only in (None, group):
            built.add_typer(import_module(f"escalations.cli.{group}").app)
    built.callback()(_options)
    return built


def __getattr__(name: str) -> typer.Typer:
    """`escalations.cli.app`: the whole app, for tests and tools that list the commands."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit(0)


def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version of escalations and exit.",
        ),
    ] = False,
) -> None:
    """A customer-service escalation framework as code: validate it, test it, publish it.

    Example:

        escalations validate && escalations test && escalations plan
    """


def _requested(arguments: list[str]) -> tuple[str | None, bool]:
    """The command the arguments name, when it is one (only it is loaded), and whether they
    name none at all (the overview will do: help or --version)."""
    first = next((a for a in arguments if not a.startswith("-")), None)
    return (first if first in COMMANDS or first in GROUPS else None), first is None


def main() -> None:
    """Entry point: exit 1 for an expected failure (one line), 2 for a usage error, 3 for a bug
    (with its traceback), 130 on Ctrl-C."""
    try:
        # Usage errors (2), typer.Exit codes and Ctrl-C in a command (130) are typer's exits.
        only, overview = _requested(sys.argv[1:])
        build_app(only, overview=overview)(prog_name="escalations")
    except EscalationsError as exc:
        _fail(f"error: {exc}")
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        line = _remote_failure(exc)
        if line is not None:
            _fail(line)
        import traceback  # only for a bug: 8 ms of every command's start otherwise

        traceback.print_exc()
        typer.echo(
            "internal error: this is a bug in escalations; please report it with the output above.",
            err=True,
        )
        sys.exit(3)


def _remote_failure(exc: Exception) -> str | None:
    """The one line for Notion's and the network's errors; their libraries are looked up only
    when loaded (a command that never imported them cannot have raised their errors)."""
    if "notion_client" in sys.modules:
        from notion_client import APIResponseError
        from notion_client.errors import HTTPResponseError, RequestTimeoutError

        if isinstance(exc, APIResponseError):
            return f"error: Notion answered {exc.status} {exc.code}: {exc}"
        if isinstance(exc, HTTPResponseError):  # not Notion's JSON: a gateway's page, say
            kind = exc.headers.get("content-type", "no content type").split(";")[0]
            return (
                f"error: Notion answered {exc.status} with a {kind} body instead of its JSON "
                "(a gateway or outage); try again later (apply is safe to run again)."
            )
        if isinstance(exc, RequestTimeoutError):
            return "error: Notion did not answer in time; try again later."
    if "httpx" in sys.modules:
        import httpx

        if isinstance(exc, httpx.HTTPError):
            return f"error: cannot reach {_host(exc)}: {exc}; check the network."
    return None


def _host(exc: Any) -> str:
    try:
        return str(exc.request.url.host)
    except RuntimeError:  # an error raised before any request was made
        return "the remote"


def _fail(line: str) -> None:
    typer.echo(line, err=True)
    sys.exit(1)
