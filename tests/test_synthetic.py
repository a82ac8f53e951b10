"""sample-tickets: the bulk generator's files, their determinism and their distribution."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from escalations.errors import EscalationsError
from escalations.model.framework import Framework
from escalations.tickets.synthetic import CHUNK, write_tickets

from .conftest import FRAMEWORK, Result
from .synthetic_reference import Generator

END = datetime(2026, 11, 2, tzinfo=UTC)
START = END - timedelta(weeks=26)
MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def columns(framework: Framework) -> list[str]:
    return ["hs_object_id", *(f.hubspot_property for f in framework.fields)]


def test_a_seed_gives_the_same_file_and_another_seed_other_tickets(
    framework: Framework, tmp_path: Path
) -> None:
    files = {}
    for name, seed in (("first", 3), ("again", 3), ("negative", -3), ("other", 4)):
        files[name] = tmp_path / f"{name}.csv"
        write_tickets(framework, files[name], count=2000, seed=seed)
    first = files["first"].read_bytes()
    assert files["again"].read_bytes() == first
    assert files["negative"].read_bytes() == first  # as random.Random(-3) is random.Random(3)
    other = files["other"].read_bytes()
    assert other.splitlines()[0] == first.splitlines()[0]
    changed = sum(a != b for a, b in zip(first.splitlines(), other.splitlines(), strict=True))
    assert changed == 2000


def test_the_first_tickets_of_a_seed_do_not_depend_on_the_count(
    framework: Framework, tmp_path: Path
) -> None:
    # Past the first chunk of draws, so the second chunk's streams are checked too.
    short, long = tmp_path / "short.csv", tmp_path / "long.csv"
    write_tickets(framework, short, count=CHUNK + 100, seed=8)
    write_tickets(framework, long, count=CHUNK + 300, seed=8)
    lines = long.read_bytes().splitlines()
    assert len(lines) == CHUNK + 301
    assert short.read_bytes().splitlines() == lines[: CHUNK + 101]


def test_every_value_is_one_the_catalog_allows(framework: Framework, tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    assert write_tickets(framework, path, count=5000, seed=2) == 5000
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(columns(framework))
    rows = read_rows(path)
    assert [row["hs_object_id"] for row in rows] == [str(1_000_001 + i) for i in range(5000)]
    fields = {f.hubspot_property: f for f in framework.fields}
    people = {f"person:{p.id}" for p in framework.people}
    for name, field in fields.items():
        values = [row[name] for row in rows]
        filled = [v for v in values if v]
        if field.id in ("subject", "content", "priority", "created_at"):
            assert len(filled) == 5000, name
        if field.type == "datetime":
            assert all(MOMENT.fullmatch(v) for v in filled), name
            assert all(START <= datetime.fromisoformat(v) <= END for v in filled), name
        elif field.type == "enumeration":
            assert set(filled) == {o.hubspot for o in field.options}, name
        elif field.type == "number":
            assert all(v.isdigit() for v in filled), name
        elif field.type == "bool":
            assert set(filled) == {"true", "false"}, name
        elif field.type == "owner":
            assert set(filled) == people, name
    for row in rows:
        created = datetime.fromisoformat(row["createdate"])
        for name in ("first_agent_reply_date", "last_reply_date", "closed_date"):
            assert not row[name] or datetime.fromisoformat(row[name]) >= created
        # Only a closed ticket has a close date (or one whose stage is not filled in).
        assert not row["closed_date"] or row["hs_pipeline_stage"] in ("4", "")
    scores = Counter(row["csat_score"] for row in rows)
    assert set(scores) == {"", "1", "2", "3", "4", "5"}
    assert {int(row["reopen_count"]) for row in rows if row["reopen_count"]} <= set(range(7))
    worded = [row["content"] for row in rows if row["content"].endswith(", please.")]
    assert worded and all(row["subject"] for row in rows)


def test_json_lines_and_parquet_carry_the_same_tickets_as_csv(
    framework: Framework, tmp_path: Path
) -> None:
    paths = {suffix: tmp_path / f"tickets{suffix}" for suffix in (".csv", ".jsonl", ".parquet")}
    for path in paths.values():
        write_tickets(framework, path, count=1500, seed=6)
    rows = read_rows(paths[".csv"])
    # Unknown values are left out of a JSON line, written as json.dumps writes the rest.
    expected = [json.dumps({k: v for k, v in row.items() if v}) for row in rows]
    assert paths[".jsonl"].read_text(encoding="utf-8").splitlines() == expected
    connection = duckdb.connect()
    source = f"read_parquet('{paths['.parquet']}')"
    described = connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    assert [(name, kind) for name, kind, *_ in described] == [
        (name, "VARCHAR") for name in columns(framework)
    ]
    parquet = connection.execute(f"SELECT * FROM {source}").fetchall()
    assert parquet == [tuple(value or None for value in row.values()) for row in rows]


def test_a_file_it_cannot_write_is_refused(framework: Framework, tmp_path: Path) -> None:
    path = tmp_path / "tickets.xlsx"
    with pytest.raises(EscalationsError) as raised:
        write_tickets(framework, path, count=10)
    assert str(raised.value) == f"{path}: write .csv, .jsonl or .parquet."
    assert not path.exists()


def test_the_command_writes_the_seed_s_tickets(
    framework: Framework, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    path, expected = tmp_path / "tickets.csv", tmp_path / "expected.csv"
    result = cli("sample-tickets", str(path), "-f", str(FRAMEWORK), "--count", "25", "--seed", "9")
    assert (result.code, result.out, result.err) == (0, f"wrote 25 tickets to {path}\n", "")
    write_tickets(framework, expected, count=25, seed=9)
    assert path.read_bytes() == expected.read_bytes()


def shares(values: Iterable[str]) -> dict[str, float]:
    counts = Counter(values)
    total = sum(counts.values())
    return {value: count / total for value, count in counts.items()}


def quartiles(values: list[float]) -> list[float]:
    return statistics.quantiles(values, n=10)[1::2]  # the 20th, 40th, 60th and 80th percentiles


def hours_after(rows: list[dict[str, str]], name: str) -> list[float]:
    return [
        (datetime.fromisoformat(row[name]) - datetime.fromisoformat(row["createdate"]))
        / timedelta(hours=1)
        for row in rows
        if row[name]
    ]


def profile(framework: Framework, rows: list[dict[str, str]]) -> dict[str, object]:
    """What the tickets look like, column by column: shares of values, blanks and quantiles."""
    found: dict[str, object] = {}
    for field in framework.fields:
        name = field.hubspot_property
        values = [row[name] for row in rows]
        found[f"{name} blank"] = values.count("") / len(values)
        if field.id == "created_at":
            days = [(END - datetime.fromisoformat(v)) / timedelta(days=1) for v in values]
            found[f"{name} days before the end"] = quartiles(days)
        elif field.type == "datetime":
            found[f"{name} hours after creation"] = quartiles(hours_after(rows, name))
        elif field.type == "number" and field.id not in ("csat_score", "reopen_count"):
            found[f"{name} quantiles"] = quartiles([float(v) for v in values if v])
        elif field.type == "string":
            # Each text alone, or with a trigger's words added ("..., please.").
            found[f"{name} shares"] = shares(
                "worded" if v.endswith(", please.") else v for v in values
            )
        else:
            found[f"{name} shares"] = shares(values)
    return found


def test_the_distribution_is_the_one_of_the_row_by_row_generator(
    framework: Framework, tmp_path: Path
) -> None:
    count = 20_000
    path = tmp_path / "tickets.csv"
    write_tickets(framework, path, count=count, seed=21)
    bulk = profile(framework, read_rows(path))
    generator = Generator(framework, seed=21, end=END, weeks=26)
    before = profile(framework, list(generator.rows(count)))
    assert bulk.keys() == before.keys()
    for key, expected in before.items():
        found = bulk[key]
        if isinstance(expected, float):
            # Four standard errors of the difference of two shares of 20,000 tickets.
            assert found == pytest.approx(expected, abs=0.02), key
        elif isinstance(expected, dict):
            assert isinstance(found, dict), key
            for value in found.keys() | expected.keys():
                share = found.get(value, 0.0)
                assert share == pytest.approx(expected.get(value, 0.0), abs=0.02), (key, value)
        else:
            assert found == pytest.approx(expected, rel=0.1), key


def test_tickets_made_block_by_block_are_the_tickets_made_at_once(
    framework: Framework, tmp_path: Path
) -> None:
    for suffix in (".csv", ".jsonl", ".parquet"):
        whole, blocks = tmp_path / f"whole{suffix}", tmp_path / f"blocks{suffix}"
        write_tickets(framework, whole, count=CHUNK + 10, seed=4)
        write_tickets(framework, blocks, count=CHUNK + 10, seed=4, block=CHUNK)
        if suffix == ".parquet":
            same = duckdb.execute(
                "SELECT count(*), count(*) FILTER (a = b) FROM read_parquet(?) a"
                " POSITIONAL JOIN read_parquet(?) b",
                [str(whole), str(blocks)],
            ).fetchall()
            assert same == [(CHUNK + 10, CHUNK + 10)]
        else:
            assert blocks.read_bytes() == whole.read_bytes(), suffix
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}{suffix}"
        for name in ("whole", "blocks")
        for suffix in (".csv", ".jsonl", ".parquet")
    )  # the parts are gone
