"""``slacore demo``: a seeded three-month ITSM history, end to end — generated, ingested
into an SQLite store, projected, reported (tables here, an HTML page on disk)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from slacore.cli.commands.evaluate import run_projection, summarise
from slacore.cli.commands.ingest import ingest_file
from slacore.cli.commands.report import compliance_table, html_page
from slacore.cli.errors import CliError, handled
from slacore.cli.output import console, fmt_duration, fmt_instant, fmt_short, progress, table
from slacore.cli.session import Evaluated, Session
from slacore.demo import CALENDARS, POLICY_YAML, DemoHistory, calendars_yaml, generate_history
from slacore.loading import parse_text
from slacore.log import CalendarPublished, PolicyPublished, open_log
from slacore.policies import TicketSla, parse_policy
from slacore.projections import compliance_report, kpi_report, risk_report

__all__ = ["demo", "example_ticket"]

PUBLISHED_AT = datetime(2026, 7, 20, 9, 0, tzinfo=timezone.utc)


def write_files(directory: Path, history: DemoHistory) -> dict[str, Path]:
    """The policy, the calendars and the two event files of the demo."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {"policy": directory / "policy.yaml", "calendars": directory / "calendars.yaml",
             "events": directory / "events.jsonl", "backfill": directory / "backfill.jsonl"}
    files["policy"].write_text(POLICY_YAML, encoding="utf-8")
    files["calendars"].write_text(calendars_yaml(), encoding="utf-8")
    lines = list(history.jsonl())
    main = len(history.events)
    files["events"].write_text("".join(lines[:main]), encoding="utf-8")
    files["backfill"].write_text("".join(lines[main:]), encoding="utf-8")
    return files


