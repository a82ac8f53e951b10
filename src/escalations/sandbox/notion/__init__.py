"""The Notion API emulator: workspace, pages, blocks, databases and data sources, faults."""

from escalations.sandbox.notion.emulator import NotionEmulator

__all__ = ["NotionEmulator"]
