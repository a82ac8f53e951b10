"""The report over 100,000 escalated tickets from the HubSpot emulator, its incremental refresh,
and over a 1,000,000-ticket export.

Usage: python bench/report.py [--tickets N] [--others N] [--export N]

1. The HubSpot emulator runs in a child process (this file run as `report.py serve ...`) on an
   SQLite file, so this process's peak resident memory (getrusage) is the pull's and the
   report's alone. Its tickets are written straight into the emulator's store in bulk
   (`Store.put_many`; through the API, 100 a request, 400,000 tickets would take longer than
   the bench): `--tickets` escalated ones (default 100,000), made by the sandbox generator's
   `_escalate` over the year before now, and `--others` tickets that never escalated (default
   300,000, not the 1,900,000 a 5 % share would give: the weekly counts cost one search per
   week whatever their size, and the emulator's process stays under a gigabyte). Then
   `pull_history` into a new DuckDB file with the real pacing (the emulator answers a fifth
   search within a second with 429, as HubSpot does): searches made, seconds, the part of them
   spent sleeping to keep the pace (the rest is the emulator answering and the SDK parsing,
   in two processes); then `metrics.build` over the year and `formats.render(..., "text")`.
2. 1,000 more escalated tickets created through the API (batch create, 100 a request; without
   first_agent_reply_date, which the API cannot set), then the incremental pull: searches,
   seconds.
3. A CSV export of `--export` tickets (default 1,000,000, about 5 % escalated) with HubSpot's
   property names, written by DuckDB's COPY from a generated query, then `import_export` into
   an in-memory history (as `escalations report --from` does) and the report: seconds, and
   the peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import duckdb  # noqa: E402
from hubspot.crm.tickets import (  # noqa: E402
    BatchInputSimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputForCreate,
)

from escalations.model.framework import Framework  # noqa: E402
from escalations.model.validate import validate_framework  # noqa: E402
from escalations.publish.hubspot.portal import Portal  # noqa: E402
from escalations.publish.targets import _hubspot  # noqa: E402
from escalations.report import formats, history, metrics  # noqa: E402
from escalations.report.imports import import_export  # noqa: E402
from escalations.report.pull import PAGE, SEARCHES_PER_SECOND, Pace, pull_history  # noqa: E402
from escalations.sandbox.hubspot.history import _escalate, _iso, ensure_properties  # noqa: E402

TOKEN = "bench-hubspot-token"
MORE = 1000
SEED = 12
CHANGES = ("createdate", "first_agent_reply_date", "closed_date", "esc_escalated_at",
           "esc_acknowledged_at", "esc_resolved_at")  # fmt: skip
"""The times a ticket changes at (its response due time is a deadline, not a change)."""
FIRST_ID = 1000001
"""The emulator's first ticket id (Store.next_id("ticket", 1000001))."""


def load() -> Framework:
    framework = validate_framework(ROOT / "framework").framework
    assert framework is not None
    return framework


def portal_at(url: str) -> Portal:
    return Portal(_hubspot(TOKEN, url), "esc_")


def escalated(framework: Framework, owners: dict[str, str], rng: random.Random,
              created: datetime, end: datetime
              ) -> tuple[dict[str, str], datetime | None]:  # fmt: skip
    """One escalated ticket as the sandbox generator makes them, and its first reply."""
    props = {"subject": f"Bench ticket {rng.randrange(10**9)}", "createdate": _iso(created)}
    at = created + timedelta(hours=rng.uniform(0.2, 30))
    reply = _escalate(framework, owners, rng, props, min(at, end), end, "esc_")
    return props, reply if reply is not None and reply < end else None


# -- the child: the emulator and its bulk-written store ---------------------------------------


