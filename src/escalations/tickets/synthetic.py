"""Synthetic ticket exports shaped by a framework's field catalog, drawn in bulk with numpy."""

# Columns are HubSpot property names, as in an API export. Values are plausible, not uniform:
# most tickets are calm, a few carry the words, scores and flags the triggers look for, event
# times follow creation by minutes to days, and some are not known yet.
#
# Each column is drawn as a whole (numpy) as integer codes, and DuckDB turns the codes into the
# exported text while it writes the file: no Python work per ticket. The draws cannot replay the
# row-by-row `random.Random` stream of the generator this replaced (a ticket took a varying
# number of draws), so a seed gives other tickets than before, from the same distribution
# (tests/test_synthetic.py compares the two).

from __future__ import annotations

import json
import shutil
import tempfile
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
from numpy.typing import NDArray

from escalations.criteria.sqltext import literal
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
CHUNK = 65_536
"""Tickets per random stream: the first N tickets of a seed are the same whatever the count."""
BLOCK = 16 * CHUNK
"""Tickets made and written at a time, so that memory does not grow with the count."""
ALWAYS_FILLED = ("subject", "content", "priority")

Codes = NDArray[np.signedinteger[Any]]
Uniforms = NDArray[np.float64]
Draw = Callable[[int], Uniforms]


@dataclass(frozen=True, slots=True)
class Column:
    """One exported property: a code per ticket (-1 when not known) and what a code means."""

    name: str
    codes: Codes
    kind: Literal["label", "moment", "number"]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Draws:
    """Uniform draws in [0, 1), one per ticket from ticket `first` (a multiple of CHUNK) on,
    from a stream per key, use and chunk of tickets.

    Keyed by field id, so adding a field to the catalog leaves the other columns as they were.
    """

    seed: int
    first: int
    count: int

    def __call__(self, key: str, use: int) -> Uniforms:
        drawn = np.empty(self.count)
        for offset in range(0, self.count, CHUNK):
            chunk = (self.first + offset) // CHUNK
            entropy = [self.seed, zlib.crc32(key.encode()), use, chunk]
            stream = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
            stream.random(out=drawn[offset : offset + CHUNK])
        return drawn

    def of(self, key: str) -> Draw:
        return partial(self, key)


@dataclass(frozen=True, slots=True)
class Catalog:
    """What the triggers look for, so the rare values the generator adds are the ones that count."""

    words: dict[str, list[str]]
    thresholds: dict[str, list[float]]
    people: tuple[str, ...]


def generate_columns(
    framework: Framework, *, seed: int, span: int, first: int = 0, count: int
) -> list[Column]:
    """The export's columns for `count` tickets from ticket `first` (a multiple of CHUNK) on,
    created over `span` seconds before the end."""
    # random.Random's convention: a seed and its negative give the same tickets.
    draw = Draws(abs(seed), first, count)
    catalog = Catalog(
        _condition_words(framework),
        _thresholds(framework),
        tuple(f"person:{p.id}" for p in framework.people),
    )
    created = np.floor(draw("ticket:created", 0) * span).astype(np.int64)
    closed = draw("ticket:closed", 0) < 0.6
    ids = np.arange(1_000_001 + first, 1_000_001 + first + count)
    columns = [Column("hs_object_id", ids, "number")]
    created_id = created_field(framework)
    for field in framework.fields:
        if field.id == created_id:
            column = Column(field.hubspot_property, created, "moment")
        elif field.type == "datetime":
            codes = _event(field, draw.of(field.id), created, closed, span)
            column = Column(field.hubspot_property, codes, "moment")
        else:
            column = _value(field, draw.of(field.id), closed, catalog)
        columns.append(_compact(column))
    return columns


def _compact(column: Column) -> Column:
    """The column with the narrowest integer codes that hold it: memory is most of the cost."""
    top = int(column.codes.max(initial=0))
    kind = next(k for k in (np.int8, np.int16, np.int32, np.int64) if top <= np.iinfo(k).max)
    return Column(column.name, column.codes.astype(kind), column.kind, column.labels)


