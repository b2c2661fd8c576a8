"""The sections of the HTML report, one function per report object.

Each function takes the object a projection returned and gives a ``Section``: a heading,
an HTML fragment (a chart and/or a table).  The figures are the report's own,
formatted (``slacore.reports.format``); nothing here computes an SLA figure.  Every string
that comes from data is escaped.  Vendor scorecards, credits and availability follow the
same pattern in ``slacore.reports.contract_sections``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from slacore.policies import TicketSla
from slacore.projections import ComplianceReport, ComplianceRow, KpiReport, RiskReport
from slacore.reports import format as fmt


@dataclass(frozen=True, slots=True)
class Section:
    """One section of the page: ``heading`` (plain text, escaped when rendered) and
    ``body`` (an HTML fragment)."""

    heading: str
    body: str


def anchor_for(heading: str, taken: set[str] | None = None) -> str:
    """An HTML id derived from ``heading`` (``[a-z0-9-]``), unique within ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-") or "section"
    name, n = base, 2
    while taken is not None and name in taken:
        name, n = f"{base}-{n}", n + 1
    if taken is not None:
        taken.add(name)
    return name


def _group_cells(row: ComplianceRow, keys: Sequence[str]) -> list[str]:
    return [fmt.group_value(row.group.get(k)) for k in keys]


_COMPLIANCE_HEADERS = ("due", "met", "breached", "compliance", "running",
                       "running breached", "cancelled", "p50 elapsed", "p90 elapsed",
                       "total breach")


def _compliance_cells(row: ComplianceRow) -> list[str]:
    return [str(row.due), str(row.met), str(row.breached), fmt.percent(row.compliance_pct),
            str(row.running), str(row.running_breached), str(row.cancelled),
            fmt.duration(row.percentiles.get("p50")), fmt.duration(row.percentiles.get("p90")),
            fmt.duration(row.total_breach)]


def compliance_table(report: ComplianceReport, *, by_period: bool = True) -> str:
    """Every period × group row of ``report``, then each period's total (when grouped) and
    the overall total (``class="compliance"``).  ``by_period=False`` leaves out the period
    column and the period totals (for a one-period report: ``period="all"``)."""
    keys = list(report.group_by)
    lead = ["period"] if by_period else []
    headers = [*lead, *keys, *_COMPLIANCE_HEADERS]
    first = len(lead) + len(keys)
    numeric = range(first, first + len(_COMPLIANCE_HEADERS))

    def bold(cells: list[str]) -> list[str]:
        return [f"<b>{c}</b>" for c in cells]

    rows = []
    for period in report.periods:
        label = [fmt.text(period.period)] if by_period else []
        for row in report.groups:
            if row.period == period.period:
                rows.append([*label, *_group_cells(row, keys), *_compliance_cells(row)])
        if keys and by_period:
            rows.append(bold([*label, *(["all"] * len(keys)), *_compliance_cells(period)]))
    rows.append(bold([*(["total"] if by_period else []),
                      *(["all"] * len(keys)), *_compliance_cells(report.total)]))
    return fmt.table(headers, rows, css="compliance", numeric=numeric)


def compliance_section(report: ComplianceReport, *, chart: bool = True,
                       heading: str = "Compliance per period") -> Section:
    """Compliance trend chart (``charts.compliance_trend_svg``) and table of ``report``
    (typically ``compliance_report(results, group_by=("metric",), period=...)``)."""
    parts = [f"<p>Cycles judged in the period they stopped ({fmt.text(report.unit)}s in "
             f"{fmt.text(report.zone)}); compliance = met / due, rounded down. Running "
             f"cycles are counted apart and not judged.</p>"]
    if chart:
        from slacore.reports.charts import compliance_trend_svg

        parts.append(f'<figure class="chart">{compliance_trend_svg(report)}</figure>')
    parts.append(compliance_table(report))
    return Section(heading, "\n".join(parts))


def heatmap_section(report: ComplianceReport, *, rows: str = "priority",
                    columns: str = "service", panels: str | None = "metric",
                    chart: bool = True, heading: str = "Breaches by priority and service"
                    ) -> Section:
    """Breach heat map (``charts.breach_heatmap_svg``) and its table, from a one-period
    report grouped by ``(panels, rows, columns)``."""
    parts = [f"<p>Breached / due cycles per {fmt.text(rows)} × {fmt.text(columns)}"
             f"{' and ' + fmt.text(panels) if panels else ''}, over the whole span.</p>"]
    if chart:
        from slacore.reports.charts import breach_heatmap_svg

        parts.append(f'<figure class="chart">'
                     f"{breach_heatmap_svg(report, rows=rows, columns=columns, panels=panels)}"
                     f"</figure>")
    keys = list(report.group_by)
    first = len(keys)
    table_rows = [[*_group_cells(r, keys), *_compliance_cells(r)[:4]] for r in report.groups]
    parts.append(fmt.table([*keys, *_COMPLIANCE_HEADERS[:4]], table_rows, css="heatmap",
                           numeric=range(first, first + 4)))
    return Section(heading, "\n".join(parts))


def risk_section(report: RiskReport, *, zone: str = "UTC", limit: int | None = 100,
                 heading: str = "At risk") -> Section:
    """The at-risk feed of ``report`` (breached, warned or likely to breach open cycles),
    soonest due first; at most ``limit`` rows (``None``: all)."""
    tz = ZoneInfo(zone)
    items = report.at_risk
    shown = items if limit is None else items[:limit]
    headers = ("ticket", "metric", "state", "elapsed", "target", "% of target", "due",
               "time to due", "warning", "P(breach)", "reasons")
    rows = [[fmt.text(c.ticket_id), fmt.text(c.metric), fmt.text(c.state),
             fmt.duration(c.elapsed), fmt.duration(c.target), fmt.percent(c.percent),
             fmt.instant(c.due_at, tz), fmt.duration(c.time_to_due),
             fmt.ratio(c.warning_level), fmt.ratio(c.probability),
             fmt.text(", ".join(c.reasons))] for c in shown]
    intro = (f"<p>{len(items)} of {len(report.cycles)} open cycles at "
             f"{fmt.instant(report.as_of, tz)} ({fmt.text(zone)}) are breached, past a "
             f"warning threshold or likely to breach (P ≥ "
             f"{fmt.ratio(report.high_probability)}).</p>")
    more = ""
    if len(shown) < len(items):
        more = f"<p class=note>Showing the first {len(shown)} of {len(items)}.</p>"
    body = intro + fmt.table(headers, rows, css="at-risk", numeric=(3, 4, 5, 7, 8, 9)) + more
    return Section(heading, body)


_KPI_COLUMNS: tuple[tuple[str, str], ...] = (
    ("tickets", "tickets"), ("resolved", "resolved"), ("backlog", "backlog"),
    ("cancelled", "cancelled"),
    ("first response (business, mean)", "first_response_business_mean"),
    ("first response (business, median)", "first_response_business_median"),
    ("first response (wall, median)", "first_response_wall_median"),
    ("resolve (business, mean)", "resolve_business_mean"),
    ("resolve (business, median)", "resolve_business_median"),
    ("resolve (wall, median)", "resolve_wall_median"),
    ("reopen rate", "reopen_rate"), ("first-contact resolution", "first_contact_resolution"),
)


def _kpi_cell(value: object) -> str:
    from datetime import timedelta
    from fractions import Fraction

    if isinstance(value, timedelta):
        return fmt.duration(value)
    if isinstance(value, Fraction):
        return fmt.ratio(value)
    return fmt.text(value)


def kpi_section(report: KpiReport, *, heading: str = "KPI summary") -> Section:
    """Operational KPIs per group and in total, and the backlog by age on the SLA clock
    (``kpi_report``; definitions in docs/kpis.md)."""
    keys = list(report.group_by)
    headers = [*keys, *(label for label, _ in _KPI_COLUMNS)]
    rows = [[*(fmt.group_value(r.group.get(k)) for k in keys),
             *(_kpi_cell(getattr(r, name)) for _, name in _KPI_COLUMNS)]
            for r in report.groups] if keys else []
    rows.append([*(["<b>all</b>"] * len(keys)),
                 *(f"<b>{_kpi_cell(getattr(report.total, name))}</b>"
                   for _, name in _KPI_COLUMNS)])
    main = fmt.table(headers, rows, css="kpi",
                     numeric=range(len(keys), len(keys) + len(_KPI_COLUMNS)))
    aging = fmt.table(["backlog age (SLA clock)", *report.aging_buckets],
                      [["tickets", *(str(report.total.aging.get(b, 0))
                                     for b in report.aging_buckets)]],
                      css="aging", numeric=range(1, 1 + len(report.aging_buckets)))
    return Section(heading, main + "\n<h3>Backlog by age</h3>\n" + aging)


def timeline_section(results: Sequence[TicketSla], *, zone: str = "UTC",
                     heading: str = "Ticket timelines") -> Section:
    """One timeline chart (``timeline.timeline_svg``) per result."""
    from slacore.reports.timeline import timeline_svg

    figures = [f'<figure class="chart">{timeline_svg(r, zone=zone)}'
               f"<figcaption>{fmt.text(r.ticket_id)}</figcaption></figure>"
               for r in results]
    return Section(heading, "\n".join(figures) or "<p>No tickets.</p>")


def fragment_section(heading: str, fragment: str) -> Section:
    """A caller's section: ``heading`` is escaped, ``fragment`` is trusted HTML."""
    return Section(heading, fragment)
