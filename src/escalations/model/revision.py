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
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top is None:
        raise EscalationsError(
            f"{directory} is not inside a git repository; comparing with a revision needs one."
        )
    root = Path(top.decode().strip())
    relative = directory.relative_to(root).as_posix()
    if _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}") is None:
        raise EscalationsError(
            f"git cannot find revision '{revision}'; check the name, or in a shallow clone "
            "fetch more history (git fetch --deepen=100)."
        )
    archive = _git(root, "archive", "--format=tar", revision, "--", relative)
    if archive is None:
        raise EscalationsError(f"revision {revision} has no {relative}/ directory.")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / relative


def published_commit(directory: Path) -> str | None:
    """The commit `directory` is published from: HEAD's id when the directory has no
    uncommitted changes, else None (its content is no commit's; likewise outside git)."""
    try:
        head = _git(directory.resolve(), "rev-parse", "HEAD")
        status = _git(directory.resolve(), "status", "--porcelain", "--", ".")
    except EscalationsError:
        return None
    if head is None or status is None or status.strip():
        return None
    return head.decode().strip()


def has_commit(directory: Path, revision: str) -> bool:
    try:
        found = _git(
            directory.resolve(), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"
        )
    except EscalationsError:
        return False
    return found is not None


def _git(directory: Path, *args: str) -> bytes | None:
    """git's output, or None when git says no."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, check=False, timeout=60
        )
    except FileNotFoundError as exc:
        raise EscalationsError("git is not installed; comparing with a revision needs it.") from exc
    return done.stdout if done.returncode == 0 else None


def temporary_directory() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="escalations-")


def default_base(directory: Path) -> str:
    """The merge base of HEAD with the default branch (origin's, else main or master)."""
    root = directory.resolve()
    for branch in ("origin/HEAD", "origin/main", "origin/master", "main", "master"):
        found = _git(root, "merge-base", "HEAD", branch)
        if found:
            return found.decode().strip()
    raise EscalationsError(
        "cannot find the default branch to compare with; name the base revision "
        "(escalations diff BASE), or fetch it (git fetch origin main)."
    )
