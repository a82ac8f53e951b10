"""The report as one self-contained HTML file: its Markdown rendered, charts embedded."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping

from markdown_it import MarkdownIt

# No raw HTML: every value came through Markdown escaping, and a company named "<b>" stays text.
_PARSER = MarkdownIt("commonmark", {"html": False}).enable("table")

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; }
th { background: #f3f3f3; }
img { max-width: 100%; }
"""


def to_html(markdown: str, pictures: Mapping[str, bytes], title: str) -> str:
    """HTML for Markdown whose images are `chart:<name>`, each replaced by its PNG inline."""
    for name, png in pictures.items():
        data = base64.b64encode(png).decode("ascii")
        markdown = markdown.replace(f"(chart:{name})", f"(data:image/png;base64,{data})")
    body = _PARSER.render(markdown)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )
