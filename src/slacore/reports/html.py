"""The HTML report: one self-contained page of sections built from the projections.

``html_report`` runs the projections on a list of ``TicketSla`` (compliance per period and
metric, compliance per priority × service, the at-risk feed, and the KPIs when the
tickets' events are given), adds the scorecard, credit and availability reports it is
given, and renders each as a section (``slacore.reports.sections``,
``slacore.reports.contract_sections``).
The page has no external reference: charts are inline SVG, the style sheet is inline, there
is no script and no web font, so it opens in a browser without network access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slacore.errors import InvalidInput, NaiveDatetimeError, Problem
from slacore.policies import TicketSla
from slacore.projections import (
    ComplianceReport,
    KpiReport,
    RiskReport,
    compliance_report,
    kpi_report,
    risk_report,
)
from slacore.projections.compliance import PeriodUnit
from slacore.reports import format as fmt
from slacore.reports.contract_sections import (
    availability_section,
    credit_section,
    scorecard_section,
)
from slacore.reports.sections import (
    Section,
    anchor_for,
    compliance_section,
    compliance_table,
    fragment_section,
    heatmap_section,
    kpi_section,
    risk_section,
    timeline_section,
)

if TYPE_CHECKING:
    from slacore.projections.availability import AvailabilityReport
    from slacore.projections.credits import CreditReport
    from slacore.projections.scorecards import HolderScorecard

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0 auto;max-width:1200px;padding:1rem 2rem;color:#1a1a1a;line-height:1.4}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.2rem}
p.meta{color:#555;margin-top:0}p.note{color:#555;font-size:.9em}
nav ol{columns:2;font-size:.95em}
table{border-collapse:collapse;font-size:.85em;margin:.6rem 0;display:block;overflow-x:auto}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;white-space:nowrap}
th{background:#f3f3f3}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafafa}
figure.chart{margin:.8rem 0}figure.chart svg{max-width:100%;height:auto}
figcaption{font-size:.85em;color:#555}
@media print{nav{display:none}h2{break-after:avoid}figure{break-inside:avoid}}
"""


def _zone(zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput([Problem("zone", zone, "unknown IANA time zone")]) from exc


def render_page(title: str, sections: Sequence[Section], *, meta: str = "") -> str:
    """A complete HTML document: ``title`` (escaped), a table of contents, the sections in
    order.  ``meta`` is an HTML fragment shown under the title."""
    taken: set[str] = set()
    anchors = [anchor_for(s.heading, taken) for s in sections]
    toc = "".join(f'<li><a href="#{a}">{fmt.text(s.heading)}</a></li>'
                  for a, s in zip(anchors, sections, strict=True))
    body = "\n".join(f'<section id="{a}">\n<h2>{fmt.text(s.heading)}</h2>\n{s.body}\n'
                     f"</section>" for a, s in zip(anchors, sections, strict=True))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{fmt.text(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{fmt.text(title)}</h1>\n<p class=meta>{meta}</p>\n"
        f"<nav><ol>{toc}</ol></nav>\n{body}\n</body>\n</html>\n"
    )


def summary_section(report: ComplianceReport, *, heading: str = "Summary") -> Section:
    """Compliance per group over the whole span (``compliance_report(..., period="all")``,
    grouped by metric in ``html_report``)."""
    return Section(heading, "<p>Every cycle of the evaluated span, per metric.</p>\n"
                   + compliance_table(report, by_period=False))


def _many(value: Any) -> list[Any]:
    """``None`` → ``[]``, one report → ``[report]``, a sequence → a list."""
    if value is None:
        return []
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def _kpis(results: Sequence[TicketSla], histories: Mapping[str, Iterable[Any]],
          as_of: datetime, group_by: Sequence[str]) -> KpiReport:
    missing = [r.ticket_id for r in results if r.ticket_id not in histories]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5])
        raise InvalidInput([Problem("histories", shown + (" …" if len(missing) > 5 else ""),
                                    "no events for these tickets")], what="report input")
    pairs = [(histories[r.ticket_id], r) for r in results if r.ticket_id is not None]
    return kpi_report(pairs, as_of=as_of, group_by=group_by)


