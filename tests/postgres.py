"""A throwaway PostgreSQL cluster for the tests: Debian's binaries, a temporary folder, a port."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MISSING = (
    "PostgreSQL's server binaries (initdb, pg_ctl) are not installed; "
    "`apt-get install postgresql` (.ci/run does) to run the warehouse tests"
)
"""Why the Postgres tests skip, when they do: only where the binaries are absent."""


def server_binaries() -> Path | None:
    """Where initdb and pg_ctl are: Debian keeps them off PATH, one folder per major version."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parents[1].name) if p.parents[1].name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def postgres_cluster(binaries: Path) -> Iterator[str]:
    """Start a cluster in a temporary directory; yield its connection string; remove it all.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user
    that Debian's package creates."""
    home = Path(tempfile.mkdtemp(prefix="escalations-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(home, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = home / "data", _free_port()
    options = f"-k {home} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        _run(
            [
                *run_as,
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                # A UTF-8 character type, so that lower() folds accented letters as Python does.
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )
        pg_ctl = [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(home / "log")]
        _run([*pg_ctl, "-o", options, "-w", "start"])
        try:
            yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        finally:
            _run([*pg_ctl, "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
