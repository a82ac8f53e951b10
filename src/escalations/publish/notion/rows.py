"""The handbook database's rows: property schema, a page's row values, rows read back, errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notion_client import APIResponseError

from escalations.errors import EscalationsError
from escalations.publish.notion.changes import Row
from escalations.publish.notion.render import Page

__all__ = ["PROPERTIES", "explain", "oldest_first", "read_row", "row_properties"]

PROPERTIES: dict[str, Any] = {
    "Name": {"title": {}},
    "Key": {"rich_text": {}},
    "Kind": {"select": {}},
    "Hash": {"rich_text": {}},
    "Version": {"rich_text": {}},
    "Source": {"rich_text": {}},
}


def row_properties(page: Page, hash_: str, version: str) -> dict[str, Any]:
    def text(value: str) -> dict[str, Any]:
        return {"rich_text": [{"type": "text", "text": {"content": value}}] if value else []}

    return {
        "Name": {"title": [{"type": "text", "text": {"content": page.title[:2000]}}]},
        "Key": text(page.key),
        "Kind": {"select": {"name": page.kind}},
        "Hash": text(hash_),
        "Version": text(version),
        "Source": text(f"framework/{page.source}"),
    }


def oldest_first(item: dict[str, Any]) -> tuple[datetime, str]:
    """Oldest first: Notion stamps pages to the minute, so the id breaks ties the same way for
    every run."""
    return datetime.fromisoformat(item.get("created_time") or "9999-12-31T00:00Z"), item["id"]


def read_row(page: dict[str, Any]) -> Row:
    properties = page.get("properties", {})

    def text(name: str) -> str:
        prop = properties.get(name, {})
        items = prop.get("rich_text") or prop.get("title") or []
        return "".join(i.get("plain_text") or i.get("text", {}).get("content", "") for i in items)

    kind = (properties.get("Kind", {}).get("select") or {}).get("name", "")
    creator = (page.get("created_by") or {}).get("id")
    editor = (page.get("last_edited_by") or {}).get("id")
    return Row(
        page_id=page["id"],
        key=text("Key"),
        kind=kind,
        hash=text("Hash"),
        version=text("Version"),
        source=text("Source"),
        title=text("Name"),
        url=page.get("url") or f"https://www.notion.so/{page['id'].replace('-', '')}",
        edited_by_other=bool(creator and editor and creator != editor),
    )


def explain(exc: APIResponseError, what: str) -> EscalationsError:
    code = str(getattr(exc.code, "value", exc.code))
    if code == "unauthorized":
        return EscalationsError(
            "Notion rejected the token (401 unauthorized); set NOTION_TOKEN to the internal "
            "integration's secret."
        )
    if code in ("object_not_found", "restricted_resource"):
        return EscalationsError(
            f"Notion cannot find {what} ({exc.status} {code}); share the parent page with the "
            "integration (page menu > Connections) and check the id in sync/targets.yaml."
        )
    return EscalationsError(f"Notion answered {exc.status} {code} for {what}: {exc}")
