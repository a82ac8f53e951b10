"""`escalations render`: the compiled HubSpot configuration and the Notion pages, as JSON files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from escalations.model.framework import Framework
from escalations.publish.hubspot.compile import Compiled, Owner, Settings, compile_framework
from escalations.publish.notion.html import PREVIEW, file_name, render_site
from escalations.publish.notion.render import render_pages


def placeholder_owners(framework: Framework) -> dict[str, Owner]:
    """Owner ids as readable placeholders, for a rendering made without a HubSpot portal."""
    return {
        p.email.lower(): Owner(f"<owner id of {p.email}>", f"<user id of {p.email}>")
        for p in framework.people
    }


def write_rendering(
    framework: Framework,
    out: Path,
    *,
    owners: Mapping[str, Owner] | None = None,
    settings: Settings | None = None,
) -> tuple[list[Path], Compiled]:
    """Write DIR/hubspot/{property-groups,properties}.json, DIR/hubspot/flows/<trigger>.json and
    DIR/notion/<page>.json; return the files written and the compilation (for its notes)."""
    compiled = compile_framework(
        framework, owners or placeholder_owners(framework), settings or Settings()
    )
    files: dict[Path, Any] = {
        out / "hubspot" / "property-groups.json": [compiled.group],
        out / "hubspot" / "properties.json": list(compiled.properties),
    }
    for trigger_id, flow in compiled.flows.items():
        files[out / "hubspot" / "flows" / f"{trigger_id}.json"] = flow
    for page in render_pages(framework, lambda _: None):
        name = page.key.replace(":", "-")
        files[out / "notion" / f"{name}.json"] = {
            "key": page.key,
            "kind": page.kind,
            "title": page.title,
            "source": f"framework/{page.source}",
            "blocks": list(page.blocks),
        }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return sorted(files), compiled


def write_preview(framework: Framework, out: Path) -> list[Path]:
    """DIR/html/index.html and one HTML file per Notion page, linked to each other."""
    pages = render_pages(framework, lambda key: PREVIEW + file_name(key))
    written = []
    for name, html in render_site(pages, framework.name).items():
        path = out / "html" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        written.append(path)
    return sorted(written)
