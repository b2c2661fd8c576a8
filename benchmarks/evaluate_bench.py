"""Throughput of ``slacore.evaluate``: tickets of ~10 events, 3 metrics, business calendars.

    python benchmarks/evaluate_bench.py [--tickets N] [--json PATH]

Prints which build it measures (pure Python, or the mypyc-compiled build of
docs/performance.md), then tickets/s (process CPU time, best of 3) for events given as
parsed models and as raw JSON-able mappings, and the share spent building the canonical
history.  A benchmark, not a test: it never fails on a slow figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from typing import Any

from slacore.clock import BusinessCalendar
from slacore.events import canonical_history, parse_event
from slacore.loading import load_policy
from slacore.policies import evaluate

ROOT = Path(__file__).resolve().parents[1]


def build_measured() -> str:
    """Which build of slacore this process runs: "pure Python", or the compiled build
    (``SLACORE_COMPILE=1``) with the slacore modules loaded from C extension files."""
    compiled = sorted(
        name for name, module in list(sys.modules.items())
        if name.startswith("slacore.")
        and str(getattr(module, "__file__", "")).endswith(tuple(EXTENSION_SUFFIXES))
    )
    return f"compiled with mypyc ({', '.join(compiled)})" if compiled else "pure Python"


def make_tickets(n: int, seed: int = 7) -> list[list[dict[str, Any]]]:
    """``n`` tickets of 10 events: opened, status/group/priority changes, a response,
    resolved last."""
    rng = random.Random(seed)
    t0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
    tickets = []
    for i in range(n):
        t = t0 + timedelta(minutes=rng.randrange(60 * 24 * 60))
        tid = f"T{i}"
        events: list[dict[str, Any]] = [{
            "type": "opened", "event_id": f"{tid}-0", "ticket_id": tid, "at": t.isoformat(),
            "fields": {"priority": rng.choice(["P1", "P2", "P3"]), "status": "new",
                       "service": "email", "assignment_group": rng.choice(["desk", "network"])},
        }]
        for k in range(1, 10):
            t += timedelta(minutes=rng.randrange(1, 600))
            base = {"event_id": f"{tid}-{k}", "ticket_id": tid, "at": t.isoformat()}
            if k == 9:
                events.append({"type": "resolved", **base})
                continue
            kind = rng.choice(["status", "group", "priority", "response"])
            if kind == "response":
                events.append({"type": "agent_responded", **base})
            else:
                key, pool = {
                    "status": ("status", ["in_progress", "awaiting_customer"]),
                    "group": ("assignment_group", ["desk", "network"]),
                    "priority": ("priority", ["P1", "P2", "P3"]),
                }[kind]
                events.append({"type": "updated", **base, "changes": {key: rng.choice(pool)}})
        tickets.append(events)
    return tickets


def best_rate(fn: Any, items: list[Any], repeats: int = 3) -> float:
    """Items per CPU second, best of ``repeats``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - start)
    return len(items) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    business = BusinessCalendar(
        "Europe/Berlin",
        hours={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays={"country": "DE"},
    )
    calendars = {"business": business, "apac-business": business}
    policy = load_policy(ROOT / "examples" / "standard-incident.yaml", calendars=calendars)
    raw = make_tickets(args.tickets)
    parsed = [[parse_event(e) for e in t] for t in raw]
    evaluate(policy, parsed[0], calendars=calendars)  # build the calendar tables once

    figures = {
        "evaluate (parsed events)": best_rate(
            lambda t: evaluate(policy, t, calendars=calendars), parsed),
        "evaluate (raw mappings)": best_rate(
            lambda t: evaluate(policy, t, calendars=calendars), raw),
        "canonical_history only": best_rate(canonical_history, parsed),
    }
    print(f"slacore.evaluate: {args.tickets} tickets x 10 events x 3 metrics "
          f"(Python {platform.python_version()}, {platform.machine()})")
    print(f"build: {build_measured()}")
    for name, rate in figures.items():
        print(f"  {name:28s} {rate:10,.0f} tickets/s")
    target = 20_000
    got = figures["evaluate (parsed events)"]
    print(f"target >= {target:,} tickets/s on one core: "
          f"{'met' if got >= target else f'not met ({got / target:.0%} of it)'}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
