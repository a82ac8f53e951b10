"""The command line: the typer app, its commands, and the one place that chooses exit codes."""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import httpx
import typer
from notion_client import APIResponseError
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from escalations import __version__
from escalations.errors import EscalationsError

from . import (
    codeowners,
    demo,
    diff,
    explain,
    init,
    notify,
    publish,
    render,
    report,
    review,
    sample_tickets,
    sandbox,
    simulate,
    test,
    validate,
    version,
)

app = typer.Typer(
    name="escalations",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # typer 0.29's rich help panel prints a type for every option, `<bool>` after each flag
    # and after --help too; the plain help prints none for flags.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command()(validate.validate)
app.command("test")(test.test_cases)
app.command()(explain.explain)
app.command()(simulate.simulate)
app.command("sample-tickets")(sample_tickets.sample_tickets)
app.command()(publish.plan)
app.command()(publish.apply)
app.command()(diff.diff)
app.command()(render.render)
app.command()(report.report)
app.command()(version.version)
app.command()(demo.demo)
app.command()(codeowners.codeowners)
app.command()(init.init)
app.add_typer(notify.app)
app.add_typer(review.app)
app.add_typer(sandbox.app)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
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


def _host(exc: httpx.HTTPError) -> str:
    try:
        return str(exc.request.url.host)
    except RuntimeError:  # an error raised before any request was made
        return "the remote"


def main() -> None:
    """Entry point: exit 1 for an expected failure (one line), 2 for a usage error, 3 for a bug
    (with its traceback), 130 on Ctrl-C."""
    try:
        # Usage errors (2), typer.Exit codes and Ctrl-C in a command (130) are typer's exits.
        app(prog_name="escalations")
    except EscalationsError as exc:
        _fail(f"error: {exc}")
    except APIResponseError as exc:
        _fail(f"error: Notion answered {exc.status} {exc.code}: {exc}")
    except HTTPResponseError as exc:  # not Notion's JSON: a gateway's page, for example
        kind = exc.headers.get("content-type", "no content type").split(";")[0]
        _fail(
            f"error: Notion answered {exc.status} with a {kind} body instead of its JSON "
            "(a gateway or outage); try again later (apply is safe to run again)."
        )
    except RequestTimeoutError:
        _fail("error: Notion did not answer in time; try again later.")
    except httpx.HTTPError as exc:
        _fail(f"error: cannot reach {_host(exc)}: {exc}; check the network.")
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception:
        traceback.print_exc()
        typer.echo(
            "internal error: this is a bug in escalations; please report it with the output above.",
            err=True,
        )
        sys.exit(3)


def _fail(line: str) -> None:
    typer.echo(line, err=True)
    sys.exit(1)