def serve(directory: str, tickets: str, others: str) -> None:
    """Fill the emulator's store, print `ready <url>`, serve until stdin closes."""
    from escalations.sandbox.hubspot.emulator import HubSpotEmulator

    framework = load()
    hub = HubSpotEmulator(Path(directory) / "hubspot.sqlite", token=TOKEN, rate_limit=None)
    hub.start()
    for person in framework.people:
        first, _, last = person.name.partition(" ")
        hub.add_owner(person.email, first, last)
    portal = portal_at(hub.base_url)
    ensure_properties(portal, framework)
    owners = {email: owner.owner_id for email, owner in portal.owners().items()}
    end = hub.now() - timedelta(minutes=5)
    rng = random.Random(SEED)
    made: list[tuple[str, datetime, dict[str, str], datetime | None]] = []
    for _ in range(int(tickets)):
        created = end - timedelta(seconds=rng.uniform(0, 365 * 86400))
        props, reply = escalated(framework, owners, rng, created, end)
        made.append(("e", created, props, reply))
    for _ in range(int(others)):
        created = end - timedelta(seconds=rng.uniform(0, 365 * 86400))
        props = {"subject": "Bench ticket", "createdate": _iso(created)}
        closed = created + timedelta(hours=rng.uniform(1, 96))
        if closed < end:
            props |= {"hs_pipeline_stage": "4", "closed_date": _iso(closed)}
        reply = created + timedelta(minutes=rng.uniform(5, 600))
        made.append(("o", created, props, reply if reply < end else None))
    made.sort(key=lambda item: item[1])

    def docs() -> Any:
        for number, (_, _, values, reply) in enumerate(made):
            key = str(FIRST_ID + number)
            props = {"hs_pipeline": "0", "hs_pipeline_stage": "1", **values, "hs_object_id": key}
            if reply is not None:
                props["first_agent_reply_date"] = _iso(reply)
            stamps = [props.get(name) or "" for name in CHANGES]
            props["hs_lastmodifieddate"] = max(stamps)
            yield key, {"id": key, "properties": props, "createdAt": props["createdate"],
                        "updatedAt": props["hs_lastmodifieddate"], "archived": False}  # fmt: skip

    hub._store.put_many("ticket", docs())
    with hub._store.transaction():
        hub._store._conn.execute(
            "INSERT OR REPLACE INTO counters VALUES ('ticket', ?)", (FIRST_ID + len(made) - 1,)
        )
    print(f"ready {hub.base_url}", flush=True)
    sys.stdin.read()
    hub.stop()


def peak_kib(pid: int) -> int:
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(found.group(1)) if found else 0


def own_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- the parts ---------------------------------------------------------------------------------


