"""``slacore report``: compliance per period and group as text, CSV, JSON or HTML."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from slacore.cli.common import check_choice, zone_info
from slacore.cli.errors import CliError, handled
from slacore.cli.options import AsOf, Calendars, Output, PolicyFile, Store, Zone
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
from slacore.cli.session import Evaluated, Session
from slacore.projections import ComplianceReport, Period, compliance_report

__all__ = ["compliance_table", "html_page", "parse_period", "report"]

UNITS = ("month", "week", "day", "year", "all")


def parse_period(text: str, zone: ZoneInfo) -> tuple[str, list[Period] | None]:
    """``--period``: a unit (``month`` …) or one period's key (``2026-10``, ``2026-W41``,
    ``2026-10-05``, ``2026``); the unit and, for a key, that one period in ``zone``."""
    if text in UNITS:
        return text, None

    def at(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), zone)

    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            y, mo = int(m[1]), int(m[2])
            start = date(y, mo, 1)
            end = date(y + (mo == 12), mo % 12 + 1, 1)
            unit = "month"
        elif m := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            end = start + timedelta(days=7)
            unit = "week"
        elif m := re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            start = date.fromisoformat(text)
            end = start + timedelta(days=1)
            unit = "day"
        elif m := re.fullmatch(r"(\d{4})", text):
            start, end = date(int(m[1]), 1, 1), date(int(m[1]) + 1, 1, 1)
            unit = "year"
        else:
            raise ValueError
    except ValueError:
        raise CliError(f"--period: {text!r} is neither a unit ({', '.join(UNITS)}) nor a "
                       "period such as 2026-10, 2026-W41, 2026-10-05 or 2026") from None
    return unit, [Period(text, at(start), at(end))]


def compliance_table(report: ComplianceReport, title: str | None = None) -> Any:
    """A Rich table of a compliance report: one row per period × group, then the total
    (``open``: running or paused cycles; p50/p90/p95: nearest-rank percentiles of elapsed
    business time of the judged cycles; CSV and JSON carry every figure exactly)."""
    keys = list(report.group_by)
    cols = ["period", *keys, "due", "met", "breached", "met %", "open", "p50", "p90", "p95"]
    rows: list[Sequence[Any]] = []
    for row in [*report.groups, report.total]:
        label = row.period if row is not report.total else "all"
        group = [row.group.get(k) for k in keys] if row is not report.total else \
            ["" for _ in keys]
        rows.append((label, *group, row.due, row.met, row.breached,
                     fmt_pct(row.compliance_pct), row.running,
                     *(fmt_duration(row.percentiles.get(p)) for p in ("p50", "p90", "p95"))))
    return table(title, cols, rows,
                 right=("due", "met", "breached", "met %", "open", "p50", "p90", "p95"))


def html_page(evaluated: Evaluated, *, zone: str, unit: str, title: str,
              extra_sections: Sequence[tuple[str, str]] = (), **more: Any) -> str:
    """The HTML report of ``slacore.reports`` (a self-contained page)."""
    from slacore.reports import html_report

    return html_report(evaluated.results, as_of=evaluated.as_of, zone=zone, period=unit,
                       title=title, extra_sections=extra_sections,
                       histories=evaluated.histories, **more)


@handled
def report(
    store: Store = None,
    policy: PolicyFile = None,
    calendars: Calendars = None,
    period: Annotated[str, typer.Option(
        "--period", help="A unit (month, week, day, year, all) or one period: 2026-10, "
                         "2026-W41, 2026-10-05, 2026")] = "month",
    group_by: Annotated[str, typer.Option(
        "--group-by", "-g", help="Comma-separated keys: metric, priority, service, "
                                 "assignment_group, vendor, customer, tier, calendar, "
                                 "attributes.<name> …")] = "metric",
    metric: Annotated[list[str] | None, typer.Option(
        "--metric", "-m", show_default=False, help="Only these metrics (repeatable)")] = None,
    by: Annotated[str, typer.Option(
        "--by", help="Attribute a cycle to the period in which it stopped or opened")
    ] = "stopped",
    as_of: AsOf = None,
    zone: Zone = "UTC",
    fmt: Annotated[str, typer.Option("--format", "-f",
                                     help="text, csv, json or html")] = "text",
    output: Output = None,
    title: Annotated[str, typer.Option("--title", help="Title of the HTML report")
                     ] = "slacore report",
) -> None:
    """Compliance (met / due, exact, rounded down) per period and group, with percentiles
    of elapsed business time; as text, CSV, JSON or a self-contained HTML page with charts
    (html needs the 'report' extra: matplotlib)."""
    check_choice("--format", fmt, ("text", "csv", "json", "html"))
    check_choice("--by", by, ("stopped", "opened"))
    tz = zone_info(zone)
    unit, periods = parse_period(period, tz)
    keys = tuple(k.strip() for k in group_by.split(",") if k.strip())
    with Session.open(store, policy, calendars) as session, progress() as bar:
        task = bar.add_task("evaluate", total=None)
        evaluated = session.evaluate_all(
            as_of, advance=lambda n: bar.advance(task, n),
            total=lambda n: bar.update(task, total=n))
    if fmt == "html":
        if metric:
            raise CliError("--metric: the HTML report covers every metric; "
                           "use it with --format text, csv or json")
        write_text(html_page(evaluated, zone=zone, unit=unit, title=title), output)
        if output is not None:
            console().print(f"wrote {output}", markup=False)
        return
    try:
        rep = compliance_report(evaluated.results, group_by=keys,
                                period=periods if periods is not None else unit,  # type: ignore[arg-type]
                                zone=zone, by=by,  # type: ignore[arg-type]
                                metrics=metric)
    except ValueError as exc:
        raise CliError(f"--group-by: {exc}") from None
    if fmt == "csv":
        write_text(dump_csv(rep.rows()), output)
    elif fmt == "json":
        write_text(dump_json(rep.model_dump(mode="json")), output)
    else:
        out = console()
        out.print(f"as of {fmt_instant(evaluated.as_of, tz)}; {len(evaluated.results)} "
                  f"tickets; policy {session.policy.origin}; periods in {zone}, cycles by "
                  f"the instant they {by}", markup=False)
        out.print(compliance_table(rep))
