"""A report rendered as terminal text, Markdown, self-contained HTML or JSON, and written out."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from escalations.report import jsonout
from escalations.report.charts import charts_of, render_chart, write_charts
from escalations.report.html import to_html
from escalations.report.model import Report
from escalations.report.sections import Block, Bullets, Chart, Table, sections, title

Format = Literal["text", "markdown", "html", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "html", "json")
SUFFIXES = {"text": "txt", "markdown": "md", "html": "html", "json": "json"}
STEM = "report"

# CommonMark's backslash escapes for what would otherwise start markup in a cell or paragraph.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def render(report: Report, format: Format, *, images: Mapping[str, str] | None = None) -> str:
    """The report as text in `format`. Markdown names each chart's image by `images[name]`
    (a file name, or the URL the publisher uploaded it to); charts missing from `images`
    are left out. HTML embeds its charts."""
    if format == "json":
        return json.dumps(jsonout.to_json(report), indent=2, ensure_ascii=False) + "\n"
    if format == "text":
        return to_text(report)
    if format == "markdown":
        return to_markdown(report, images or {})
    pictures = {chart.name: render_chart(report, chart) for chart in charts_of(report)}
    return to_html(to_markdown(report, {}, charts=charts_of(report)), pictures, title(report))


def write(report: Report, format: Format, out_dir: Path) -> list[Path]:
    """Write `report.<suffix>` to `out_dir`, and for Markdown the charts beside it as
    `<name>.png` (linked from it); the files written, the report first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{STEM}.{SUFFIXES[format]}"
    charts = write_charts(report, out_dir) if format == "markdown" else []
    path.write_text(render(report, format, images={p.stem: p.name for p in charts}), "utf-8")
    return [path, *charts]


def to_markdown(
    report: Report, images: Mapping[str, str], *, charts: tuple[Chart, ...] | None = None
) -> str:
    """GitHub Markdown that the Notion renderer turns into blocks: headings, paragraphs,
    images in paragraphs of their own, pipe tables and bullets, nothing else."""
    if charts is None:
        charts = tuple(chart for chart in charts_of(report) if chart.name in images)
    lines = [f"# {escape(title(report))}", ""]
    for section in sections(report, charts=charts):
        lines += [f"## {escape(section.title)}", ""]
        for block in section.blocks:
            lines += [*_markdown_block(block, images), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def _markdown_block(block: Block, images: Mapping[str, str]) -> list[str]:
    if isinstance(block, str):
        return [escape(block)]
    if isinstance(block, Bullets):
        return [f"- {escape(item)}" for item in block.items]
    if isinstance(block, Chart):
        return [f"![{escape(block.alt)}]({images.get(block.name, f'chart:{block.name}')})"]
    head = "| " + " | ".join(escape(h) for h in block.headers) + " |"
    rule = "|" + "|".join("---" for _ in block.headers) + "|"
    rows = ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in block.rows]
    return [head, rule, *rows]


def to_text(report: Report) -> str:
    """Plain text for a terminal: underlined headings, aligned columns."""
    heading = title(report)
    lines = [heading, "=" * len(heading), ""]
    for section in sections(report):
        lines += [section.title, "-" * len(section.title)]
        for block in section.blocks:
            lines += [*_text_block(block), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _text_block(block: Block) -> list[str]:
    if isinstance(block, str):
        return [block]
    if isinstance(block, Bullets):
        return [f"- {item}" for item in block.items]
    if isinstance(block, Chart):
        return []
    return _aligned(block)


def _aligned(table: Table) -> list[str]:
    widths = [len(h) for h in table.headers]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(table.headers), line(tuple("-" * w for w in widths)), *map(line, table.rows)]


def parse_format(text: str) -> Format:
    """A format name as given on the command line."""
    for known in FORMATS:
        if text == known:
            return known
    raise ValueError(f"unknown report format '{text}': use one of {', '.join(FORMATS)}")
