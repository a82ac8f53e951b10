"""Run the command-line interface with `python -m escalations`."""

from escalations.cli import main

main()
