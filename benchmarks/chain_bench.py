"""Cost of the hash chain: ingest the same events into SQLite with the chain (as shipped)
and with the chain steps switched off (the log as it was before), interleaved in one
process; then verify and retention throughput.

    python benchmarks/chain_bench.py [--tickets N] [--repeats R]

Two inputs: the ingest benchmark's tickets (no personal values) and the same with an
``actor`` on every event and assignee/customer/caller/description on every opening.
Wall-clock events/s, best of ``repeats``.  A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slacore.log.ingest as ingest_module
from evaluate_bench import make_tickets
from slacore.events import parse_event
from slacore.log import RetentionPolicy, RetentionRule, open_log
from slacore.log.chain import ZERO
from slacore.log.recorders import _SQLiteTx


@contextmanager
def chain_off() -> Iterator[None]:
    """Ingestion without the chain steps (no tail/stream reads, no hashing, no rows)."""
    saved = (ingest_module.seal, ingest_module.link_rows, _SQLiteTx.chain_tail,
             _SQLiteTx.stream_hashes, _SQLiteTx.chain)
    ingest_module.seal = lambda *a, **k: None  # type: ignore[assignment]
    ingest_module.link_rows = lambda *a, **k: []  # type: ignore[assignment]
    _SQLiteTx.chain_tail = lambda self: (0, ZERO, 0)  # type: ignore[method-assign]
    _SQLiteTx.stream_hashes = lambda self, streams: {}  # type: ignore[method-assign]
    _SQLiteTx.chain = lambda self, rows: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        (ingest_module.seal, ingest_module.link_rows, _SQLiteTx.chain_tail,
         _SQLiteTx.stream_hashes, _SQLiteTx.chain) = saved


def with_personal(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in raw:
        e = dict(e, actor="agent.smith")
        if e["type"] == "opened":
            e["fields"] = dict(e["fields"], assignee="jane.doe", customer="ACME",
                               attributes={"caller": "John Q", "description": "printer"})
        out.append(e)
    return out


def ingest_rate(models: list[Any], chained: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp, open_log(f"sqlite:///{tmp}/b.db") as log:
        start = time.perf_counter()
        if chained:
            report = log.ingest(models)
        else:
            with chain_off():
                report = log.ingest(models)
        secs = time.perf_counter() - start
        assert report.stored == len(models)
    return len(models) / secs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    raw = [e for t in make_tickets(args.tickets) for e in t]
    inputs = {"plain": raw, "personal": with_personal(raw)}
    print(f"SQLite, {len(raw)} events, {args.tickets} tickets, 1000 per transaction")
    for name, data in inputs.items():
        models = [parse_event(e) for e in data]
        best = {True: 0.0, False: 0.0}
        for _ in range(args.repeats):
            for chained in (False, True):
                best[chained] = max(best[chained], ingest_rate(models, chained))
        print(f"  ingest {name:8s}: without chain {best[False]:8.0f} ev/s, with chain "
              f"{best[True]:8.0f} ev/s  (ratio {best[True] / best[False]:.2f})")
        with tempfile.TemporaryDirectory() as tmp, open_log(f"sqlite:///{tmp}/b.db") as log:
            log.ingest(models)
            start = time.perf_counter()
            report = log.verify()
            secs = time.perf_counter() - start
            assert report.ok
            print(f"  verify {name:8s}: {len(models) / secs:8.0f} ev/s")
            if name == "personal":
                policy = RetentionPolicy(rules=[RetentionRule(
                    types=("*",), fields=("actor", "assignee", "customer", "attributes.*"),
                    older_than="1d", closed_only=False)])
                start = time.perf_counter()
                done = log.apply_retention(policy, as_of=datetime(2100, 1, 1,
                                                                  tzinfo=timezone.utc))
                secs = time.perf_counter() - start
                print(f"  retention        : {done.events / secs:8.0f} events purged/s "
                      f"({done.values} values)")


if __name__ == "__main__":
    main()
