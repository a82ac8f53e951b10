"""`escalations version`: the version of the tool."""

from __future__ import annotations

import typer

from escalations import __version__


def version() -> None:
    """Print the version of escalations (as `escalations --version` does).

    Example:

        escalations version
    """
    typer.echo(__version__)
