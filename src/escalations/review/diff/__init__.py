"""What a change to the framework means, entity by entity, in plain language."""

from .compare import diff_frameworks
from .render import render_json, render_markdown, render_text
from .statement import Span, Statement
from .version import Verdict, judge_version

__all__ = [
    "Span",
    "Statement",
    "Verdict",
    "diff_frameworks",
    "judge_version",
    "render_json",
    "render_markdown",
    "render_text",
]
