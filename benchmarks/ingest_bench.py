"""Throughput of the event log: ingest 100k events (10k tickets) into SQLite and into
PostgreSQL, re-ingest them (all duplicates), read them back, and catch a projection up
from zero.

    python benchmarks/ingest_bench.py [--tickets N] [--batch B] [--postgres URL]
                                      [--no-postgres] [--json PATH]

Wall-clock events/s (the database works in other processes), best of one run each on a
fresh log.  Also prints the per-event CPU cost of the slacore codec steps that ingestion
and reading cannot avoid, to show where the time goes.  A benchmark, not a test: it never
fails on a slow figure.  PostgreSQL: ``--postgres`` or ``SLACORE_BENCH_POSTGRES_URL``
(default ``postgresql://postgres@127.0.0.1:5432/test``); a private schema is created and
dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slacore.clock import BusinessCalendar
from slacore.events import canonical_json, from_json, parse_event, to_json
from slacore.loading import load_policy
from slacore.log import EventLog, open_log
from slacore.projections.runner import SlaProjection

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_bench import make_tickets  # noqa: E402

TARGETS = {"sqlite": 20_000, "postgresql": 10_000, "projection": 20_000}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def per_event_us(fn: Callable[[Any], Any], items: list[Any]) -> float:
    start = time.process_time()
    for item in items:
        fn(item)
    return (time.process_time() - start) / len(items) * 1e6


@contextmanager
def sqlite_url() -> Iterator[Callable[[], str]]:
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1000))
        yield lambda: f"sqlite:///{Path(tmp) / f'bench{next(counter)}.db'}"


@contextmanager
def postgres_url(base: str) -> Iterator[Callable[[], str]]:
    import psycopg

    schema = f"slacore_bench_{uuid.uuid4().hex[:8]}"
    conn = psycopg.connect(base, autocommit=True, connect_timeout=5)
    sep = "&" if "?" in base else "?"
    counter = iter(range(1000))
    try:
        yield lambda: f"{base}{sep}schema={schema}&prefix=b{next(counter)}"
    finally:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()


def bench_backend(
    name: str,
    next_url: Callable[[], str],
    raw: list[dict[str, Any]],
    models: list[Any],
    batch: int,
    projection: dict[str, Any],
) -> dict[str, float]:
    n = len(raw)
    figures: dict[str, float] = {}
    with open_log(next_url()) as log:
        secs, report = timed(lambda: log.ingest(models, batch_size=batch))
        assert report.stored == n, report.summary()
        figures["ingest (parsed models)"] = n / secs
        secs, report = timed(lambda: log.ingest(raw, batch_size=batch))
        assert report.duplicates == n, report.summary()
        figures["re-ingest (mappings, all duplicates)"] = n / secs
        secs, count = timed(lambda: sum(1 for _ in log.read()))
        figures["read in log order"] = count / secs
        figures["projection catch-up from zero"] = catch_up(log, projection)
    with open_log(next_url()) as log:
        secs, report = timed(lambda: log.ingest(raw, batch_size=batch))
        assert report.stored == n
        figures["ingest (mappings, incl. validation)"] = n / secs
    with open_log(next_url()) as log:
        text = "".join(to_json(m) + "\n" for m in models)
        secs, report = timed(lambda: log.ingest_jsonl(text, batch_size=batch))
        assert report.stored == n
        figures["ingest (JSON Lines text)"] = n / secs
    return figures


def catch_up(log: EventLog, projection: dict[str, Any]) -> float:
    runner = SlaProjection(log, projection["policy"], calendars=projection["calendars"],
                           chunk=projection["chunk"])
    secs, applied = timed(runner.run)
    assert applied == log.head()
    return float(applied / secs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=2000, help="projection chunk")
    parser.add_argument("--postgres", default=os.environ.get(
        "SLACORE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    raw = [e for t in make_tickets(args.tickets) for e in t]
    models = [parse_event(e) for e in raw]
    business = BusinessCalendar(
        "Europe/Berlin",
        hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays={"country": "DE"},
    )
    calendars = {"business": business, "apac-business": business}
    policy = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=calendars)
    projection = {"policy": policy, "calendars": calendars, "chunk": args.chunk}

    sample = models[:20_000]
    texts = [to_json(m) for m in sample]
    costs = {
        "parse_event (mapping -> model)": per_event_us(parse_event, raw[:20_000]),
        "to_json (stored text)": per_event_us(to_json, sample),
        "canonical_json (conflict check only)": per_event_us(canonical_json, sample),
        "from_json (reading back)": per_event_us(from_json, texts),
    }

    results: dict[str, dict[str, float]] = {}
    with sqlite_url() as next_url:
        results["sqlite"] = bench_backend("sqlite", next_url, raw, models, args.batch,
                                          projection)
    if not args.no_postgres:
        try:
            with postgres_url(args.postgres) as next_url:
                results["postgresql"] = bench_backend(
                    "postgresql", next_url, raw, models, args.batch, projection)
        except Exception as exc:  # a benchmark reports and goes on
            print(f"PostgreSQL skipped: {exc}", file=sys.stderr)

    print(f"slacore.log: {len(raw):,} events, {args.tickets:,} tickets, "
          f"{args.batch} events per transaction (Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs)")
    for backend, figures in results.items():
        print(f"  {backend}")
        for what, rate in figures.items():
            print(f"    {what:40s} {rate:10,.0f} events/s")
    print("  catch-up time per event: reading and decoding the log (as 'read in log order') "
          "vs. the rest (evaluating, writing the view):")
    for backend, figures in results.items():
        per_event = 1 / figures["projection catch-up from zero"]
        reading = min(1 / figures["read in log order"], per_event)
        print(f"    {backend:40s} {reading * 1e6:6.1f} µs + {(per_event - reading) * 1e6:6.1f} µs "
              f"({reading / per_event:.0%} reading)")
    print("  codec CPU per event (slacore.events, paid by any store):")
    for what, us in costs.items():
        print(f"    {what:40s} {us:10.1f} µs")
    def verdict(got: float, target: int) -> str:
        return "met" if got >= target else f"not met ({got / target:.0%} of it)"

    for backend in ("sqlite", "postgresql"):
        if backend in results:
            got = results[backend]["ingest (parsed models)"]
            mappings = results[backend]["ingest (mappings, incl. validation)"]
            print(f"target ingest into {backend} >= {TARGETS[backend]:,} events/s: "
                  f"{verdict(got, TARGETS[backend])} ({got:,.0f} from models, "
                  f"{mappings:,.0f} from mappings)")
    for backend, figures in results.items():
        got = figures["projection catch-up from zero"]
        print(f"target projection catch-up >= {TARGETS['projection']:,} events/s "
              f"({backend}): {verdict(got, TARGETS['projection'])}")
    if args.json:
        args.json.write_text(json.dumps({"rates": results, "codec_us": costs}, indent=2))


if __name__ == "__main__":
    main()