class Sleeps:
    """The pace's sleeping, summed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, seconds: float) -> None:
        self.seconds += seconds
        time.sleep(seconds)


def report_text(con: duckdb.DuckDBPyConnection, framework: Framework,
                since: datetime, until: datetime) -> tuple[float, int, int]:  # fmt: skip
    """Seconds to build and render the report, its escalations, its lines."""
    began = time.perf_counter()
    built = metrics.build(con, framework, since.date(), until.date())
    text = formats.render(built, "text")
    return time.perf_counter() - began, built.escalations, len(text.splitlines())


def pulls(framework: Framework, scratch: Path, tickets: int, others: int) -> None:
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "serve", str(scratch), str(tickets), str(others)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout is not None and child.stdin is not None
    line = child.stdout.readline()
    if not line.startswith("ready "):
        child.kill()
        raise RuntimeError(f"the emulator did not start: {line!r}")
    url = line.split()[1]
    print(f"1. emulator store: {tickets:,} escalated + {others:,} other tickets written in bulk "
          f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
    try:
        portal = portal_at(url)
        sleeps = Sleeps()
        pace = Pace(SEARCHES_PER_SECOND, sleep=sleeps)
        con = history.connect(scratch / "history.duckdb")
        began = time.perf_counter()
        first = pull_history(portal, framework, con, target="bench", pace=pace)
        seconds = time.perf_counter() - began
        least = -(-tickets // PAGE) + first.weeks
        print(f"   full pull: {first.stored:,} escalated stored (goal {tickets:,}), "
              f"{first.searches} searches (goal near {least}: {PAGE} a page plus one a week) and "
              f"{first.lookups} company lookups, "
              f"{first.weeks} weeks counted")  # fmt: skip
        print(f"   full pull: {seconds:.1f} s, of which {sleeps.seconds:.1f} s sleeping for "
              f"{SEARCHES_PER_SECOND:.0f} searches/s (floor {first.searches / 4:.0f} s); "
              f"peak RSS of this process {own_peak_mib():.0f} MiB")  # fmt: skip
        end = datetime.now(UTC)
        since = end - timedelta(days=365)
        spent, count, lines = report_text(con, framework, since, end)
        print(f"   report over the year: {count:,} escalations, {lines} lines of text in "
              f"{spent:.1f} s; peak RSS of this process {own_peak_mib():.0f} MiB")  # fmt: skip

        owners = {email: o.owner_id for email, o in portal.owners().items()}
        rng = random.Random(SEED + 1)
        now = datetime.now(UTC)
        made = [escalated(framework, owners, rng, now - timedelta(hours=rng.uniform(31, 72)),
                          now)[0] for _ in range(MORE)]  # fmt: skip
        api = portal.client.crm.tickets.batch_api
        for start in range(0, MORE, 100):
            inputs = [SimplePublicObjectBatchInputForCreate(properties=p, associations=[])
                      for p in made[start : start + 100]]  # fmt: skip
            api.create(BatchInputSimplePublicObjectBatchInputForCreate(inputs=inputs))
        sleeps.seconds = 0.0
        began = time.perf_counter()
        again = pull_history(portal, framework, con, target="bench", pace=pace)
        seconds = time.perf_counter() - began
        [(total,)] = con.execute("SELECT count(*) FROM escalations").fetchall()
        print(f"2. incremental pull after {MORE:,} more: {again.stored:,} stored (goal {MORE:,}),"
              f" {again.searches} searches (goal near {-(-MORE // PAGE) + again.weeks}) and "
              f"{again.lookups} company lookups, "
              f"{again.weeks} weeks recounted, {seconds:.1f} s of which {sleeps.seconds:.1f} s "
              f"sleeping; history now {total:,} escalations")  # fmt: skip
        con.close()
        emulator = peak_kib(child.pid) / 1024
        print(f"   peak RSS of the emulator's process {emulator:.0f} MiB")
    finally:
        child.stdin.close()
        child.wait(30)


def export(framework: Framework, scratch: Path, rows: int) -> None:
    path = scratch / "tickets.csv"
    triggers = [t for t in framework.triggers if t.enabled]

    def array(values: list[str]) -> str:
        return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"

    def pick(values: list[str], salt: int) -> str:
        index = f"CAST(hash(i * {salt} + 3) % {len(values)} AS INT) + 1"
        return f"list_extract({array(values)}, {index})"

    pick_trigger = f"CAST(hash(i * 5 + 3) % {len(triggers)} AS INT) + 1"
    day, hour = 86_400_000_000, 3_600_000_000
    stamp = "strftime({}, '%Y-%m-%dT%H:%M:%S.%gZ')"
    end = datetime.now(UTC).replace(microsecond=0)
    began = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"""
        CREATE TEMP TABLE t AS SELECT i, hash(i * 11 + 1) % 100 < 5 AS esc,
            TIMESTAMPTZ '{end.isoformat()}' - to_microseconds(CAST(hash(i) % {365 * day} AS BIGINT))
                AS created,
            hash(i * 17 + 2) % 10 AS fate
        FROM range({rows}) r(i)""")  # fmt: skip
    con.execute(f"""
        CREATE TEMP TABLE e AS SELECT *,
            created + to_microseconds(CAST(hash(i * 19) % {30 * hour} AS BIGINT)) AS escalated_at
        FROM t""")  # fmt: skip
    ack = f"escalated_at + to_microseconds(CAST(hash(i * 23) % {8 * hour} AS BIGINT))"
    resolved = f"escalated_at + to_microseconds(CAST(hash(i * 29) % {5 * day} AS BIGINT))"
    con.execute(f"""
        COPY (SELECT i + 1 AS hs_object_id, 'Export ticket ' || i AS subject,
            {pick([f"Company {n}" for n in range(400)], 31)} AS company,
            {stamp.format('created')} AS createdate,
            {stamp.format('created + INTERVAL 2 DAY')} AS hs_lastmodifieddate,
            {stamp.format('created + INTERVAL 1 HOUR')} AS first_agent_reply_date,
            CASE WHEN esc THEN 'true' END AS esc_escalated,
            CASE WHEN esc THEN {stamp.format('escalated_at')} END AS esc_escalated_at,
            CASE WHEN esc THEN list_extract({array([t.id for t in triggers])}, {pick_trigger}) END
                AS esc_trigger,
            CASE WHEN esc THEN list_extract({array([t.escalation_type for t in triggers])},
                {pick_trigger}) END AS esc_type,
            CASE WHEN esc THEN list_extract({array([t.tier for t in triggers])}, {pick_trigger})
                END AS esc_tier,
            CASE WHEN esc THEN 1 + CAST(hash(i * 37) % 3 AS INT) END AS esc_level,
            CASE WHEN esc THEN {pick([p.email for p in framework.people], 41)} END AS esc_owner,
            CASE WHEN NOT esc THEN NULL WHEN fate = 0 THEN 'open' WHEN fate = 1 THEN 'acknowledged'
                ELSE 'resolved' END AS esc_status,
            CASE WHEN esc AND fate > 0 THEN {stamp.format(ack)} END AS esc_acknowledged_at,
            CASE WHEN esc AND fate > 1 THEN {stamp.format(resolved)} END AS esc_resolved_at,
            CASE WHEN esc AND fate > 1 THEN {pick([c.id for c in framework.root_causes], 43)} END
                AS esc_root_cause,
            CASE WHEN esc THEN '{framework.version}' END AS esc_framework_version,
            CASE WHEN fate > 1 THEN {stamp.format(resolved + ' + INTERVAL 1 HOUR')} END
                AS closed_date
        FROM e ORDER BY created) TO '{path}' (HEADER)""")  # fmt: skip
    con.close()
    size = path.stat().st_size / 2**20
    print(f"3. export: {rows:,} tickets, {size:.0f} MiB of CSV written by DuckDB in "
          f"{time.perf_counter() - began:.1f} s")  # fmt: skip
    con = history.connect(None)
    began = time.perf_counter()
    imported = import_export(con, path, framework)
    seconds = time.perf_counter() - began
    print(f"   import: {imported.escalations:,} escalated of {imported.tickets:,} tickets over "
          f"{imported.weeks} weeks in {seconds:.1f} s (goal under 30 s), notes: "
          f"{list(imported.notes) or 'none'}; peak RSS of this process "
          f"{own_peak_mib():.0f} MiB")  # fmt: skip
    spent, count, lines = report_text(con, framework, end - timedelta(days=365), end)
    print(f"   report over the year: {count:,} escalations, {lines} lines of text in "
          f"{spent:.1f} s (goal under 60 s); peak RSS of this process "
          f"{own_peak_mib():.0f} MiB")  # fmt: skip
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="escalated, part 1")
    parser.add_argument("--others", type=int, help="not escalated, part 1 (3 x --tickets)")
    parser.add_argument("--export", type=int, default=1_000_000, help="rows of part 3")
    options = parser.parse_args()
    others = options.others if options.others is not None else 3 * options.tickets
    framework = load()
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        pulls(framework, scratch, options.tickets, others)
        export(framework, scratch, options.export)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(*sys.argv[2:5])
    else:
        main()
