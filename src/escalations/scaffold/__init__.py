"""A new framework repository of one's own, with the tool as a dependency."""
