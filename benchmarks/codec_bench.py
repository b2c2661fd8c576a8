"""CPU cost per event of the event codec (``slacore.events``): reading JSON into models
(``from_json``, ``loads_jsonl``), validating mappings (``parse_event``), writing
(``to_json``, ``canonical_json``), and upcasting a format-1 event.

Each fast path is timed next to its slow, obviously-correct peer in the same process on
the same inputs: ``json.loads`` with hooks then validation (the decoder ``from_json``
falls back to), and ``reference_json`` (the writer the fast ones are tested against).
A benchmark, not a test: it prints figures and never fails on a slow one.

    .venv/bin/python benchmarks/codec_bench.py --tickets 2000
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import slacore.events.codec as codec
from slacore.events import canonical_json, from_json, loads_jsonl, parse_event, to_json

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_bench import make_tickets


def per_event_us(fn: Callable[[Any], Any], items: list[Any], repeat: int) -> float:
    """Best of ``repeat`` passes, CPU time per item in microseconds."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - start)
    return best / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    raw = [e for t in make_tickets(args.tickets) for e in t]
    models = [parse_event(e) for e in raw]
    texts = [to_json(m) for m in models]
    jsonl = "".join(t + "\n" for t in texts)
    window = {"type": "maintenance_scheduled", "event_id": "m1", "service_id": "email",
              "at": "2026-02-20T12:00:00Z", "start": "2026-03-07T22:00:00+01:00",
              "end": "2026-03-08T02:00:00+01:00"}  # format 1: no maintenance_id
    windows = [dict(window, event_id=f"m{i}") for i in range(len(raw))]

    def reference_from_json(text: str) -> Any:
        return parse_event(codec._loads(text))

    rows: list[tuple[str, Callable[[Any], Any], list[Any]]] = [
        ("from_json (stored text -> model)", from_json, texts),
        ("  peer: json.loads with hooks + parse_event", reference_from_json, texts),
        ("parse_event (mapping -> model)", parse_event, raw),
        ("parse_event (format-1 maintenance, upcast)", parse_event, windows),
        ("to_json (model -> stored text)", to_json, models),
        ("canonical_json (conflict check)", canonical_json, models),
    ]
    reference = getattr(codec, "reference_json", None)
    if reference is not None:
        rows.insert(5, ("  peer: reference_json", reference, models))
        rows.append(("  peer: reference_json(canonical=True)",
                     lambda m: reference(m, canonical=True), models))

    print(f"slacore.events codec: {len(raw):,} events of {args.tickets:,} tickets, best of "
          f"{args.repeat} (Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs)")
    figures: dict[str, float] = {}
    for name, fn, items in rows:
        figures[name] = per_event_us(fn, items, args.repeat)
        print(f"  {name:46s} {figures[name]:8.2f} µs/event")
    start = time.process_time()
    count = len(loads_jsonl(jsonl))
    print(f"  {'loads_jsonl (whole text)':46s} "
          f"{(time.process_time() - start) / count * 1e6:8.2f} µs/event")
    fast, slow = figures["from_json (stored text -> model)"], figures[rows[1][0]]
    print(f"from_json is {slow / fast:.1f}x its peer")
    if reference is not None:
        fast, slow = figures["to_json (model -> stored text)"], figures["  peer: reference_json"]
        print(f"to_json is {slow / fast:.1f}x its peer")


if __name__ == "__main__":
    main()