def _value(field: Field, draw: Draw, closed: NDArray[np.bool_], catalog: Catalog) -> Column:
    name = field.hubspot_property
    if field.type == "enumeration":
        codes = _option(field, draw(1), closed, set(catalog.words.get(field.id, ())))
        column = Column(name, codes, "label", tuple(o.hubspot for o in field.options))
    elif field.type == "number":
        column = Column(name, _number(field, draw, catalog), "number")
    elif field.type == "bool":
        column = Column(name, (draw(1) < 0.02).astype(np.int64), "label", ("false", "true"))
    elif field.type == "owner":
        people = catalog.people
        codes = _pick(draw(1), len(people)) if people else np.full(len(closed), -1)
        column = Column(name, codes, "label", people)
    else:
        column = _text(field, draw, catalog.words.get(field.id, []))
    if field.id in ALWAYS_FILLED:
        return column
    # Not every property is filled in.
    return Column(name, np.where(draw(0) < 0.08, -1, column.codes), column.kind, column.labels)


def _event(field: Field, draw: Draw, created: Codes, closed: NDArray[np.bool_], span: int) -> Codes:
    """Seconds after the start of the history; -1 when not known at the end of it."""
    hours = np.exp(1.0 + 1.4 * _normal(draw(1), draw(2)))  # median about 3 hours
    known = draw(0) >= 0.1
    if "close" in field.id:
        hours *= 8
        known &= closed
    moment = created + (hours * 3600).astype(np.int64)
    return np.where(known & (moment <= span), moment, -1)


def _option(field: Field, draws: Uniforms, closed: NDArray[np.bool_], signals: set[str]) -> Codes:
    names = [o.value for o in field.options]
    if "closed" in names and field.id.endswith("stage"):
        shut = names.index("closed")
        others = np.array([i for i in range(len(names)) if i != shut])
        return np.where(closed, shut, others[_pick(draws, len(others))])
    # Options that triggers look for are the rarer signals.
    weights = [0.25 if name in signals else 1.0 for name in names]
    if field.id == "priority":
        weights = [0.3, 0.4, 0.22, 0.08][: len(names)] + weights[4:]
    return _choose(draws, weights)


def _number(field: Field, draw: Draw, catalog: Catalog) -> Codes:
    name = field.id
    if "csat" in name:
        scores = _choose(draw(2), [3, 4, 10, 33, 50]) + 1
        return np.where(draw(1) < 0.7, -1, scores)  # most customers never answer the survey
    if "reopen" in name:
        return np.minimum(np.floor(-np.log1p(-draw(1)) / 2.5), 6).astype(np.int64)
    limit = max(catalog.thresholds.get(name, [100.0]))
    return np.rint(np.exp(_normal(draw(1), draw(2))) * limit / 3).astype(np.int64)


def _text(field: Field, draw: Draw, words: list[str]) -> Column:
    bases = SUBJECTS if field.id == "subject" else BODIES
    base = _pick(draw(1), len(bases))
    # Label codes: each base alone, then each base with each word the triggers look for.
    labels = (*bases, *(f"{b} {w.capitalize()}, please." for b in bases for w in words))
    if words:
        worded = len(bases) + base * len(words) + _pick(draw(3), len(words))
        base = np.where(draw(2) < 0.03, worded, base)
    return Column(field.hubspot_property, base, "label", labels)


def _pick(draws: Uniforms, count: int) -> Codes:
    return np.minimum(np.floor(draws * count), count - 1).astype(np.int64)


def _choose(draws: Uniforms, weights: list[float]) -> Codes:
    """An index per draw, index i with probability weights[i] / sum(weights)."""
    bounds: NDArray[np.float64] = np.cumsum(np.asarray(weights, dtype=np.float64))
    chosen: Codes = np.searchsorted(bounds, draws * bounds[-1], side="right").astype(np.int64)
    return np.minimum(chosen, len(weights) - 1)


def _normal(first: Uniforms, second: Uniforms) -> Uniforms:
    """Standard normal draws (Box-Muller): built on uniforms only, whose stream numpy keeps."""
    return np.sqrt(-2.0 * np.log1p(-first)) * np.cos(2.0 * np.pi * second)


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


def _expression(column: Column, code: str, start: datetime, cell: Callable[[str], str]) -> str:
    """SQL for a column's text (labels through `cell`); NULL where the value is not known."""
    if column.kind == "label":
        labels = ", ".join(literal(cell(label)) for label in column.labels)
        text = f"list_extract(CAST([{labels}] AS VARCHAR[]), {code} + 1)"
    elif column.kind == "moment":
        moment = (
            f"{literal(start.replace(tzinfo=None).isoformat())}::TIMESTAMP + to_seconds({code})"
        )
        text = f"strftime({moment}, '%Y-%m-%dT%H:%M:%S+00:00')"
    else:
        text = f"CAST({code} AS VARCHAR)"
    return f"CASE WHEN {code} < 0 THEN NULL ELSE {text} END"


