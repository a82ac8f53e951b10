"""The row-by-row generator sample-tickets used before issue 14: its distribution's reference."""

# Kept verbatim (Python's random, one ticket at a time, 43 s per million) so that the bulk
# generator in escalations.tickets.synthetic can be compared with it: tests/test_synthetic.py
# checks that both draw from the same distribution, bench/synthetic.py --before times it.

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from escalations.criteria.ticket import created_field
from escalations.model.framework import Field, Framework
from escalations.tickets.synthetic import (
    BODIES,
    SUBJECTS,
    _condition_words,
    _thresholds,
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
