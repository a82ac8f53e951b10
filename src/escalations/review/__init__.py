"""For people reviewing a change: the semantic diff and the rendered previews."""
