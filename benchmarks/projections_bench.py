"""Throughput of the pure projections over ``TicketSla`` results (the log excluded).

    python benchmarks/projections_bench.py [--tickets N] [--json PATH]

Evaluates synthetic tickets (``evaluate_bench.make_tickets``: 10 events, 3 metrics,
business calendars) as of an instant that leaves some of them open, then times
(process CPU time, best of 3) the compliance report (month × metric × priority), the
breach-risk report (Kaplan–Meier fit per metric × priority, fallbacks, every open cycle)
and the KPI report, and prints tickets/s for each and for all of them.  A benchmark, not a
test: it never fails on a slow figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from slacore.clock import BusinessCalendar
from slacore.events import canonical_history, parse_event
from slacore.loading import load_policy
from slacore.policies import TicketSla, evaluate
from slacore.projections import compliance_report, risk_report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_bench import make_tickets  # noqa: E402

try:  # the KPI projection may not exist yet
    from slacore.projections import kpi_report
except ImportError:  # pragma: no cover
    kpi_report = None


def best_time(fn: Callable[[], Any], repeats: int = 3) -> float:
    """Best process CPU time of ``repeats`` runs."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=20_000)
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
    # tickets open over 60 days from 2026-03-02 and last up to ~4 days: as of day 60, nearly
    # all are opened and the late ones are still open
    as_of = datetime(2026, 3, 2, tzinfo=timezone.utc) + timedelta(days=60)
    start = time.process_time()
    results: list[TicketSla] = [
        evaluate(policy, t, calendars=calendars, as_of=as_of) for t in raw]
    eval_s = time.process_time() - start
    # the log hands projections parsed events: parse outside the timed region
    events_by_ticket = [[parse_event(e) for e in t] for t in raw]
    n_open = sum(1 for r in results for c in r.cycles() if c.state in ("running", "paused"))
    n_cycles = sum(len(r.cycles()) for r in results)

    timings: dict[str, float] = {
        "compliance": best_time(lambda: compliance_report(
            results, group_by=("metric", "priority"), zone="Europe/Berlin")),
        "breach risk": best_time(lambda: risk_report(results, as_of=as_of)),
    }
    extra: dict[str, float] = {}
    if kpi_report is not None:
        # a pipeline builds each ticket's canonical history once, for evaluate and the KPIs
        histories = [canonical_history(t) for t in events_by_ticket]
        timings["kpis"] = best_time(lambda: kpi_report(
            list(zip(histories, results, strict=True)), as_of=as_of))
        extra["kpis (rebuilding histories)"] = best_time(lambda: kpi_report(
            list(zip(events_by_ticket, results, strict=True)), as_of=as_of))
    timings["all projections"] = sum(timings.values())
    timings.update(extra)
    rates = {name: len(results) / secs for name, secs in timings.items()}

    n_opened = sum(1 for r in results if r.metrics)
    print(f"slacore.projections: {len(results)} tickets ({n_opened} opened by as_of), "
          f"{n_cycles} cycles, {n_open} open "
          f"(Python {platform.python_version()}, {platform.machine()})")
    print(f"  {'evaluate (setup, not timed)':28s} {len(results) / eval_s:10,.0f} tickets/s")
    for name, rate in rates.items():
        print(f"  {name:28s} {rate:10,.0f} tickets/s")
    target = 10_000
    got = rates["all projections"]
    print(f"target >= {target:,} tickets/s for the projections on one core: "
          f"{'met' if got >= target else f'not met ({got / target:.0%} of it)'}")
    if args.json:
        args.json.write_text(json.dumps(rates, indent=2))


if __name__ == "__main__":
    main()