def html_report(
    results: Sequence[TicketSla],
    *,
    as_of: datetime,
    zone: str = "UTC",
    period: str = "month",
    title: str = "slacore report",
    extra_sections: Sequence[tuple[str, str]] = (),
    histories: Mapping[str, Iterable[Any]] | None = None,
    kpis: KpiReport | None = None,
    kpi_group_by: Sequence[str] = ("priority",),
    risk: RiskReport | None = None,
    at_risk_limit: int | None = 100,
    timelines: Sequence[str] = (),
    scorecards: HolderScorecard | Sequence[HolderScorecard] | None = None,
    credits: CreditReport | Sequence[CreditReport] | None = None,
    availability: AvailabilityReport | None = None,
    charts: bool = True,
) -> str:
    """A self-contained HTML page reporting on ``results`` (every ticket's ``TicketSla``,
    evaluated at ``as_of``).

    Sections: a summary per metric; compliance per ``period`` (``month``, ``week``, ``day``,
    ``year`` or ``all``, in the IANA ``zone``) and metric, with a trend chart; breached
    cycles per priority × service (heat map per metric); the at-risk feed (``risk_report``
    at ``as_of``, or ``risk`` when given; at most ``at_risk_limit`` rows); the KPIs
    (``kpis`` when given, else ``kpi_report`` over ``histories``: ticket id → its events,
    grouped by ``kpi_group_by``; without either the section says what it needs); when
    given, OLA/UC ``scorecards`` (``holder_scorecard``), service ``credits``
    (``contract_credits``, one report per contract) and ``availability``
    (``availability_report``); the timelines of the tickets named in ``timelines``; then
    ``extra_sections``: ``(heading, html fragment)`` pairs, the heading escaped, the
    fragment inserted as given (trusted).

    Every figure comes from the projections; strings from data are escaped.  Charts need
    matplotlib (the ``report`` extra); ``charts=False`` gives the tables only.
    """
    if as_of.tzinfo is None:
        raise NaiveDatetimeError("as_of", as_of)
    tz = _zone(zone)
    results = list(results)
    known = {r.ticket_id: r for r in results if r.ticket_id is not None}
    unknown = [t for t in timelines if t not in known]
    if unknown:
        raise InvalidInput([Problem("timelines", unknown, "no result for these tickets")],
                           what="report input")

    overall = compliance_report(results, group_by=("metric",), period="all", zone=zone)
    trend = compliance_report(results, group_by=("metric",), period=cast(PeriodUnit, period),
                              zone=zone)
    heat = compliance_report(results, group_by=("metric", "priority", "service"),
                             period="all", zone=zone)
    risk = risk if risk is not None else risk_report(results, as_of=as_of)
    if kpis is None and histories is not None:
        kpis = _kpis(results, histories, as_of, kpi_group_by)

    sections = [
        summary_section(overall),
        compliance_section(trend, chart=charts),
        heatmap_section(heat, chart=charts),
        risk_section(risk, zone=zone, limit=at_risk_limit),
        kpi_section(kpis) if kpis is not None else Section(
            "KPI summary", "<p class=note>The KPIs need the tickets' events: pass "
            "<code>histories</code> (or a <code>kpis</code> report).</p>"),
    ]
    sections += [scorecard_section(c) for c in _many(scorecards)]
    sections += [credit_section(c) for c in _many(credits)]
    if availability is not None:
        sections.append(availability_section(availability, chart=charts))
    if timelines:
        sections.append(timeline_section([known[t] for t in timelines], zone=zone))
    sections += [fragment_section(h, f) for h, f in extra_sections]
    meta = (f"{len(results)} tickets · as of {fmt.instant(as_of, tz)} ({fmt.text(zone)}) · "
            f"periods: {fmt.text(trend.unit)}")
    return render_page(title, sections, meta=meta)
