"""``slacore replay --as-known-at X``: the figures as the store knew them at a log position
or a recorded instant, next to the figures the store gives now for the same instant."""

from __future__ import annotations

from typing import Annotated

import typer

from slacore.cli.common import check_choice, zone_info
from slacore.cli.errors import CliError, handled
from slacore.cli.options import AsOf, Calendars, Format, Output, PolicyFile, Store, Zone
from slacore.cli.output import (
    console,
    dump_csv,
    dump_json,
    fmt_duration,
    fmt_instant,
    fmt_pct,
    progress,
    table,
    write_text,
)
from slacore.cli.session import Evaluated, Session, parse_known_at
from slacore.policies import Cycle
from slacore.projections import compliance_report

__all__ = ["changes", "replay"]


def _outcome(cycle: Cycle | None) -> str:
    if cycle is None:
        return "-"
    verdict = {"stopped": "BREACHED" if cycle.breached else "met"}.get(
        cycle.state, f"{cycle.state}{' (breached)' if cycle.breached else ''}")
    return f"{verdict} {fmt_duration(cycle.elapsed)}/{fmt_duration(cycle.target)}"


def changes(then: Evaluated, now: Evaluated) -> list[dict[str, object]]:
    """Every ticket, metric and cycle whose outcome differs between the two evaluations."""
    before = {r.ticket_id: r for r in then.results}
    after = {r.ticket_id: r for r in now.results}
    out: list[dict[str, object]] = []
    for tid in sorted(set(before) | set(after), key=str):
        b, a = before.get(tid), after.get(tid)
        metrics = list(dict.fromkeys([*(b.metrics if b else {}), *(a.metrics if a else {})]))
        for metric in metrics:
            bc = b.metrics.get(metric, ()) if b else ()
            ac = a.metrics.get(metric, ()) if a else ()
            for i in range(max(len(bc), len(ac))):
                x = bc[i] if i < len(bc) else None
                y = ac[i] if i < len(ac) else None
                key_x = None if x is None else (x.state, x.breached, x.elapsed, x.target)
                key_y = None if y is None else (y.state, y.breached, y.elapsed, y.target)
                if key_x != key_y:
                    out.append({"ticket_id": tid, "metric": metric, "cycle": i + 1,
                                "then": _outcome(x), "now": _outcome(y)})
    return out


@handled
def replay(
    as_known_at: Annotated[str, typer.Option(
        "--as-known-at", "-k", show_default=False,
        help="A log position (e.g. 26000) or a recorded instant (ISO 8601 with offset)")],
    store: Store = None,
    policy: PolicyFile = None,
    calendars: Calendars = None,
    as_of: AsOf = None,
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", "-m", show_default=False, help="Only these metrics (repeatable)")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1,
                                       help="Show at most this many changed clocks")] = 20,
    zone: Zone = "UTC",
    fmt: Format = "text",
    output: Output = None,
) -> None:
    """Re-run the evaluation as the store knew it at a point of its history (what was
    reported then), and compare with what the store says now about the same instant (late
    events corrected it).  The policy and calendars are also taken as known then, unless
    given as files.  --as-of defaults to the latest event known then."""
    check_choice("--format", fmt, ("text", "csv", "json"))
    tz = zone_info(zone)
    known = parse_known_at(as_known_at)
    with Session.open(store, policy, calendars) as session:
        position = session.log.resolve(known)
        head = session.log.head()
        if position is not None and position > head:
            raise CliError(f"--as-known-at: position {position} is beyond the end of the "
                           f"store ({head})")
    with Session.open(store, policy, calendars, known_at=known) as then_session, \
            progress() as bar:
        task = bar.add_task("replay", total=None)
        then = then_session.evaluate_all(as_of, known_at=known,
                                         advance=lambda n: bar.advance(task, n),
                                         total=lambda n: bar.update(task, total=n))
    with Session.open(store, policy, calendars) as session, progress() as bar:
        task = bar.add_task("now", total=None)
        now = session.evaluate_all(then.as_of, advance=lambda n: bar.advance(task, n),
                                   total=lambda n: bar.update(task, total=n))
    diff = [d for d in changes(then, now) if not metric or d["metric"] in metric]
    rep_then = compliance_report(then.results, period="all", metrics=metric)
    rep_now = compliance_report(now.results, period="all", metrics=metric)
    if fmt != "text":
        data = diff[:limit] if fmt == "csv" else {
            "as_known_at": position, "as_of": then.as_of, "changes": diff,
            "then": rep_then.model_dump(mode="json"), "now": rep_now.model_dump(mode="json")}
        write_text(dump_csv(diff) if fmt == "csv" else dump_json(data), output)
        return
    out = console()
    out.print(f"as known at position {position} of {head}: {len(then.results)} tickets; "
              f"now: {len(now.results)} tickets; both evaluated as of "
              f"{fmt_instant(then.as_of, tz)}", markup=False)
    rows: list[tuple[object, ...]] = []
    now_rows = {r.group.get("metric"): r for r in rep_now.groups}
    for r in rep_then.groups:
        n = now_rows.get(r.group.get("metric"))
        rows.append((r.group.get("metric"), r.due, r.breached, fmt_pct(r.compliance_pct),
                     n.due if n else "", n.breached if n else "",
                     fmt_pct(n.compliance_pct) if n else ""))
    for metric_name, n in now_rows.items():
        if all(r.group.get("metric") != metric_name for r in rep_then.groups):
            rows.append((metric_name, "", "", "", n.due, n.breached, fmt_pct(n.compliance_pct)))
    out.print(table(None, ("metric", "due then", "breached then", "compliance then",
                           "due now", "breached now", "compliance now"), rows,
                    right=("due then", "breached then", "compliance then", "due now",
                           "breached now", "compliance now")))
    out.print(f"{len(diff)} clocks changed since then", markup=False)
    if diff:
        out.print(table(None, ("ticket", "metric", "cycle", "then", "now"),
                        [(d["ticket_id"], d["metric"], d["cycle"], d["then"], d["now"])
                         for d in diff[:limit]]))
        if len(diff) > limit:
            out.print(f"… {len(diff) - limit} more (--limit)", markup=False)
