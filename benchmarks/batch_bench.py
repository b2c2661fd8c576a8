"""Throughput of the batch path: one events table (Parquet) evaluated by the single-process
``evaluate_table``, by Dask (``LocalCluster``, worker processes) and by Spark
(``local[N]``), all on the same input in this run.

    python benchmarks/batch_bench.py [--tickets 100000] [--quick] [--engines single,dask,spark]

Default: 100,000 tickets x 10 events = 1,000,000 events, the standard incident policy
(three metrics, a business calendar with holidays, maintenance exclusions).  ``--quick``
is 10,000 tickets.  Prints events/s (wall clock, read + evaluate + collect, after a warm-up
run on a slice so that engine start-up, worker imports and calendar tables are reported
apart) and the ratio to the single-process path, checks that every engine's
result equals the single-process one, and the load average (the machine may be shared).
A benchmark, not a test: it never fails on a slow figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from slacore.batch import EVENTS_SCHEMA, evaluate_table, in_result_order
from slacore.clock import BusinessCalendar
from slacore.loading import load_policy

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _us(t: datetime) -> int:
    return (t - EPOCH) // timedelta(microseconds=1)


def make_table(tickets: int, per_ticket: int = 10, seed: int = 7) -> pa.Table:
    """``tickets`` tickets of ``per_ticket`` events (opened, status/group/priority changes,
    responses, resolved last), rows shuffled, plus maintenance windows of two services."""
    rng = random.Random(seed)
    cols: dict[str, list[Any]] = {n: [] for n in EVENTS_SCHEMA.names}

    def row(**values: Any) -> None:
        for name, column in cols.items():
            column.append(values.get(name))

    for i in range(tickets):
        tid = f"INC{i:07d}"
        t = T0 + timedelta(minutes=rng.randrange(60 * 24 * 60))
        fields = {"priority": rng.choice(["P1", "P2", "P3"]), "status": "new",
                  "service": rng.choice(["email", "vpn"]),
                  "assignment_group": rng.choice(["desk", "network"])}
        row(type="opened", event_id=f"{tid}-0", ticket_id=tid, at=_us(t),
            fields=json.dumps(fields))
        for k in range(1, per_ticket):
            t += timedelta(minutes=rng.randrange(1, 600))
            eid = f"{tid}-{k}"
            if k == per_ticket - 1:
                row(type="resolved", event_id=eid, ticket_id=tid, at=_us(t))
                continue
            kind = rng.choice(["status", "group", "priority", "response"])
            if kind == "response":
                row(type="agent_responded", event_id=eid, ticket_id=tid, at=_us(t))
                continue
            key, pool = {
                "status": ("status", ["in_progress", "awaiting_customer"]),
                "group": ("assignment_group", ["desk", "network"]),
                "priority": ("priority", ["P1", "P2", "P3"]),
            }[kind]
            row(type="updated", event_id=eid, ticket_id=tid, at=_us(t),
                changes=json.dumps({key: rng.choice(pool)}))
    for j in range(20):
        start = T0 + timedelta(hours=rng.randrange(60 * 24))
        row(type="maintenance_scheduled", event_id=f"m{j}", service_id=["email", "vpn"][j % 2],
            at=_us(T0), start=_us(start), end=_us(start + timedelta(hours=rng.randrange(1, 8))))
    table = pa.table([pa.array(cols[f.name], f.type) for f in EVENTS_SCHEMA],
                     schema=EVENTS_SCHEMA)
    order = list(range(table.num_rows))
    rng.shuffle(order)
    return table.take(pa.array(order))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 tickets")
    parser.add_argument("--engines", default="single,dask,spark")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers / Spark cores")
    parser.add_argument("--partitions", type=int, default=None,
                        help="shuffle partitions (default: 4 x workers)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    tickets = 10_000 if args.quick else args.tickets
    partitions = args.partitions or 4 * args.workers
    engines = args.engines.split(",")

    business = BusinessCalendar(
        "Europe/Berlin",
        hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays={"country": "DE"},
    )
    calendars = {"business": business, "apac-business": business}
    policy = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=calendars)

    print(f"slacore batch: {tickets:,} tickets x 10 events, policy {policy.id} "
          f"({len(policy.metrics)} metrics); Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average {load()}")
    seconds, table = timed(lambda: make_table(tickets))
    events = table.num_rows
    print(f"  generated {events:,} events in {seconds:.1f} s")
    figures: dict[str, dict[str, float]] = {}
    results: dict[str, pa.Table] = {}

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.parquet"
        pq.write_table(table, path, row_group_size=100_000)
        warm = Path(tmp) / "warm-up.parquet"  # a slice: imports and calendars off the clock
        pq.write_table(table.slice(0, min(table.num_rows, 20_000)), warm)
        del table

        if "single" in engines:
            startup, _ = timed(lambda: evaluate_table(pq.read_table(warm), policy, calendars))
            seconds, results["single"] = timed(
                lambda: evaluate_table(pq.read_table(path), policy, calendars))
            figures["single"] = {"seconds": seconds, "startup": startup}

        if "dask" in engines:
            import dask.dataframe as dd
            from distributed import Client, LocalCluster

            from slacore.batch.dask import evaluate_dask

            startup, cluster = timed(lambda: LocalCluster(
                n_workers=args.workers, threads_per_worker=1, processes=True,
                dashboard_address=None))
            client = Client(cluster)
            try:
                def run_dask(source: Path) -> Any:
                    return evaluate_dask(dd.read_parquet(source), policy, calendars,
                                         npartitions=partitions, client=client).compute()

                startup += timed(lambda: run_dask(warm))[0]
                seconds, frame = timed(lambda: run_dask(path))
                results["dask"] = in_result_order(frame, policy)
                figures["dask"] = {"seconds": seconds, "startup": startup}
            finally:
                client.close()
                cluster.close()

        if "spark" in engines:
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            from pyspark.sql import SparkSession

            from slacore.batch.spark import evaluate_spark

            startup, spark = timed(lambda: (
                SparkSession.builder.master(f"local[{args.workers}]")
                .appName("slacore-batch-bench")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", str(partitions))
                .config("spark.driver.memory", "2g")
                .getOrCreate()))
            spark.sparkContext.setLogLevel("ERROR")
            try:
                def run_spark(source: Path) -> pa.Table:
                    return evaluate_spark(spark.read.parquet(str(source)), policy,
                                          calendars).toArrow()

                startup += timed(lambda: run_spark(warm))[0]
                seconds, arrow = timed(lambda: run_spark(path))
                results["spark"] = in_result_order(arrow, policy)
                figures["spark"] = {"seconds": seconds, "startup": startup}
            finally:
                spark.stop()

    base = figures.get("single", {}).get("seconds")
    reference = results.get("single")
    for name, fig in figures.items():
        rate = events / fig["seconds"]
        fig["events_per_second"] = rate
        ratio = f"{base / fig['seconds']:.2f}x single" if base else "n/a"
        same = ("" if reference is None or name == "single" else
                "  results equal single: " + ("yes" if results[name].equals(reference)
                                              else "NO"))
        startup = f", start-up + warm-up {fig['startup']:.1f} s"
        print(f"  {name:7s} {fig['seconds']:7.1f} s  {rate:10,.0f} events/s  {ratio}"
              f"{startup}{same}")
    rows = next(iter(results.values())).num_rows if results else 0
    print(f"  {rows:,} result rows (cycles); load average now {load()}")
    if args.json:
        args.json.write_text(json.dumps({"events": events, "figures": figures}, indent=2))


if __name__ == "__main__":
    main()
