"""The framework published to Notion: pages rendered as blocks, planned and synced by block."""
