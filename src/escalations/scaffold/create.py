"""`escalations init`: a repository with a framework, its targets, workflows and hooks."""

from __future__ import annotations

import os
import re
import shutil
import sys
import sysconfig
from importlib import resources
from pathlib import Path, PurePosixPath

from escalations import __version__
from escalations.errors import EscalationsError
from escalations.model.validate import validate_framework
from escalations.review.codeowners import build_codeowners

HERE = Path(__file__).resolve().parent
SCHEMA_COMMENT = re.compile(r"^# yaml-language-server: \$schema=\S*?([a-z]+\.schema\.json)$", re.M)
INSTALL = "pip install -e ."


def create_repository(directory: Path, *, example: bool) -> list[str]:
    """Write a new repository in `directory` (missing or empty); return the files written,
    relative to it. With `example`, the framework is Acme Cloud's instead of a minimal one."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise EscalationsError(
            f"{directory} is not empty; give `escalations init` a new or empty directory."
        )
    directory.mkdir(parents=True, exist_ok=True)
    files = HERE / "files"
    source = shipped("_example", "framework") if example else HERE / "minimal"
    shutil.copytree(source, directory / "framework")
    (directory / "sync").mkdir()
    shutil.copyfile(files / "targets.yaml", directory / "sync" / "targets.yaml")
    shutil.copyfile(files / "README.md", directory / "README.md")
    shutil.copyfile(files / "gitignore", directory / ".gitignore")
    shutil.copyfile(files / "pre-commit-config.yaml", directory / ".pre-commit-config.yaml")
    requirements = (files / "requirements.txt").read_text(encoding="utf-8")
    (directory / "requirements.txt").write_text(
        requirements.replace("@VERSION@", __version__), encoding="utf-8"
    )
    workflows = directory / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for workflow in sorted(shipped("_workflows", ".github/workflows").glob("*.yml")):
        text = workflow.read_text(encoding="utf-8")
        # The tool comes from PyPI at the pinned version, not from a checkout of its source.
        text = text.replace(INSTALL, "pip install -r requirements.txt")
        (workflows / workflow.name).write_text(text, encoding="utf-8")
    for path in [*directory.glob("framework/**/*"), directory / "sync" / "targets.yaml"]:
        if path.suffix in (".yaml", ".yml", ".md"):
            point_schema_comment(path, directory)
    _write_codeowners(directory)
    return sorted(
        path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file()
    )


def shipped(packaged: str, source: str) -> Path:
    """A folder of this repository that a wheel ships inside the package as `packaged`
    (pyproject's force-include); from a checkout, the repository's own."""
    inside = Path(str(resources.files("escalations"))) / packaged
    if inside.is_dir():
        return inside
    checkout = HERE.parents[2] / source
    if checkout.is_dir():
        return checkout
    raise EscalationsError(
        f"{source} is missing from this installation; reinstall escalations "
        "(pip install --force-reinstall escalations)."
    )


def installed_schemas(top: Path) -> Path:
    """Where the package's schemas are once requirements.txt is installed in `top`/.venv:
    the package data of the wheel (`escalations/_schema`) in that environment's site-packages,
    laid out as on Linux and macOS (CI's runners) for this Python's version."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    variables = {"base": ".venv", "platbase": ".venv", "py_version_short": version}
    site = sysconfig.get_path("purelib", "posix_venv", vars=variables, expand=True)
    return top / site / "escalations" / "_schema"


def point_schema_comment(path: Path, top: Path) -> None:
    """Make the file's yaml-language-server comment name the installed package's schema, as a
    path relative to the file (editors resolve it so)."""
    text = path.read_text(encoding="utf-8")
    relative = Path(os.path.relpath(installed_schemas(top), path.parent)).as_posix()
    replaced = SCHEMA_COMMENT.sub(
        lambda match: f"# yaml-language-server: $schema={relative}/{match.group(1)}", text, 1
    )
    path.write_text(replaced, encoding="utf-8")


def _write_codeowners(directory: Path) -> None:
    result = validate_framework(directory / "framework")
    if result.framework is None:
        raise EscalationsError(f"the scaffold's framework in {directory} is not valid: a bug.")
    owners = build_codeowners(result.framework, PurePosixPath("framework"))
    (directory / ".github" / "CODEOWNERS").write_text(owners.render(), encoding="utf-8")