def fresh_store(path: Path) -> None:
    """Remove the demo's own SQLite files (the store is rebuilt on every run)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def example_ticket(results: list[TicketSla]) -> str | None:
    """A ticket worth explaining: a breached resolution with pauses and a vendor."""
    def score(r: TicketSla) -> int:
        cycles = r.metrics.get("resolution", ())
        return (4 * any(c.breached for c in cycles) + 2 * any(c.paused for c in cycles)
                + 2 * bool(r.metrics.get("vendor-uc")) + len(r.metrics.get("network-ola", ())))

    best = max(results, key=lambda r: (score(r), r.ticket_id or ""), default=None)
    return None if best is None else best.ticket_id


def print_tables(evaluated: Evaluated, zone: str) -> None:
    out = console()
    results = evaluated.results
    out.print(compliance_table(compliance_report(results, group_by=("metric",), period="month",
                                                 zone=zone),
                               "Compliance by month and metric (cycles judged when they stop)"))
    out.print(compliance_table(
        compliance_report(results, group_by=("priority",), period="all", zone=zone,
                          metrics=["resolution"]), "\nResolution SLA by priority"))
    out.print(compliance_table(
        compliance_report(results, group_by=("vendor",), period="all", zone=zone,
                          metrics=["vendor-uc"]),
        "\nVendor scorecard: underpinning contracts (clock runs while awaiting the vendor)"))
    kpis = kpi_report([(evaluated.histories[r.ticket_id or ""], r) for r in results],
                      as_of=evaluated.as_of)
    t = kpis.total
    out.print(table("\nOperational KPIs (medians; response and resolution on the SLA clock, "
                    "business time)",
                    ("tickets", "resolved", "backlog", "cancelled", "response", "resolution",
                     "resolution (wall clock)", "reopened", "first-contact resolution"),
                    [(t.tickets, t.resolved, t.backlog, t.cancelled,
                      fmt_duration(t.first_response_business_median),
                      fmt_duration(t.resolve_business_median),
                      fmt_duration(t.resolve_wall_median),
                      "" if t.reopen_rate is None else f"{float(t.reopen_rate):.1%}",
                      "" if t.first_contact_resolution is None
                      else f"{float(t.first_contact_resolution):.1%}")],
                    right=("tickets", "resolved", "backlog", "cancelled", "response",
                           "resolution", "resolution (wall clock)", "reopened",
                           "first-contact resolution")))


@handled
def demo(
    directory: Annotated[Path, typer.Option(
        "--dir", "-d", help="Where the demo writes its store, files and report")
    ] = Path("slacore-demo"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the history")] = 7,
    tickets: Annotated[int, typer.Option("--tickets", min=10, max=200_000,
                                         help="Tickets to generate (plus outage bursts)")
                       ] = 3000,
    html: Annotated[bool, typer.Option("--html/--no-html", help="Write report.html")] = True,
    zone: Annotated[str, typer.Option("--zone", "-z", help="Zone of the report periods")
                    ] = "Europe/Berlin",
) -> None:
    """Generate a realistic seeded ITSM history (two regions and time zones, holidays,
    impact x urgency priorities, pauses, hand-offs, vendors, reopens, priority changes,
    maintenance windows, outages), ingest it into an SQLite store, run the projections,
    print the compliance summary and write an HTML report.  Same seed, same numbers."""
    out = console()
    history = generate_history(seed=seed, tickets=tickets)
    files = write_files(directory, history)
    db = directory / "slacore.db"
    fresh_store(db)
    url = f"sqlite:///{db.as_posix()}"
    out.print(f"slacore demo (seed {seed}): {history.tickets} tickets and "
              f"{history.stats['events']} events from {fmt_instant(history.start, _utc())} to "
              f"{fmt_instant(history.as_of, _utc())}; {history.outages} outages, "
              f"{history.maintenance_windows} maintenance windows; regions Europe/Berlin and "
              "America/New_York", markup=False)
    out.print(f"wrote {files['policy']}, {files['calendars']}, {files['events']}, "
              f"{files['backfill']}", markup=False)

    with open_log(url) as log:
        policy = parse_policy(parse_text(POLICY_YAML, "yaml", origin="policy.yaml"),
                              calendars=list(CALENDARS))
        for cid, spec in CALENDARS.items():
            log.publish(CalendarPublished.of(cid, spec, version=1,
                                             effective_from=policy.effective_from,
                                             published_by="service-management",
                                             approved_by=("head-of-it",), at=PUBLISHED_AT))
        log.publish(PolicyPublished.of(policy, published_by="service-management",
                                       approved_by=("head-of-it", "customer-board"),
                                       at=PUBLISHED_AT))
        main = ingest_file(log, files["events"], "jsonl")
        known = log.head()
        late = ingest_file(log, files["backfill"], "jsonl")
        if not (main.ok and late.ok):
            raise CliError("the generated history did not ingest cleanly: "
                           f"{main.summary()}; {late.summary()}")
    out.print(table("\nIngestion (the backfill holds one day of late events, "
                    f"{history.backfill_day}, and re-sent duplicates)",
                    ("file", "received", "stored", "duplicates", "rejected", "positions"),
                    [(p.name, r.received, r.stored, r.duplicates, len(r.rejected),
                      f"{r.first_position}-{r.last_position}")
                     for p, r in ((files["events"], main), (files["backfill"], late))],
                    right=("received", "stored", "duplicates", "rejected")))

    with Session.open(url, None, None) as session:
        view, applied = run_projection(session)
        out.print(table(f"\nSLA projection ({applied} events applied; latest cycle per ticket)",
                        ("metric", "tickets", "cycles", "open", "stopped", "cancelled",
                         "not started", "breached (latest)", "breached cycles"),
                        summarise(view.rows()),
                        right=("tickets", "cycles", "open", "stopped", "cancelled",
                               "not started", "breached (latest)", "breached cycles")))
        with progress() as bar:
            task = bar.add_task("evaluate", total=None)
            evaluated = session.evaluate_all(
                None, advance=lambda n: bar.advance(task, n),
                total=lambda n: bar.update(task, total=n))
    out.print(f"\nAll tickets evaluated as of {fmt_instant(evaluated.as_of, _utc())} "
              f"(the last event); periods in {zone}\n", markup=False)
    print_tables(evaluated, zone)
    risk = risk_report(evaluated.results, as_of=evaluated.as_of)
    feed = risk.at_risk
    out.print(table(f"\nAt risk now: {len(feed)} of {len(risk.cycles)} open clocks "
                    "(first 10, soonest due first)",
                    ("ticket", "metric", "elapsed / target", "due (UTC)", "P(breach)", "why"),
                    [(c.ticket_id, c.metric,
                      f"{fmt_duration(c.elapsed)} / {fmt_duration(c.target)}",
                      fmt_short(c.due_at, _utc()),
                      "" if c.probability is None else f"{float(c.probability):.0%}",
                      ", ".join(c.reasons)) for c in feed[:10]]))
    example = example_ticket(evaluated.results)
    if html:
        write_html(directory / "report.html", evaluated, zone, risk, example)
    store_arg = db.as_posix()
    out.print("\nNext:", markup=False)
    for line in (f"slacore explain {example} --store {store_arg}",
                 f"slacore report --store {store_arg} --period 2026-10 --group-by "
                 "metric,priority",
                 f"slacore at-risk --store {store_arg}",
                 f"slacore replay --store {store_arg} --as-known-at {known}   "
                 "# before the backfill",
                 f"slacore validate-policy {files['policy'].as_posix()} --calendars "
                 f"{files['calendars'].as_posix()}"):
        out.print(f"  {line}", markup=False)


def write_html(path: Path, evaluated: Evaluated, zone: str, risk: object,
               example: str | None) -> None:
    from slacore.reports import ReportDependencyError

    out = console()
    try:
        page = html_page(evaluated, zone=zone, unit="month",
                         title="slacore demo: IT incident management, three months",
                         risk=risk, timelines=[example] if example else [],
                         kpi_group_by=("priority",))
    except ReportDependencyError as exc:
        out.print(f"\nHTML report skipped: {exc}", markup=False)
        return
    path.write_text(page, encoding="utf-8")
    out.print(f"\nwrote {path} (open it in a browser; it needs no network)", markup=False)


def _utc() -> ZoneInfo:
    return ZoneInfo("UTC")
