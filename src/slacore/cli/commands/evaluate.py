"""``slacore evaluate`` (the SLA projection kept in the store) and ``slacore at-risk``."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict
from typing import Annotated

import typer

from slacore.cli.common import check_choice, zone_info
from slacore.cli.errors import handled
from slacore.cli.options import AsOf, Calendars, Format, Output, PolicyFile, Store, Zone
from slacore.cli.output import (
    console,
    dump_csv,
    dump_json,
    fmt_duration,
    fmt_instant,
    fmt_short,
    progress,
    table,
    write_text,
)
from slacore.cli.session import Session, unknown_ticket_message
from slacore.projections import SlaProjection, risk_report
from slacore.projections.views import ViewRow

__all__ = ["at_risk", "evaluate_cmd", "run_projection"]


def view_name(session: Session) -> str:
    """The view of this policy and these calendars: ``sla_<digest>`` (a new policy or
    calendar gets a new view instead of mixing rows of two definitions)."""
    specs = json.dumps({k: c.to_spec() for k, c in sorted(session.calendars.items())},
                       sort_keys=True, default=str)
    digest = hashlib.sha256((session.policy.fingerprint() + specs).encode()).hexdigest()[:12]
    return f"sla_{digest}"


def run_projection(session: Session, *, rebuild: bool = False,
                   chunk: int = 10_000) -> tuple[SlaProjection, int]:
    """Catch the SLA projection up with the log (a progress bar on a terminal); the view
    and the number of log events applied now.  Large chunks evaluate a ticket whose events
    span several chunks fewer times (the runner re-evaluates it once per chunk)."""
    source = session.policy
    policy = source.policy if source.policy is not None else source.policy_id
    view = SlaProjection(session.log, policy, calendars=session.calendars,
                         name=view_name(session), chunk=chunk)
    if rebuild:
        view.view.clear()
    applied = 0
    with progress() as bar:
        task = bar.add_task("projection", total=session.log.head(),
                            completed=view.position())
        while True:
            n = view.run(max_chunks=1)
            if n == 0:
                break
            applied += n
            bar.update(task, completed=view.position())
    return view, applied


def summarise(rows: list[ViewRow]) -> list[tuple[object, ...]]:
    """Per metric: tickets, latest-cycle states, breached latest cycles, breached cycles."""
    by_metric: dict[str, Counter[str]] = {}
    for row in rows:
        c = by_metric.setdefault(row.metric, Counter())
        c["tickets"] += 1
        c[row.state] += 1
        c["breached"] += row.breached
        c["breached_cycles"] += row.breached_cycles
        c["cycles"] += row.cycles
    out: list[tuple[object, ...]] = []
    for metric in sorted(by_metric):
        c = by_metric[metric]
        out.append((metric, c["tickets"], c["cycles"], c["running"] + c["paused"],
                     c["stopped"], c["cancelled"], c["not_started"], c["breached"],
                     c["breached_cycles"]))
    return out


@handled
def evaluate_cmd(
    store: Store = None,
    policy: PolicyFile = None,
    calendars: Calendars = None,
    ticket: Annotated[str | None, typer.Option(
        "--ticket", "-t", show_default=False, help="Show the rows of one ticket")] = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Forget the view and evaluate everything again")] = False,
    fmt: Format = "text",
    output: Output = None,
) -> None:
    """Bring the SLA projection up to date with the store and summarise it.

    The projection (a view kept in the store's database) re-evaluates only the tickets that
    new events touched, and resumes where it stopped; one row per ticket and metric (the
    latest cycle), evaluated up to the ticket's last event."""
    check_choice("--format", fmt, ("text", "csv", "json"))
    with Session.open(store, policy, calendars) as session:
        view, applied = run_projection(session, rebuild=rebuild)
        rows = view.rows(ticket)
        if ticket is not None and not rows:
            from slacore.cli.errors import CliError

            raise CliError(unknown_ticket_message(ticket, sorted(view.view.tickets())))
        position, head = view.position(), session.log.head()
        origin = session.policy.origin
    if fmt != "text":
        data = [asdict(r) for r in rows]
        write_text(dump_csv(data) if fmt == "csv" else dump_json(data), output)
        return
    out = console()
    out.print(f"policy {origin}; view at position {position} of {head} "
              f"({applied} events applied now)", markup=False)
    if ticket is not None:
        out.print(table(f"{ticket}", ("metric", "state", "cycles", "elapsed", "target",
                                      "breached", "started", "due", "stopped"),
                        [(r.metric, r.state, r.cycles, fmt_duration_us(r.elapsed_us),
                          fmt_duration_us(r.target_us), "yes" if r.breached else "no",
                          r.started_at, r.due_at, r.stopped_at) for r in rows]))
        return
    out.print(table("SLA view: latest cycle per ticket and metric",
                    ("metric", "tickets", "cycles", "open", "stopped", "cancelled",
                     "not started", "breached (latest)", "breached cycles"),
                    summarise(rows),
                    right=("tickets", "cycles", "open", "stopped", "cancelled", "not started",
                           "breached (latest)", "breached cycles")))
    errors = [r for r in rows if r.state in ("error", "no_policy")]
    for r in errors[:10]:
        out.print(f"  {r.ticket_id}: {r.state} {r.detail or ''}", markup=False)


def fmt_duration_us(us: int | None) -> str:
    from datetime import timedelta

    return "" if us is None else fmt_duration(timedelta(microseconds=us))


@handled
def at_risk(
    store: Store = None,
    policy: PolicyFile = None,
    calendars: Calendars = None,
    as_of: AsOf = None,
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", "-m", show_default=False, help="Only these metrics (repeatable)")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1,
                                       help="Show at most this many cycles")] = 20,
    zone: Zone = "UTC",
    fmt: Format = "text",
    output: Output = None,
) -> None:
    """The at-risk feed: open SLA clocks that are breached, past a warning threshold, or
    likely to breach (Kaplan-Meier on the store's history), soonest due first."""
    check_choice("--format", fmt, ("text", "csv", "json"))
    tz = zone_info(zone)
    with Session.open(store, policy, calendars) as session, progress() as bar:
        task = bar.add_task("evaluate", total=None)
        evaluated = session.evaluate_all(
            as_of, advance=lambda n: bar.advance(task, n),
            total=lambda n: bar.update(task, total=n))
    report = risk_report(evaluated.results, as_of=evaluated.as_of, metrics=metric)
    feed = report.at_risk
    if fmt != "text":
        rows = [c.row() for c in feed[:limit]]
        write_text(dump_csv(rows) if fmt == "csv" else dump_json(rows), output)
        return
    fields = {r.ticket_id: r.fields for r in evaluated.results}
    out = console()
    breached = sum(c.breached for c in feed)
    out.print(f"as of {fmt_instant(evaluated.as_of, tz)}: {len(report.cycles)} open clocks, "
              f"{len(feed)} at risk ({breached} already breached)", markup=False)
    rows2 = []
    for c in feed[:limit]:
        prob = "" if c.probability is None else f"{float(c.probability):.0%}"
        rows2.append((c.ticket_id, c.metric, fields.get(c.ticket_id, {}).get("priority"),
                      c.state, f"{fmt_duration(c.elapsed)} / {fmt_duration(c.target)}",
                      f"{c.percent} %", fmt_short(c.due_at, tz),
                      fmt_duration(c.time_to_due), prob, ", ".join(c.reasons)))
    out.print(table(None, ("ticket", "metric", "priority", "state", "elapsed / target",
                           "used", f"due ({tz.key})", "due in", "P(breach)", "why"), rows2,
                    right=("used", "due in", "P(breach)")))
    if len(feed) > limit:
        out.print(f"… {len(feed) - limit} more (--limit)", markup=False)
