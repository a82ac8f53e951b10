"""Synthetic ticket exports shaped by a framework's field catalog, for trials and benchmarks.

Columns are HubSpot property names, as in an API export. Values are plausible, not uniform:
most tickets are calm, a few carry the words, scores and flags the triggers look for, event
times follow creation by minutes to days, and some are not known yet.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from escalations.criteria.sql import literal
from escalations.criteria.ticket import created_field
from escalations.errors import EscalationsError
from escalations.model.framework import Field, Framework

SUBJECTS = (
    "Cannot export board to CSV",
    "Login loop after password reset",
    "Question about our invoice",
    "Tasks not syncing with calendar",
    "How do I add a guest user?",
    "Attachments fail to upload",
    "Slow loading of project timeline",
    "Request for a refund of unused seats",
    "API returns 500 on /tasks",
    "Notifications arrive twice",
)
BODIES = (
    "Since this morning the export spins forever.",
    "Our project manager cannot see the new workspace.",
    "We were billed for 40 seats but only use 32.",
    "The integration stopped working after the update.",
    "Could you explain how permissions work for guests?",
    "Nothing happens when I click save.",
)


class Generator:
    def __init__(self, framework: Framework, *, seed: int, end: datetime, weeks: int) -> None:
        self.framework = framework
        self.random = random.Random(seed)
        self.end = end
        self.start = end - timedelta(weeks=weeks)
        self.created = created_field(framework)
        self.words = _condition_words(framework)
        self.signals = {name: set(values) for name, values in self.words.items()}
        self.thresholds = _thresholds(framework)
        self.people = [f"person:{p.id}" for p in framework.people]

    def rows(self, count: int) -> Iterator[dict[str, Any]]:
        span = (self.end - self.start).total_seconds()
        for number in range(1, count + 1):
            created = self.start + timedelta(seconds=int(self.random.random() * span))
            row: dict[str, Any] = {"hs_object_id": str(1_000_000 + number)}
            closed = self.random.random() < 0.6
            for field in self.framework.fields:
                row[field.hubspot_property] = self.value(field, created, closed)
            yield row

    def value(self, field: Field, created: datetime, closed: bool) -> Any:
        chance = self.random.random
        if field.id == self.created:
            return created.isoformat()
        if field.type == "datetime":
            return self._event(field, created, closed)
        if chance() < 0.08 and field.id not in ("subject", "content", "priority"):
            return ""  # not every property is filled in
        if field.type == "enumeration":
            return self._option(field, closed)
        if field.type == "number":
            return self._number(field)
        if field.type == "bool":
            return "true" if chance() < 0.02 else "false"
        if field.type == "owner":
            return self.random.choice(self.people) if self.people else ""
        return self._text(field)

    def _event(self, field: Field, created: datetime, closed: bool) -> str:
        name = field.id
        if "close" in name and not closed:
            return ""
        if self.random.random() < 0.1:
            return ""
        hours = self.random.lognormvariate(1.0, 1.4)  # median about 3 hours, long tail
        if "close" in name:
            hours *= 8
        moment = created + timedelta(seconds=int(hours * 3600))
        return moment.isoformat() if moment <= self.end else ""

    def _option(self, field: Field, closed: bool) -> str:
        options = list(field.options)
        names = [o.value for o in options]
        if "closed" in names and field.id.endswith("stage"):
            open_options = [o for o in options if o.value != "closed"]
            chosen = options[names.index("closed")] if closed else self.random.choice(open_options)
            return chosen.hubspot
        # Options that triggers look for are the rarer signals.
        signals = self.signals.get(field.id, set())
        weights = [0.25 if o.value in signals else 1.0 for o in options]
        if field.id == "priority":
            weights = [0.3, 0.4, 0.22, 0.08][: len(options)] + weights[4:]
        return self.random.choices(options, weights)[0].hubspot

    def _number(self, field: Field) -> str:
        name = field.id
        if "csat" in name:
            if self.random.random() < 0.7:
                return ""  # most customers never answer the survey
            return str(self.random.choices([1, 2, 3, 4, 5], [3, 4, 10, 33, 50])[0])
        if "reopen" in name:
            return str(min(int(self.random.expovariate(2.5)), 6))
        limit = max(self.thresholds.get(name, [100.0]))
        return str(round(self.random.lognormvariate(0, 1) * limit / 3))

    def _text(self, field: Field) -> str:
        base = self.random.choice(SUBJECTS if field.id == "subject" else BODIES)
        words = self.words.get(field.id)
        if words and self.random.random() < 0.03:
            return f"{base} {self.random.choice(words).capitalize()}, please."
        return base


def _condition_words(framework: Framework) -> dict[str, list[str]]:
    words: dict[str, list[str]] = {}
    for trigger in framework.triggers:
        for condition in (trigger.when, trigger.still):
            for leaf in condition.leaves() if condition else ():
                if leaf.op in ("contains", "eq", "in", "starts_with"):
                    values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
                    words.setdefault(leaf.field, []).extend(str(v) for v in values)
    return words


def _thresholds(framework: Framework) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for trigger in framework.triggers:
        for condition in (trigger.when, trigger.still):
            for leaf in condition.leaves() if condition else ():
                if isinstance(leaf.value, int | float) and not isinstance(leaf.value, bool):
                    found.setdefault(leaf.field, []).append(float(leaf.value))
    return found


def write_tickets(
    framework: Framework,
    path: Path,
    *,
    count: int,
    seed: int = 7,
    end: datetime | None = None,
    weeks: int = 26,
) -> int:
    """Write `count` synthetic tickets to a .csv, .jsonl or .parquet file; return the count."""
    generator = Generator(
        framework, seed=seed, end=end or datetime(2026, 11, 2, tzinfo=UTC), weeks=weeks
    )
    columns = ["hs_object_id", *(f.hubspot_property for f in framework.fields)]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(generator.rows(count))
    elif suffix in (".jsonl", ".ndjson"):
        with path.open("w", encoding="utf-8") as handle:
            for row in generator.rows(count):
                handle.write(json.dumps({k: v for k, v in row.items() if v != ""}) + "\n")
    elif suffix == ".parquet":
        staging = path.with_name(path.stem + ".staging.csv")
        write_tickets(framework, staging, count=count, seed=seed, end=end, weeks=weeks)
        duckdb.sql(
            f"COPY (SELECT * FROM read_csv({literal(str(staging))}, all_varchar = true)) "
            f"TO {literal(str(path))} (FORMAT parquet)"
        )
        staging.unlink()
    else:
        raise EscalationsError(f"{path}: write .csv, .jsonl or .parquet.")
    return count
