"""Publishing the framework to Notion: Markdown to block requests and back to comparable text."""
