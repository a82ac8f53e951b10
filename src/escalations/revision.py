"""A framework directory as it was at a git revision, for comparisons."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

from escalations.errors import EscalationsError


def framework_at(revision: str, directory: Path, target: Path) -> Path:
    """Extract `directory` as it was at `revision` into `target`; return the copy's path."""
    directory = directory.resolve()
    root = _git(directory, "rev-parse", "--show-toplevel").decode().strip()
    relative = directory.relative_to(root).as_posix()
    _git(directory, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", revision=revision)
    archive = _git(
        directory, "archive", "--format=tar", revision, "--", relative, revision=revision
    )
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    copy = target / relative
    if not copy.is_dir():
        raise EscalationsError(f"revision {revision} has no {relative}/ directory.")
    return copy


def _git(directory: Path, *args: str, revision: str | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, check=False, timeout=60
        )
    except FileNotFoundError as exc:
        raise EscalationsError("git is not installed; --compare needs it.") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        if revision is not None:
            raise EscalationsError(
                f"git cannot find revision '{revision}' (in a shallow clone, fetch more "
                f"history: git fetch --deepen=50): {message[-1] if message else 'unknown revision'}"
            )
        raise EscalationsError(
            f"{directory} is not inside a git repository; --compare needs one "
            f"({message[-1] if message else 'git failed'})."
        )
    return done.stdout


def temporary_directory() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="escalations-")
