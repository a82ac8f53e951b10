"""Files to the typed model: load, file names, schemas, rules, problems, build, revisions."""
