"""``slacore explain TICKET``: every clock of one ticket as a readable timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from slacore.cli.common import check_choice, zone_info
from slacore.cli.errors import CliError, handled
from slacore.cli.options import AsOf, Calendars, PolicyFile, Store
from slacore.cli.output import (
    console,
    dump_json,
    fmt_duration,
    fmt_instant,
    fmt_short,
    table,
    write_text,
)
from slacore.cli.session import Session, parse_as_of
from slacore.events import Event, TicketOpened, TicketUpdated, canonical_history
from slacore.policies import Cycle, TicketSla, evaluate, resolve_calendars

__all__ = ["explain", "print_explanation"]


def _changes(event: Event) -> str:
    values: Any = None
    if isinstance(event, TicketOpened):
        values = event.fields
    elif isinstance(event, TicketUpdated):
        values = event.changes
    if not values:
        return ""
    parts = []
    for key, value in values.items():
        if key == "attributes" and isinstance(value, dict):
            parts += [f"attributes.{k}={v}" for k, v in value.items()]
        else:
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def _verdict(cycle: Cycle) -> str:
    if cycle.state == "stopped":
        return "BREACHED" if cycle.breached else "met"
    if cycle.state == "cancelled":
        return "cancelled"
    return ("running, BREACHED" if cycle.breached else cycle.state)


def print_explanation(result: TicketSla, events: list[Event], zone: ZoneInfo, *,
                      metric: str | None = None, show_events: bool = True) -> None:
    """The ticket's events, then per metric and cycle its numbers and its segments."""
    out = console()
    fields = result.fields
    out.print(f"{result.ticket_id}: priority {fields.get('priority')}, service "
              f"{fields.get('service')}, group {fields.get('assignment_group')}, status "
              f"{fields.get('status')}; policy {result.policy_id} v{result.policy_version}; "
              f"as of {fmt_instant(result.as_of, zone) if result.as_of else 'its last event'}"
              f"; times in {zone.key}",
              markup=False)
    if show_events:
        history = canonical_history(events)
        out.print(table("events", ("at", "event", "type", "by", "changes"),
                        [(fmt_short(e.at, zone), e.event_id, e.type, e.actor or "",
                          _changes(e)) for e in history.events]))
        for anomaly in result.anomalies:
            out.print(f"  anomaly: {anomaly.message}", markup=False)
    for name, cycles in result.metrics.items():
        if metric is not None and name != metric:
            continue
        if not cycles:
            out.print(f"\n{name}: never started", markup=False)
            continue
        for cycle in cycles:
            out.print(
                f"\n{name} · cycle {cycle.index + 1} · {_verdict(cycle)} · elapsed "
                f"{fmt_duration(cycle.elapsed)} of {fmt_duration(cycle.target)} "
                f"({cycle.percent} %) on {cycle.calendar} · paused "
                f"{fmt_duration(cycle.paused)} · excluded {fmt_duration(cycle.excluded)}",
                markup=False)
            due = f"due {fmt_instant(cycle.due_at, zone)}" if cycle.due_at else ""
            breached = f", breached at {fmt_instant(cycle.breached_at, zone)}" \
                if cycle.breached_at else ""
            warned = "".join(f", {float(w.threshold):.0%} warning at "
                             f"{fmt_instant(w.at, zone)}" for w in cycle.warnings)
            stop = f"; {cycle.end_reason}" if cycle.end_reason else ""
            out.print(f"  {due}{breached}{warned}{stop}", markup=False)
            rows = [(fmt_short(s.start, zone), fmt_short(s.end, zone),
                     fmt_duration(s.duration), s.kind, s.reason, s.event_id or "")
                    for s in cycle.segments]
            out.print(table(None, ("from", "to", "length", "clock", "why", "event"), rows,
                            right=("length",)))


@handled
def explain(
    ticket: Annotated[str, typer.Argument(help="Ticket id", show_default=False)],
    store: Store = None,
    policy: PolicyFile = None,
    calendars: Calendars = None,
    as_of: AsOf = None,
    metric: Annotated[str | None, typer.Option(
        "--metric", "-m", show_default=False, help="Only this metric")] = None,
    zone: Annotated[str | None, typer.Option(
        "--zone", "-z", show_default=False,
        help="Time zone of the times shown [default: the policy's default calendar's]")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    png: Annotated[Path | None, typer.Option(
        "--png", show_default=False, help="Also draw the timeline to this PNG file")] = None,
    svg: Annotated[Path | None, typer.Option(
        "--svg", show_default=False, help="Also draw the timeline to this SVG file")] = None,
) -> None:
    """Why a ticket's SLA clocks say what they say (as of its last event, or --as-of): its
    events, then for every metric and cycle the segments (counted, paused, excluded, closed
    hours) with their reasons and the events that caused them; --png/--svg draw the same as
    a picture (needs the 'report' extra: matplotlib)."""
    check_choice("--format", fmt, ("text", "json"))
    for option, path, suffix in (("--png", png, ".png"), ("--svg", svg, ".svg")):
        if path is not None and path.suffix.lower() != suffix:
            raise CliError(f"{option}: {path} should end in {suffix}")
    with Session.open(store, policy, calendars) as session:
        events = session.ticket_events(ticket)
        services = session.services_of(events)
        governing = session.policy.for_ticket(events)
        if governing is None:
            raise CliError(f"ticket {ticket}: no version of policy "
                           f"{session.policy.policy_id} was in force at its opening")
        if metric is not None and metric not in governing.metrics:
            raise CliError(f"--metric: unknown metric {metric!r}; the policy has "
                           f"{', '.join(governing.metrics)}")
        # Without --as-of: up to the ticket's last event (what the projection shows).
        instant = None if as_of is None else parse_as_of(as_of, None)
        result = evaluate(governing, events, calendars=session.calendars, services=services,
                          as_of=instant)
        default_zone = str(resolve_calendars(governing, session.calendars)[
            governing.calendar].timezone)
    tz = zone_info(zone or default_zone)
    for path in (png, svg):
        if path is not None:
            from slacore.reports import timeline_image

            path.parent.mkdir(parents=True, exist_ok=True)
            timeline_image(result, path, metric=metric)
    if fmt == "json":
        data = result.to_dict()
        if metric is not None:
            data["metrics"] = {metric: data["metrics"].get(metric, [])}
        write_text(dump_json(data), None)
        return
    print_explanation(result, events, tz, metric=metric)
    for path in (png, svg):
        if path is not None:
            console().print(f"\nwrote {path}", markup=False)