def _csv_cell(text: str) -> str:
    """The text as a CSV cell, quoted only where it must be (as Python's csv module does)."""
    if any(mark in text for mark in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_is(text: str) -> str:
    return text


def write_tickets(
    framework: Framework,
    path: Path,
    *,
    count: int,
    seed: int = 7,
    end: datetime | None = None,
    weeks: int = 26,
    block: int = BLOCK,
) -> int:
    """Write `count` synthetic tickets to a .csv, .jsonl or .parquet file; return the count.

    Every value is text, as in an export; an unknown value is an empty CSV cell, a key left out
    of the JSON line, a Parquet null. Times are UTC, to the second. Tickets are made `block` (a
    multiple of CHUNK) at a time, each block written to a part file, the parts then joined.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".parquet"):
        raise EscalationsError(f"{path}: write .csv, .jsonl or .parquet.")
    if block <= 0 or block % CHUNK:
        raise ValueError(f"block must be a positive multiple of {CHUNK}, not {block}")
    finish = (end or datetime(2026, 11, 2, tzinfo=UTC)).astimezone(UTC)
    start = finish - timedelta(weeks=weeks)
    span = int((finish - start).total_seconds())
    firsts = range(0, max(count, 1), block)
    with duckdb.connect(config={"threads": 1}) as connection, ExitStack() as stack:
        if len(firsts) == 1:
            parts = [path]
        else:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=path.parent)))
            parts = [scratch / f"part-{n}{suffix}" for n in range(len(firsts))]
        for part, first in zip(parts, firsts, strict=True):
            # A block's columns live only while it is written, not while the next is drawn.
            columns = generate_columns(
                framework, seed=seed, span=span, first=first, count=min(block, count - first)
            )
            query, options = _copy(columns, suffix, start, header=first == 0)
            connection.register("codes", {f"c{i}": c.codes for i, c in enumerate(columns)})
            connection.execute(f"COPY ({query}) TO {literal(str(part))} ({options})")
            connection.unregister("codes")
            del columns
        if len(parts) > 1:
            _join(connection, parts, path)
    return count


def _copy(columns: list[Column], suffix: str, start: datetime, *, header: bool) -> tuple[str, str]:
    """The query that makes a file's text from the codes, and the options that write it."""
    cell = _csv_cell if suffix == ".csv" else _as_is
    texts = [_expression(c, f"c{i}", start, cell) for i, c in enumerate(columns)]
    # CSV and JSON lines are built whole in SQL and written as one unquoted column: DuckDB's
    # CSV writer spends more on checking each of 19 cells than the query spends on making them.
    lines = "FORMAT csv, QUOTE '', ESCAPE '', DELIMITER '\x01'"
    if suffix == ".csv":
        names = ",".join(_csv_cell(c.name) for c in columns)  # the one column's name
        separated = ", ',', ".join(texts)
        query = f"SELECT concat({separated}) AS {_identifier(names)} FROM codes"
        return query, f"{lines}, HEADER {str(header).lower()}"
    if suffix == ".parquet":
        named = (f"{text} AS {_identifier(c.name)}" for c, text in zip(columns, texts, strict=True))
        return f"SELECT {', '.join(named)} FROM codes", "FORMAT parquet"
    # Lines as json.dumps writes them, unknown values left out (concat_ws skips NULLs).
    pairs = (
        f"{literal(json.dumps(c.name) + ': ')} || to_json({text})"
        for c, text in zip(columns, texts, strict=True)
    )
    query = f"SELECT '{{' || concat_ws(', ', {', '.join(pairs)}) || '}}' FROM codes"
    return query, f"{lines}, HEADER false"


def _join(connection: duckdb.DuckDBPyConnection, parts: list[Path], path: Path) -> None:
    if path.suffix.lower() == ".parquet":
        files = ", ".join(literal(str(part)) for part in parts)
        connection.execute(
            f"COPY (SELECT * FROM read_parquet([{files}])) TO {literal(str(path))} (FORMAT parquet)"
        )
        return
    with path.open("wb") as joined:
        for part in parts:
            with part.open("rb") as handle:
                shutil.copyfileobj(handle, joined, 2**20)
